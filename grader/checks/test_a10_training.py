"""Assignment 10: the graded task value_moons (course.toml's tasks of a10).

The student's own train_value_mlp, with their config.HYPERPARAMS["value_moons"],
trained by the grader in the worker; the accuracy is measured here from the
trained model's scores (see grader/tasks/autograd.py). Threshold, partial credit
and time budget are the rubric's [tasks.value_moons] table in a10.toml.
"""

import pytest

from ..course import COURSE
from ..tasks.runs import check_task_history, judge_task

TASKS = COURSE["a10"].tasks


@pytest.mark.parametrize("task", TASKS)
def test_task_accuracy(request, task):
    """Accuracy of the trained MLP of Values: full credit from the threshold, half below."""
    judge_task(request, task)


@pytest.mark.parametrize("task", TASKS)
def test_task_history(request, task):
    """The losses train_value_mlp returned: one per step, finite, going down."""
    check_task_history(request, task)
