"""Assignment 11: the graded task ring (course.toml's tasks of a11).

The student's build_gan and train_gan, with their config.HYPERPARAMS["gan"], trained by
the grader in the worker; G's samples on the grader's own latent vectors are measured
here: modes covered and quality (see grader/tasks/gan.py). The thresholds, the terms
"near" and "covered" and the time budget are the rubric's [tasks.ring] table in a11.toml.
"""

import pytest

from ..course import COURSE
from ..tasks.runs import check_task_history, judge_task

TASKS = COURSE["a11"].tasks


@pytest.mark.parametrize("task", TASKS)
def test_task_accuracy(request, task):
    """Modes covered and quality of G's samples: full credit for all 8, partial for 6."""
    judge_task(request, task)


@pytest.mark.parametrize("task", TASKS)
def test_task_history(request, task):
    """The losses train_gan returned: "d_loss" and "g_loss", one finite loss per step."""
    check_task_history(request, task)
