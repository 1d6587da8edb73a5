"""The report's experiments, run with the student's own init_params and train.

Two small experiments a student learns from by looking at curves, not graded:

  - initialisation: the same network trained from "small", "xavier" and "he"
    weights (small weights in a deep ReLU net barely learn: the signal and the
    gradients shrink layer after layer);
  - activation: the same network with ReLU, tanh and sigmoid hidden layers
    (sigmoid's small gradients make it the slowest).

They run only with `--report`, after the last graded check, in the student's
sandboxed worker (the trusted side never calls student code): the grader's
plugin calls `run_experiments(plugin)` from its `after_checks` list before
the worker stops. The curves go to `plugin.artifacts["experiments"]`, hence
results.json's extra_data.artifacts. A run that fails keeps its reason
instead of a curve. The whole step is a few seconds on the reference (six
trainings of 40 short epochs on the 300 spiral points).
"""

import math
import time

from ..compare import CheckFailed, as_float
from ..sandbox import wire
from ..sandbox.client import StudentError, WorkerFault

# The assignment whose code the experiments run (network.py and train.py).
ASSIGNMENT = "a5"
# Spirals: three classes a linear model cannot separate, small enough to train in a blink.
SPIRAL_SEED = 1  # a public seed: the experiments are for looking at, not for grading
LAYER_SIZES = [2, 64, 64, 3]
TRAINING = {"epochs": 40, "batch_size": 32, "optimizer": "sgd_momentum",
            "optim_config": {"learning_rate": 0.05, "momentum": 0.9}}
INITS = ("small", "xavier", "he")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
CALL_TIMEOUT = 20.0  # seconds for one training run; the reference needs well under one


def run_experiments(plugin):
    """Run both experiments in the plugin's worker; results into plugin.artifacts."""
    started = time.perf_counter()
    try:
        X, y = _spirals()
        student = plugin.student()
    except Exception as error:  # noqa: BLE001 - the report says so; grading goes on
        plugin.artifacts["experiments"] = {"error": f"{type(error).__name__}: {error}"[:500]}
        return
    plugin.artifacts["experiments"] = {
        "task": "spirals",
        "description": (f"3-class spirals ({len(y)} points), a {'-'.join(map(str, LAYER_SIZES))} "
                        f"network, {TRAINING['epochs']} epochs of SGD with momentum "
                        f"(learning rate {TRAINING['optim_config']['learning_rate']}), "
                        "batches of 32, the same seeds for every run"),
        "init": {init: _run(student, X, y, init=init, activation="relu") for init in INITS},
        "activation": {activation: _run(student, X, y, init="xavier", activation=activation)
                       for activation in ACTIVATIONS},
    }
    plugin.artifacts["experiments"]["seconds"] = round(time.perf_counter() - started, 3)


def _spirals():
    import course_data  # noqa: PLC0415

    return course_data.spiral_data(100, 3, seed=SPIRAL_SEED)


def _run(student, X, y, init, activation):
    """One training run: {"loss", "train_acc"} of the student's train, or {"error"}."""
    try:
        params = student.call("network.init_params", LAYER_SIZES, init=init, rng=wire.Rng(0),
                              keep=True, timeout=CALL_TIMEOUT)
        history = student.call("train.train", params, X, y, activation=activation,
                               rng=wire.Rng(1), timeout=CALL_TIMEOUT, **TRAINING)
        return _curves(history)
    except StudentError as error:
        if error.not_implemented:
            return {"error": "not implemented yet (your code raises NotImplementedError)"}
        return {"error": f"your code raised {error.type}: {error.message}"[:500]}
    except (WorkerFault, CheckFailed) as error:
        return {"error": str(error)[:500]}
    except Exception as error:  # noqa: BLE001 - an experiment must never stop grading
        return {"error": f"internal error of the grader: {type(error).__name__}: {error}"[:500]}


def _curves(history):
    """The loss and accuracy lists of a returned history, checked on the trusted side."""
    if not isinstance(history, dict):
        raise CheckFailed("train did not return a history dict")
    curves = {}
    for key in ("loss", "train_acc"):
        values = history.get(key)
        if not isinstance(values, list) or len(values) != TRAINING["epochs"]:
            raise CheckFailed(f"train's history[{key!r}] should be a list of one value per "
                              f"epoch ({TRAINING['epochs']})")
        numbers = [as_float(v, f"history[{key!r}]") for v in values]
        curves[key] = [v if math.isfinite(v) else None for v in numbers]
    if all(v is None for v in curves["loss"]):
        raise CheckFailed("the loss was NaN or infinite at every epoch")
    return curves
