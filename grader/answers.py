"""Which written answers a submission brings: its answers.md, read as plain text, scored never.

The Python-stub route hands in answers.md beside the modules (the stubs ship it:
one heading per question of questions.toml). The grader reads it on the trusted
side, with reading.py's bounds (no link followed, a regular file, a size limit,
UTF-8), never executes or renders anything of it, and reports per assignment
which questions are answered and which are missing, for the student (the
terminal, feedback.html) and the instructor (results.json, the gradebook's
"answers missing" column). The answers' points are graded by hand.

A notebook submission holds its answers in nbgrader's answer cells instead,
graded in nbgrader's manual grading: it gets no report here.
"""

from pathlib import Path

from .questions import parse_answers, questions_of
from .reading import Unreadable, read_text, walk

ANSWERS_FILE = "answers.md"
MAX_ANSWERS_BYTES = 512 * 2**10  # prose: a few sentences a question


def read_answers(submission, assignment_ids):
    """The report of a submission's written answers, or None for a notebook submission.

    {"file": "answers.md", "note": why it was not read (or None),
     "assignments": {aN: {"answered": [ids], "missing": [ids]}}}: the assignments
    graded that have questions. Never raises: an unreadable file is a note, and
    every answer counts as missing.
    """
    asked = {a: [q.id for q in questions_of(a)] for a in assignment_ids}
    asked = {a: ids for a, ids in asked.items() if ids}
    if not asked:
        return None
    note, answers = None, {}
    try:
        found = walk(submission)  # the folder itself must be no link (nor anything in it read)
        if not found.python and found.notebooks:
            return None  # nbgrader's answer cells hold them
        answers = parse_answers(read_text(Path(submission) / ANSWERS_FILE, MAX_ANSWERS_BYTES))
    except Unreadable as error:
        note = str(error)
        if "No such file" in note:
            note = f"no {ANSWERS_FILE} in the submission"
    return {"file": ANSWERS_FILE, "note": note, "assignments": {
        a: {"answered": [q for q in ids if answers.get(q)],
            "missing": [q for q in ids if not answers.get(q)]}
        for a, ids in asked.items()}}


def summary_line(report, assignment_id):
    """ "written answers: 2 of 3 for a3 (missing: a3.q2)", or None (no questions, no report)."""
    entry = (report or {}).get("assignments", {}).get(assignment_id)
    if entry is None:
        return None
    answered, missing = len(entry["answered"]), entry["missing"]
    line = (f"written answers: {answered} of {answered + len(missing)} for {assignment_id}"
            + (f" (missing: {', '.join(missing)})" if missing else ""))
    if missing and report.get("note"):
        line += f"; {report['note']}"
    return line
