"""The course is complete: every assignment of course.toml has every piece it needs.

course.toml is the one list of assignments. For each one, this test names
what is missing (../shared/ASSIGNMENT.md says what a finished assignment has):
the reference module and its stubs, the checks, a rubric, a lesson, the
notebook's test cells, hints, mutants, an alternative correct
implementation, garbage, the notebook itself; and what it builds on must be
what its reference code imports. Forgetting a piece is a failure that says
which piece of which assignment.
"""

import ast
import importlib
from pathlib import Path

import pytest

from authoring.notebooks import module_units, owned_units
from grader.course import COURSE, CourseError, parse_course
from grader.rubric import load_rubric
from grader.tasks import TASKS

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
MIN_MUTANTS = 15  # ../shared/ASSIGNMENT.md
ASSIGNMENTS = list(COURSE)


def exercises(assignment):
    """(module, name) of every function the student writes in this assignment (not settings)."""
    return [(module, unit.name) for module, units in owned_units(assignment)
            for unit in units if unit.exercise and module != "config"]


def check(problems, ok, message):
    if not ok:
        problems.append(message)


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.id)
def test_every_piece_of_the_assignment_exists(assignment):
    a, problems = assignment.id, []
    for module in assignment.modules:
        check(problems, (ROOT / "reference" / f"{module}.py").exists(),
              f"reference/{module}.py (the reference module)")
        check(problems, (ROOT / "student_stubs" / f"{module}.py").exists(),
              f"student_stubs/{module}.py (make stubs)")
    for module, names in assignment.functions.items():
        defined = {unit.name for unit in module_units(module)}
        for name in names:
            check(problems, name in defined, f"reference/{module}.py: {name} (course.toml "
                                             f"says {a} adds it)")
    for check_module in assignment.checks:
        check(problems, (ROOT / "grader" / "checks" / check_module).exists(),
              f"grader/checks/{check_module} (its checks)")
    check(problems, (ROOT / "grader" / "rubric" / f"{a}.toml").exists(),
          f"grader/rubric/{a}.toml (its rubric)")
    check(problems, (ROOT / "authoring" / "lessons" / f"{a}.md").exists(),
          f"authoring/lessons/{a}.md (its lesson)")
    check(problems, (ROOT / "authoring" / "notebook_checks" / f"{a}.py").exists(),
          f"authoring/notebook_checks/{a}.py (the notebook's test cells)")
    check(problems, (ROOT / "assignments" / "source" / a / f"{assignment.notebook}.ipynb")
          .exists(), f"assignments/source/{a}/{assignment.notebook}.ipynb (make notebooks)")
    for task in assignment.tasks:
        check(problems, task in TASKS, f"grader/tasks/: the task {task!r}")
    if exercises(assignment):
        check(problems, (ROOT / "grader" / "hints" / f"{a}.py").exists(),
              f"grader/hints/{a}.py (hints for its mistakes)")
    assert not problems, f"{a} ({assignment.title}) lacks:\n  " + "\n  ".join(problems)


def test_the_rubric_matches_the_course():
    rubric = load_rubric()  # validates every file against course.toml
    assert list(rubric.assignments) == list(COURSE.ids)


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if exercises(a)],
                         ids=lambda a: a.id)
def test_enough_mutants_of_the_assignment_own_functions(assignment):
    from mutants import mutation

    mine = [m for m in mutation.load_corpus() if m.assignment == assignment.id]
    assert len(mine) >= MIN_MUTANTS, (f"tests/mutants/corpus/{assignment.id}.toml has "
                                      f"{len(mine)} mutants, at least {MIN_MUTANTS} are needed")
    for mutant in mine:
        owner = COURSE.owner(mutant.module, mutant.function.split(".")[0])
        assert owner.id == assignment.id, (f"mutant {mutant.name} changes {mutant.function} of "
                                           f"{owner.id}, not of {assignment.id}")


@pytest.mark.parametrize("assignment", [a for a in ASSIGNMENTS if exercises(a)],
                         ids=lambda a: a.id)
