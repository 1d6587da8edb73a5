"""The graded training tasks (assignments 5 and 6): the student's HYPERPARAMS, trained and measured.

For each task (XOR, moons, spirals, MNIST) the grader
  1. reads the student's `config.HYPERPARAMS` through the worker and validates
     the task's entry here, on the trusted side, with messages a student can act on;
  2. calls the student's `init_params` (kept in the worker), `train` and
     `predict`, all three within the task's time budget (the rubric's
     `budget_seconds`; a call still running when it is spent is stopped);
  3. computes the accuracy itself, with labels the worker never receives
     (test labels, or the training labels it sent for the tasks judged on them).

One run per task serves two checks: the accuracy (thresholds and partial credit
from the rubric's [tasks.NAME] table) and the form of the history `train`
returned. Runs are cached per grading session, so the checks may run in any
order or alone. What the report draws (history, decision boundary, sample
digits) goes to `plugin.artifacts[task]` as plain JSON data.
"""

import contextlib
import math
import re
import threading
import time
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest

import course_data

from .. import datasets
from ..compare import CheckFailed, as_array, as_float, describe
from ..sandbox import wire
from ..sandbox.client import StudentError, WorkerFault

# task -> (assignment, inputs, classes, what the accuracy is measured on)
TASKS = {
    "xor": ("a5", 2, 2, "train"),
    "moons": ("a5", 2, 2, "test"),
    "spirals": ("a5", 2, 3, "train"),
    "mnist": ("a6", 784, 10, "test"),
}
TITLES = {"xor": "XOR", "moons": "moons", "spirals": "spirals", "mnist": "MNIST"}
# The data when the hidden seeds (secrets.toml) are absent: the student bundle.
PUBLIC_MOONS_RANDOM_STATE = 0
PUBLIC_SPIRALS_SEED = 0

# What HYPERPARAMS may say (SPEC, config.py).
REQUIRED_KEYS = ("hidden_sizes", "activation", "init", "epochs", "batch_size", "optimizer",
                 "optim_config", "l2")
OPTIONAL_KEYS = ("dtype",)
ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu")
INITS = ("he", "xavier", "small")
OPTIMIZER_KEYS = {  # update rule -> the keys its config may hold (SPEC, optim.py)
    "sgd": ("learning_rate",),
    "sgd_momentum": ("learning_rate", "momentum"),
    "adam": ("learning_rate", "beta1", "beta2", "epsilon"),
}
DTYPES = ("float32", "float64")

GRID_SIZE = 100  # the report's decision boundary: predictions on GRID_SIZE x GRID_SIZE points
GRID_SECONDS = 5  # its predict call, beyond the budget: 10,000 2-D points take milliseconds
MNIST_SAMPLES = 30  # test digits kept for the report, wrong ones first

_RUNS = pytest.StashKey[dict]()  # per grading session: task -> TrainingRun
_HYPERPARAMS = pytest.StashKey[object]()  # the student's HYPERPARAMS, read once


# ---------------------------------------------------------------- HYPERPARAMS


