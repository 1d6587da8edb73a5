"""A real nbgrader round trip of every assignment, offline, in a temporary copy of the course.

For each assignment, students hand in: the source notebook (every answer
right), the released notebook untouched (nothing done), and, where it makes
sense, the source with one realistic mistake. Real nbgrader 0.9 autogrades them
in a real Jupyter kernel; then the isolated grader grades the same notebooks.
One rubric, one score: every graded cell's nbgrader score equals the isolated
grader's scores of the checks that cell carries (its metadata's nnkit.carries),
so the two gradebooks agree cell by cell, and the full notebook is out of the
rubric's total. Assignment 1 also checks the feedback (no hidden test shows),
the audit of deleted and edited test cells, the late penalty from the rubric,
that the isolated grader's scores can be written into nbgrader's gradebook, and
that the written questions reach nbgrader's manual grading: released without the
source's model answers, worth the rubric's points, waiting for a grader where the
student answered, 0 where they did not.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from authoring.notebook_points import notebook_total, question_points, rubric_total
from authoring.notebooks import model_answers
from grader.course import COURSE
from grader.questions import PLACEHOLDER, questions_of

ROOT = Path(__file__).resolve().parent.parent
COURSE_DIR = ROOT / "assignments"
NBGRADER = [sys.executable, "-m", "nbgrader"]

# One realistic mistake per assignment: (cell, the reference's text, the mistaken text).
MISTAKES = {
    "a1": ("activations-relu_grad", "(z > 0)", "(z >= 0)"),
    "a2": ("layers-linear_backward", "db = dout.sum(axis=0)", "db = dout.mean(axis=0)"),
    "a3": ("losses-mse_loss", "dpred = 2 * diff / diff.size", "dpred = diff / diff.size"),
    "a4": ("gradcheck-rel_error", "max(1e-8, np.linalg.norm(a) + np.linalg.norm(b))",
           "(np.linalg.norm(a) + np.linalg.norm(b))"),
    "a5": ("optim-adam", "m_hat = m / (1 - beta1**t)", "m_hat = m"),
}

pytestmark = pytest.mark.slow


def _each(*assignments):
    """The fixture's parameters: one xdist group per assignment, so that each round trip is
    built once, on one worker, while the two workers share the assignments between them
    (one group for all of them made the round trips one worker's serial tail)."""
    return [pytest.param(COURSE[a], id=a, marks=pytest.mark.xdist_group(f"nbgrader-{a}"))
            for a in assignments]


def _env(**extra):
    # nbgrader runs `alembic` (its database migrations) from PATH: the venv's; the late
    # plugin (grader.nbgrader_late) is imported from the kit.
    return dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPATH=str(ROOT),
                PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                **extra)


def _nbgrader(course, *args, env=None):
    run = subprocess.run(NBGRADER + list(args), cwd=course, capture_output=True, text=True,
                         env=env or _env(), timeout=1200)
    assert run.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return run


def _cells(notebook):
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in notebook["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade")}


def _mistaken(notebook, assignment):
    cell_id, right, wrong = MISTAKES[assignment]
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == cell_id:
            text = "".join(cell["source"])
            assert right in text, f"{assignment}: the mistake no longer applies to {cell_id}"
            cell["source"] = text.replace(right, wrong)
    return notebook


def _tampered(notebook):
    """A test cell deleted and another emptied: nbgrader must put both back, and say so."""
    cells = [c for c in notebook["cells"]
             if c["metadata"].get("nbgrader", {}).get("grade_id") != "test-relu"]
    for cell in cells:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test-sigmoid":
            cell["source"] = "pass  # this test is in my way\n"
    return dict(notebook, cells=cells)


def _question_grades(course, assignment, student):
    """{grade_id: (auto_score, max_score, needs_manual_grade)} of the written answers' cells."""
    from nbgrader.api import Gradebook

    cells = {q.cell_id for q in questions_of(assignment)}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return {grade.name: (grade.auto_score, grade.max_score, grade.needs_manual_grade)
                for notebook in submission.notebooks for grade in notebook.grades
                if grade.name in cells}


