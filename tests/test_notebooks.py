"""The nbgrader notebooks: in sync with the reference, well-formed, and extractable."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from authoring import notebooks
from authoring.regions import BEGIN_SOLUTION, count_regions
from grader.course import COURSE
from grader.notebooks import extract_package

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "assignments" / "source"


def _notebook(assignment):
    return json.loads((SOURCE / assignment.id / f"{assignment.notebook}.ipynb").read_text())


def _cells(notebook, predicate=lambda meta: True):
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader")
        if cell["cell_type"] == "code" and meta and predicate(meta):
            yield meta, "".join(cell["source"])


def test_source_notebooks_are_in_sync_with_the_reference():
    stale = notebooks.stale_files()
    assert not stale, f"run `make notebooks`: stale {stale}"


def test_a_changed_reference_makes_the_notebooks_stale(tmp_path):
    reference = tmp_path / "reference"
    reference.mkdir()
    for path in (ROOT / "reference").glob("*.py"):
        (reference / path.name).write_text(path.read_text())
    text = (reference / "activations.py").read_text()
    changed = text.replace("return np.tanh(z)", "return np.tanh(z) + 0")
    (reference / "activations.py").write_text(changed)
    changed = notebooks.expected_files(reference=reference)
    assert changed["a1/activations.ipynb"] != (SOURCE / "a1" / "activations.ipynb").read_text()


@pytest.mark.parametrize("assignment", list(COURSE), ids=lambda a: a.id)
def test_solution_cells_hold_exactly_the_reference_functions(assignment):
    notebook = _notebook(assignment)
    solutions = {meta["grade_id"]: text for meta, text in _cells(notebook, lambda m: m["solution"])}
    for module, units in notebooks.owned_units(assignment):
        for unit in units:
            if unit.exercise:
                assert solutions.pop(f"{module}-{unit.name}") == unit.source.rstrip("\n")
    assert not solutions, f"solution cells that are no reference function: {sorted(solutions)}"
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("assignment", list(COURSE), ids=lambda a: a.id)
def test_cells_follow_nbgrader_schema_and_tests_stand_alone(assignment):
    notebook = _notebook(assignment)
    ids = [meta["grade_id"] for meta, _ in _cells(notebook)]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    hidden_cells = 0
    for meta, text in _cells(notebook):
        assert meta["schema_version"] == 3
        assert re.fullmatch(r"[A-Za-z0-9_-]+", meta["grade_id"])
        if meta["grade"]:
            assert meta["locked"] and meta["points"] > 0
            assert not re.search(r"^\s*(import|from)\s+(reference|grader)\b", text, re.M), \
                "a test cell must not import the reference or the grader"
            assert count_regions(text) == 0
            if "### BEGIN HIDDEN TESTS" in text:
                hidden_cells += 1
                assert text.index("### END HIDDEN TESTS") > text.index("### BEGIN HIDDEN TESTS")
        elif not meta["solution"]:
            assert BEGIN_SOLUTION not in text, "read-only cells carry no solution markers"
    if assignment.id != "a6":
        assert hidden_cells > 0


def test_the_a2_notebook_gives_the_earlier_functions_it_uses():
    notebook = _notebook(COURSE["a2"])
    is_given = lambda meta: meta["grade_id"].startswith("given-")  # noqa: E731
    given = "".join(text for _, text in _cells(notebook, is_given))
    for name in ("relu", "sigmoid", "leaky_relu", "leaky_relu_grad"):
        assert f"def {name}(" in given
    assert "def softmax(" not in given, "only what the notebook uses"


def test_extracting_one_notebook_copies_given_functions_not_their_module(tmp_path):
    notebook = SOURCE / "a2" / "layers.ipynb"
    package, notes = extract_package([notebook], tmp_path)
    assert sorted(p.name for p in package.glob("*.py")) == ["__init__.py", "layers.py"]
    assert any("missing module" in note for note in notes)
    layers = (package / "layers.py").read_text()
    assert "def relu(" in layers and "from .activations" not in layers
    code = (f"import numpy, {package.name}.layers as m\n"
            "print(m.relu_forward(numpy.array([-1.0, 2.0]))[0])")
    run = subprocess.run([sys.executable, "-c", code], cwd=package.parent, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[0. 2.]"


def test_extracting_all_notebooks_imports_across_modules(tmp_path):
    paths = sorted(SOURCE.rglob("*.ipynb"))
    package, notes = extract_package(paths, tmp_path)
    names = sorted(p.stem for p in package.glob("*.py"))
    assert names == sorted(["__init__", *notebooks.MODULES])
    assert "from .activations import relu" in (package / "layers.py").read_text()
    assert "from . import optim" in (package / "train.py").read_text()
    code = (f"import {package.name}.train as t, {package.name}.network as n, numpy as np\n"
            "X = np.array([[0., 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])\n"
            "p = n.init_params([2, 8, 2], 'xavier', np.random.default_rng(0))\n"
            "t.train(p, X, y, epochs=300, batch_size=4, optimizer='adam',"
            " optim_config={'learning_rate': 0.05},"
            " activation='tanh', rng=np.random.default_rng(1))\n"
            "print(t.accuracy(n.predict(p, X, 'tanh'), y))")
    run = subprocess.run([sys.executable, "-c", code], cwd=package.parent, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "1.0"


@pytest.mark.slow
def test_the_isolated_grader_grades_an_nbgrader_submission(tmp_path):
    submission = tmp_path / "alice"
    for assignment in ("a1", "a2"):
        (submission / assignment).mkdir(parents=True)
        for path in (SOURCE / assignment).glob("*.ipynb"):
            (submission / assignment / path.name).write_text(path.read_text())
    broken = submission / "a1" / "activations.ipynb"
    broken.write_text(broken.read_text().replace("return (z > 0).astype(z.dtype)",
                                                 "return (z >= 0).astype(z.dtype)"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "grade", str(submission), "--out", str(out),
               "--only", "a1,a2", "--quiet"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    results = json.loads((out / "results.json").read_text())
    lost = {t["name"] for t in results["tests"] if t["score"] < t["max_score"]}
    assert lost and all("relu_grad" in name for name in lost), lost
