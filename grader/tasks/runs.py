"""One graded task, run once per grading session: settings, training, metric, report data.

The check modules call training_run(request, "moons") from each check of a
task (its metric, its history); the first call runs the task and keeps the
TrainingRun in pytest's stash, so the checks may run in any order or alone.
Whatever ends a run early (a wrong setting, a crash, the budget) is kept and
re-raised by every check of the task, each scoring 0 with the same reason.
"""

import re
import time
import zlib

import pytest

from ..compare import CheckFailed
from ..course import COURSE
from ..plugin import grader_of
from ..sandbox.client import StudentError
from . import TASKS, progress
from .base import Job, TrainingRun
from .budget import Budget
from .settings import entry_of

_RUNS = pytest.StashKey[dict]()  # per grading session: task name -> TrainingRun
_HYPERPARAMS = pytest.StashKey[object]()  # the student's HYPERPARAMS, read once


def task_table(rubric, name):
    """The rubric's [tasks.NAME] table of a task."""
    return rubric.assignments[COURSE.task_owner(name).id].tasks[name]


def training_run(request, name):
    """The task's run, done once per grading session and shared by its checks."""
    runs = request.config.stash.setdefault(_RUNS, {})
    if name not in runs:
        runs[name] = _run(request.config, TASKS[name])
    return runs[name]


def judge_task(request, name):
    """The metric's check: full credit from the threshold, maybe partial below.

    A passing task still says where it stands (its metric beside the threshold, its
    time beside the budget): the plugin shows it as the check's message.
    """
    task = TASKS[name]
    run = training_run(request, name)
    table = task_table(grader_of(request.config).rubric, name)
    task.judge(run, table)
    request.node.user_properties.append(("summary", task.standing(run, table)))


def check_task_history(request, name):
    """The history's check: the SPEC's form, and values that belong to this run.

    It pays only beside a network that earns the task's points (some credit at
    least): a right-looking history of a network that learned nothing is form.
    """
    run = training_run(request, name)
    if run.history is None and run.failure is not None:
        raise run.failure
    run.task.check_history(run)
    table = task_table(grader_of(request.config).rubric, name)
    if run.failure is not None or run.value is None or run.task.credit(run.value, table) <= 0:
        raise CheckFailed("the history has the SPEC's form, but it is credited only beside a "
                          "network that earns some of the task's points, and this one does not",
                          kind="value")


def _run(config, task):
    grader = grader_of(config)
    rubric = grader.rubric
    assignment = COURSE.task_owner(task.name).id
    table = task_table(rubric, task.name)
    session = grader.student()
    run = TrainingRun(task)
    budget = Budget(table["budget_seconds"], session)
    job = Job(config=config, session=session, budget=budget,
              limits=rubric.limits_for(assignment, task.name),
              seed=zlib.crc32(task.name.encode()), secrets=rubric.secrets, run=run)
    job.task_probe = task.probe
    wall_started = time.perf_counter()
    try:
        key = task.settings_key or task.name
        entry = entry_of(student_hyperparams(config), key, COURSE.tasks)
        run.settings = task.settings(entry, f"HYPERPARAMS[{key!r}]")
        progress.announce(config, task, f"{task.title}: training with your HYPERPARAMS "
                                        f"(time budget {budget.seconds:g} s) ...")
        try:
            task.train(job)
        except StudentError as error:
            if error.not_implemented:
                raise CheckFailed(f"{_failed_function(error)} is not implemented yet (raises "
                                  f"NotImplementedError); the {task.title} task calls your "
                                  f"{', '.join(m + '.py' for m in task.calls)}") from None
            raise
        except CheckFailed:
            if budget.ran_out_in is not None:
                _probe_for_a_hang(job, budget.ran_out_in)
            raise
        finally:
            run.seconds = budget.spent
            run.wall_seconds = time.perf_counter() - wall_started
        run.value = task.evaluate(job)
        if budget.spent > budget.seconds:
            raise CheckFailed(f"over the time budget: building, training and predicting "
                              f"computed for {budget.spent:.1f} s (CPU time), the task allows "
                              f"{budget.seconds:g} s")
        progress.announce(config, task, f"{task.title}: {task.metric} {task.show(run.value)} "
                                        f"in {run.seconds:.1f} s")
        task.after(job)
        grader.artifacts[task.name] = _artifact(job, table)
    except Exception as error:  # noqa: BLE001 - kept, and re-raised by each check of the task
        run.failure = error
        grader.artifacts[task.name] = _failed_artifact(job, error, table)
    return run


