"""Which submitted notebooks lost or changed cells they must not: `make autograde` prints it.

nbgrader puts deleted test cells back and restores altered locked cells when it
autogrades (assignments/nbgrader_config.py), and only logs a warning. This
lists them for the instructor, per student and cell, from the submissions
themselves (read with grader/reading.py's bounds, never executed):

    deleted     a test cell, a read-only cell or an answer cell is missing
    altered     a read-only cell (a test, the setup, given code) was edited
    duplicated  a cell id appears more than once (a copied test cell)
    unreadable  the notebook could not be read (the reason)

Usage:
    python -m grader.nbgrader_audit [--course assignments] [a1 a2 ...]

Writes <course>/notebook-audit.csv (student, assignment, notebook, cell, finding)
and prints the same; exit status 0 either way (findings are information).
"""

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from .course import COURSE
from .gradebook import write_csv
from .reading import Unreadable, read_notebook

ROOT = Path(__file__).resolve().parent.parent


def released_cells(path):
    """{grade_id: (source, locked)} of a released notebook's nbgrader cells (trusted)."""
    cells = {}
    for cell in json.loads(Path(path).read_text())["cells"]:
        nbgrader = cell.get("metadata", {}).get("nbgrader")
        if cell["cell_type"] == "code" and nbgrader and nbgrader.get("grade_id"):
            locked = bool(nbgrader.get("locked") or nbgrader.get("grade"))
            cells[nbgrader["grade_id"]] = ("".join(cell["source"]), locked)
    return cells


def audit_notebook(expected, submitted):
    """[(cell, finding)] of one submitted notebook against its source's cells."""
    try:
        code, _ = read_notebook(submitted)
    except Unreadable as error:
        return [("", f"unreadable: {error}")]
    counts = Counter(grade_id for grade_id, _ in code if grade_id)
    present = {grade_id: source for grade_id, source in code if grade_id}
    findings = [(grade_id, "duplicated") for grade_id, count in counts.items() if count > 1]
    for grade_id, (source, locked) in expected.items():
        if grade_id not in present:
            findings.append((grade_id, "deleted"))
        elif locked and _released(present[grade_id]) != _released(source):
            findings.append((grade_id, "altered"))
    return findings


def _released(source):
    """A cell as released: its hidden tests cleared (nbgrader's markers), whitespace trimmed."""
    return re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", "", source,
                  flags=re.S).strip()


def audit_course(course, assignments=None):
    """[(student, assignment, notebook, cell, finding)] for every submission of the course.

    Assignments not released (no release/<id>/) are skipped: there is nothing to compare.
    """
    course = Path(course)
    rows = []
    for assignment in COURSE:
        if assignments and assignment.id not in assignments:
            continue
        # What students received: the release (solutions and hidden tests cleared).
        source = course / "release" / assignment.id / f"{assignment.notebook}.ipynb"
        if not source.exists():
            continue
        expected = released_cells(source)
        for folder in sorted((course / "submitted").glob(f"*/{assignment.id}")):
            student, submitted = folder.parent.name, folder / source.name
            if not submitted.is_file() or submitted.is_symlink():
                rows.append((student, assignment.id, source.name, "", "deleted: the notebook"))
                continue
            rows += [(student, assignment.id, source.name, cell, finding)
                     for cell, finding in audit_notebook(expected, submitted)]
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="assignment ids (all when none)")
    parser.add_argument("--course", default=str(ROOT / "assignments"), help="the nbgrader course")
    args = parser.parse_args(argv)
    rows = audit_course(args.course, set(args.assignments))
    write_csv(Path(args.course) / "notebook-audit.csv",
              ["student", "assignment", "notebook", "cell", "finding"], rows)
    if rows:
        print(f"{len(rows)} cell(s) deleted or changed (nbgrader restored the test cells):")
        for student, assignment, notebook, cell, finding in rows:
            print(f"  {student:<20} {assignment} {notebook} {cell or '-'}: {finding}")
    else:
        print("every submitted notebook has its test and read-only cells as released")
    return 0


if __name__ == "__main__":
    sys.exit(main())
