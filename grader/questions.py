"""The written questions (questions.toml) and the `answers.md` they become.

    from grader.questions import questions_of, answers_template, parse_answers
    questions_of("a3")           (Question("a3.q1", ...), Question("a3.q2", ...))
    answers_template()           the answers.md of the student stubs and the bundle
    parse_answers(text)          {"a3.q1": "the student's answer", ...}

One file, written once: the notebooks' answer cells (authoring/notebooks.py),
the stubs' answers.md (authoring/stubs.py), the rubric's [questions] (their
points, checked against this list in grader/rubric.py) and the grader's report
of missing answers (grader/answers.py) all come from here.

answers.md is one heading per question id, the question quoted below it
(lines starting with ">") and the placeholder YOUR ANSWER HERE in its place. An
answer is whatever else stands under its heading: a heading kept with only the
quoted question and the placeholder (or nothing) is an answer missing.

Standard library only: it is read by the grader, on the trusted side.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .course import COURSE, CourseError, read_toml

QUESTIONS_FILE = Path(__file__).resolve().parent.parent / "questions.toml"
KEYS = {"id", "after", "text"}
PLACEHOLDER = "YOUR ANSWER HERE"  # nbgrader's own stub of an answer cell, the same here
ID = re.compile(r"(a[1-9][0-9]*)\.q[1-9][0-9]*")
# A question's heading in answers.md: "## a3.q1" (any level, text after the id allowed).
HEADING = re.compile(r"^#{1,6}[ \t]*(a[0-9]+\.q[0-9]+)\b.*$", re.M)
# Where an answer ends: the next question's heading or an assignment's ("## a4: Gradient ...").
BOUNDARY = re.compile(r"^#{1,6}[ \t]*a[0-9]+\b.*$", re.M)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    after: str = None  # the exercise whose lesson section it closes; None: the end

    @property
    def assignment(self):
        return ID.fullmatch(self.id).group(1)

    @property
    def cell_id(self):
        """Its answer cell's nbgrader grade_id (nbgrader allows no dot): answer-a3-q1."""
        return "answer-" + self.id.replace(".", "-")


def parse_questions(data, where="questions.toml"):
    """{assignment id: (Question, ...)} in file order, every field checked."""
    unknown_top = sorted(set(data) - {"question"})
    if unknown_top:
        raise CourseError(f"{where}: unknown top-level key(s) {unknown_top}; "
                          "each question is a [[question]] table")
    entries = data.get("question", [])
    if not isinstance(entries, list):
        raise CourseError(f"{where}: question must be [[question]] tables")
    by_assignment, seen = {}, set()
    for position, entry in enumerate(entries, start=1):
        at = f"{where}: question {position}"
        unknown = sorted(set(entry) - KEYS)
        if unknown:
            raise CourseError(f"{at}: unknown key(s) {unknown}; known: {sorted(KEYS)}")
        question_id = entry.get("id")
        match = ID.fullmatch(question_id) if isinstance(question_id, str) else None
        if match is None:
            raise CourseError(f"{at}: id {question_id!r} is not of the form aN.qK (a3.q1)")
        if match.group(1) not in COURSE:
            raise CourseError(f"{at}: {question_id}: course.toml has no assignment "
                              f"{match.group(1)}")
        if question_id in seen:
            raise CourseError(f"{at}: {question_id} is asked twice")
        seen.add(question_id)
        text = entry.get("text")
        if not isinstance(text, str) or not text.strip():
            raise CourseError(f"{at}: {question_id} needs its text")
        after = entry.get("after")
        if after is not None and not isinstance(after, str):
            raise CourseError(f"{at}: {question_id}: after names an exercise (a string)")
        by_assignment.setdefault(match.group(1), []).append(
            Question(question_id, text.strip(), after))
    return {a: tuple(qs) for a, qs in by_assignment.items()}


@lru_cache(maxsize=4)
def load_questions(path=QUESTIONS_FILE):
    return parse_questions(read_toml(path, "the written questions"), where=Path(path).name)


def questions_of(assignment_id):
    """The written questions of one assignment, in order (maybe none)."""
    return load_questions().get(assignment_id, ())


def answers_template(assignment_ids=None):
    """The text of answers.md: a heading per question, its text quoted, a placeholder."""
    lines = ["# Written answers", "",
             "Answer each question under its heading, in a few sentences of your own, in place",
             f"of {PLACEHOLDER}. Keep the headings: they say which question an answer belongs",
             "to (the lines starting with > are the questions). The grader does not score",
             "prose: it tells you which answers are missing, and your instructor reads them.",
             ""]
    for assignment in COURSE:
        if assignment_ids is not None and assignment.id not in assignment_ids:
            continue
        questions = questions_of(assignment.id)
        if not questions:
            continue
        lines += [f"## {assignment.id}: {assignment.title}", ""]
        for question in questions:
            lines += [f"### {question.id}", ""]
            lines += [f"> {line}".rstrip() for line in question.text.splitlines()]
            lines += ["", PLACEHOLDER, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def parse_answers(text):
    """{question id: the answer written under its heading} ("" when none is written).

    What is not an answer: the quoted question (lines starting with ">"), the
    placeholder, blank lines. A heading that appears twice keeps both answers.
    """
    answers = {}
    headings = list(HEADING.finditer(text))
    for match in headings:
        start = match.end()
        following = BOUNDARY.search(text, start + 1)
        body = text[start:following.start() if following else len(text)]
        kept = [line for line in body.splitlines()
                if line.strip() and not line.lstrip().startswith(">")]
        answer = "\n".join(kept).replace(PLACEHOLDER, "").strip()
        previous = answers.get(match.group(1), "")
        answers[match.group(1)] = "\n\n".join(a for a in (previous, answer) if a)
    return answers
