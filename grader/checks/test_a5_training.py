"""Assignment 5: the graded tasks XOR, moons and spirals (course.toml's tasks of a5).

The student's own init_params, train and predict, with their config.HYPERPARAMS,
trained by the grader in the worker; the accuracy is measured here (see
grader/tasks/mlp.py). Thresholds, partial credit and time budgets are the
rubric's [tasks.NAME] tables in a5.toml.
"""

import pytest

from ..course import COURSE
from ..tasks.runs import check_task_history, judge_task

TASKS = COURSE["a5"].tasks


@pytest.mark.parametrize("task", TASKS)
def test_task_accuracy(request, task):
    """Accuracy of the trained network: full credit from the threshold, maybe partial below."""
    judge_task(request, task)


@pytest.mark.parametrize("task", TASKS)
def test_task_history(request, task):
    """The history train returned: the SPEC's keys, one finite entry per epoch."""
    check_task_history(request, task)
