"""student_stubs/ is generated from reference/, stays in sync, and gives away nothing.

Also the region syntax itself (authoring/regions.py): what a solution region,
a stub block and unbalanced markers become.
"""

import importlib
import inspect
import shutil

import numpy as np
import pytest

from authoring import regions, stubs
from authoring.regions import RegionError, count_regions, solution_text, stub_text
from grader.course import COURSE

# config.py's regions keep a runnable stub (untuned settings), so its functions do not raise.
ALL_MODULES = COURSE.modules
EXERCISE_MODULES = tuple(m for m in ALL_MODULES if m != "config")


# ---------------------------------------------------------------- in sync


def test_stubs_are_in_sync_with_the_reference():
    stale = stubs.stale_files()
    assert stale == [], f"student_stubs/ is out of date (run `make stubs`): {stale}"


def test_every_reference_file_has_a_stub():
    reference_files = sorted(p.name for p in stubs.REFERENCE.glob("*.py"))
    assert reference_files == sorted(p.name for p in stubs.STUBS.glob("*.py"))


@pytest.fixture
def generated(tmp_path):
    """A copy of the reference and stubs generated from it, both in tmp_path."""
    reference = tmp_path / "reference"
    shutil.copytree(stubs.REFERENCE, reference, ignore=shutil.ignore_patterns("__pycache__"))
    generated_stubs = tmp_path / "stubs"
    stubs.write_stubs(reference, generated_stubs)
    assert stubs.stale_files(reference, generated_stubs) == []
    return reference, generated_stubs


def test_staleness_is_detected_after_a_reference_edit(generated):
    reference, generated_stubs = generated
    path = reference / "losses.py"
    path.write_text(path.read_text().replace("Mean squared error", "Mean squared error (edited)"))
    assert stubs.stale_files(reference, generated_stubs) == ["losses.py"]


def test_an_edit_inside_a_solution_region_keeps_the_stubs_in_sync(generated):
    """Editing inside a solution region changes nothing the student sees: still in sync."""
    reference, generated_stubs = generated
    path = reference / "layers.py"
    text = path.read_text()
    assert "db = dout.sum(axis=0)" in text
    path.write_text(text.replace("db = dout.sum(axis=0)", "db = np.sum(dout, axis=0)"))
    assert stubs.stale_files(reference, generated_stubs) == []


def test_staleness_is_detected_for_missing_and_extra_stub_files(generated):
    reference, generated_stubs = generated
    (generated_stubs / "optim.py").unlink()
    (generated_stubs / "leftover.py").write_text("x = 1\n")
    (reference / "new_module.py").write_text("def f():\n    return 1\n")
    assert stubs.stale_files(reference, generated_stubs) == ["leftover.py", "new_module.py",
                                                             "optim.py"]


def test_check_command_exits_nonzero_when_stale(generated, monkeypatch, capsys):
    reference, generated_stubs = generated
    monkeypatch.setattr(stubs, "REFERENCE", reference)
    monkeypatch.setattr(stubs, "STUBS", generated_stubs)
    # main() calls stale_files() with its defaults, bound when the module was imported.
    monkeypatch.setattr(stubs.stale_files, "__defaults__", (reference, generated_stubs))
    assert stubs.main(["--check"]) == 0
    (generated_stubs / "train.py").write_text("# edited by hand\n")
    assert stubs.main(["--check"]) == 1
    assert "train.py" in capsys.readouterr().out


# ---------------------------------------------------------------- the stubs themselves


@pytest.mark.parametrize("module", ALL_MODULES)
def test_stub_modules_import_cleanly(module):
    importlib.import_module(f"student_stubs.{module}")


def _exercise_functions(module):
    """(name, reference function, stub function) of every function with a solution region.

    Methods of classes count too ("Linear.forward"); the stub's is the method of the
    stub's class of the same name.
    """
    reference = importlib.import_module(f"reference.{module}")
    stub = importlib.import_module(f"student_stubs.{module}")
    found = []
    for name, function in inspect.getmembers(reference, inspect.isfunction):
        if function.__module__ != reference.__name__ or name.startswith("_"):
            continue
        if regions.BEGIN_SOLUTION in inspect.getsource(function):
            found.append((name, function, getattr(stub, name, None)))
    for class_name, cls in inspect.getmembers(reference, inspect.isclass):
        if cls.__module__ != reference.__name__:
            continue
        stub_class = getattr(stub, class_name, None)
        for name, function in vars(cls).items():
            if isinstance(function, property):
                function = function.fget
            if inspect.isfunction(function) and regions.BEGIN_SOLUTION in inspect.getsource(
                    function):
                stub_function = getattr(stub_class, name, None) if stub_class else None
                if isinstance(stub_function, property):
                    stub_function = stub_function.fget
                found.append((f"{class_name}.{name}", function, stub_function))
    return found


class _Blank:
    """Stands for self: a stubbed method raises before it reads anything."""


