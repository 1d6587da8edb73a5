"""Make the repository root importable (`import reference.data`) without installing it."""

import sys
from pathlib import Path

import pytest

REPO_ROOT = str(Path(__file__).resolve().parent.parent)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


# ---------------------------------------------------------------- graded runs shared by test files
# Grading is the slowest thing the kit's tests do; the reference and the stubs are
# graded once per session and their results.json shared (test_grader_cli.py,
# test_results_schema.py).

@pytest.fixture(scope="session")
def reference_run(tmp_path_factory):
    """(exit status, results.json) of grading reference/ on every check but training tasks."""
    from grading import REFERENCE, grade_without_training

    status, results, process = grade_without_training(REFERENCE,
                                                      tmp_path_factory.mktemp("reference"))
    assert results is not None, f"no results.json:\n{process.stdout}\n{process.stderr}"
    return status, results


@pytest.fixture(scope="session")
def stubs_run(tmp_path_factory):
    """(exit status, results.json, wall seconds) of grading student_stubs/ the same way."""
    import time

    from grading import STUBS, grade_without_training

    started = time.perf_counter()
    status, results, process = grade_without_training(STUBS, tmp_path_factory.mktemp("stubs"))
    assert results is not None, f"no results.json:\n{process.stdout}\n{process.stderr}"
    return status, results, time.perf_counter() - started


FULL_REFERENCE_GROUP = "full_reference"  # the xdist group of the tests that read the run below


@pytest.fixture(scope="session")
def full_reference_run(tmp_path_factory):
    """(exit status, results.json, feedback.html, the process) of grading reference/
    completely, every training task included, with the report: minutes, so done once for
    every test that needs it (they share the xdist group FULL_REFERENCE_GROUP, so one
    worker builds it)."""
    from grading import REFERENCE, gradable_assignments, grade

    out = tmp_path_factory.mktemp("full-reference")
    status, results, process = grade(REFERENCE, out, gradable_assignments(), "--report")
    html = (out / "feedback.html").read_text(encoding="utf-8") if results else None
    return status, results, html, process
