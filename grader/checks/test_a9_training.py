"""Assignment 9: the graded tasks "sine" and "memory" (course.toml's tasks of a9).

The student's build_rnn, RNN and fit with their config.HYPERPARAMS entries, trained
by the grader in the worker; NMSE and accuracy are measured here on test sequences
whose targets the worker never receives (see grader/tasks/recurrent.py). Thresholds,
partial credit and budgets are the rubric's [tasks.sine] and [tasks.memory] tables.
"""

import pytest

from ..course import COURSE
from ..tasks.runs import check_task_history, judge_task

TASKS = COURSE["a9"].tasks


@pytest.mark.parametrize("task", TASKS)
def test_task_metric(request, task):
    """Test NMSE (sine) or accuracy (memory) of the trained RNN: full credit from the threshold."""
    judge_task(request, task)


@pytest.mark.parametrize("task", TASKS)
def test_task_history(request, task):
    """fit's history: the SPEC's keys, one finite entry per epoch, the loss falling."""
    check_task_history(request, task)