def validate_hyperparams(hyperparams, task):
    """The task's entry of HYPERPARAMS, checked and normalised; CheckFailed says what is wrong.

    Args:
        hyperparams: config.HYPERPARAMS as decoded from the worker (plain data).
        task: "xor", "moons", "spirals" or "mnist".

    Returns:
        dict with every key of the SPEC ("dtype" filled in), Python ints,
        floats and strings only.
    """
    where = f"HYPERPARAMS[{task!r}]"
    if not isinstance(hyperparams, dict):
        raise CheckFailed(f"config.HYPERPARAMS should be a dict but is {describe(hyperparams)}")
    if task not in hyperparams:
        raise CheckFailed(f"config.HYPERPARAMS has no entry {task!r} (it has "
                          f"{', '.join(map(repr, hyperparams)) or 'none'}); the graded tasks "
                          f"are {', '.join(map(repr, TASKS))}")
    entry = hyperparams[task]
    if not isinstance(entry, dict):
        raise CheckFailed(f"{where} should be a dict but is {describe(entry)}")
    missing = [k for k in REQUIRED_KEYS if k not in entry]
    if missing:
        raise CheckFailed(f"{where} lacks {', '.join(map(repr, missing))}; it needs "
                          f"{', '.join(REQUIRED_KEYS)} (and optionally dtype)")
    unknown = [k for k in entry if k not in REQUIRED_KEYS + OPTIONAL_KEYS]
    if unknown:
        raise CheckFailed(f"{where} has unknown key(s) {', '.join(map(repr, unknown))}; the keys "
                          f"are {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}")

    hidden = entry["hidden_sizes"]
    if not isinstance(hidden, (list, tuple)):
        raise CheckFailed(f"{where}['hidden_sizes'] should be a list of ints such as [64, 64], "
                          f"but is {describe(hidden)}")
    hidden_sizes = [_positive_int(size, f"{where}['hidden_sizes'][{i}]")
                    for i, size in enumerate(hidden)]
    activation = _choice(entry["activation"], ACTIVATIONS, f"{where}['activation']")
    init = _choice(entry["init"], INITS, f"{where}['init']")
    epochs = _positive_int(entry["epochs"], f"{where}['epochs']")
    batch_size = _positive_int(entry["batch_size"], f"{where}['batch_size']")
    optimizer = _choice(entry["optimizer"], tuple(OPTIMIZER_KEYS), f"{where}['optimizer']")
    optim_config = entry["optim_config"]
    if optim_config is None:
        optim_config = {}
    if not isinstance(optim_config, dict):
        raise CheckFailed(f"{where}['optim_config'] should be a dict such as "
                          f"{{'learning_rate': 0.01}}, but is {describe(optim_config)}")
    known = OPTIMIZER_KEYS[optimizer]
    for key in optim_config:
        if key not in known:
            raise CheckFailed(f"{where}['optim_config'] has the key {key!r}, which {optimizer} "
                              f"does not use (it reads {', '.join(known)}): a typo would be "
                              "silently ignored, so it is refused")
    optim_config = {key: _finite_number(value, f"{where}['optim_config'][{key!r}]")
                    for key, value in optim_config.items()}
    l2 = _finite_number(entry["l2"], f"{where}['l2']")
    if l2 < 0:
        raise CheckFailed(f"{where}['l2'] should be >= 0, is {l2}")
    dtype = _choice(entry.get("dtype", "float64"), DTYPES, f"{where}['dtype']")
    return {"hidden_sizes": hidden_sizes, "activation": activation, "init": init,
            "epochs": epochs, "batch_size": batch_size, "optimizer": optimizer,
            "optim_config": optim_config, "l2": l2, "dtype": dtype}


def _int_value(value):
    """A Python int from an int or a NumPy integer scalar; None otherwise (bools excluded)."""
    if type(value) is int:
        return value
    if isinstance(value, wire.Scalar) and value.array.dtype.kind in "iu":
        return int(value.array)
    return None


def _positive_int(value, name):
    number = _int_value(value)
    if number is None or number < 1:
        shown = value if number is not None or type(value) in (float, str) else describe(value)
        raise CheckFailed(f"{name} should be a positive int, but is {shown!r}")
    return number


def _finite_number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, wire.Scalar)):
        raise CheckFailed(f"{name} should be a number, but is {describe(value)}")
    if isinstance(value, wire.Scalar) and value.array.dtype.kind not in "iuf":
        raise CheckFailed(f"{name} should be a number, but is {describe(value)}")
    number = float(value.array) if isinstance(value, wire.Scalar) else float(value)
    if not math.isfinite(number):
        raise CheckFailed(f"{name} should be a finite number, but is {number}")
    return number


def _choice(value, allowed, name):
    if not isinstance(value, str) or value not in allowed:
        shown = repr(value) if isinstance(value, str) else describe(value)
        raise CheckFailed(f"{name} should be one of {', '.join(map(repr, allowed))}, "
                          f"but is {shown}")
    return value


