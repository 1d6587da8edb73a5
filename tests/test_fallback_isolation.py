"""Where namespaces are refused (Docker's default seccomp, as on Gradescope): the uid fallback.

GRADER_SANDBOX=uid makes the grader behave as it does in such a container: no
bubblewrap, the worker as an unprivileged uid of its own, the kit's secrets
made unreadable to it by permissions. The grader runs from a copy of the kit
in tmp_path (it changes the copy's permissions), as root, as on Gradescope.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from grading import REFERENCE, REPO_ROOT, STUBS, copy_package

from authoring.gradescope import KIT as GRADESCOPE_KIT

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                                 reason="the uid fallback needs root and setpriv")]

THIEF = '''

def _steal():
    """Read the kit's reference and secrets; on success, answer with the reference."""
    import glob
    found = {}
    for path in glob.glob("__KIT__/reference/*.py") + ["__KIT__/grader/rubric/secrets.toml",
                                                         "__KIT__/reference/activations.py"]:
        try:
            with open(path) as f:
                found[path] = f.read()
        except OSError:
            pass
    return found


_STOLEN = _steal()
if "__KIT__/reference/activations.py" in _STOLEN:
    print("LEAK: read the reference", flush=True)
    exec(_STOLEN["__KIT__/reference/activations.py"].replace("from .", "from submission."))
'''


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    root = tmp_path_factory.mktemp("kit") / "source"
    root.mkdir()
    # What the Gradescope zip holds as its source (one list: authoring/gradescope.py), and
    # the stubs.
    for name in (*GRADESCOPE_KIT, "student_stubs"):
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, root / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(REPO_ROOT / name, root / name)
    return root


def grade_in(kit, submission, out, *extra):
    env = dict(os.environ, GRADER_SANDBOX="uid")
    process = subprocess.run([sys.executable, "-m", "grader", "grade", str(submission),
                              "--out", str(out), "--only", "a1", "--quiet", *extra],
                             cwd=kit, capture_output=True, text=True, env=env, timeout=600)
    results = json.loads((out / "results.json").read_text())
    return process, results


def test_the_fallback_grades_the_reference_fully_and_says_which_isolation_ran(kit, tmp_path):
    process, results = grade_in(kit, copy_package(REFERENCE, tmp_path / "ref"), tmp_path / "out")
    assert process.returncode == 0, process.stderr
    assert results["score"] == results["extra_data"]["max_score"] > 0
    assert results["extra_data"]["sandbox"] == "uid"
    assert "FALLBACK ISOLATION" in results["output"]


def test_a_worker_of_another_uid_cannot_read_the_kit(kit, tmp_path):
    submission = copy_package(STUBS, tmp_path / "thief")
    with open(submission / "activations.py", "a") as f:
        f.write(THIEF.replace("__KIT__", str(kit)))
    process, results = grade_in(kit, submission, tmp_path / "out")
    assert process.returncode == 0, process.stderr
    assert results["score"] == 0
    assert "LEAK" not in results["output"]
    assert not os.stat(kit / "reference").st_mode & 0o077  # taken out of other users' reach


def test_require_sandbox_names_the_minimum_an_instructor_accepts(kit, tmp_path):
    process, results = grade_in(kit, copy_package(REFERENCE, tmp_path / "ref"),
                                tmp_path / "strict", "--require-sandbox")
    assert process.returncode == 3 and results["extra_data"]["status"] == "no-sandbox"
    process, results = grade_in(kit, copy_package(REFERENCE, tmp_path / "ref2"),
                                tmp_path / "lenient", "--require-sandbox", "uid")
    assert process.returncode == 0 and results["score"] > 0
