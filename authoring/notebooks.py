"""Generate the nbgrader course (assignments/source/) from `reference/` (`make notebooks`).

Usage:
    python -m authoring.notebooks            # write assignments/source/
    python -m authoring.notebooks --check    # exit 1 and list the stale files

One notebook per assignment, assignments/source/<aN>/<name>.ipynb, built from:
  - authoring/lessons/<aN>.md: the course text (markdown) and the experiment
    cells (fenced python blocks), in sections `<!-- intro -->`,
    `<!-- before FUNCTION -->` and `<!-- experiment -->`;
  - the reference's modules: each top-level function becomes a solution cell
    holding exactly the reference's code, solution regions included (nbgrader
    replaces them by `raise NotImplementedError()` in the release); code that
    is not an exercise (the ACTIVATIONS table of network.py) becomes a
    read-only cell;
  - authoring/notebook_checks/: the autograded test cells, visible and
    hidden, with expected values computed here from the reference and
    written into the cells as literals, and points that are the rubric's
    (authoring/notebook_points.py: each cell carries checks of the grader);
  - questions.toml: the written questions, each a markdown cell with its text
    and a manually graded markdown answer cell worth the rubric's [questions]
    points, after the exercise it names (`after`) or in the notebook's last
    section; the answer cell holds authoring/model_answers.toml's model answer
    in a solution region, which the release turns into YOUR ANSWER HERE.

How a notebook stands alone. nbgrader hands out the notebook (and the
files beside it), never the package, and the reference's modules import one
another. So each notebook carries, in read-only "given" cells, the functions
of EARLIER assignments that it uses, copied from the reference without the
solution markers: layers.ipynb gets relu and sigmoid of activations.py, and
so on. This keeps assignment N gradable on its own (a student's broken a1
does not sink a2), at a price: the notebook of assignment N shows the
solutions of the earlier functions it uses, so release it after the earlier
deadlines. The data loaders are the course_data package that the kit installs
(the notebooks import the loaders they use from it): no copy ships beside a
notebook.

Which cells a notebook holds comes from course.toml: the functions of the
modules its assignment writes (or adds to), and config.py's entries of
HYPERPARAMS for the tasks it grades (`HYPERPARAMS["mnist"] = ...`, a cell
config-HYPERPARAMS-mnist).

Cell ids (nbgrader's grade_id) say what a cell is, and the isolated grader
relies on them to rebuild the package (grader/notebooks.py):
    <module>-<name>   a solution cell or a read-only cell of module <module>
    given-<module>    functions of an earlier module, provided
    setup             imports and the test helpers
    test-<function>[-<name>][-hidden]   autograded tests
    answer-<aN>-q<K>  the answer to written question aN.qK (graded by hand)
"""

import ast
import json
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import course_data
from grader.course import COURSE
from grader.questions import PLACEHOLDER, questions_of

from .generated import generator_main
from .notebook_checks import CHECKS
from .notebook_points import cell_checks, question_points
from .regions import BEGIN_SOLUTION, END_SOLUTION, solution_text

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
LESSONS = Path(__file__).resolve().parent / "lessons"
MODEL_ANSWERS = Path(__file__).resolve().parent / "model_answers.toml"
COURSE_DIR = ROOT / "assignments"
SOURCE = COURSE_DIR / "source"

# The course's assignments and student modules: course.toml (grader/course.py).
MODULES = COURSE.modules


KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
HIDDEN_SALT = "hidden-notebook-tests"  # the hidden cells' inputs differ from the visible ones

SETUP = '''\
import warnings

import numpy as np
{extra_imports}

def assert_close(got, want, what, rtol=1e-6, atol=1e-8):
    """Compare a result with the expected one (arrays, floats, tuples, dicts)."""
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{{what}}: expected a dict, got {{type(got).__name__}}"
        assert set(got) == set(want), f"{{what}}: keys {{sorted(got)}}, expected {{sorted(want)}}"
        for key in want:
            assert_close(got[key], want[key], f"{{what}}[{{key!r}}]", rtol, atol)
        return
    if isinstance(want, tuple):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), (
            f"{{what}}: expected a tuple of {{len(want)}} values")
        for index, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, f"{{what}}[{{index}}]", rtol, atol)
        return
    assert got is not None, f"{{what}} is None: did you forget to return it?"
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{{what}}: shape {{got.shape}}, expected {{want.shape}}"
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        worst = np.max(np.abs(got.astype(float) - want.astype(float)))
        raise AssertionError(f"{{what}} is wrong: largest difference {{worst:.3g}}")
'''

