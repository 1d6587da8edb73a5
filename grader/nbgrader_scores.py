"""The isolated grader's scores into nbgrader's gradebook: one gradebook for both routes.

An instructor who releases and collects with nbgrader but grades with the
isolated grader (`python -m grader grade assignments/submitted --out graded`)
keeps nbgrader's gradebook as the one of record: this writes each student's
points, cell by cell, as the manual score of the notebook's test cells. Each
generated test cell names the grader checks it carries (its metadata's
nnkit.carries, from authoring/notebook_points.py), so a cell's score is the
sum of those checks' scores, and a notebook's total is the grader's.

Usage:
    python -m grader.nbgrader_scores GRADED --assignment a2 [--course assignments]

GRADED is the output folder of a class's grading (GRADED/<student>/results.json);
students and submissions missing from the gradebook are added. nbgrader's
manual scores take precedence over its autograded ones, and nbgrader's own
late penalty (its timestamps) still applies on top. Written questions (manual
cells that carry no check) are left as they are, for grading by hand.
"""

import argparse
import json
import sys
from pathlib import Path

from .course import COURSE
from .gradebook import read_results

ROOT = Path(__file__).resolve().parent.parent


def carried_checks(source_notebook):
    """{grade_id: [check names]} of a source notebook's test cells."""
    cells = {}
    for cell in json.loads(Path(source_notebook).read_text())["cells"]:
        carries = cell.get("metadata", {}).get("nnkit", {}).get("carries")
        if carries:
            cells[cell["metadata"]["nbgrader"]["grade_id"]] = list(carries)
    return cells


def cell_scores(results, assignment, carried):
    """{grade_id: points} of one student's results.json for the cells of one notebook."""
    scores = {test["extra_data"]["check"]: float(test["score"]) for test in results["tests"]
              if test.get("extra_data", {}).get("assignment") == assignment}
    return {grade_id: round(sum(scores.get(name, 0.0) for name in names), 4)
            for grade_id, names in carried.items()}


def import_scores(graded, assignment_id, course):
    """Write every graded student's cell scores into <course>/gradebook.db; returns the count."""
    from nbgrader.api import Gradebook, MissingEntry  # noqa: PLC0415 - instructors' extra

    assignment = COURSE[assignment_id]
    notebook = assignment.notebook
    carried = carried_checks(Path(course) / "source" / assignment_id / f"{notebook}.ipynb")
    written = 0
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gradebook:
        gradebook.find_assignment(assignment_id)  # MissingEntry: release it first
        for folder in sorted(Path(graded).iterdir()):
            results = read_results(folder / "results.json") if folder.is_dir() else None
            if not results or "tests" not in results:
                continue
            student = folder.name
            gradebook.update_or_create_student(student)
            try:
                gradebook.find_submission(assignment_id, student)
            except MissingEntry:
                gradebook.add_submission(assignment_id, student)
            for grade_id, points in cell_scores(results, assignment_id, carried).items():
                grade = gradebook.find_grade(grade_id, notebook, assignment_id, student)
                grade.manual_score = min(points, grade.max_score)
            gradebook.db.commit()
            written += 1
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graded", help="the class's grading output (GRADED/<student>/results.json)")
    parser.add_argument("--assignment", required=True, choices=COURSE.ids)
    parser.add_argument("--course", default=str(ROOT / "assignments"), help="the nbgrader course")
    args = parser.parse_args(argv)
    from nbgrader.api import MissingEntry  # noqa: PLC0415 - instructors' extra

    try:
        count = import_scores(args.graded, args.assignment, args.course)
    except MissingEntry as error:
        print(f"{args.course}/gradebook.db does not know {args.assignment} or one of its cells "
              f"({error}): release it first (make release A={args.assignment}), from the "
              "notebooks the class was graded with", file=sys.stderr)
        return 2
    print(f"wrote the isolated grader's scores of {count} student(s) into "
          f"{args.course}/gradebook.db ({args.assignment})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
