"""Assignment 8's cnn task (grader/tasks/cnn.py): settings, disguise, parameter count, history.

The task's training itself is graded end to end by the reference's grading (the nbgrader round
trip, `python -m grader grade reference --only a8`) and calibrated by
benchmarks/cnn_calibration.py; here, on small data and in seconds, what decides a verdict
before or after it: the settings, the disguise keeping images images, the parameter count,
the reference's CNN learning a small problem with its own fit, and the history check.
"""

import copy
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from grader.compare import CheckFailed
from grader.rubric import load_rubric
from grader.tasks import TASKS
from grader.tasks.base import TrainingRun
from grader.tasks.cnn import count_parameters, secret_symmetry, symmetry, validate_cnn_settings
from reference import conv, modules
from reference.config import HYPERPARAMS, build_cnn

TASK = TASKS["cnn"]
WHERE = 'HYPERPARAMS["cnn"]'
STUB_CONFIG = Path(__file__).resolve().parent.parent / "student_stubs" / "config.py"


def stub_entry():
    spec = importlib.util.spec_from_file_location("stub_config", STUB_CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HYPERPARAMS["cnn"]


def test_the_reference_and_stub_settings_are_valid():
    for entry in (HYPERPARAMS["cnn"], stub_entry()):
        validate_cnn_settings(entry, WHERE)


BROKEN = {
    "an unknown optimizer": (lambda e: e.update(optimizer="lbfgs"), "'optimizer'"),
    "zero epochs": (lambda e: e.update(epochs=0), "'epochs'"),
    "an unknown key": (lambda e: e.update(hidden_sizes=[10]), "'hidden_sizes'"),
    "a missing key": (lambda e: e.pop("batch_size"), "'batch_size'"),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_invalid_settings_are_named_in_the_message(name):
    change, words = BROKEN[name]
    entry = copy.deepcopy(HYPERPARAMS["cnn"])
    change(entry)
    with pytest.raises(CheckFailed, match=words):
        validate_cnn_settings(entry, WHERE)


def test_the_disguise_is_a_symmetry_of_the_square_never_the_identity():
    image = np.arange(28 * 28, dtype=float).reshape(1, 1, 28, 28)
    turned = {symmetry(image, k).tobytes() for k in range(8)}
    assert len(turned) == 8  # the 8 symmetries differ
    for secret in ("a", "b", "c", "d"):
        k, disguise = secret_symmetry({"disguise": secret}, "cnn")
        assert 1 <= k <= 7 and disguise.active
        # Neighbours stay neighbours: a symmetry moves the image, not its pixels' relations.
        moved = symmetry(image, k)[0, 0]
        assert set(np.abs(np.diff(moved, axis=1)).ravel().tolist()) in ({1.0}, {28.0})
    assert secret_symmetry({}, "cnn")[0] == 0


def test_the_reference_cnn_is_within_the_parameter_limit():
    limit = load_rubric().assignments["a8"].tasks["cnn"]["max_parameters"]
    model = build_cnn(rng=np.random.default_rng(0))
    count = count_parameters(model.params)
    assert count == sum(v.size for v in model.params.values()) and count <= limit
    assert model.forward(np.zeros((2, 1, 28, 28), dtype=np.float32)).shape == (2, 10)
    with pytest.raises(CheckFailed):
        count_parameters({})


def test_the_reference_cnn_learns_a_small_problem():
    """Bright quadrant classification on 200 tiny images: the CNN of Conv2d, MaxPool2d,
    Flatten and Linear, trained by fit, gets it (small data: the full run is the task's)."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 200)
    X = rng.random((200, 1, 8, 8)).astype(np.float32) * 0.3
    for k in range(4):
        i, j = divmod(k, 2)
        X[y == k, 0, 4 * i:4 * i + 4, 4 * j:4 * j + 4] += 0.7
    model = modules.Sequential(conv.Conv2d(1, 4, 3, pad=1, rng=rng, dtype=np.float32),
                               conv.MaxPool2d(2, 2), modules.ReLU(), conv.Flatten(),
                               modules.Linear(64, 4, rng=rng, dtype=np.float32))
    history = modules.fit(model, X, y, epochs=15, batch_size=20, optimizer="adam",
                          optim_config={"learning_rate": 0.01}, rng=rng)
    model.eval()
    assert np.mean(model.forward(X).argmax(axis=1) == y) > 0.95
    TASK.check_history(_run(history, epochs=15, keys=sorted(model.params)))


def _run(history, epochs=3, keys=("0.b", "0.w", "4.W", "4.b")):
    hp = validate_cnn_settings(dict(HYPERPARAMS["cnn"], epochs=epochs), WHERE)
    return TrainingRun(TASK, settings=hp, history=history,
                       facts={"parameter_keys": sorted(keys)})


def _history(epochs=3, **changes):
    history = {"loss": [1.0, 0.5, 0.3][:epochs],
               "grad_norm": {key: [0.1] * epochs for key in ("0.w", "0.b", "4.W", "4.b")}}
    history.update(changes)
    return history


def test_a_valid_history_passes():
    TASK.check_history(_run(_history()))


@pytest.mark.parametrize("history, words", [
    (_history(loss=[1.0, 0.5]), "2 entries for 3 epochs"),
    (_history(loss=[1.0, 1.2, 1.5]), "falls"),
    (_history(val_loss=[1.0, 0.9, 0.8]), "no validation data"),
    (_history(grad_norm={"0.w": [0.1] * 3}), "keys"),
    (None, "nothing"),
], ids=["short", "rising", "val_loss", "keys", "none"])
def test_a_wrong_history_is_refused(history, words):
    with pytest.raises(CheckFailed, match=words):
        TASK.check_history(_run(history))
