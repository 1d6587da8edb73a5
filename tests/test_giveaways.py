"""Students learn, not copy: no solution line of the reference reaches what they read.

Every line of the reference's solution regions, normalised (whitespace,
comments, and names renamed by order of appearance: `dx = dout @ W.T` and
`grad_x = g @ weights.T` are the same line), is looked for in each lesson and
in every cell of the notebooks a student receives (not the solution cells,
whose regions nbgrader removes, nor the earlier assignments' given code, shown
on purpose after their deadlines). authoring/giveaways.py is the detector.
"""

import pytest

from authoring.giveaways import giveaways, normalise, solution_lines, stub_files, student_cells
from grader.course import COURSE

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
SOLUTIONS = solution_lines()


def test_the_detector_sees_through_renamed_variables_and_spacing():
    assert normalise("dx = dout @ W.T") == normalise("grad_x=upstream  @ weights.T  # the answer")
    assert normalise("dx = dout @ W.T") != normalise("dx = W.T @ dout")
    solutions = {normalise("dx = dout @ W.T"): ("layers", "dx = dout @ W.T")}
    assert giveaways("Then compute `g = upstream @ M.T` and you are done.", solutions)
    assert not giveaways("The gradient is $dx = dout\\,W^T$: derive it.", solutions)


def test_the_reference_is_its_own_giveaway():
    """Guard: the detector finds the reference's lines in the reference."""
    text = (ROOT / "reference" / "layers.py").read_text()
    assert len(giveaways(text, SOLUTIONS)) > 5


@pytest.mark.parametrize("assignment", list(COURSE), ids=lambda a: a.id)
def test_no_solution_line_in_the_lesson(assignment):
    lesson = ROOT / "authoring" / "lessons" / f"{assignment.id}.md"
    hits = giveaways(lesson.read_text(), SOLUTIONS)
    assert not hits, f"lessons/{assignment.id}.md hands out: " + "; ".join(
        f"{line!r} (the reference's {solution!r})" for solution, line in hits)


@pytest.mark.parametrize("assignment", list(COURSE), ids=lambda a: a.id)
def test_no_solution_line_in_any_cell_a_student_receives(assignment):
    notebook = ROOT / "assignments" / "source" / assignment.id / f"{assignment.notebook}.ipynb"
    hits = [(cell, solution, line) for cell, text in student_cells(notebook)
            for solution, line in giveaways(text, SOLUTIONS)]
    assert not hits, f"{notebook.name} hands out: " + "; ".join(
        f"{line!r} in {cell} (the reference's {solution!r})" for cell, solution, line in hits)


def test_no_solution_line_in_the_student_stubs():
    hits = [(name, solution, line) for name, text in stub_files()
            for solution, line in giveaways(text, SOLUTIONS)]
    assert not hits, "the stubs hand out: " + "; ".join(
        f"{line!r} in {name} (the reference's {solution!r})" for name, solution, line in hits)


def test_docstring_statements_of_a_result_are_found():
    solutions = {normalise("(softmax(logits) - y_onehot) / N"): ("losses", "")}
    assert giveaways("    dlogits: shape and dtype of logits: (softmax(z) - onehot) / N.",
                     solutions)
    assert giveaways("        dx: shape (N, D) = (softmax(a) - b) / c", solutions)


def test_no_solution_line_in_a_hint():
    """A hint names the mistake; it does not hand out the line that fixes it (one wrong try
    must not be a way to the answer)."""
    from grader.hints import ALL_RULES  # noqa: PLC0415

    hits = [(rule.name, line) for rule in ALL_RULES
            for _, line in giveaways(rule.sentence, SOLUTIONS)]
    assert not hits, "hints hand out: " + "; ".join(f"{line!r} in {name}" for name, line in hits)