# ---------------------------------------------------------------- the data


@dataclass
class TaskData:
    """One task's data: what the worker gets, and the labels that stay here."""

    X_train: object  # ndarray, or wire.Data for MNIST
    y_train: object
    X_eval: object  # the inputs the accuracy is measured on
    y_eval: np.ndarray  # their labels: trusted side only
    points: dict = None  # {"X", "y"} shown in the report (2-D tasks)


def task_data(task, dtype, secrets):
    """The task's data in the student's dtype; hidden seeds from secrets.toml when present."""
    data = course_data
    if task == "xor":
        X, y = data.xor_data(dtype=dtype)
        return TaskData(X, y, X, y, _points(X, y))
    if task == "moons":
        random_state = int(secrets.get("moons_random_state", PUBLIC_MOONS_RANDOM_STATE))
        X_train, y_train, X_test, y_test = data.moons_data(2000, noise=0.2,
                                                           random_state=random_state, dtype=dtype)
        # The report shows the training points: the test set of a hidden random_state
        # stays with the grader, even as a picture.
        return TaskData(X_train, y_train, X_test, y_test, _points(X_train, y_train))
    if task == "spirals":
        seed = int(secrets.get("spirals_seed", PUBLIC_SPIRALS_SEED))
        X, y = data.spiral_data(points_per_class=100, num_classes=3, seed=seed, dtype=dtype)
        return TaskData(X, y, X, y, _points(X, y))
    if task == "mnist":
        # Written once as .npy files the worker loads from its read-only /data:
        # 188 MB (float32) never crosses the pipe, and the test labels never leave.
        train_images, train_labels, test_images = datasets.mnist_worker_arrays(dtype)
        return TaskData(wire.Data(train_images), wire.Data(train_labels),
                        wire.Data(test_images), datasets.mnist_test_labels())
    raise ValueError(f"unknown task {task!r}")


def _points(X, y):
    return {"X": np.round(X.astype(np.float64), 4).tolist(), "y": [int(v) for v in y]}


def plane_grid(points, size=GRID_SIZE):
    """A size x size grid around the 2-D points (20% margin): (xs, ys, (size*size, 2) points)."""
    X = np.asarray(points["X"], dtype=np.float64)
    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.2 * np.maximum(high - low, 1e-3)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], size)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], size)
    grid_x, grid_y = np.meshgrid(xs, ys)  # row i is ys[i], column j is xs[j]
    return xs, ys, np.column_stack([grid_x.ravel(), grid_y.ravel()])


# ---------------------------------------------------------------- one run


@dataclass
class TrainingRun:
    """What one task's run produced; `failure` is the exception that ended it early."""

    task: str
    hyperparams: dict = None
    history: object = None  # as train returned it (decoded), or None
    accuracy: float = None
    train_accuracy: float = None  # on the training data, to hold the history to it
    seconds: float = 0.0
    failure: BaseException = None
    notes: list = field(default_factory=list)


class _Budget:
    """The task's time budget: init_params + train + predict, measured from here."""

    def __init__(self, seconds, session):
        self.seconds, self.session, self.spent = float(seconds), session, 0.0

    def call(self, step, target, *args, **kwargs):
        """session.call with the budget's remaining time as timeout; timeouts explained."""
        remaining = self.seconds - self.spent
        if remaining <= 0:
            raise CheckFailed(self._over_message(step, "before"))
        session_left = self.session.budget_seconds - self.session.spent
        started = time.perf_counter()
        try:
            return self.session.call(target, *args, timeout=remaining, **kwargs)
        except WorkerFault:
            # A timeout at the task's budget (not at the submission's, nor a crash) is ours.
            if not (time.perf_counter() - started >= remaining - 0.05 and remaining < session_left):
                raise
        finally:
            self.spent += time.perf_counter() - started
        raise CheckFailed(self._over_message(step, "during"))

    def _over_message(self, step, when):
        return (f"over the time budget: init_params, train and predict together may take "
                f"{self.seconds:g} s, and it was used up {when} {step} (after "
                f"{self.spent:.1f} s), so the worker was stopped")