def test_an_alternative_and_garbage_cover_the_assignment(assignment):
    from grading import ALTERNATIVES, alternative_assignments, defined_names

    alternatives = [p.name for p in ALTERNATIVES.iterdir()
                    if p.is_dir() and assignment.id in alternative_assignments(p)]
    assert alternatives, f"no folder of tests/alternatives/ rewrites a function of {assignment.id}"
    missing = []
    for module, name in exercises(assignment):
        path = TESTS / "garbage" / f"{module}.py"
        if not path.exists() or name.split(".")[0] not in defined_names(path):
            missing.append(f"{module}.{name}")
    assert not missing, f"tests/garbage/ has no garbage for {missing}"


def _direct_dependencies(assignment):
    """The other assignments whose functions this assignment's reference code reads."""
    found = set()
    for module, units in owned_units(assignment):
        tree = ast.parse((ROOT / "reference" / f"{module}.py").read_text())
        imported = {}  # name in this module -> (module, name) it comes from
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                for alias in node.names:
                    if node.module:
                        imported[alias.asname or alias.name] = (node.module, alias.name)
                    else:
                        imported[alias.asname or alias.name] = (alias.name, None)
        for unit in units:
            for name in unit.uses & set(imported):
                source, original = imported[name]
                owner = (COURSE.module_owner(source) if original is None
                         else COURSE.owner(source, original))
                found.add(owner.id)
            for name in unit.uses:  # a function of the same module written earlier
                if name in {u.name for u in module_units(module)}:
                    found.add(COURSE.owner(module, name).id)
    for task in assignment.tasks:
        found |= {COURSE.module_owner(module).id for module in TASKS[task].calls}
    return found - {assignment.id}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.id)
def test_builds_on_is_what_the_reference_imports(assignment):
    derived = set(COURSE.closure(_direct_dependencies(assignment))) - {assignment.id}
    assert set(assignment.builds_on) == derived, (
        f"course.toml says {assignment.id} builds on {sorted(assignment.builds_on)}; its "
        f"reference code (and its tasks) read functions of {sorted(derived)}")


def test_the_reference_modules_import_in_course_order():
    """A module imports only modules written before it: course.toml's order is a real one."""
    order = {module: position for position, module in enumerate(COURSE.modules)}
    for module in COURSE.modules:
        tree = ast.parse((ROOT / "reference" / f"{module}.py").read_text())
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                sources = [node.module] if node.module else [a.name for a in node.names]
                for source in sources:
                    assert order[source] < order[module], f"{module}.py imports {source}.py"
        importlib.import_module(f"reference.{module}")


BAD_MANIFESTS = {
    "unknown key": ('[[assignment]]\nid = "a1"\ntitle = "t"\nnotebook = "n"\nchecks = '
                    '["test_a1_x.py"]\nmodulez = ["m"]\n', "unknown key"),
    "ids out of order": ('[[assignment]]\nid = "a2"\ntitle = "t"\nnotebook = "n"\nchecks = '
                         '["test_a2_x.py"]\n[[assignment]]\nid = "a1"\ntitle = "t"\nnotebook = '
                         '"n"\nchecks = ["test_a1_x.py"]\n', "ids are a1, a2"),
    "module twice": ('[[assignment]]\nid = "a1"\ntitle = "t"\nnotebook = "n"\nchecks = '
                     '["test_a1_x.py"]\nmodules = ["m"]\n[[assignment]]\nid = "a2"\ntitle = '
                     '"t"\nnotebook = "n"\nchecks = ["test_a2_x.py"]\nmodules = ["m"]\n',
                     "already written"),
    "builds on a later one": ('[[assignment]]\nid = "a1"\ntitle = "t"\nnotebook = "n"\nchecks = '
                              '["test_a1_x.py"]\nbuilds_on = ["a2"]\n', "not an earlier"),
    "check of another assignment": ('[[assignment]]\nid = "a1"\ntitle = "t"\nnotebook = "n"\n'
                                    'checks = ["test_a2_x.py"]\n', "must be named test_a1_"),
}


@pytest.mark.parametrize("name", list(BAD_MANIFESTS))
def test_a_malformed_manifest_is_refused_with_its_place(name, tmp_path):
    import tomllib

    text, words = BAD_MANIFESTS[name]
    with pytest.raises(CourseError, match=words):
        parse_course(tomllib.loads(text))