MODULE_STANDIN = '''

class _ModuleOfThisNotebook:
    """Stands for `from . import {name}` of the package: {name}.adam is this notebook's adam."""

    def __getattr__(self, attribute):
        return globals()[attribute]


{name} = _ModuleOfThisNotebook()
'''


# ----------------------------------------------------------------- reference


@dataclass
class Unit:
    """A top-level statement of a reference module, with its comments and markers."""

    module: str
    name: str
    source: str  # solution regions kept, stub blocks dropped
    exercise: bool  # holds a solution region
    uses: set  # names it reads


def _names_read(tree):
    """Names a definition reads from outside itself (its parameters and locals left out)."""
    read = {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    bound = {node.id for node in ast.walk(tree)
             if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    bound |= {arg.arg for node in ast.walk(tree) if isinstance(node, ast.arguments)
              for arg in node.posonlyargs + node.args + node.kwonlyargs}
    if isinstance(tree, (ast.FunctionDef, ast.ClassDef)):
        bound.discard(tree.name)
    return read - bound


def _target_name(target):
    """HYPERPARAMS for `HYPERPARAMS = ...`, HYPERPARAMS-xor for `HYPERPARAMS["xor"] = ...`."""
    if isinstance(target, ast.Name):
        return target.id
    if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
            and isinstance(target.slice, ast.Constant)):
        return f"{target.value.id}-{target.slice.value}"
    return ""


def module_units(module, reference=REFERENCE):
    """The reference module's top-level definitions, imports and docstring left out."""
    text = solution_text((reference / f"{module}.py").read_text(), where=f"{module}.py")
    lines = text.splitlines(keepends=True)
    units = []
    for index, node in enumerate(ast.parse(text).body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring: the lesson text says it
        start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None)
                 else node.lineno) - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1  # comments and an opening marker right above belong to it
        end = node.end_lineno
        while end < len(lines) and lines[end].strip() == END_SOLUTION:
            end += 1  # a region around top-level code closes below it
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            name = node.name
        else:
            name = "_".join(_target_name(t) for t in getattr(node, "targets", []))
        source = "".join(lines[start:end]).rstrip("\n") + "\n"
        source = _local_imports_for_notebook(source)
        units.append(Unit(module, name, source, BEGIN_SOLUTION in source, _names_read(node)))
    return units


LOCAL_IMPORT = re.compile(r"^(?P<indent>[ \t]+)from \.(?P<module>\w*) import (?P<names>[^#\n]+?)"
                          r"[ \t]*(?:#.*)?$", flags=re.M)


def _local_imports_for_notebook(source):
    """A relative import inside a function (fit's lazy `from .rnn import clip_grad_norm`,
    build_rnn's modules) as a comment: a notebook is no package, and the names it
    imports are the notebook's own, defined by the cells above."""
    return LOCAL_IMPORT.sub(lambda m: f"{m['indent']}pass  # in the package: from .{m['module']} "
                            f"import {m['names'].strip()} (here: the cells above)", source)


def _module_objects(module, reference=REFERENCE):
    """Modules imported as objects (`from . import optim`) by a reference module."""
    tree = ast.parse((reference / f"{module}.py").read_text())
    return {alias.asname or alias.name for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module
            for alias in node.names}


def _plain_imports(module, reference=REFERENCE):
    """A module's imports of packages other than NumPy (`import torch`), for the setup cell."""
    tree = ast.parse((reference / f"{module}.py").read_text())
    return [ast.unparse(node) for node in tree.body
            if isinstance(node, ast.Import) and all(a.name != "numpy" for a in node.names)
            or isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "numpy"]


def _belongs(assignment, module, unit):
    """Whether a reference unit is written in this assignment (course.toml decides)."""
    return COURSE.owner(module, unit.name) is assignment


def owned_units(assignment, reference=REFERENCE):
    """[(module, [units])]: what the student writes in this assignment, in module order."""
    owned = []
    for module in dict.fromkeys(assignment.touches):  # a module both extended and configured
        units = [u for u in module_units(module, reference) if _belongs(assignment, module, u)]
        if units:
            owned.append((module, units))
    return owned