@pytest.mark.parametrize("module", EXERCISE_MODULES)
def test_every_stubbed_function_raises_not_implemented(module):
    functions = _exercise_functions(module)
    assert functions, f"no exercise found in reference/{module}.py"
    for name, reference_function, stub_function in functions:
        assert stub_function is not None, f"student_stubs/{module}.py lacks {name}"
        assert inspect.signature(stub_function) == inspect.signature(reference_function), name
        assert stub_function.__doc__ == reference_function.__doc__, f"{name}: docstring differs"
        required = [p for p in inspect.signature(stub_function).parameters.values()
                    if p.default is inspect.Parameter.empty
                    and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        arguments = {p.name: np.ones((2, 2)) for p in required}
        if "self" in arguments:
            arguments["self"] = _Blank()  # a method: no instance is needed to reach the raise
        with pytest.raises(NotImplementedError):
            result = stub_function(**arguments)
            if inspect.isgenerator(result):
                next(result)


@pytest.mark.parametrize("module", EXERCISE_MODULES)
def test_stubs_have_the_same_public_names(module):
    def public(m):
        return sorted(n for n, v in vars(m).items() if not n.startswith("_")
                      and (inspect.isfunction(v) or isinstance(v, dict)))

    reference = importlib.import_module(f"reference.{module}")
    stub = importlib.import_module(f"student_stubs.{module}")
    assert public(stub) == public(reference)


def test_no_solution_text_reaches_the_stubs():
    for path in stubs.STUBS.glob("*.py"):
        text = path.read_text()
        assert count_regions(text) == 0, path.name
        assert regions.END_SOLUTION not in text and regions.BEGIN_STUB not in text, path.name


def hyperparameter_problems(hyperparams):
    """What makes a HYPERPARAMS dict invalid for the graded tasks; [] when valid.

    The grader's own validation (grader/tasks/: each task's settings), so the
    schema is written once.
    """
    from grader.compare import CheckFailed  # noqa: PLC0415
    from grader.tasks import TASKS  # noqa: PLC0415
    from grader.tasks.settings import entry_of  # noqa: PLC0415

    # A task reads its own entry (ring reads "gan": Task.settings_key).
    keys = {task: TASKS[task].settings_key or task for task in COURSE.tasks}
    if not isinstance(hyperparams, dict) or set(hyperparams) != set(keys.values()):
        return [f"keys must be {', '.join(keys.values())}: {hyperparams!r:.100}"]
    problems = []
    for task in COURSE.tasks:
        try:
            TASKS[task].settings(entry_of(hyperparams, keys[task], COURSE.tasks), task)
        except CheckFailed as error:
            problems.append(f"{task}: {error.message}")
    return problems


def test_hyperparameter_validator_rejects_bad_entries():
    from reference.config import HYPERPARAMS

    assert hyperparameter_problems(HYPERPARAMS) == []
    broken = {task: dict(entry) for task, entry in HYPERPARAMS.items()}
    broken["moons"]["optimizer"] = "rmsprop"
    broken["xor"]["epochs"] = 0
    assert len(hyperparameter_problems(broken)) == 2


def test_stub_config_is_valid_but_not_the_reference():
    from reference.config import HYPERPARAMS as reference_hyperparams
    from student_stubs.config import HYPERPARAMS as stub_hyperparams

    assert hyperparameter_problems(stub_hyperparams) == []
    for task in reference_hyperparams:
        assert stub_hyperparams[task] != reference_hyperparams[task], (
            f"the stubs give away the tuned {task} settings")


# ---------------------------------------------------------------- regions


SOURCE = '''\
def f(x):
    """Doc."""
    ### BEGIN SOLUTION
    return x + 1
    ### END SOLUTION


def g():
    ### BEGIN SOLUTION
    return 2
    ### END SOLUTION
    ### BEGIN STUB
    # return 0  # a runnable placeholder
    #
    #     deeper = "indent kept"
    ### END STUB
'''


def test_stub_text_replaces_regions():
    assert stub_text(SOURCE) == '''\
def f(x):
    """Doc."""
    # YOUR CODE HERE
    raise NotImplementedError()


def g():
    return 0  # a runnable placeholder

        deeper = "indent kept"
'''


def test_solution_text_keeps_markers_and_drops_stub_blocks():
    text = solution_text(SOURCE)
    assert count_regions(text) == count_regions(SOURCE) == 2
    assert regions.BEGIN_STUB not in text and "runnable placeholder" not in text
    assert "return x + 1" in text and "return 2" in text


def test_text_without_markers_round_trips_unchanged():
    plain = "def h():\n    return 3\n"
    assert stub_text(plain) == plain
    assert solution_text(plain) == plain
    assert solution_text(solution_text(SOURCE)) == solution_text(SOURCE)


def test_reference_stub_texts_compile():
    for path in stubs.REFERENCE.glob("*.py"):
        compile(stub_text(path.read_text()), str(path), "exec")
        compile(solution_text(path.read_text()), str(path), "exec")


@pytest.mark.parametrize("broken", [
    "    ### BEGIN SOLUTION\n    x = 1\n",  # never closed
    "    x = 1\n    ### END SOLUTION\n",  # closed, never opened
    "    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",  # nested
    "    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n    ### BEGIN STUB\n    # x\n",
    "    ### BEGIN STUB\n    # x\n    ### END STUB\n",  # a stub block with no region before it
])
def test_unbalanced_markers_raise(broken):
    with pytest.raises(RegionError):
        stub_text(broken, where="broken.py")


def test_the_stub_package_speaks_to_the_student():
    """The reference's package docstring says what the reference is; a student's copy is not
    the course's solution."""
    reference_init = (stubs.REFERENCE / "__init__.py").read_text()
    assert "reference solution" in reference_init.lower()
    stub_init = stubs.expected_stubs()["__init__.py"]
    assert "reference" not in stub_init.lower() and "solution of the course" not in stub_init
    assert "YOUR CODE HERE" in stub_init
    assert (stubs.STUBS / "__init__.py").read_text() == stub_init
