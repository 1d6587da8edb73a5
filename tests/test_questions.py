"""The written questions: once in questions.toml, and in the rubric, the notebooks, answers.md.

And the grader's reading of a submission's answers.md: plain text, bounded,
never following a link, never crashing, scoring nothing, reporting which
answers are missing.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from authoring import stubs
from authoring.giveaways import student_cells
from authoring.notebook_points import question_points
from authoring.notebooks import model_answers
from authoring.regions import BEGIN_SOLUTION, END_SOLUTION
from grader.answers import MAX_ANSWERS_BYTES, read_answers, summary_line
from grader.course import COURSE, CourseError
from grader.questions import (
    PLACEHOLDER,
    answers_template,
    load_questions,
    parse_answers,
    parse_questions,
    questions_of,
)
from grader.rubric import RubricError, load_rubric

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "assignments" / "source"
ALL_IDS = [q.id for a in COURSE for q in questions_of(a.id)]


def _notebook(assignment):
    return json.loads((SOURCE / assignment.id / f"{assignment.notebook}.ipynb").read_text())


# ---------------------------------------------------------------- written once, everywhere


@pytest.mark.parametrize("assignment", list(COURSE), ids=lambda a: a.id)
def test_every_assignment_asks_two_or_three_questions_and_the_rubric_gives_their_points(
        assignment):
    asked = [q.id for q in questions_of(assignment.id)]
    assert 2 <= len(asked) <= 3, asked
    rubric = load_rubric().assignments[assignment.id].questions
    assert sorted(rubric) == sorted(asked)
    assert all(points > 0 for points in rubric.values())


@pytest.mark.parametrize("assignment", list(COURSE), ids=lambda a: a.id)
def test_every_question_is_a_manually_graded_answer_cell_of_its_notebook(assignment):
    cells = _notebook(assignment)["cells"]
    answers = {c["metadata"]["nbgrader"]["grade_id"]: (i, c) for i, c in enumerate(cells)
               if c["metadata"].get("nnkit", {}).get("question")}
    questions = questions_of(assignment.id)
    assert sorted(answers) == sorted(q.cell_id for q in questions)
    points, models = question_points(assignment.id), model_answers()
    for question in questions:
        index, cell = answers[question.cell_id]
        nbgrader = cell["metadata"]["nbgrader"]
        assert cell["cell_type"] == "markdown"
        assert nbgrader["solution"] is True and nbgrader["grade"] is True
        assert nbgrader["locked"] is False and nbgrader["task"] is False
        assert nbgrader["points"] == points[question.id]
        # The model answer, in the solution region nbgrader's release replaces.
        assert "".join(cell["source"]) == f"{BEGIN_SOLUTION}\n{models[question.id]}\n{END_SOLUTION}"
        assert cell["metadata"]["nnkit"] == {"question": question.id}
        asked = "".join(cells[index - 1]["source"])
        assert question.id in asked and question.text in asked  # the text right above
        assert "nbgrader" not in cells[index - 1]["metadata"]


def test_every_question_has_a_model_answer_that_students_never_receive():
    models = model_answers()
    assert sorted(models) == sorted(ALL_IDS) and all(models.values())
    received = [text for a in COURSE
                for _, text in student_cells(SOURCE / a.id / f"{a.notebook}.ipynb")]
    received += [(stubs.STUBS / "answers.md").read_text(), (ROOT / "questions.toml").read_text()]
    for answer in models.values():
        first_line = answer.splitlines()[0]
        assert not any(first_line in text for text in received), first_line


def test_a_model_answer_to_no_question_is_refused(tmp_path):
    path = tmp_path / "model_answers.toml"
    path.write_text('"a1.q9" = "an answer"\n')
    with pytest.raises(ValueError, match="a1.q9"):
        model_answers(path)


def test_a_question_closes_the_section_it_names_or_the_notebook():
    cells = _notebook(COURSE["a1"])["cells"]
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in cells]
    after_leaky = ids.index("test-leaky_relu_grad-hidden")
    assert ids[after_leaky + 2] == "answer-a1-q1"  # its question text, then the answer cell
    cells = _notebook(COURSE["a5"])["cells"]
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in cells]
    last = [q.cell_id for q in questions_of("a5") if not q.after]
    assert ids[-2 * len(last) - 1:] == [None] + [i for cell_id in last for i in (None, cell_id)]


def test_answers_md_of_the_stubs_holds_every_question_unanswered():
    text = (stubs.STUBS / "answers.md").read_text()
    assert text == answers_template()
    answers = parse_answers(text)
    assert sorted(answers) == sorted(ALL_IDS)
    assert not any(answers.values()), "a blank answers.md answers nothing"
    for assignment in COURSE:
        for question in questions_of(assignment.id):
            quoted = "\n".join(f"> {line}".rstrip() for line in question.text.splitlines())
            assert quoted in text


def test_the_stubs_are_stale_without_answers_md(tmp_path):
    shutil.copytree(stubs.STUBS, tmp_path / "stubs", ignore=shutil.ignore_patterns("__pycache__"))
    assert stubs.stale_files(stubs.REFERENCE, tmp_path / "stubs") == []
    (tmp_path / "stubs" / "answers.md").unlink()
    assert stubs.stale_files(stubs.REFERENCE, tmp_path / "stubs") == ["answers.md"]


# ---------------------------------------------------------------- the data is checked


@pytest.mark.parametrize("data, message", [
    ({"question": [{"id": "a1.q1", "text": "Why?", "points": 1}]}, "unknown key"),
    ({"question": [{"id": "a1-q1", "text": "Why?"}]}, "form aN.qK"),
    ({"question": [{"id": "a99.q1", "text": "Why?"}]}, "no assignment a99"),
    ({"question": [{"id": "a1.q1", "text": "Why?"}, {"id": "a1.q1", "text": "Why?"}]}, "twice"),
    ({"question": [{"id": "a1.q1", "text": "  "}]}, "needs its text"),
    ({"questions": []}, "unknown top-level"),
])
def test_a_malformed_questions_file_is_refused(data, message):
    with pytest.raises(CourseError, match=message):
        parse_questions(data)


def test_every_question_of_the_file_is_loaded_in_order():
    loaded = load_questions()
    assert [q.id for a in loaded for q in loaded[a]] == ALL_IDS
    assert all(q.assignment == a for a in loaded for q in loaded[a])


@pytest.fixture
def rubric_copy(tmp_path):
    shutil.copytree(ROOT / "grader" / "rubric", tmp_path / "rubric")
    return tmp_path / "rubric"


@pytest.mark.parametrize("old, new, message", [
    ('"a3.q2" = 1', '"a3.q2" = 1\n"a3.q9" = 1', "'a3.q9': no such question of a3"),
    ('"a3.q2" = 1', '"a3.q2" = 1\n"a4.q1" = 1', "'a4.q1': no such question of a3"),
    ('"a3.q2" = 1', "", r"gives no points to a3\.q2"),
    ('"a3.q2" = 1', '"a3.q2" = -1', "points must be a number"),
    ('"a3.q2" = 1', '"a3.q2" = "one"', "points must be a number"),
    ('"a3.q1" = 1\n"a3.q2" = 1', "a3.q1 = 1\na3.q2 = 1", "write each id in quotes"),
])
def test_a_rubric_with_a_wrong_question_is_refused(rubric_copy, old, new, message):
    path = rubric_copy / "a3.toml"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(RubricError, match=message):
        load_rubric(rubric_copy)


# ---------------------------------------------------------------- answers.md, parsed


def _answered(text, question_id, answer):
    """The template with one placeholder (the one under question_id) replaced."""
    at = text.index(PLACEHOLDER, text.index(f"### {question_id}\n"))
    return text[:at] + answer + text[at + len(PLACEHOLDER):]


def test_an_answer_is_what_stands_under_its_heading_besides_the_question_and_placeholder():
    text = _answered(answers_template(), "a3.q1", "It costs -log(0.001), about 6.9.")
    text = _answered(text, "a3.q2", f"{PLACEHOLDER}\n\nA logit of -800: log(0) is -inf.")
    answers = parse_answers(text)
    assert answers["a3.q1"] == "It costs -log(0.001), about 6.9."
    assert answers["a3.q2"] == "A logit of -800: log(0) is -inf."
    assert [q for q, a in answers.items() if a] == ["a3.q1", "a3.q2"]


def test_headings_are_found_at_any_level_and_an_answer_stops_at_the_next_one():
    text = ("# a1.q1 my answer follows\nReLU's kink\n## a2: Layers\nnot an answer\n"
            "#### a1.q2\n> the question\n\n   \n### a1.q2\nsecond try\n")
    answers = parse_answers(text)
    assert answers == {"a1.q1": "ReLU's kink", "a1.q2": "second try"}


@pytest.mark.parametrize("text", ["", "no headings at all", "#", "### a1.q\n", "\x00\x01" * 50,
                                  "### a1.q1" * 1000, "### a1.q1\n" + "> quoted\n" * 1000])
def test_parsing_anything_never_raises_and_answers_nothing_from_nothing(text):
    assert not any(parse_answers(text).values())


# ---------------------------------------------------------------- answers.md of a submission


def _submission(tmp_path, answers=None, module=True):
    folder = tmp_path / "alice"
    folder.mkdir()
    if module:
        (folder / "activations.py").write_text("def sigmoid(z):\n    return z\n")
    if answers is not None:
        (folder / "answers.md").write_bytes(answers if isinstance(answers, bytes)
                                            else answers.encode())
    return folder


def test_present_missing_and_placeholder_answers_are_reported(tmp_path):
    text = _answered(answers_template(), "a3.q1", "Very large: about 6.9 nats.")
    report = read_answers(_submission(tmp_path, text), ["a3", "a4"])
    assert report["note"] is None
    assert report["assignments"]["a3"] == {"answered": ["a3.q1"], "missing": ["a3.q2"]}
    assert report["assignments"]["a4"]["answered"] == []
    assert summary_line(report, "a3") == "written answers: 1 of 2 for a3 (missing: a3.q2)"
    assert summary_line(report, "a9") is None


def test_every_answer_written_is_a_line_without_missing(tmp_path):
    text = answers_template(["a1"])
    for question in questions_of("a1"):
        text = _answered(text, question.id, "Because.")
    report = read_answers(_submission(tmp_path, text), ["a1"])
    assert summary_line(report, "a1") == "written answers: 2 of 2 for a1"


def test_no_answers_md_means_every_answer_missing_with_the_reason(tmp_path):
    report = read_answers(_submission(tmp_path), ["a2"])
    assert report["assignments"]["a2"]["answered"] == []
    assert report["note"] == "no answers.md in the submission"
    assert summary_line(report, "a2").endswith("; no answers.md in the submission")


def test_assignments_without_questions_and_notebook_submissions_have_no_report(tmp_path):
    assert read_answers(_submission(tmp_path), []) is None
    (tmp_path / "nb").mkdir()
    folder = _submission(tmp_path / "nb", module=False)
    (folder / "activations.ipynb").write_text('{"cells": []}')
    assert read_answers(folder, ["a1"]) is None  # nbgrader's answer cells hold them


def _hostile(tmp_path, kind):
    if kind == "huge":
        return _submission(tmp_path, answers_template() + "x" * MAX_ANSWERS_BYTES)
    if kind == "binary":
        return _submission(tmp_path, b"### a1.q1\n\xff\xfe\x00 not text")
    if kind == "symlink":
        secret = tmp_path / "secret.md"
        secret.write_text(_answered(answers_template(), "a1.q1", "the solutions"))
        folder = _submission(tmp_path)
        (folder / "answers.md").symlink_to(secret)
        return folder
    if kind == "directory":
        folder = _submission(tmp_path)
        (folder / "answers.md").mkdir()
        return folder
    if kind == "fifo":
        folder = _submission(tmp_path)
        os.mkfifo(folder / "answers.md")  # opening it to read must not block grading
        return folder
    if kind == "unreadable folder":
        target = tmp_path / "real"
        target.mkdir()
        (tmp_path / "alice").symlink_to(target)
        return tmp_path / "alice"
    raise ValueError(kind)


@pytest.mark.parametrize("kind, words", [
    ("huge", "more than"), ("binary", "not UTF-8"), ("symlink", "symbolic link"),
    ("directory", "not a regular file"), ("fifo", "not a regular file"),
    ("unreadable folder", "symbolic link"),
])
def test_a_hostile_answers_md_is_a_note_never_a_crash_and_never_followed(tmp_path, kind, words):
    report = read_answers(_hostile(tmp_path, kind), ["a1"])
    assert report["assignments"]["a1"] == {"answered": [], "missing": ["a1.q1", "a1.q2"]}
    assert words in report["note"]
    assert json.loads(json.dumps(report)) == report  # it goes into results.json as it is


def test_the_bundle_ships_answers_md_and_the_questions_its_grader_reads(tmp_path):
    from authoring.bundle import build_bundle  # noqa: PLC0415

    bundle = build_bundle(tmp_path)
    assert (bundle / "submission" / "answers.md").read_text() == answers_template()
    assert (bundle / "questions.toml").read_bytes() == (ROOT / "questions.toml").read_bytes()


def test_a_changed_answers_md_is_graded_again_in_a_resumed_batch(tmp_path):
    from grader.batch import submission_fingerprint  # noqa: PLC0415

    folder = _submission(tmp_path, answers_template())
    blank = submission_fingerprint(folder)
    (folder / "answers.md").write_text(_answered(answers_template(), "a1.q1", "Because."))
    assert submission_fingerprint(folder) != blank


def test_feedback_html_lists_the_missing_answers_and_never_shows_the_file(tmp_path):
    from grader.report.feedback import render_feedback  # noqa: PLC0415

    folder = _submission(tmp_path, "### a3.q1\n<script>alert(1)</script>\n")
    report = read_answers(folder, ["a3"])
    page = render_feedback({"score": 0, "tests": [], "extra_data": {"written_answers": report}})
    assert "written answers: 1 of 2 for a3 (missing: a3.q2)" in page
    assert "alert(1)" not in page
    assert "Written answers" not in render_feedback({"score": 0, "tests": [], "extra_data": {}})
