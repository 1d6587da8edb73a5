"""No points for garbage: a submission whose every value is wrong scores 0.

A "plausible garbage" submission implements every function it rewrites
(tests/garbage/, assignments 1-5 and on) with the right signature, and returns
the right types, shapes and dtypes, validates its arguments like the SPEC asks
(ValueError for an unknown activation or a bad dropout p), restores x, keeps
its inputs unchanged and keeps the right keys in every config and dict, but
computes wrong values. A check that pays such a submission pays for form, not
for work: every check must also see a right value (or a property garbage
cannot fake).

The submissions are built at test time, in tmp_path, from student_stubs/
with the garbage of tests/garbage/<module>.py appended to each module (a
later `def` rebinds the name), in four flavours of wrongness:

    noise   random values from a fixed seed (or from the rng argument when
            one is given, so the rng is "used");
    zeros   zeros everywhere (0.0 for every float);
    input   the input itself where an output has the input's shape (x for
            every activation forward, dout for every backward: a consistent
            identity pair; w unchanged by every update rule);
    scaled  consistent wrong pairs: forwards 2*x with backwards 2*dout,
            losses sum(p**2) with gradients 2*p, numerical gradients 2*x.

They are graded by the real grader in one batch run (the assignments the
garbage covers, graded tasks excluded: seconds). As a control, the reference, graded the same way
(conftest.py's shared run), must keep 100% and the stubs 0.
"""

import json
import re
from pathlib import Path

import pytest
from grading import STUBS, WITHOUT_TRAINING, copy_package, defined_names, run_grader

from grader.course import COURSE

# One module-scoped batch run serves every test here: keep them on one xdist worker.
pytestmark = pytest.mark.xdist_group("garbage")

FLAVOURS = ("noise", "zeros", "input", "scaled")

# Checks a garbage submission may legitimately be paid by, as {"aN check": reason}.
# Empty, and it should stay so: an entry is a check that pays for form alone.
# (Signature checks are worth 0 points, so they never show up as paid.)
LEGITIMATE_PASSES = {}


# The garbage bodies: tests/garbage/<module>.py, appended to the stubs' module of the same name
# (a later `def` rebinds the name); tests/garbage/_garbage.py is their helper.
GARBAGE_DIR = Path(__file__).resolve().parent / "garbage"
# The assignments whose functions the garbage rewrites (course.toml's owners).
ASSIGNMENTS = [a for a in COURSE.ids if a in {COURSE.owner(path.stem, name).id
                                              for path in GARBAGE_DIR.glob("[a-z]*.py")
                                              for name in defined_names(path)}]


def build_garbage(flavour, destination):
    """A copy of student_stubs/ with every exercise replaced by a garbage body."""
    package = copy_package(STUBS, destination)
    helper = (GARBAGE_DIR / "_garbage.py").read_text()
    (package / "_garbage.py").write_text(re.sub(r'^FLAVOUR = .*$', f'FLAVOUR = "{flavour}"',
                                                helper, count=1, flags=re.M))
    for garbage in sorted(GARBAGE_DIR.glob("[a-z]*.py")):
        path = package / garbage.name
        assert path.exists(), f"student_stubs has no {garbage.name}"
        path.write_text(path.read_text() + "\n\n# ---- garbage (tests/garbage/)\n"
                        + garbage.read_text())
    return package


# ---------------------------------------------------------------- grading


def _grade_batch(folder, out):
    """Grade every subfolder of `folder` (a1-a5, no training task); {name: results.json}."""
    process = run_grader("grade", folder, "--batch", "--jobs", "2", "--out", out,
                         "--only", ",".join(ASSIGNMENTS), "-k", WITHOUT_TRAINING, timeout=600)
    assert process.returncode == 0, process.stdout + process.stderr
    results = {}
    for submission in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        path = out / submission / "results.json"
        assert path.exists(), f"no results for {submission}:\n{process.stdout}"
        results[submission] = json.loads(path.read_text())
    return results


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{flavour: results.json} of the four garbage submissions, graded in one batch."""
    folder = tmp_path_factory.mktemp("garbage")
    for flavour in FLAVOURS:
        build_garbage(flavour, folder / flavour)
    return _grade_batch(folder, tmp_path_factory.mktemp("graded"))


def _only_graded_assignments(results):
    """results.json restricted to the checks of ASSIGNMENTS (the shared runs grade a6 too)."""
    tests = [t for t in results["tests"] if t["extra_data"]["assignment"] in ASSIGNMENTS]
    assert {t["extra_data"]["assignment"] for t in tests} == set(ASSIGNMENTS)
    return tests


def _paid(results):
    """{check name: (score, first line of its output)} of the checks that paid anything."""
    return {test["name"]: (test["score"], (test.get("output") or "").split("\n")[0])
            for test in results["tests"] if test["score"] > 0}


def _every_assignment_graded(results):
    assert results["extra_data"]["complete"]
    assert set(results["extra_data"]["assignments"]) == set(ASSIGNMENTS)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_garbage_scores_nothing(graded, flavour):
    results = graded[flavour]
    _every_assignment_graded(results)
    paid = {name: why for name, why in _paid(results).items() if name not in LEGITIMATE_PASSES}
    shown = "\n".join(f"  {name}: {score} ({line})" for name, (score, line) in sorted(paid.items()))
    assert not paid, f"garbage ({flavour}) earned points on {len(paid)} checks:\n{shown}"


def test_garbage_passes_the_signature_checks(graded):
    """The garbage is plausible: its functions exist with the SPEC's parameters."""
    for flavour in FLAVOURS:
        failed = [t["name"] for t in graded[flavour]["tests"]
                  if "signature[" in t["name"] and t["extra_data"].get("outcome") != "passed"]
        assert not failed, f"garbage ({flavour}) fails signature checks: {failed}"


def test_reference_keeps_full_marks(reference_run):
    """The checks that refuse garbage still give the reference every point."""
    tests = _only_graded_assignments(reference_run[1])
    lost = [t["name"] for t in tests if t["score"] < t["max_score"]]
    assert not lost, f"the reference lost points on {lost}"
    assert sum(t["max_score"] for t in tests) > 0


def test_stubs_score_nothing(stubs_run):
    paid = [t["name"] for t in _only_graded_assignments(stubs_run[1]) if t["score"] > 0]
    assert paid == []