def training_run(request, task):
    """The task's run, done once per grading session and shared by its checks."""
    runs = request.config.stash.setdefault(_RUNS, {})
    if task not in runs:
        runs[task] = _run(request.config, task)
    return runs[task]


def _run(config, task):
    grader = config.grader
    assignment, inputs, classes, _measured_on = TASKS[task]
    table = task_table(grader.rubric, task)
    session = grader.student()
    run = TrainingRun(task)
    try:
        run.hyperparams = validate_hyperparams(_student_hyperparams(config), task)
        hp = run.hyperparams
        limits = grader.rubric.limits_for(assignment, task)
        budget = _Budget(table["budget_seconds"], session)
        seed = zlib.crc32(task.encode())  # fixed: a grade is a pure function of the submission
        announce(config, f"{TITLES[task]}: training with your HYPERPARAMS "
                         f"(time budget {table['budget_seconds']:g} s) ...", task)
        try:
            params = budget.call("init_params", "network.init_params",
                                 [inputs, *hp["hidden_sizes"], classes], hp["init"],
                                 wire.Rng(seed), wire.DType(hp["dtype"]), keep=True, limits=limits)
            # The data after init_params: MNIST's files (once per dtype) are not written
            # for a submission that cannot train; preparing them is not on the budget.
            data = task_data(task, hp["dtype"], grader.rubric.secrets)
            with live_clock(config, task, budget):
                run.history = budget.call(
                    "train", "train.train", params, data.X_train, data.y_train,
                    epochs=hp["epochs"], batch_size=hp["batch_size"],
                    optimizer=hp["optimizer"], optim_config=hp["optim_config"],
                    activation=hp["activation"], l2=hp["l2"], rng=wire.Rng(seed + 1),
                    limits=limits)
            show_epochs(config, task, run.history)
            predicted = budget.call("predict", "network.predict", params, data.X_eval,
                                    activation=hp["activation"], limits=limits)
        except StudentError as error:
            if error.not_implemented:
                raise CheckFailed(f"{_failed_function(error)} is not implemented yet (raises "
                                  f"NotImplementedError); the {TITLES[task]} task calls "
                                  "init_params, train and predict") from None
            raise
        finally:
            run.seconds = budget.spent
        labels = predicted_labels(predicted, len(data.y_eval), "predict")
        run.accuracy = float(np.mean(labels == data.y_eval))
        if budget.spent > budget.seconds:
            raise CheckFailed(f"over the time budget: init_params, train and predict took "
                              f"{budget.spent:.1f} s, the task allows {budget.seconds:g} s")
        announce(config, f"{TITLES[task]}: accuracy {100 * run.accuracy:.2f}% "
                         f"in {run.seconds:.1f} s", task)
        run.train_accuracy = (run.accuracy if TASKS[task][3] == "train" else
                              _training_accuracy(session, params, hp, data, limits))
        grader.artifacts[task] = _artifact(run, table, data, labels)
        if data.points is not None:
            _add_grid(grader.artifacts[task], session, params, hp, limits)
    except Exception as error:  # noqa: BLE001 - kept, and re-raised by each check of the task
        run.failure = error
        grader.artifacts[task] = _failed_artifact(run, error)
    return run


def _student_hyperparams(config):
    """config.HYPERPARAMS, read from the worker once per grading session."""
    if _HYPERPARAMS not in config.stash:
        try:
            config.stash[_HYPERPARAMS] = config.grader.student().attr("config.HYPERPARAMS")
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
    names = re.findall(r", in (\w+)\n", error.traceback + "\n")
    return names[-1] if names else "a function the task needs"


