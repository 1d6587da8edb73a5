"""Helpers of the end-to-end grader tests: run the CLI, build submissions, read results.

The grader is run as a user runs it, `python -m grader grade ...` in a child
process, so these tests see exactly the exit status and files a user sees.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from grader.cli import CHECKS_DIR
from grader.rubric import ASSIGNMENTS, load_rubric

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE = REPO_ROOT / "reference"
STUBS = REPO_ROOT / "student_stubs"
ALTERNATIVES = Path(__file__).resolve().parent / "alternatives_independent"

# Keys whose values are measured times: the only part of results.json allowed to vary.
TIMING_KEYS = ("execution_time", "seconds", "timing")


def gradable_assignments(candidates=ASSIGNMENTS):
    """The assignments among `candidates` whose check modules all exist.

    The checks of later assignments are written while these tests are; grading an
    assignment whose module is missing is a usage error of the CLI. Once every
    module exists, this is simply `candidates`.
    """
    rubric = load_rubric()
    return [a for a in candidates
            if all((CHECKS_DIR / module).exists() for module in rubric.assignments[a].check_modules)]


# Assignments without training tasks: graded in seconds (a batch grades these).
FAST = ("a1", "a2", "a3", "a4")

# A -k expression deselecting the training tasks (checks named task_*: test_a5_training.py,
# test_a6_mnist.py), so every other check of every assignment is graded in seconds.
WITHOUT_TRAINING = "not task_"


def run_grader(*arguments, timeout=1800):
    """`python -m grader <arguments>` from the repository root; the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "grader", *map(str, arguments)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)


def grade(submission, out, assignments, *extra):
    """Grade one submission; (exit status, results.json as a dict or None, the process)."""
    process = run_grader("grade", submission, "--out", out, "--only", ",".join(assignments),
                         "--quiet", *extra)
    results_path = Path(out) / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else None
    return process.returncode, results, process


def grade_without_training(submission, out):
    """Grade every check of every gradable assignment except the training tasks (seconds)."""
    return grade(submission, out, gradable_assignments(), "-k", WITHOUT_TRAINING)


def copy_package(source, destination):
    """A copy of a package directory without caches (a fresh 'submission')."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return Path(destination)


def replace_once(path, old, new):
    """Replace text that must occur exactly once (a mutant must change what it claims to)."""
    path = Path(path)
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new))


def overlay_alternatives(package):
    """Append each file of tests/alternatives_independent/ to the module of the same name.

    A later `def` rebinds the module's name, so the alternatives replace the reference's
    functions for the module's own callers and for every module importing them.
    """
    replaced = {}
    for alternative in sorted(ALTERNATIVES.glob("*.py")):
        target = Path(package) / alternative.name
        assert target.exists(), f"{alternative.name} overlays no module of {package}"
        target.write_text(target.read_text() + "\n\n" + alternative.read_text())
        replaced[alternative.stem] = alternative_function_names(alternative)
    return replaced


def alternative_function_names(path):
    return [line[4:line.index("(")] for line in Path(path).read_text().splitlines()
            if line.startswith("def ")]


def scores_by_check(results):
    """{"a2 linear_backward[db-public]": score, ...} from a results.json dict."""
    return {test["name"]: test["score"] for test in results["tests"]}


def without_timings(value):
    """results.json with every measured time removed (for determinism comparisons)."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value
