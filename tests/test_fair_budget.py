"""A grade does not depend on how busy the machine is: budgets count CPU seconds.

The same submission is graded twice on a task whose budget it needs most of:
once as the machine is, once beside six processes that spin on its cores.
Its training computes a fixed amount of CPU time, so a wall-clock budget would
fail it on the busy machine; the grader's CPU budget gives it the same score
both times, and its wall-clock ceiling still bounds grading.
"""

import multiprocessing
import shutil

import pytest
from grading import REFERENCE, copy_package, grade, replace_once

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("fair_budget")]

CPU_OF_TRAINING = 2.5  # seconds of computing the submission's train does, whatever the load
BUDGET = 4.0  # the XOR task's budget in the test's rubric


def spin(stop):
    while not stop.is_set():
        pass


@pytest.fixture
def submission_and_rubric(tmp_path):
    submission = copy_package(REFERENCE, tmp_path / "submission")
    start = "    update = getattr(optim, optimizer)\n"
    replace_once(submission / "train.py", start,
                 f"    import time\n    end = time.process_time() + {CPU_OF_TRAINING!r}\n"
                 "    while time.process_time() < end:\n        pass\n" + start)
    rubric = tmp_path / "rubric"
    shutil.copytree(REFERENCE.parent / "grader" / "rubric", rubric)
    replace_once(rubric / "a5.toml", "[tasks.xor]\nthreshold = 1.0\nbudget_seconds = 10",
                 f"[tasks.xor]\nthreshold = 1.0\nbudget_seconds = {BUDGET}")
    # A wall-clock ceiling of 5 budgets (3 by default), so that the spinners below, and
    # whatever else a CI machine runs, cannot reach it: the test is about the CPU budget.
    replace_once(rubric / "grading.toml", "wall_factor = 3", "wall_factor = 5")
    return submission, rubric


def graded(submission, rubric, out):
    status, results, process = grade(submission, out, ["a5"], "-k", "task_accuracy and xor",
                                     env={"GRADER_RUBRIC": str(rubric)})
    assert status == 0 and results is not None, process.stdout + process.stderr
    (test,) = results["tests"]
    return test, results["extra_data"]["artifacts"]["xor"]


def test_the_same_submission_scores_the_same_on_a_quiet_and_a_busy_machine(
        submission_and_rubric, tmp_path):
    submission, rubric = submission_and_rubric
    quiet, quiet_run = graded(submission, rubric, tmp_path / "quiet")
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(6)]
    for process in spinners:
        process.start()
    try:
        busy, busy_run = graded(submission, rubric, tmp_path / "busy")
    finally:
        stop.set()
        for process in spinners:
            process.join()
    assert quiet["score"] == busy["score"] == quiet["max_score"] > 0, (quiet, busy)
    for run in (quiet_run, busy_run):
        assert CPU_OF_TRAINING <= run["seconds"] < BUDGET, run
    # Beside the spinners the wall clock ran past the budget: a wall-clock budget would
    # have given this submission 0 on a busy machine, for the same code.
    assert busy_run["wall_seconds"] > BUDGET, busy_run