def _scores(course, assignment, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        cells = {grade.name: grade.score for notebook in submission.notebooks
                 for grade in notebook.grades}
        return submission.score, submission.max_score, cells


@pytest.fixture(scope="module", params=_each(*COURSE.ids))
def graded(request, tmp_path_factory):
    """One assignment released, handed in, autograded by nbgrader and by the isolated grader."""
    assignment = request.param
    a, name = assignment.id, f"{assignment.notebook}.ipynb"
    course = tmp_path_factory.mktemp(f"course-{a}")
    shutil.copy(COURSE_DIR / "nbgrader_config.py", course)
    shutil.copytree(COURSE_DIR / "source" / a, course / "source" / a)
    _nbgrader(course, "db", "assignment", "add", a)
    _nbgrader(course, "generate_assignment", a, "--force")
    source = json.loads((course / "source" / a / name).read_text())
    released = json.loads((course / "release" / a / name).read_text())
    # The source holds the model answers: its student answers the written questions too.
    students = {"full": source, "blank": released}
    if a in MISTAKES:
        students["mistaken"] = _mistaken(json.loads(json.dumps(source)), a)
    if a == "a1":
        students["tampered"] = _tampered(json.loads(json.dumps(source)))
    for student, notebook in students.items():
        folder = course / "submitted" / student / a
        folder.mkdir(parents=True)
        (folder / name).write_text(json.dumps(notebook))
    _nbgrader(course, "autograde", a, "--force")
    isolated = {}
    for student in students:
        out = course / "isolated" / student
        run = subprocess.run([sys.executable, "-m", "grader", "grade",
                              str(course / "submitted" / student), "--out", str(out),
                              "--only", a, "--quiet", "--provide", "reference"], cwd=ROOT,
                             capture_output=True, text=True, timeout=1800)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        isolated[student] = json.loads((out / "results.json").read_text())
    return assignment, course, _cells(source), released, isolated


def test_the_release_has_no_solutions_and_no_hidden_tests(graded):
    _, _, _, released, _ = graded
    text = json.dumps(released)
    assert "### BEGIN SOLUTION" not in text and "### BEGIN HIDDEN TESTS" not in text


def test_the_notebook_is_out_of_the_rubrics_total_and_the_reference_earns_it(graded):
    """Out of the checks' and the written questions' points; the autograder gives the
    checks' (the questions wait for manual grading)."""
    assignment, course, cells, _, _ = graded
    score, max_score, _ = _scores(course, assignment.id, "full")
    assert max_score == pytest.approx(notebook_total(assignment.id))
    assert max_score > rubric_total(assignment.id)  # the questions are in it
    assert score == pytest.approx(rubric_total(assignment.id))
    assert _scores(course, assignment.id, "blank")[0] == 0


def _cell_views(graded, student):
    """{grade_id: (nbgrader's score, the isolated grader's score of the checks it carries,
    whether one of those checks failed, the cell's points)}."""
    assignment, course, cells, _, isolated = graded
    checks = {t["extra_data"]["check"]: t for t in isolated[student]["tests"]}
    _, _, nbgrader_cells = _scores(course, assignment.id, student)
    views = {}
    for grade_id, cell in cells.items():
        if "question" in cell["metadata"].get("nnkit", {}):
            continue  # a written answer carries no check: graded by hand
        carried = [checks[name] for name in cell["metadata"]["nnkit"]["carries"]]
        views[grade_id] = (nbgrader_cells[grade_id], sum(t["score"] for t in carried),
                           any(t["score"] < t["max_score"] for t in carried),
                           cell["metadata"]["nbgrader"]["points"])
    return views


def test_nbgrader_and_the_isolated_grader_agree_cell_by_cell(graded):
    """The reference and the blank release: the same score in every cell of both graders."""
    for student in ("full", "blank"):
        disagree = {grade_id: (ours, theirs) for grade_id, (ours, theirs, _, _)
                    in _cell_views(graded, student).items()
                    if ours != pytest.approx(theirs, abs=1e-6)}
        assert not disagree, f"{student}: cell: (nbgrader, isolated grader) {disagree}"


@pytest.mark.parametrize("graded", _each(*MISTAKES), indirect=True)
def test_a_mistake_costs_cells_only_where_the_grader_finds_it(graded):
    """A realistic mistake: every cell nbgrader takes points from carries a check the
    isolated grader failed, and both take points. They need not take the same number:
    a grader check of a property (float32 kept, inputs unchanged) needs several of a
    cell's functions right, and the grader pays a public case only beside its hidden twin."""
    _, _, _, _, isolated = graded
    views = _cell_views(graded, "mistaken")
    lost_in_nbgrader = {g for g, (ours, _, _, points) in views.items() if ours < points - 1e-6}
    failed_in_grader = {g for g, (_, _, failed, _) in views.items() if failed}
    assert lost_in_nbgrader, "nbgrader did not see the mistake"
    assert lost_in_nbgrader <= failed_in_grader, lost_in_nbgrader - failed_in_grader
    nbgrader_total = sum(ours for ours, _, _, _ in views.values())
    full_total = sum(points for _, _, _, points in views.values())
    assert nbgrader_total < full_total and isolated["mistaken"]["score"] < full_total


@pytest.mark.parametrize("graded", _each("a1"), indirect=True)
def test_the_written_questions_reach_nbgraders_manual_grading(graded):
    """Released as blank answer cells; after autograde, an answer waits for a grader (no
    automatic score) and an unanswered cell scores 0; each is worth the rubric's points."""
    _, course, _, released, _ = graded
    points = {q.cell_id: question_points("a1")[q.id] for q in questions_of("a1")}
    answer_cells = {c["metadata"]["nbgrader"]["grade_id"]: c for c in released["cells"]
                    if c["metadata"].get("nbgrader", {}).get("grade_id") in points}
    assert sorted(answer_cells) == sorted(points)
    for cell in answer_cells.values():
        assert cell["cell_type"] == "markdown" and "".join(cell["source"]) == PLACEHOLDER
        assert cell["metadata"]["nbgrader"]["solution"] and cell["metadata"]["nbgrader"]["grade"]
    released_text = json.dumps(released)
    for question in questions_of("a1"):  # the source's model answers stay in the source
        assert model_answers()[question.id].splitlines()[0] not in released_text
    answered = _question_grades(course, "a1", "full")
    assert answered == {cell: (None, points[cell], True) for cell in points}
    blank = _question_grades(course, "a1", "blank")
    assert blank == {cell: (0.0, points[cell], False) for cell in points}


@pytest.mark.parametrize("graded", _each("a1"), indirect=True)
def test_deleted_and_edited_test_cells_are_put_back_and_listed(graded):
    assignment, course, _, _, _ = graded
    full, _, _ = _scores(course, "a1", "full")
    assert _scores(course, "a1", "tampered")[0] == pytest.approx(full)  # restored and run
    run = subprocess.run([sys.executable, "-m", "grader.nbgrader_audit", "--course", str(course),
                          "a1"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    audit = (course / "notebook-audit.csv").read_text().splitlines()
    assert audit[0] == "student,assignment,notebook,cell,finding"
    assert sorted(audit[1:]) == ["tampered,a1,activations.ipynb,test-relu,deleted",
                                 "tampered,a1,activations.ipynb,test-sigmoid,altered"]


@pytest.mark.parametrize("graded", _each("a1"), indirect=True)
def test_feedback_shows_no_hidden_test(graded):
    assignment, course, cells, _, _ = graded
    _nbgrader(course, "generate_feedback", "a1", "--force")
    hidden_lines = []
    for cell in cells.values():
        text = "".join(cell["source"])
        if "### BEGIN HIDDEN TESTS" in text:
            inside = text.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            hidden_lines += [line.strip() for line in inside.splitlines() if line.strip()]
    assert hidden_lines
    for student in ("full", "blank", "mistaken"):
        html = (course / "feedback" / student / "a1" / "activations.html").read_text()
        assert "HIDDEN TESTS" not in html
        for line in hidden_lines:
            number = line.split("[[")[-1][:18] if "[[" in line else None
            if number:  # a hidden input or expected value, in any HTML rendering
                assert number not in html, f"{student}: hidden value {number} in the feedback"
    mistaken = (course / "feedback" / "mistaken" / "a1" / "activations.html").read_text()
    assert "A hidden test failed" in mistaken


@pytest.mark.parametrize("graded", _each("a1"), indirect=True)
def test_the_isolated_scores_become_nbgraders_and_a_late_notebook_loses_the_rubrics_share(
        graded, tmp_path):
    assignment, course, cells, _, isolated = graded
    # The isolated grader's scores, written as manual scores, are nbgrader's scores now.
    graded_out = tmp_path / "graded"
    for student in ("full", "mistaken"):
        (graded_out / student).mkdir(parents=True)
        (graded_out / student / "results.json").write_text(json.dumps(isolated[student]))
    run = subprocess.run([sys.executable, "-m", "grader.nbgrader_scores", str(graded_out),
                          "--assignment", "a1", "--course", str(course)], cwd=ROOT,
                         capture_output=True, text=True, env=_env())
    assert run.returncode == 0, run.stderr
    for student in ("full", "mistaken"):
        assert _scores(course, "a1", student)[0] == pytest.approx(isolated[student]["score"])

    # Late: two days after a due date, with a rubric that takes 10% a day.
    rubric = tmp_path / "rubric"
    shutil.copytree(ROOT / "grader" / "rubric", rubric)
    grading = rubric / "grading.toml"
    grading.write_text(grading.read_text().replace("penalty_per_day = 0.0",
                                                   "penalty_per_day = 0.1"))
    late_course = tmp_path / "late-course"
    shutil.copy(COURSE_DIR / "nbgrader_config.py", late_course.mkdir() or late_course)
    shutil.copytree(course / "source", late_course / "source")
    env = _env(GRADER_RUBRIC=str(rubric))
    _nbgrader(late_course, "db", "assignment", "add", "a1",
              "--duedate=2027-01-10T12:00:00+00:00", env=env)
    _nbgrader(late_course, "generate_assignment", "a1", "--force", env=env)
    folder = late_course / "submitted" / "late" / "a1"
    shutil.copytree(course / "submitted" / "full" / "a1", folder)
    (folder / "timestamp.txt").write_text("2027-01-12 08:00:00.000000 UTC")
    _nbgrader(late_course, "autograde", "a1", "--force", env=env)
    _nbgrader(late_course, "export", "--to", "grades.csv", env=env)
    with open(late_course / "grades.csv", newline="") as f:
        row = next(csv.DictReader(f))
    assert float(row["late_submission_penalty"]) == pytest.approx(0.2 * float(row["raw_score"]))
    # The checks' points (the written answers wait for manual grading), less 20%.
    assert float(row["raw_score"]) == pytest.approx(rubric_total("a1"))
    assert float(row["score"]) == pytest.approx(0.8 * rubric_total("a1"))