PROBE_SECONDS = 5  # CPU seconds for the tiny run that tells a hang from slowness


def _probe_for_a_hang(job, ran_out_in):
    """A training call used a task's whole budget: is it slow, or does it never return?

    The task's probe runs the same function on a tiny problem (XOR's four points,
    one epoch). If that does not finish in PROBE_SECONDS either, the function
    hangs, and later tasks that call it fail at once instead of each spending
    its own budget: one infinite loop costs the class one budget, not every one.
    """
    step, key = ran_out_in
    try:
        job.task_probe(job)
    except Exception as error:  # noqa: BLE001 - only a timeout says anything here
        if getattr(error, "timeout", False):
            job.session.hung[key] = (
                f"not run: {step} used up the {job.run.task.title} task's budget, and a tiny "
                f"run of it (one epoch on four points) did not finish in {PROBE_SECONDS} s "
                "either: it never returns (an infinite loop?), so no other task's budget is "
                "spent on it")


def _artifact(job, table):
    run, task = job.run, job.run.task
    artifact = {"metric": task.metric, "value": run.value, "lower_is_better": task.lower_is_better,
                "seconds": round(run.seconds, 3), "wall_seconds": round(run.wall_seconds, 3),
                "measured_on": task.measured_on}
    artifact.update(_rules(table))
    artifact.update(task.artifact(job, table))
    return artifact


def _rules(table):
    """The rubric's thresholds of a task, for the report to set a run against them."""
    rules = {"threshold": float(table["threshold"]),
             "budget_seconds": float(table["budget_seconds"])}
    if "partial_threshold" in table:
        rules["partial_threshold"] = float(table["partial_threshold"])
        rules["partial_credit"] = float(table.get("partial_credit", 0.5))
    return rules


def _failed_artifact(job, error, table):
    from .history import plain_history  # noqa: PLC0415

    message = getattr(error, "message", None) or str(error) or type(error).__name__
    artifact = {"error": message.splitlines()[0][:300] if message else "failed",
                "seconds": round(job.run.seconds, 3), "metric": job.run.task.metric,
                "lower_is_better": job.run.task.lower_is_better,
                "measured_on": job.run.task.measured_on, **_rules(table)}
    if job.run.history is not None:
        artifact["history"] = plain_history(job.run.history)
    return artifact


def student_hyperparams(config):
    """config.HYPERPARAMS, read from the worker once per grading session."""
    if _HYPERPARAMS not in config.stash:
        try:
            config.stash[_HYPERPARAMS] = grader_of(config).student().attr("config.HYPERPARAMS")
        except StudentError as error:
            if error.import_error:  # config.py itself is broken: the plugin explains it
                config.stash[_HYPERPARAMS] = error
            else:
                config.stash[_HYPERPARAMS] = CheckFailed(
                    f"config.HYPERPARAMS could not be read ({error.type}: {error.message}); "
                    "config.py must define the dict HYPERPARAMS")
    value = config.stash[_HYPERPARAMS]
    if isinstance(value, BaseException):
        raise value
    return value


def _failed_function(error):
    """The innermost function of the student's traceback (where NotImplementedError came from)."""
    if error.function:
        return error.function
    names = re.findall(r", in (\w+)\n", error.traceback + "\n")
    return names[-1] if names else "a function the task needs"
