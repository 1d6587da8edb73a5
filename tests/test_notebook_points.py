"""One rubric, one score: a notebook is out of the grader's total, cell by cell.

Every check of the isolated grader is carried by exactly one test cell of its
assignment's notebook (authoring/notebook_points.py), and the generated
notebooks' graded cells add up to the rubric's total, public cases to the
visible cells and hidden cases to the hidden ones. The written questions are
manually graded answer cells on top, worth the rubric's [questions] points.
"""

import json
from pathlib import Path

import pytest

from authoring import notebook_points
from authoring.notebook_checks import CHECKS, Check
from authoring.notebook_points import (
    PointsError,
    carriers,
    grader_checks,
    notebook_total,
    question_points,
    rubric_total,
)
from grader.course import COURSE

ROOT = Path(__file__).resolve().parent.parent


def _graded_cells(assignment, questions=False):
    """{grade_id: points} of the test cells (or, questions=True, of the written answers)."""
    path = ROOT / "assignments" / "source" / assignment.id / f"{assignment.notebook}.ipynb"
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell["metadata"]["nbgrader"]["points"]
            for cell in json.loads(path.read_text())["cells"]
            if cell["metadata"].get("nbgrader", {}).get("grade")
            and bool(cell["metadata"].get("nnkit", {}).get("question")) == questions}


@pytest.mark.parametrize("assignment", list(COURSE), ids=lambda a: a.id)
def test_the_notebook_is_out_of_the_graders_total(assignment):
    cells = _graded_cells(assignment)
    assert sum(cells.values()) == pytest.approx(rubric_total(assignment.id))
    answers = _graded_cells(assignment, questions=True)
    assert answers == {f"answer-{q.replace('.', '-')}": points
                       for q, points in question_points(assignment.id).items()}
    assert notebook_total(assignment.id) == pytest.approx(sum(cells.values())
                                                          + sum(answers.values()))
    hidden = sum(points for grade_id, points in cells.items() if grade_id.endswith("-hidden"))
    public = rubric_total(assignment.id, public_only=True)
    assert sum(cells.values()) - hidden >= public - 1e-9  # hidden cases without a hidden cell
    assert all(points > 0 for points in cells.values())


@pytest.mark.parametrize("assignment", list(COURSE), ids=lambda a: a.id)
def test_every_check_is_carried_once(assignment):
    carried = carriers(assignment.id, CHECKS[assignment.id])
    names = [name for checks in carried.values() for name, _, _ in checks]
    assert sorted(names) == sorted(name for name, _, _ in grader_checks(assignment.id))


def test_the_most_specific_cell_carries_a_check():
    functions = ["neuron", "sigmoid", "sigmoid_grad", "relu", "relu_grad", "leaky_relu",
                 "leaky_relu_grad", "tanh", "tanh_grad", "softmax", "log_softmax"]
    checks = [Check(function, "") for function in functions]
    carried = carriers("a1", checks)
    by_cell = {checks[i].function: [name for name, _, _ in names] for i, names in carried.items()}
    assert "values[relu_grad-public]" in by_cell["relu_grad"]
    assert "values[relu-public]" in by_cell["relu"]
    assert "neuron_batch[relu-public]" in by_cell["neuron"]  # its own name beats a parameter
    assert "leaky_relu_alpha[leaky_relu_grad-public]" in by_cell["leaky_relu"]
    # ...unless a cell claims it by a longer pattern of the same kind, as a1's does:
    real = carriers("a1", CHECKS["a1"])
    claimed = [CHECKS["a1"][i].cell_id for i, names in real.items()
               if "leaky_relu_alpha[leaky_relu_grad-public]" in [n for n, _, _ in names]]
    assert claimed == ["test-leaky_relu_grad"]


def test_a_check_no_cell_carries_is_named():
    checks = [check for check in CHECKS["a4"] if check.function != "rel_error"]
    with pytest.raises(PointsError, match="no notebook cell carries .*rel_error"):
        carriers("a4", checks)


def test_two_cells_carrying_equally_are_refused():
    checks = list(CHECKS["a4"]) + [Check("rel_error", "", hidden=False)]
    with pytest.raises(PointsError, match="equally"):
        carriers("a4", checks)


def test_hidden_case_names():
    assert notebook_points.is_hidden_case("linear_backward[dW-hidden]")
    assert notebook_points.is_hidden_case("predict[hidden]")
    assert not notebook_points.is_hidden_case("predict[public]")
    assert not notebook_points.is_hidden_case("hidden_layers_used")