def predicted_labels(value, count, name):
    """predict's answer as an int64 array of `count` labels; CheckFailed if it is not that."""
    labels = as_array(value, f"what {name} returned")
    if labels.ndim == 2 and labels.shape[0] == count:
        raise CheckFailed(f"{name} returned an array of shape {labels.shape}: scores, not "
                          f"labels; it should return the argmax over classes, shape ({count},)")
    if labels.shape != (count,):
        raise CheckFailed(f"{name} returned shape {labels.shape}, expected ({count},)")
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise CheckFailed(f"{name} should return integer class labels, but returned "
                              f"{labels.dtype} values that are not whole numbers")
    elif labels.dtype.kind not in "iu":
        raise CheckFailed(f"{name} should return integer class labels, not {labels.dtype}")
    return labels.astype(np.int64)


def _training_accuracy(session, params, hp, data, limits):
    """Accuracy on the training data (not graded, not timed): what history['train_acc'] says."""
    try:
        value = session.call("network.predict", params, data.X_train,
                             activation=hp["activation"], limits=limits, timeout=GRID_SECONDS)
        y_train = (data.y_train if isinstance(data.y_train, np.ndarray)
                   else datasets.mnist()[1].astype(np.int64))  # MNIST's went as a file
        labels = predicted_labels(value, len(y_train), "predict")
    except (StudentError, WorkerFault, CheckFailed):
        return None
    return float(np.mean(labels == y_train))


def _add_grid(artifact, session, params, hp, limits):
    """The student's predictions over the plane, for the report (not graded, not timed)."""
    xs, ys, grid = plane_grid(artifact["points"])
    try:
        value = session.call("network.predict", params, grid.astype(hp["dtype"]),
                             activation=hp["activation"], limits=limits,
                             timeout=GRID_SECONDS)
        labels = predicted_labels(value, len(grid), "predict").reshape(len(ys), len(xs))
    except (StudentError, WorkerFault, CheckFailed) as error:
        artifact["grid_error"] = str(error)[:300]
        return
    artifact["grid"] = {"x": np.round(xs, 4).tolist(), "y": np.round(ys, 4).tolist(),
                        "labels": labels.tolist()}


def _artifact(run, table, data, labels):
    artifact = {"history": plain_history(run.history), "accuracy": run.accuracy,
                "threshold": float(table["threshold"]), "seconds": round(run.seconds, 3),
                "measured_on": TASKS[run.task][3]}
    if data.points is not None:
        artifact["points"] = data.points
    if run.task == "mnist":
        artifact["samples"] = mnist_samples(labels, data.y_eval)
    return artifact


def _failed_artifact(run, error):
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    artifact = {"error": message.splitlines()[0][:300] if message else "failed",
                "seconds": round(run.seconds, 3)}
    if run.history is not None:
        artifact["history"] = plain_history(run.history)
    return artifact


def mnist_samples(predicted, true, count=MNIST_SAMPLES):
    """Test digits for the report: up to 12 wrong ones, then right ones (both kinds teach)."""
    wrong = np.flatnonzero(predicted != true)[:min(12, count)]
    right = np.flatnonzero(predicted == true)[:count - len(wrong)]
    chosen = np.concatenate([wrong, right]).astype(np.int64)
    images = datasets.mnist_test_images_uint8(chosen)
    return [{"index": int(i), "predicted": int(predicted[i]), "true": int(true[i]),
             "pixels": image.tolist()} for i, image in zip(chosen, images)]


def plain_history(history):
    """The parts of a history that are lists of numbers, as JSON data (for the report)."""
    if not isinstance(history, dict):
        return None
    plain = {}
    for key in ("loss", "train_acc", "val_acc"):
        numbers = _numbers(history.get(key))
        if numbers is not None:
            plain[key] = numbers
    norms = history.get("grad_norm")
    if isinstance(norms, dict):
        plain["grad_norm"] = {str(k): v for k, v in ((k, _numbers(v)) for k, v in norms.items())
                              if v is not None}
    return plain