def _earlier_units(assignment, reference=REFERENCE):
    """name -> unit of every module unit written in an earlier assignment."""
    by_name = {}
    for module in MODULES:
        for unit in module_units(module, reference):
            if (COURSE.owner(module, unit.name).number < assignment.number
                    and not _belongs(assignment, module, unit)):
                by_name.setdefault(unit.name, unit)
    return by_name


def lesson_names(assignment, lessons=LESSONS):
    """Names the lesson's experiments and the notebook's test cells read."""
    names = set()
    for kind, _, _, code in read_lesson(assignment.id, lessons):
        if kind == "experiment":
            names |= _names_read(ast.parse(code))
    for check in CHECKS[assignment.id]:
        names |= _names_read(ast.parse(check.code))
    return names


def given_units(assignment, reference=REFERENCE, lessons=LESSONS):
    """The earlier assignments' definitions a notebook needs, in module order (closure)."""
    by_name = _earlier_units(assignment, reference)
    mine = [u for _, units in owned_units(assignment, reference) for u in units]
    pending = sorted(lesson_names(assignment, lessons)) + [n for u in mine for n in sorted(u.uses)]
    wanted = set()
    while pending:
        name = pending.pop()
        unit = by_name.get(name)
        if unit is None or name in wanted:
            continue
        wanted.add(name)
        new = sorted(unit.uses - wanted)
        for module_object in _module_objects(unit.module, reference):
            if module_object in unit.uses:  # getattr(optim, name): every function of optim
                new += [u.name for u in module_units(module_object, reference)
                        if u.name not in wanted and u.name in by_name]
        pending += new
    ordered = []
    for module in MODULES:
        units = [u for u in module_units(module, reference)
                 if u.name in wanted and by_name[u.name].module == module]
        if units:
            ordered.append((module, units))
    return ordered


def _strip_markers(source):
    return "".join(line for line in source.splitlines(keepends=True)
                   if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION))


# ---------------------------------------------------------------- lessons


def read_lesson(assignment, lessons=LESSONS):
    """Sections of authoring/lessons/<aN>.md: [(kind, argument, markdown, code)]."""
    text = (lessons / f"{assignment}.md").read_text()
    parts = re.split(r"^<!-- (intro|before|experiment|end)(?: (\S+))? -->\s*$", text, flags=re.M)
    sections = []
    for i in range(1, len(parts), 3):
        kind, argument, body = parts[i], parts[i + 1], parts[i + 2]
        code = None
        if kind == "experiment":
            match = re.search(r"^```python\n(.*?)^```\s*$", body, flags=re.S | re.M)
            if match is None:
                raise ValueError(f"lessons/{assignment}.md: an experiment without a python block")
            code = match.group(1).rstrip("\n")
            body = body[:match.start()] + body[match.end():]
        sections.append((kind, argument, body.strip(), code))
    return sections


# ---------------------------------------------------------------- literals


# Expected values are written to 12 significant digits: the tests compare to 1e-6,
# and the last digits of a float64 result differ between machines (BLAS, SIMD), which
# would make a notebook generated on one machine look stale on another.
EXPECTED_DIGITS = 12


def literal(value, digits=None):
    """Python source that rebuilds `value`: exactly (repr round-trips), or to `digits`."""
    def number(x):
        return repr(float(f"{x:.{digits}g}")) if digits else repr(x)

    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iu":
            return f"np.array({value.tolist()!r}, dtype=np.int64)"
        if value.dtype.kind == "b":
            return f"np.array({value.tolist()!r})"
        floats = value.astype(np.float64)
        if digits:
            floats = np.vectorize(lambda x: float(f"{x:.{digits}g}"), otypes=[float])(floats)
        return f"np.array({floats.tolist()!r})"
    if isinstance(value, np.generic):
        return literal(value.item(), digits)
    if isinstance(value, tuple):
        return "(" + "".join(literal(v, digits) + ", " for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, digits) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v, digits)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return number(value)
    if isinstance(value, (bool, int, str)) or value is None:
        return repr(value)
    raise TypeError(f"cannot write {type(value).__name__} as a literal")


