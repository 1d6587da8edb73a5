"""Assignment 7's deep task (grader/tasks/deep.py): its settings, its network, its history check.

The task's training itself is graded end to end by the reference's grading (the a7 runs of
tests/test_grader_cli.py and the nbgrader round trip); here, in milliseconds, what decides
a verdict before or after it: the settings refused with a message that names the key, the
network the grader builds being the one the SPEC describes (checked against the reference's
own Sequential), and the history check.
"""

import copy
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from grader.compare import CheckFailed
from grader.tasks import TASKS
from grader.tasks.base import TrainingRun
from grader.tasks.deep import layer_plan, parameter_keys, validate_deep_settings
from reference import modules
from reference.config import HYPERPARAMS

TASK = TASKS["deep"]
WHERE = 'HYPERPARAMS["deep"]'
STUB_CONFIG = Path(__file__).resolve().parent.parent / "student_stubs" / "config.py"


def stub_entry():
    spec = importlib.util.spec_from_file_location("stub_config", STUB_CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HYPERPARAMS["deep"]


def test_the_reference_and_stub_settings_are_valid():
    for entry in (HYPERPARAMS["deep"], stub_entry()):
        checked = validate_deep_settings(entry, WHERE)
        assert len(checked["hidden_sizes"]) >= 6 and checked["dtype"] in ("float32", "float64")


BROKEN = {
    "five hidden layers": (lambda e: e.update(hidden_sizes=[32] * 5), "at least 6"),
    "batchnorm not a bool": (lambda e: e.update(batchnorm=1), "'batchnorm'"),
    "dropout of 1": (lambda e: e.update(dropout=1.0), "'dropout'"),
    "an adam key": (lambda e: e.update(optim_config={"learning_rate": 0.1, "beta1": 0.9}),
                    "'beta1'"),
    "an unknown key": (lambda e: e.update(optimizer="adam"), "'optimizer'"),
    "a missing key": (lambda e: e.pop("batchnorm"), "'batchnorm'"),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_invalid_settings_are_named_in_the_message(name):
    change, words = BROKEN[name]
    entry = copy.deepcopy(HYPERPARAMS["deep"])
    change(entry)
    with pytest.raises(CheckFailed, match=words):
        validate_deep_settings(entry, WHERE)


@pytest.mark.parametrize("batchnorm, dropout", [(True, 0.1), (False, 0.0)])
def test_the_grader_builds_the_network_of_the_spec(batchnorm, dropout):
    """Linear -> [BatchNorm1d] -> activation -> [Dropout] per hidden size, then Linear -> 10;
    the params keys the history must have are those of that very Sequential."""
    hp = validate_deep_settings(dict(HYPERPARAMS["deep"], batchnorm=batchnorm, dropout=dropout,
                                     hidden_sizes=[5] * 6), WHERE)
    kinds = [kind for kind, _, _ in layer_plan(hp)]
    per_layer = ["Linear"] + ["BatchNorm1d"] * batchnorm + ["ReLU"] + ["Dropout"] * (dropout > 0)
    assert kinds == per_layer * 6 + ["Linear"]
    model = modules.Sequential(*[getattr(modules, kind)(*args, **kwargs)
                                 for kind, args, kwargs in layer_plan(hp)])
    assert list(model.params) == parameter_keys(hp)
    out = model.forward(np.zeros((3, 784)))
    assert out.shape == (3, 10)


def _run(history, epochs=3):
    hp = validate_deep_settings(dict(HYPERPARAMS["deep"], epochs=epochs), WHERE)
    return TrainingRun(TASK, settings=hp, history=history)


def _history(epochs=3, **changes):
    hp = validate_deep_settings(HYPERPARAMS["deep"], WHERE)
    history = {"loss": [1.0, 0.5, 0.3][:epochs],
               "grad_norm": {key: [0.1] * epochs for key in parameter_keys(hp)}}
    history.update(changes)
    return history


def test_a_valid_history_passes():
    TASK.check_history(_run(_history()))


@pytest.mark.parametrize("history, words", [
    (_history(loss=[1.0, 0.5]), "2 entries for 3 epochs"),
    (_history(loss=[1.0, 1.2, 1.5]), "falls"),
    (_history(val_loss=[1.0, 0.9, 0.8]), "no validation data"),
    (_history(grad_norm={"0.W": [0.1] * 3}), "keys"),
    (None, "nothing"),
], ids=["short", "rising", "val_loss", "keys", "none"])
def test_a_wrong_history_is_refused(history, words):
    with pytest.raises(CheckFailed, match=words):
        TASK.check_history(_run(history))
