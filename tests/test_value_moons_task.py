"""Assignment 10's value_moons task: its settings, its threshold against the shortcut.

The rubric's threshold (a10.toml) must be out of reach of the shortcut SPEC.md names, a
linear model (an MLP of Values without hidden layers, trained as the task trains it),
and within reach of the reference with a margin; benchmarks/value_moons.py measures
both over several seeds (the numbers are in the rubric's comment).
"""

import numpy as np
import pytest

import course_data
from grader.compare import CheckFailed
from grader.rubric import load_rubric
from grader.tasks import TASKS
from grader.tasks.autograd import DEFAULTS, NOISE, SAMPLES, validate_value_settings
from reference import autograd
from reference.config import HYPERPARAMS

TABLE = load_rubric().assignments["a10"].tasks["value_moons"]


def _accuracy(settings, seed):
    X, y = course_data.value_moons_data(SAMPLES, noise=NOISE, random_state=seed)
    model, losses = autograd.train_value_mlp(X, y, rng=np.random.default_rng(seed), **settings)
    scores = np.array([model([float(a), float(b)]).data for a, b in X])
    return float(np.mean(np.sign(scores) == y)), losses


def test_the_reference_and_stub_settings_are_valid():
    assert validate_value_settings(HYPERPARAMS["value_moons"], "reference") == dict(
        DEFAULTS, **HYPERPARAMS["value_moons"])
    stub = {"hidden_sizes": [2], "steps": 1, "learning_rate": 1e-3, "l2": 0.0}
    assert validate_value_settings(stub, "stub")["steps"] == 1
    assert validate_value_settings({}, "empty") == DEFAULTS  # every key has its default


@pytest.mark.parametrize("entry, words", [
    ({"steps": 0}, "steps"), ({"learning_rate": -1.0}, "learning_rate"),
    ({"hidden_sizes": 16}, "hidden_sizes"), ({"l2": -0.1}, "l2"), ({"epochs": 3}, "unknown"),
])
def test_invalid_settings_are_named(entry, words):
    with pytest.raises(CheckFailed, match=words):
        validate_value_settings(entry, "HYPERPARAMS['value_moons']")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_linear_model_misses_even_partial_credit(seed):
    accuracy, _ = _accuracy(dict(DEFAULTS, hidden_sizes=[]), seed)
    assert accuracy < TABLE["partial_threshold"], accuracy
    assert TASKS["value_moons"].credit(accuracy, TABLE) == 0.0


@pytest.mark.slow
def test_the_reference_reaches_the_threshold_with_a_margin():
    accuracy, losses = _accuracy(dict(DEFAULTS, **HYPERPARAMS["value_moons"]), 0)
    assert accuracy >= TABLE["threshold"] + 0.03
    assert losses[-1] < 0.1 * losses[0]