def _reference_namespace(reference=REFERENCE):
    namespace = {"np": np, "warnings": __import__("warnings")}
    # Import the reference package for real: its modules import each other.
    if str(reference.parent) not in sys.path:
        sys.path.insert(0, str(reference.parent))
    import importlib  # noqa: PLC0415

    for module in MODULES:
        loaded = importlib.import_module(f"{reference.name}.{module}")
        namespace.update({k: v for k, v in vars(loaded).items() if not k.startswith("__")})
    return namespace


def _seed(assignment, check, hidden):
    label = f"{assignment}/{check.cell_id}" + (f"/{HIDDEN_SALT}" if hidden else "")
    return zlib.crc32(label.encode())


def _value_test(assignment, check, namespace, hidden):
    rng = np.random.default_rng(_seed(assignment, check, hidden))
    inputs = check.inputs(rng)
    scope = dict(namespace)
    scope.update({k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in
                  _deep_copy(inputs).items()})
    exec(check.code, scope)  # noqa: S102 - our own check code, on the reference
    want = scope["got"]
    lines = [f"{name} = {literal(value)}" for name, value in inputs.items()]
    lines.append(check.code)
    lines.append(f"expected = {literal(want, EXPECTED_DIGITS)}")
    lines.append(f"assert_close(got, expected, {check.what!r}, "
                 f"rtol={check.rtol!r}, atol={check.atol!r})")
    return "\n".join(lines)


def _deep_copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- cells


def _cell_metadata(grade_id, *, solution=False, grade=False, locked=False, points=None,
                   carries=None):
    nbgrader = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
                "solution": solution, "task": False}
    if grade:
        nbgrader["points"] = points
    metadata = {"nbgrader": nbgrader}
    if carries:  # the grader's checks whose points this cell carries (nbgrader_scores.py)
        metadata["nnkit"] = {"carries": [name for name, _ in carries]}
    return metadata