def _numbers(values):
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = values.tolist()
    if not isinstance(values, (list, tuple)) or len(values) > 100_000:
        return None
    try:
        numbers = [float(v.array) if isinstance(v, wire.Scalar) else float(v) for v in values]
    except (TypeError, ValueError):
        return None
    # 6 significant digits are plenty for a plot and halve the size of results.json.
    return [float(f"{v:.6g}") for v in numbers]


def announce(config, text, task):
    """One line on the terminal around a long run (MNIST), only when it is a terminal.

    The grader cannot see inside the student's train() call: running it epoch by
    epoch would reset the optimizer's state and the batch order's generator at
    every epoch and so change what is graded. So the line says what is running and
    its budget before, and the result after.
    """
    if task != "mnist" or not config.grader.echo:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not reporter.isatty():
        return
    # During a check pytest captures stdout; pause that as its live logging does.
    with capture.global_and_fixture_disabled():
        reporter.write("\n")
        reporter.write_line(f"  {text}", flush=True)


def _terminal(config, task):
    """(reporter, capture manager) when a long task's progress may be shown, else None."""
    if task != "mnist" or not config.grader.echo:
        return None
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not reporter.isatty():
        return None
    return reporter, capture


@contextlib.contextmanager
def live_clock(config, task, budget):
    """On a terminal, a line that counts the seconds of train() against its budget.

    Only the clock: what happens inside the student's train() stays there (see
    announce). On a log (not a terminal) nothing is written at all.
    """
    terminal = _terminal(config, task)
    if terminal is None:
        yield
        return
    reporter, capture = terminal
    stop = threading.Event()
    started = time.perf_counter()

    def tick():
        while not stop.wait(1.0):
            elapsed = time.perf_counter() - started
            reporter.write(f"\r  training: {elapsed:4.0f} s of the {budget.seconds:g} s budget",
                           flush=True)

    with capture.global_and_fixture_disabled():
        clock = threading.Thread(target=tick, daemon=True)
        clock.start()
        try:
            yield
        finally:
            stop.set()
            clock.join()
            reporter.write("\r" + " " * 60 + "\r", flush=True)


def show_epochs(config, task, history):
    """On a terminal, the epochs train() reported: epoch, loss, training accuracy."""
    terminal = _terminal(config, task)
    if terminal is None or not isinstance(history, dict):
        return
    reporter, capture = terminal
    losses, accuracies = history.get("loss"), history.get("train_acc")
    if not isinstance(losses, list) or not isinstance(accuracies, list):
        return
    with capture.global_and_fixture_disabled():
        for epoch, (loss, accuracy) in enumerate(zip(losses, accuracies), start=1):
            if isinstance(loss, (int, float)) and isinstance(accuracy, (int, float)):
                reporter.write_line(f"  epoch {epoch:3d}   loss {loss:8.4f}   "
                                    f"train accuracy {100 * accuracy:6.2f}%", flush=True)


# ---------------------------------------------------------------- verdicts


def task_table(rubric, task):
    """The rubric's [tasks.NAME] table of the task, with its required keys checked."""
    assignment = TASKS[task][0]
    table = rubric.assignments[assignment].tasks.get(task)
    if not table or "threshold" not in table or "budget_seconds" not in table:
        raise KeyError(f"{assignment}.toml needs [tasks.{task}] with threshold and budget_seconds")
    return table


def credit_for(accuracy, table):
    """Credit in [0, 1] of an accuracy under the task's thresholds (rubric data)."""
    slack = 1e-12  # 950 / 1000 must meet a threshold of 0.95
    if accuracy + slack >= float(table["threshold"]):
        return 1.0
    partial = table.get("partial_threshold")
    if partial is not None and accuracy + slack >= float(partial):
        return float(table.get("partial_credit", 0.5))
    return 0.0


