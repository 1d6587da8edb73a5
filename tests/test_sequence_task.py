"""Assignment 9's tasks on small data: settings, the data generators, shortcuts, the metric.

Full training belongs to the graded task and to benchmarks/rnn_calibration.py (its numbers
are in a9.toml's comment); here the pieces the grader relies on are checked on a few
hundred sequences: the generators follow SPEC.md, the settings are validated, the
shortcuts SPEC.md names miss the thresholds, and the reference's model learns at all.
"""

import numpy as np
import pytest

import course_data
from grader.compare import CheckFailed
from grader.rubric import load_rubric
from grader.tasks import TASKS
from grader.tasks.recurrent import recurrent_key, validate_sequence_settings
from reference import modules
from reference.config import HYPERPARAMS, build_rnn

TABLES = load_rubric().assignments["a9"].tasks


def test_sine_data_follows_the_spec():
    X, y, X_test, y_test = course_data.sine_data(50, 20, seed=3)
    assert X.shape == (50, 25, 1) and y.shape == (50, 1) and X_test.shape == (20, 25, 1)
    rng = np.random.default_rng(3)
    w, phase = rng.uniform(0.5, 1.5, 70), rng.uniform(0, 2 * np.pi, 70)
    assert np.allclose(y[:, 0], np.sin(25 * w[:50] + phase[:50]))
    clean = np.sin(w[:50, None] * np.arange(25) + phase[:50, None])
    noise = X[:, :, 0] - clean
    assert 0.03 < noise.std() < 0.07  # N(0, 0.05^2)
    again = course_data.sine_data(50, 20, seed=3, dtype=np.float32)
    assert again[0].dtype == np.float32 and np.allclose(again[0], X, atol=1e-6)


def test_memory_data_follows_the_spec():
    X, y, X_test, y_test = course_data.memory_data(300, 10, seed=4)
    assert X.shape == (300, 20, 8) and X_test.shape == (10, 20, 8) and y.dtype == np.int64
    assert np.array_equal(X.sum(axis=2), np.ones((300, 20)))  # one-hot
    assert np.array_equal(X[:, 0].argmax(axis=1), y)
    assert set(np.unique(X.argmax(axis=2))) == set(range(8))
    assert not np.array_equal(course_data.memory_data(5, 5, seed=5)[0],
                              course_data.memory_data(5, 5, seed=6)[0])


@pytest.mark.parametrize("task", ["sine", "memory"])
def test_the_reference_and_stub_settings_are_valid(task):
    settings = validate_sequence_settings(HYPERPARAMS[task], task)
    assert settings["clip_norm"] == HYPERPARAMS[task]["clip_norm"]
    stub = {"epochs": 1, "batch_size": 500, "optimizer": "sgd",
            "optim_config": {"learning_rate": 1e-3}, "clip_norm": None}
    assert validate_sequence_settings(stub, "stub")["dtype"] == "float64"


@pytest.mark.parametrize("entry, words", [
    ({"epochs": 0}, "epochs"), ({"clip_norm": -1.0}, "clip_norm"),
    ({"optimizer": "lbfgs"}, "optimizer"), ({"optim_config": {"lr": 0.1}}, "lr"),
    ({"hidden_size": 32}, "unknown"),
])
def test_invalid_settings_are_named(entry, words):
    base = {"epochs": 2, "batch_size": 50, "optimizer": "adam",
            "optim_config": {"learning_rate": 0.01}}
    with pytest.raises(CheckFailed, match=words):
        validate_sequence_settings(dict(base, **entry), "HYPERPARAMS['sine']")


def test_the_model_must_hold_an_rnn():
    assert recurrent_key(build_rnn("sine", rng=np.random.default_rng(0)).params) == "0.Wh"
    with pytest.raises(CheckFailed, match="Wh"):
        recurrent_key({"0.W": np.zeros((2, 2)), "0.b": np.zeros(2)})


def test_repeating_the_last_sample_fails_sine():
    _, _, X, y = course_data.sine_data(1, 2000, seed=0)
    nmse = float(np.mean((X[:, -1] - y) ** 2) / np.var(y))
    assert nmse > TABLES["sine"]["partial_threshold"]
    assert TASKS["sine"].credit(nmse, TABLES["sine"]) == 0.0


def test_linear_autoregression_fails_sine():
    X, y, X_test, y_test = course_data.sine_data(2000, 1000, seed=1)
    design = np.column_stack([X[:, :, 0], np.ones(len(X))])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    predicted = np.column_stack([X_test[:, :, 0], np.ones(len(X_test))]) @ coef
    nmse = float(np.mean((predicted - y_test) ** 2) / np.var(y_test))
    assert TASKS["sine"].credit(nmse, TABLES["sine"]) == 0.0, nmse


def test_the_reference_learns_memory_on_small_data():
    """800 sequences, 4 epochs: the reference's model beats a last-step model by far."""
    X, y, X_test, y_test = course_data.memory_data(800, 300, seed=2, dtype=np.float32)
    model = build_rnn("memory", rng=np.random.default_rng(0), dtype=np.float32)
    hp = HYPERPARAMS["memory"]
    history = modules.fit(model, X, y, epochs=4, batch_size=hp["batch_size"],
                          optimizer=hp["optimizer"], optim_config=hp["optim_config"],
                          clip_norm=hp["clip_norm"], rng=np.random.default_rng(1))
    model.eval()
    accuracy = float(np.mean(model.forward(X_test).argmax(axis=1) == y_test))
    assert accuracy > 0.6, accuracy
    assert history["loss"][-1] < history["loss"][0]
    model.layers[0].params["Wh"] = np.zeros_like(model.layers[0].params["Wh"])
    without = float(np.mean(model.forward(X_test).argmax(axis=1) == y_test))
    assert without < TASKS["memory"].chance  # the task's evidence: memory is in Wh
