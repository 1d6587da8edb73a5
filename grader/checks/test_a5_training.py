"""Assignment 5: the graded training tasks XOR, moons and spirals.

The student's own init_params, train and predict, with their config.HYPERPARAMS,
trained by the grader in the worker; the accuracy is measured here (see
training.py). Thresholds, partial credit and time budgets are the rubric's
[tasks.NAME] tables in a5.toml.
"""

import pytest

from .training import check_history, judge_accuracy, task_table, training_run

TASKS = ["xor", "moons", "spirals"]


@pytest.mark.parametrize("task", TASKS)
def test_task_accuracy(request, rubric, task):
    """Accuracy of the trained network: full credit from the threshold, maybe partial below."""
    judge_accuracy(training_run(request, task), task_table(rubric, task))


@pytest.mark.parametrize("task", TASKS)
def test_task_history(request, task):
    """The history train returned: the SPEC's keys, one finite entry per epoch."""
    check_history(training_run(request, task))