def markdown_cell(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code_cell(source, metadata=None):
    return {"cell_type": "code", "execution_count": None, "metadata": metadata or {},
            "outputs": [], "source": source}


def _test_cells(assignment, check, namespace, carried):
    """The visible and (for value checks) hidden test cells of one check.

    `carried` maps grade ids to the grader's checks they carry, with their rubric
    points (notebook_points.py). A cell that carries no points still runs, as a test
    that is not graded; a hidden cell that would carry none is left out.
    """
    cells = []
    if check.inputs is None:
        body = check.code
    else:
        body = _value_test(assignment, check, namespace, hidden=False)
    checks = carried[check.cell_id]
    worth = round(sum(points for _, points in checks), 4)
    if worth:
        cells.append(code_cell(f"# Test {check.cell_id} ({worth:g} points)\n" + body,
                               _cell_metadata(check.cell_id, grade=True, locked=True,
                                              points=worth, carries=checks)))
    else:
        cells.append(code_cell(f"# Test {check.cell_id} (not graded)\n" + body,
                               _cell_metadata(check.cell_id, locked=True)))
    hidden_checks = carried.get(check.cell_id + "-hidden", [])
    hidden_worth = round(sum(points for _, points in hidden_checks), 4)
    if hidden_worth:
        hidden = _value_test(assignment, check, namespace, hidden=True)
        source = (f"# Hidden test of {check.function} ({hidden_worth:g} points): other inputs, "
                  "run when your notebook is graded.\n### BEGIN HIDDEN TESTS\n"
                  f"{hidden}\n### END HIDDEN TESTS")
        cells.append(code_cell(source, _cell_metadata(check.cell_id + "-hidden", grade=True,
                                                      locked=True, points=hidden_worth,
                                                      carries=hidden_checks)))
    return cells


def model_answers(path=MODEL_ANSWERS):
    """{question id: the model answer} (instructors' side: only source notebooks hold it)."""
    with open(path, "rb") as f:
        answers = tomllib.load(f)
    asked = {q.id for a in COURSE for q in questions_of(a.id)}
    unknown = sorted(set(answers) - asked)
    if unknown:
        raise ValueError(f"{path.name}: {unknown} are no questions of questions.toml")
    return {k: str(v).strip() for k, v in answers.items()}


def _question_cells(question, points, model_answer=None):
    """A written question: its text, then the answer cell nbgrader grades by hand.

    The source's answer cell holds the model answer inside a solution region,
    which nbgrader's release (ClearSolutions) replaces by YOUR ANSWER HERE.
    """
    worth = f"{points:g} point{'' if points == 1 else 's'}"
    answer = _cell_metadata(question.cell_id, solution=True, grade=True, points=points)
    answer["nnkit"] = {"question": question.id}
    source = (f"{BEGIN_SOLUTION}\n{model_answer}\n{END_SOLUTION}" if model_answer
              else PLACEHOLDER)
    return [markdown_cell(f"### Question {question.id} ({worth})\n\n{question.text}\n\n"
                          "Answer in the cell below, in a few sentences of your own; it is "
                          "graded by hand."),
            {"cell_type": "markdown", "metadata": answer, "source": source}]


def _check_positions(assignment, checks, reference=REFERENCE):
    """(module, unit name) -> the checks to place right after that unit's cell.

    A check goes after the last exercise it needs: its function, what that
    function calls in this notebook (neuron calls sigmoid, defined below it),
    and what the check's own code calls.
    """
    order = [(m, u) for m, units in owned_units(assignment, reference) for u in units
             if u.exercise]
    position = {u.name: i for i, (_, u) in enumerate(order)}
    placed = {}
    for check in checks:
        if check.task:
            continue  # a graded task trains for a while: after the experiments
        needed, pending = set(), [check.function]
        pending += sorted(_names_read(ast.parse(check.code)))
        while pending:
            name = pending.pop()
            if name in position and name not in needed:
                needed.add(name)
                pending += sorted(order[position[name]][1].uses)
        module, unit = order[max(position[name] for name in needed)]
        placed.setdefault((module, unit.name), []).append(check)
    return placed


def build_notebook(assignment, reference=REFERENCE, lessons=LESSONS):
    """The source notebook of one assignment, as a JSON-ready dict."""
    namespace = _reference_namespace(reference)
    sections = read_lesson(assignment.id, lessons)
    before = {arg: text for kind, arg, text, _ in sections if kind == "before"}
    owned = owned_units(assignment, reference)
    known = {u.name for _, units in owned for u in units if u.exercise}
    unknown = sorted(set(before) - known)
    if unknown:
        raise ValueError(f"lessons/{assignment.id}.md: `before` names {unknown}, which are not "
                         f"exercises of {assignment.id} (it has {sorted(known)})")
    checks = CHECKS[assignment.id]
    carried = cell_checks(assignment.id, checks)
    questions, points = questions_of(assignment.id), question_points(assignment.id)
    models = model_answers()
    misplaced = sorted({q.after for q in questions if q.after} - known)
    if misplaced:
        raise ValueError(f"questions.toml: {assignment.id}'s questions come after {misplaced}, "
                         f"which are not exercises of {assignment.id} (it has {sorted(known)})")
    cells = [markdown_cell(text) for kind, _, text, _ in sections if kind == "intro"]

    extra = [line for module, _ in owned for line in _plain_imports(module, reference)]
    loaders = sorted(lesson_names(assignment, lessons) & set(course_data.__all__))
    if loaders:
        extra.append(f"from course_data import {', '.join(loaders)}")
    if any(code for kind, _, _, code in sections if kind == "experiment"):
        extra.append("import matplotlib.pyplot as plt")
    setup = SETUP.format(extra_imports="\n".join(extra))
    # `from . import optim` in train.py: the notebook needs an object named optim.
    given = given_units(assignment, reference, lessons)
    all_units = [u for _, units in owned + given for u in units]
    module_objects = {name for u in all_units for name in u.uses if name in MODULES}
    for name in sorted(module_objects):
        setup += MODULE_STANDIN.format(name=name)
    cells.append(markdown_cell("Run this cell first: imports, and `assert_close`, which the "
                               "tests below use to compare your results with the expected ones."))
    cells.append(code_cell(setup.rstrip("\n"), _cell_metadata("setup", locked=True)))

    if given:
        names = ", ".join(f"`{u.name}`" for _, units in given for u in units
                          if not u.name.startswith("_"))
        cells.append(markdown_cell(
            "### From earlier assignments\n\nThe functions of earlier assignments that this one "
            f"uses ({names}), given so that this notebook runs on its own. They are read-only: "
            "your own versions were graded with their assignment."))
        for module, units in given:
            source = "\n\n".join(_strip_markers(u.source).rstrip("\n") for u in units)
            cells.append(code_cell(f"# From {module}.py\n" + source,
                                   _cell_metadata(f"given-{module}", locked=True)))

    placed = _check_positions(assignment, checks, reference)
    for module, units in owned:
        if len(owned) > 1:
            cells.append(markdown_cell(f"## `{module}.py`"))
        provided = []
        for unit in units:
            if not unit.exercise:
                provided.append(unit)
                continue
            if provided:
                cells.append(code_cell("\n\n".join(u.source.rstrip("\n") for u in provided),
                                       _cell_metadata(f"{module}-{provided[0].name}", locked=True)))
                provided = []
            if unit.name in before:
                cells.append(markdown_cell(before[unit.name]))
            cells.append(code_cell(unit.source.rstrip("\n"),
                                   _cell_metadata(f"{module}-{unit.name}", solution=True)))
            for check in placed.get((module, unit.name), []):
                cells += _test_cells(assignment.id, check, namespace, carried)
            for question in questions:
                if question.after == unit.name:
                    cells += _question_cells(question, points[question.id],
                                             models.get(question.id))
        if provided:
            cells.append(code_cell("\n\n".join(u.source.rstrip("\n") for u in provided),
                                   _cell_metadata(f"{module}-{provided[0].name}", locked=True)))

    for kind, _, text, code in sections:
        if kind == "experiment":
            if text:
                cells.append(markdown_cell(text))
            cells.append(code_cell(code))
    tasks = [check for check in checks if check.task]
    if tasks:
        cells.append(markdown_cell(
            "## Graded tasks\n\nEach cell below trains your settings as the grader does and "
            "shows the points they earn (the grader trains them again, on hidden data too)."))
    for check in tasks:
        cells += _test_cells(assignment.id, check, namespace, carried)
    last = [q for q in questions if not q.after]
    if last:
        cells.append(markdown_cell(
            "## Written questions\n\nAbout your own results above: answer each in the cell "
            "below it."))
    for question in last:
        cells += _question_cells(question, points[question.id], models.get(question.id))
    for kind, _, text, _ in sections:
        if kind == "end":
            cells.append(markdown_cell(text))

    return {
        "cells": [_split_source(cell) for cell in cells],
        "metadata": {
            "kernelspec": dict(KERNELSPEC),
            "language_info": {"name": "python"},
            "nnkit": {"assignment": assignment.id, "modules": [m for m, _ in owned]},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _split_source(cell):
    """Jupyter stores a cell's source as a list of lines; ids keep nbformat 4.5 valid."""
    cell = dict(cell)
    text = cell["source"]
    cell["source"] = text.splitlines(keepends=True)
    digest = zlib.crc32(text.encode()) ^ zlib.crc32(json.dumps(cell["metadata"]).encode())
    cell["id"] = f"c{digest:08x}"
    return cell


def notebook_text(notebook):
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def expected_files(reference=REFERENCE, lessons=LESSONS):
    """Map path under assignments/source/ -> text."""
    files = {}
    for assignment in COURSE:
        notebook = build_notebook(assignment, reference, lessons)
        seen = set()
        for cell in notebook["cells"]:
            if cell["id"] in seen:
                raise ValueError(f"{assignment.id}: two identical cells ({cell['id']})")
            seen.add(cell["id"])
        files[f"{assignment.id}/{assignment.notebook}.ipynb"] = notebook_text(notebook)
    return files


def stale_files(source=SOURCE, reference=REFERENCE, lessons=LESSONS):
    expected = expected_files(reference, lessons)
    stale = [name for name, text in expected.items()
             if not (source / name).exists() or (source / name).read_text() != text]
    present = {str(p.relative_to(source)) for p in source.rglob("*")
               if p.is_file() and not {".ipynb_checkpoints", "__pycache__"} & set(p.parts)}
    return sorted(stale + sorted(present - set(expected)))


def write_notebooks(source=SOURCE, reference=REFERENCE, lessons=LESSONS):
    expected = expected_files(reference, lessons)
    if source.exists():
        for path in source.rglob("*"):
            if path.is_file() and str(path.relative_to(source)) not in expected:
                path.unlink()
    for name, text in expected.items():
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(expected)


def main(argv=None):
    return generator_main(argv, __doc__.splitlines()[0], "assignments/source/", "make notebooks",
                          stale_files, write_notebooks)


if __name__ == "__main__":
    sys.exit(main())
