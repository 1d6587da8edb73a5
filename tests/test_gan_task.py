"""The ring task of assignment 11 (grader/tasks/gan.py): its metric, its credit, its data.

No GAN is trained here (that is the graded task's and benchmarks/gan_calibration.py's
job): the trusted side's measure is checked on generators whose answer is known.
"""

import numpy as np
import pytest

import course_data
from grader.compare import CheckFailed
from grader.rubric import load_rubric
from grader.tasks import TASKS
from grader.tasks.gan import RingScore, ring_metrics, validate_gan_settings
from reference.config import HYPERPARAMS

TABLE = load_rubric().assignments["a11"].tasks["ring"]
CENTRES = course_data.ring_centres()


def _measure(samples):
    return ring_metrics(samples, CENTRES, TABLE["near_sigmas"], TABLE["mode_share"])


def _credit(samples):
    measured = _measure(samples)
    return TASKS["ring"].credit(RingScore(measured["modes"], measured["quality"]), TABLE)


def test_the_data_itself_earns_full_credit():
    X, mode = course_data.ring_data(5000, seed=3)
    measured = _measure(X)
    assert measured["modes"] == 8 and measured["quality"] > 0.98
    assert np.bincount(mode, minlength=8).min() > 500
    assert _credit(X) == 1.0


@pytest.mark.parametrize("kept, credit", [(1, 0.0), (3, 0.0), (5, 0.0), (6, 0.5), (7, 0.5)])
def test_a_collapsed_generator_earns_partial_credit_at_most(kept, credit):
    X, mode = course_data.ring_data(20000, seed=4)
    samples = X[mode < kept][:5000]
    assert _measure(samples)["modes"] == kept
    assert _credit(samples) == credit


def test_a_blur_over_the_ring_fails_on_quality():
    rng = np.random.default_rng(0)
    angle = rng.uniform(0, 2 * np.pi, 5000)
    radius = 2 + 0.2 * rng.standard_normal(5000)
    samples = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1)
    assert _measure(samples)["quality"] < 0.2
    assert _credit(samples) == 0.0


def test_the_modes_and_the_quality_are_both_needed():
    X, mode = course_data.ring_data(5000, seed=5)
    far = np.full((5000, 2), 10.0)
    half = np.concatenate([X[:2200], far[:2800]])  # every mode covered, quality 0.44
    measured = _measure(half)
    assert measured["modes"] == 8 and measured["quality"] < 0.5
    assert _credit(half) == 0.0


def test_the_secret_turns_the_ring():
    task = TASKS["ring"]
    public, public_centres = task.data({})
    hidden, hidden_centres = task.data({"ring_seed": 11, "disguise": 99})
    assert np.allclose(public_centres, CENTRES)
    assert not np.allclose(hidden_centres, CENTRES, atol=0.3)
    assert np.allclose(np.linalg.norm(hidden_centres, axis=1), 2.0)
    # A generator of the public ring is measured against the turned one.
    assert _measure(public)["modes"] == 8
    turned = ring_metrics(public, hidden_centres, TABLE["near_sigmas"], TABLE["mode_share"])
    assert turned["modes"] < 8
    assert _measure(hidden)["modes"] < 8 or np.allclose(hidden_centres, CENTRES)


def test_the_reference_settings_are_valid_and_bad_ones_refused():
    settings = validate_gan_settings(HYPERPARAMS["gan"], "HYPERPARAMS['gan']")
    assert settings["latent_dim"] == HYPERPARAMS["gan"]["latent_dim"]
    for bad in ({**HYPERPARAMS["gan"], "stepz": 3}, {**HYPERPARAMS["gan"], "batch_size": 0},
                {**HYPERPARAMS["gan"], "g_config": {"learning_rat": 1e-3}},
                {**HYPERPARAMS["gan"], "optimizer": "nesterov"},
                {**HYPERPARAMS["gan"], "batch_size": 20000}):
        with pytest.raises(CheckFailed):
            validate_gan_settings(bad, "HYPERPARAMS['gan']")
