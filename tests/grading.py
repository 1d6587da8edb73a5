"""The kit's tests grade submissions as users do: this module builds and grades them.

Every test that grades (end to end, mutants, alternatives, garbage, the
report, the bundle) goes through these helpers:

  - submissions: a copy of a package (`copy_package`, `copy_reference`), an
    edit that must apply exactly once (`replace_once`), an alternative
    implementation laid over the reference (`overlay`: each file's functions
    appended to the module of the same name, a later `def` rebinding the name
    for the module's own callers and for every module importing it);
  - grading: `python -m grader grade ...` in a child process (`run_grader`,
    `grade`), or the same CLI in this process when many submissions are
    graded one after the other (`grade_in_process`: no start-up cost; the
    student code still runs only in the sandboxed worker);
  - reading results: scores by check, rubric patterns, timings removed.
"""

import ast
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from grader.cli import CHECKS_DIR
from grader.course import COURSE

REPO_ROOT = Path(__file__).resolve().parent.parent
REFERENCE = REPO_ROOT / "reference"
STUBS = REPO_ROOT / "student_stubs"
ALTERNATIVES = REPO_ROOT / "tests" / "alternatives"

# Keys whose values are measured times: the only part of results.json allowed to vary.
TIMING_KEYS = ("execution_time", "seconds", "timing")
# A -k expression deselecting the graded tasks (checks named task_*), so every other
# check of every assignment is graded in seconds.
WITHOUT_TRAINING = "not task_"
# One BLAS thread per grading process: tests grade two at a time on two cores.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def gradable_assignments(candidates=None):
    """The assignments among `candidates` (default: all) whose check modules all exist."""
    candidates = COURSE.ids if candidates is None else candidates
    return [a for a in candidates if all((CHECKS_DIR / m).exists() for m in COURSE[a].checks)]


def without_tasks():
    """The assignments whose checks are all unit checks (no graded task): seconds to grade."""
    return [a for a in gradable_assignments() if not COURSE[a].tasks]


# ---------------------------------------------------------------- submissions


def copy_package(source, destination):
    """A copy of a package directory without caches (a fresh 'submission')."""
    destination = Path(destination)
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return destination


def copy_reference(destination):
    return copy_package(REFERENCE, destination)


def replace_once(path, old, new):
    """Replace text that must occur exactly once (an edit must change what it claims to)."""
    path = Path(path)
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new))


def defined_names(path):
    """The top-level functions, classes and assigned names a file defines."""
    names = []
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
    return names


def overlay(alternative_dir, destination):
    """A copy of the reference with each file of alternative_dir appended to its module.

    Returns the package. A file whose module the reference lacks is refused.
    """
    package = copy_reference(destination)
    files = sorted(Path(alternative_dir).glob("*.py"))
    if not files:
        raise ValueError(f"{alternative_dir} holds no module")
    for path in files:
        target = package / path.name
        if not target.exists():
            raise ValueError(f"{path.name} of {alternative_dir} is not a reference module")
        target.write_text(target.read_text() + "\n\n# ---- overlaid by the alternative "
                          f"{Path(alternative_dir).name}\n" + path.read_text())
    return package


def alternative_assignments(alternative_dir):
    """The assignments that grade what an alternative rewrites (course.toml's owners)."""
    owners = {COURSE.owner(path.stem, name).id
              for path in Path(alternative_dir).glob("*.py") for name in defined_names(path)}
    return [a for a in COURSE.ids if a in owners]


# ---------------------------------------------------------------- grading


def run_grader(*arguments, timeout=1800, env=None):
    """`python -m grader <arguments>` from the repository root; the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "grader", *map(str, arguments)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
                          env=None if env is None else dict(os.environ, **env))


def grade(submission, out, assignments, *extra, env=None):
    """Grade one submission; (exit status, results.json as a dict or None, the process)."""
    process = run_grader("grade", submission, "--out", out, "--only", ",".join(assignments),
                         "--quiet", *extra, env=env)
    results_path = Path(out) / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else None
    return process.returncode, results, process


def grade_without_training(submission, out):
    """Grade every check of every gradable assignment except the graded tasks (seconds)."""
    return grade(submission, out, gradable_assignments(), "-k", WITHOUT_TRAINING)


def grade_in_process(submission, out, only, keyword=None, slot=0):
    """Grade with the grader's CLI in this process; returns results.json (raises on failure)."""
    from grader import cli  # noqa: PLC0415

    argv = ["grade", str(submission), "--out", str(out), "--only", ",".join(only), "--quiet",
            "--slot", str(slot), "--threads", "1"] + (["-k", keyword] if keyword else [])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        status = cli.main(argv)
    results = Path(out) / "results.json"
    if status != 0 or not results.exists():
        raise RuntimeError(f"grading {submission} failed (exit {status}):\n"
                           f"{printed.getvalue()[-3000:]}")
    return json.loads(results.read_text())


# ---------------------------------------------------------------- reading results


def check_matches(pattern, check):
    """The rubric's globbing: * is the only wildcard, [ and ] are literal."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, check) is not None


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