def judge_accuracy(run, table):
    """Raise CheckFailed (maybe with partial credit) unless the accuracy earns full credit."""
    if run.failure is not None:
        raise run.failure
    measured_on = "test" if TASKS[run.task][3] == "test" else "training"
    accuracy, threshold = run.accuracy, float(table["threshold"])
    credit = credit_for(accuracy, table)
    if credit >= 1:
        return
    partial = table.get("partial_threshold")
    partial_text = (f"; {float(table.get('partial_credit', 0.5)):g} of the points from "
                    f"{100 * float(partial):g}%" if partial is not None else "")
    raise CheckFailed(
        f"{measured_on} accuracy {100 * accuracy:.2f}% on {TITLES[run.task]}: full credit from "
        f"{100 * threshold:g}%{partial_text} (trained in {run.seconds:.1f} s)",
        hint=table.get("hint"), credit=credit)


def check_history(run):
    """The history train returned has the SPEC's form and plausible values."""
    if run.history is None:
        if run.failure is not None:
            raise run.failure
        raise CheckFailed("train returned nothing to check")
    history, hp = run.history, run.hyperparams
    epochs = hp["epochs"]
    if not isinstance(history, dict):
        raise CheckFailed(f"train should return the history dict, but returned {describe(history)}")
    for key in ("loss", "train_acc", "grad_norm"):
        if key not in history:
            raise CheckFailed(f"the history lacks {key!r}; it has "
                              f"{', '.join(map(repr, history)) or 'no keys'}")
    losses = _per_epoch(history["loss"], epochs, "history['loss']")
    for epoch, loss in enumerate(losses):
        if not math.isfinite(loss) or loss < 0:
            raise CheckFailed(f"history['loss'][{epoch}] is {loss}: a mean cross-entropy (plus a "
                              "non-negative L2 term) is finite and >= 0")
    accuracies = _per_epoch(history["train_acc"], epochs, "history['train_acc']")
    for epoch, value in enumerate(accuracies):
        if not 0 <= value <= 1:
            raise CheckFailed(f"history['train_acc'][{epoch}] is {value}: an accuracy is a "
                              "fraction in [0, 1]")
    if run.train_accuracy is None:
        # A history is credited only beside a network the grader could measure.
        raise CheckFailed("the trained network's accuracy on the training data could not be "
                          "measured, so its history cannot be credited")
    if abs(accuracies[-1] - run.train_accuracy) > 1e-6:
        raise CheckFailed(f"history['train_acc'][-1] is {accuracies[-1]:.4f}, but the trained "
                          f"network's accuracy on all of X is {run.train_accuracy:.4f}: "
                          "train_acc is measured on all of X after each epoch")
    if history.get("val_acc") not in (None, []):
        raise CheckFailed("history['val_acc'] has entries although no validation data was given")
    names = [f"{kind}{i}" for i in range(1, len(hp["hidden_sizes"]) + 2) for kind in "Wb"]
    norms = history["grad_norm"]
    if not isinstance(norms, dict):
        raise CheckFailed(f"history['grad_norm'] should be a dict {{name: [norm per epoch]}}, "
                          f"but is {describe(norms)}")
    if sorted(map(str, norms)) != sorted(names):
        raise CheckFailed(f"history['grad_norm'] has the keys {sorted(map(str, norms))}, "
                          f"expected those of params: {sorted(names)}")
    for name in names:
        values = _per_epoch(norms[name], epochs, f"history['grad_norm'][{name!r}]")
        if not all(math.isfinite(v) and v >= 0 for v in values):
            raise CheckFailed(f"history['grad_norm'][{name!r}] holds {values[:5]}...: a norm is "
                              "finite and >= 0")


def _per_epoch(values, epochs, name):
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = list(values)
    if not isinstance(values, (list, tuple)):
        raise CheckFailed(f"{name} should be a list with one number per epoch, "
                          f"but is {describe(values)}")
    if len(values) != epochs:
        raise CheckFailed(f"{name} has {len(values)} entries for {epochs} epochs "
                          "(one entry per epoch)")
    return [as_float(v, f"{name}[{i}]") for i, v in enumerate(values)]
