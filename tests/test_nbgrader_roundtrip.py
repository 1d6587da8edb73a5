"""A real nbgrader round trip, offline, in a temporary copy of the course.

Three students hand in assignment 1: the source notebook (every answer
right), the released notebook untouched (nothing done), and the source with
one function broken. Real nbgrader 0.9 autogrades them in a real Jupyter
kernel; the gradebook must show full marks, zero, and exactly the broken
function's cells lost; the feedback must not show hidden tests.
Only assignment 1 runs, to keep this within about two minutes.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
NBGRADER = [sys.executable, "-m", "nbgrader"]
ASSIGNMENT, NOTEBOOK = "a1", "activations"
BROKEN_CELL = "activations-relu_grad"

pytestmark = pytest.mark.slow


def _nbgrader(course, *args):
    # nbgrader runs `alembic` (its database migrations) from PATH: the venv's.
    env = dict(os.environ, PYTHONWARNINGS="ignore",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    run = subprocess.run(NBGRADER + list(args), cwd=course, capture_output=True, text=True,
                         env=env, timeout=600)
    assert run.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return run


def _graded_cells(notebook):
    return {c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"]["points"]
            for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade")}


def _break(notebook):
    """relu_grad answers 1 at z == 0 (the usual slip): only its own tests should see it."""
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == BROKEN_CELL:
            text = "".join(cell["source"]).replace("(z > 0)", "(z >= 0)")
            assert text != "".join(cell["source"])
            cell["source"] = text
    return notebook


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    kernels = subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
                             capture_output=True, text=True)
    assert "python3" in json.loads(kernels.stdout)["kernelspecs"], "run `make kernel`"
    course = tmp_path_factory.mktemp("course")
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    _nbgrader(course, "db", "assignment", "add", ASSIGNMENT)
    _nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    source = json.loads((course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    released = json.loads((course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    for student, notebook in [("full", source), ("blank", released),
                              ("broken", _break(json.loads(json.dumps(source))))]:
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{NOTEBOOK}.ipynb").write_text(json.dumps(notebook))
    _nbgrader(course, "autograde", ASSIGNMENT, "--force")
    _nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    _nbgrader(course, "export", "--to", "grades.csv")
    return course, _graded_cells(source), released


def _scores(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        cells = {grade.name: grade.score for notebook in submission.notebooks
                 for grade in notebook.grades}
        return submission.score, submission.max_score, cells


def test_the_release_has_no_solutions_and_no_hidden_tests(graded_course):
    _, _, released = graded_course
    text = json.dumps(released)
    assert "### BEGIN SOLUTION" not in text and "### BEGIN HIDDEN TESTS" not in text
    assert "np.maximum(z, 0)" not in text  # a line of the reference's relu


def test_gradebook_full_zero_and_exactly_the_broken_cells(graded_course):
    course, points, _ = graded_course
    total = sum(points.values())
    score, max_score, _ = _scores(course, "full")
    assert (score, max_score) == (total, total)
    score, _, _ = _scores(course, "blank")
    assert score == 0
    score, _, cells = _scores(course, "broken")
    lost = {name for name, value in cells.items() if value < points[name]}
    assert lost == {"test-relu_grad", "test-relu_grad-hidden"}
    assert score == total - points["test-relu_grad"] - points["test-relu_grad-hidden"]
    grades = (course / "grades.csv").read_text()
    assert f"{ASSIGNMENT},,,full,,,,{total}" in grades


def test_feedback_shows_no_hidden_test(graded_course):
    course, _, _ = graded_course
    source = (course / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text()
    hidden_lines = []
    for cell in json.loads(source)["cells"]:
        text = "".join(cell["source"])
        if "### BEGIN HIDDEN TESTS" in text:
            inside = text.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            hidden_lines += [line.strip() for line in inside.splitlines() if line.strip()]
    assert hidden_lines
    for student in ("full", "blank", "broken"):
        html = (course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
        assert "HIDDEN TESTS" not in html
        for line in hidden_lines:
            number = line.split("[[")[-1][:18] if "[[" in line else None
            if number:  # a hidden input or expected value, in any HTML rendering
                assert number not in html, f"{student}: hidden value {number} in the feedback"
    broken = (course / "feedback" / "broken" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text()
    assert "A hidden test failed" in broken
