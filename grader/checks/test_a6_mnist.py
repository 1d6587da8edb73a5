"""Assignment 6: MNIST, with assignment 5's code unchanged and HYPERPARAMS["mnist"].

60,000 training images (read by the worker from its read-only /data, in the
student's dtype), 10,000 test images whose labels never leave the grader. The
threshold, partial credit, time budget and memory limit are a6.toml's
[tasks.mnist] table.
"""

import pytest

from ..course import COURSE
from ..tasks.runs import check_task_history, judge_task

TASKS = COURSE["a6"].tasks


@pytest.mark.parametrize("task", TASKS)
def test_task_accuracy(request, task):
    """Test accuracy of the trained network: full credit from the threshold, half above 90%."""
    judge_task(request, task)


@pytest.mark.parametrize("task", TASKS)
def test_task_history(request, task):
    """The history train returned: the SPEC's keys, one finite entry per epoch."""
    check_task_history(request, task)
