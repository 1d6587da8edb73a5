"""The class's gradebook: one row per student, written atomically, safe to open in a spreadsheet.

gradebook.csv holds, per student: the points of each assignment graded, the
total, the maximum, the status of the grading (complete, incomplete, crashed,
grader-fault, unreadable, no-sandbox, pending) and the trouble a teaching
assistant looks for (does-not-import, forbidden-import, missing-module, timed-out,
worker-died, budget-exhausted, not-started), the seconds grading took, and the
written questions whose answer the student's answers.md lacks ("answers
missing": a3.q2;a5.q1; empty for notebook submissions, whose answers nbgrader
collects).

gradebook-canvas.csv holds the same points in Canvas's gradebook import
layout: Student, ID, SIS User ID, SIS Login ID, Section, then one column per
assignment, and a "Points Possible" row. Canvas matches rows by SIS Login ID
here: name the students' folders by their Canvas logins (Gradescope's and
nbgrader's exports do when the course was created from Canvas's roster).

Every cell a spreadsheet would evaluate (a student id or a message starting
with =, +, -, @, a tab or a carriage return) is written with a leading
apostrophe, which spreadsheets show as text: a folder named
`=HYPERLINK(...)` stays a name.
"""

import csv
import io
import json
import os
from pathlib import Path

from .course import COURSE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell a spreadsheet shows as written: numbers as they are, formulas neutralised."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(path, header, rows):
    """Write a CSV atomically (a temporary file, then a rename), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(buffer.getvalue(), newline="")
    os.replace(temporary, path)


def read_results(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def row_of(name, results, assignments, status, seconds=None):
    """A gradebook row from a student's results.json (None: not graded yet)."""
    extra = (results or {}).get("extra_data") or {}
    totals = extra.get("assignments") or {}
    points = [round(float((totals.get(a) or {}).get("score", 0.0)), 4) for a in assignments]
    maximum = extra.get("max_score", "")
    trouble = ";".join(extra.get("trouble") or [])
    if seconds is None:
        seconds = (results or {}).get("execution_time", "")
    return [name, *points, round(sum(points), 4), maximum, status, trouble,
            round(seconds, 1) if isinstance(seconds, (int, float)) else seconds,
            answers_missing(results, assignments)]


def answers_missing(results, assignments):
    """The written questions (a3.q2;a5.q1) whose answer answers.md lacks, for a TA to chase."""
    report = ((results or {}).get("extra_data") or {}).get("written_answers") or {}
    by_assignment = report.get("assignments") or {}
    return ";".join(q for a in assignments for q in (by_assignment.get(a) or {}).get("missing", []))


CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def write_gradebook(out, names, statuses, assignments, seconds=None):
    """out/gradebook.csv and out/gradebook-canvas.csv for these students.

    A student without a status is "pending" (no points yet: an empty Canvas cell).
    """
    seconds = seconds or {}
    rows, canvas, possible = [], [], {}
    for name in names:
        status = statuses.get(name)
        results = read_results(Path(out) / name / "results.json") if status else None
        rows.append(row_of(name, results, assignments, status or "pending", seconds.get(name)))
        totals = ((results or {}).get("extra_data") or {}).get("assignments") or {}
        for a in assignments:
            if a in totals and "max_score" in totals[a]:
                possible.setdefault(a, totals[a]["max_score"])
        canvas.append([name, "", "", name, ""] + [
            round(float(totals[a]["score"]), 4) if a in totals else "" for a in assignments])
    write_csv(Path(out) / "gradebook.csv",
              ["student", *assignments, "total", "max", "status", "trouble", "seconds",
               "answers missing"], rows)
    titles = [f"{a} {_title(a)}" for a in assignments]
    write_csv(Path(out) / "gradebook-canvas.csv", CANVAS_COLUMNS + titles,
              [["Points Possible", "", "", "", ""] + [possible.get(a, "") for a in assignments]]
              + canvas)


def _title(assignment):
    return COURSE[assignment].title if assignment in COURSE else ""
