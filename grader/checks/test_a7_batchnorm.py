"""Assignment 7, the functions: batchnorm_forward, batchnorm_backward (layers.py), rmsprop.

Batch normalization in both modes: the output, the running statistics it
writes back (CS231n's momentum convention, the biased variance), test mode
reading them and writing nothing, the defaults, the dtype; each gradient of
the backward on its own, against the reference and against a numerical
gradient of the student's own forward. RMSprop over several steps with its
state carried in config, as assignment 5's update rules are checked.
"""

import copy

import numpy as np
import pytest

from ..compare import CheckFailed, as_array, as_tuple, expect_array, expect_unchanged
from ..hints import sentence_of
from .support import (
    CASES,
    PROPERTY,
    check_signature,
    expected,
    known_mistakes,
    numerical_gradient_of,
)
from .test_a5_network import _gradient_sequence, _plain, _reference_steps, _student_steps

FUNCTIONS = ["layers.batchnorm_forward", "layers.batchnorm_backward", "optim.rmsprop"]
GRADIENTS = ["dx", "dgamma", "dbeta"]
N, D = 8, 5
EPS = 1e-5
MOMENTUM = 0.8  # not the default 0.9: a momentum read from the wrong place shows


def _inputs(rng, dtype=np.float64):
    """x with a mean and a spread per feature (so normalizing changes it), gamma, beta, dout."""
    x = (rng.standard_normal((N, D)) * rng.uniform(0.5, 3, D) + rng.uniform(-2, 2, D))
    gamma = rng.uniform(0.5, 2, D)
    beta = rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dout))


def _running(rng, dtype=np.float64):
    return (rng.standard_normal(D).astype(dtype), rng.uniform(0.5, 2, D).astype(dtype))


def _bn_param(mode, running_mean, running_var, momentum=MOMENTUM):
    return {"mode": mode, "eps": EPS, "momentum": momentum,
            "running_mean": running_mean.copy(), "running_var": running_var.copy()}


def _reference_forward(R, x, gamma, beta, bn_param):
    """(out, bn_param after) of the reference."""
    bn_param = copy.deepcopy(bn_param)
    out, _ = R.layers.batchnorm_forward(x.copy(), gamma.copy(), beta.copy(), bn_param)
    return out, {k: bn_param[k] for k in ("running_mean", "running_var")}


def _normalized(x, gamma, beta, mean, var):
    return gamma * (x - mean) / np.sqrt(var + EPS) + beta


def _call_forward(student, x, gamma, beta, bn_param):
    """(out, cache, bn_param after the call) of the student's forward."""
    result = student.call("layers.batchnorm_forward", x, gamma, beta, bn_param, keep_index=1,
                          return_args=True)
    out, cache = as_tuple(result.unwrap(), 2, "batchnorm_forward")
    after = result.args_after[3]
    if not isinstance(after, dict):
        raise CheckFailed("batchnorm_forward replaced bn_param: write the running statistics "
                          "into the dict given")
    return out, cache, after, result.args_after


def _running_after(after, key):
    if key not in after:
        raise CheckFailed(f'after a training-mode forward, bn_param has no "{key}": store the new '
                          "running statistics in the dict given")
    return as_array(after[key], f'bn_param["{key}"]')


@pytest.mark.parametrize("function", FUNCTIONS)
def test_signature(student, request, function):
    module, name = function.split(".")
    check_signature(student, request, module, name)


# ---------------------------------------------------------------- forward, training mode


@CASES
def test_batchnorm_forward(student, request, rng, case):
    """Training mode: normalized with the batch mean and BIASED variance, then gamma and beta."""
    x, gamma, beta, _ = _inputs(rng)
    bn_param = _bn_param("train", *_running(rng))
    want, _ = expected(request, "out", lambda R: _reference_forward(R, x, gamma, beta, bn_param))
    out, _, _, _ = _call_forward(student, x, gamma, beta, bn_param)
    mean = x.mean(axis=0)
    mistakes = {
        "bn_unbiased_variance": _normalized(x, gamma, beta, mean, x.var(axis=0, ddof=1)),
        "bn_test_statistics_in_training": _normalized(x, gamma, beta, bn_param["running_mean"],
                                                      bn_param["running_var"]),
        "bn_std_without_sqrt": gamma * (x - mean) / (x.var(axis=0) + EPS) + beta,
        "bn_statistics_over_features": _normalized(x, gamma, beta, x.mean(axis=1, keepdims=True),
                                                   x.var(axis=1, keepdims=True)),
    }
    expect_array(out, want, "out of batchnorm_forward in training mode", dtype=np.float64,
                 context={"N": N, **known_mistakes(mistakes)})


@CASES
def test_batchnorm_forward_running(student, request, rng, case):
    """The running statistics written back: momentum * running + (1 - momentum) * batch."""
    x, gamma, beta, _ = _inputs(rng)
    running_mean, running_var = _running(rng)
    bn_param = _bn_param("train", running_mean, running_var)
    _, want = expected(request, "out", lambda R: _reference_forward(R, x, gamma, beta, bn_param))
    _, _, after, _ = _call_forward(student, x, gamma, beta, bn_param)
    batch = {"running_mean": x.mean(axis=0), "running_var": x.var(axis=0)}
    old = {"running_mean": running_mean, "running_var": running_var}
    for key in ("running_mean", "running_var"):
        mistakes = {
            "bn_momentum_reversed": (1 - MOMENTUM) * old[key] + MOMENTUM * batch[key],
            "bn_running_not_updated": old[key],
            "bn_running_is_batch": batch[key],
        }
        if key == "running_var":
            mistakes["bn_unbiased_variance"] = (MOMENTUM * old[key] + (1 - MOMENTUM)
                                                * x.var(axis=0, ddof=1))
        expect_array(_running_after(after, key), want[key],
                     f'bn_param["{key}"] after a training-mode forward (momentum {MOMENTUM})',
                     dtype=np.float64, context={"N": N, **known_mistakes(mistakes)})


def test_batchnorm_forward_defaults(student, request, rng):
    """bn_param = {}: training mode, eps 1e-5, momentum 0.9, running statistics from 0 and 1."""
    x, gamma, beta, _ = _inputs(rng)
    want_out, want = expected(request, "out",
                              lambda R: _reference_forward(R, x, gamma, beta, {}))
    out, _, after, _ = _call_forward(student, x, gamma, beta, {})
    expect_array(out, want_out, "out of batchnorm_forward with bn_param = {}", dtype=np.float64)
    zeros_ones = {"running_mean": np.zeros(D), "running_var": np.ones(D)}
    for key in ("running_mean", "running_var"):
        batch = x.mean(axis=0) if key == "running_mean" else x.var(axis=0)
        mistakes = {"bn_momentum_reversed": 0.1 * zeros_ones[key] + 0.9 * batch}
        expect_array(_running_after(after, key), want[key],
                     f'bn_param["{key}"] after a forward with bn_param = {{}} (momentum 0.9 '
                     "from zeros and ones)", dtype=np.float64, context=known_mistakes(mistakes))


# ---------------------------------------------------------------- forward, test mode


@CASES
def test_batchnorm_forward_test_mode(student, request, rng, case):
    """Test mode normalizes with the running statistics and writes nothing back."""
    x, gamma, beta, _ = _inputs(rng)
    running_mean, running_var = _running(rng)
    bn_param = _bn_param("test", running_mean, running_var)
    want, _ = expected(request, "out", lambda R: _reference_forward(R, x, gamma, beta, bn_param))
    out, _, after, _ = _call_forward(student, x, gamma, beta, bn_param)
    batch_out = _normalized(x, gamma, beta, x.mean(axis=0), x.var(axis=0))
    expect_array(out, want, "out of batchnorm_forward in test mode", dtype=np.float64,
                 context={"N": N, **known_mistakes({"bn_test_uses_batch_statistics": batch_out})})
    for key, old in (("running_mean", running_mean), ("running_var", running_var)):
        value = as_array(after.get(key), f'bn_param["{key}"] after a test-mode forward')
        if value.shape != old.shape or not np.array_equal(value, old):
            raise CheckFailed(f'a test-mode forward changed bn_param["{key}"]: in test mode the '
                              "running statistics are read, never written",
                              hint=sentence_of("bn_running_updated_in_test"))


@PROPERTY
def test_batchnorm_inputs_unchanged(student, request, rng):
    """x, gamma and beta are left as they were, in both modes (the results right too)."""
    x, gamma, beta, _ = _inputs(rng)
    running = _running(rng)
    for mode in ("train", "test"):
        bn_param = _bn_param(mode, *running)
        want, _ = expected(request, f"out {mode}",
                           lambda R, bn_param=bn_param: _reference_forward(R, x, gamma, beta,
                                                                           bn_param))
        out, _, _, args_after = _call_forward(student, x, gamma, beta, bn_param)
        expect_array(out, want, f"out of batchnorm_forward in {mode} mode", dtype=np.float64)
        for name, before, after in zip(("x", "gamma", "beta"), (x, gamma, beta), args_after):
            expect_unchanged(before, after, name)


@PROPERTY
def test_batchnorm_float32(student, request, rng):
    """float32 in, float32 out: out, the running statistics, dx, dgamma and dbeta."""
    x, gamma, beta, dout = _inputs(rng, np.float32)
    running_mean, running_var = _running(rng, np.float32)
    bn_param = _bn_param("train", running_mean, running_var)
    wide = [a.astype(np.float64) for a in (x, gamma, beta, dout)]
    wide_param = _bn_param("train", running_mean.astype(np.float64),
                           running_var.astype(np.float64))
    want_out, want_running = expected(request, "out", lambda R: _reference_forward(
        R, *wide[:3], wide_param))
    want_grads = expected(request, "grads", lambda R: _reference_backward(R, *wide, wide_param))
    out, cache, after, _ = _call_forward(student, x, gamma, beta, bn_param)
    expect_array(out, want_out, "out of batchnorm_forward for float32 inputs", dtype=np.float32)
    for key in ("running_mean", "running_var"):
        expect_array(_running_after(after, key), want_running[key],
                     f'bn_param["{key}"] for float32 inputs', dtype=np.float32)
    grads = as_tuple(student.call("layers.batchnorm_backward", dout, cache), 3,
                     "batchnorm_backward")
    for name, value, want in zip(GRADIENTS, grads, want_grads):
        expect_array(value, want, f"{name} of batchnorm_backward for float32 inputs",
                     dtype=np.float32)


# ---------------------------------------------------------------- backward


def _reference_backward(R, x, gamma, beta, dout, bn_param):
    _, cache = R.layers.batchnorm_forward(x.copy(), gamma.copy(), beta.copy(),
                                          copy.deepcopy(bn_param))
    return R.layers.batchnorm_backward(dout.copy(), cache)


def _backward_mistakes(x, gamma, dout, gradient):
    """What dx would be without the terms through the batch mean and variance (and dgamma
    without x_hat)."""
    if gradient == "dgamma":
        return {"bn_dgamma_without_x_hat": dout.sum(axis=0)}
    if gradient != "dx":
        return {}
    mean, inv_std = x.mean(axis=0), 1 / np.sqrt(x.var(axis=0) + EPS)
    x_hat = (x - mean) * inv_std
    dx_hat = dout * gamma
    return {"bn_backward_statistics_constant": dx_hat * inv_std,
            "bn_backward_without_variance_term": inv_std * (dx_hat - dx_hat.mean(axis=0)),
            "bn_backward_without_mean_term": inv_std * (dx_hat - x_hat
                                                        * (dx_hat * x_hat).mean(axis=0))}


@CASES
@pytest.mark.parametrize("gradient", GRADIENTS)
def test_batchnorm_backward(student, request, rng, gradient, case):
    """After a training-mode forward: through the batch mean and variance too."""
    x, gamma, beta, dout = _inputs(rng)
    bn_param = _bn_param("train", *_running(rng))
    want = expected(request, "grads",
                    lambda R: _reference_backward(R, x, gamma, beta, dout, bn_param))
    _, cache, _, _ = _call_forward(student, x, gamma, beta, bn_param)
    got = as_tuple(student.call("layers.batchnorm_backward", dout, cache), 3,
                   "batchnorm_backward")
    index = GRADIENTS.index(gradient)
    expect_array(got[index], want[index], f"{gradient} of batchnorm_backward (training mode)",
                 dtype=np.float64, context={"N": N, "inputs": [x, gamma, beta, dout],
                                            **known_mistakes(_backward_mistakes(
                                                x, gamma, dout, gradient))})


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_batchnorm_backward_test_mode(student, request, rng, gradient):
    """After a test-mode forward the running statistics are constants: a fixed affine map."""
    x, gamma, beta, dout = _inputs(rng)
    bn_param = _bn_param("test", *_running(rng))
    want = expected(request, "grads",
                    lambda R: _reference_backward(R, x, gamma, beta, dout, bn_param))
    _, cache, _, _ = _call_forward(student, x, gamma, beta, bn_param)
    got = as_tuple(student.call("layers.batchnorm_backward", dout, cache), 3,
                   "batchnorm_backward")
    index = GRADIENTS.index(gradient)
    expect_array(got[index], want[index], f"{gradient} of batchnorm_backward after a test-mode "
                 "forward", dtype=np.float64, context={"N": N})


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_batchnorm_numerical_gradient(student, request, rng, gradient):
    """The backward agrees with centred differences of the student's own, right, forward."""
    x, gamma, beta, dout = _inputs(rng)
    bn_param = _bn_param("train", *_running(rng))
    want, _ = expected(request, "out", lambda R: _reference_forward(R, x, gamma, beta, bn_param))
    out, cache, _, _ = _call_forward(student, x, gamma, beta, bn_param)
    try:
        expect_array(out, want, "out of batchnorm_forward", dtype=np.float64)
    except CheckFailed as failure:
        raise CheckFailed("the backward cannot be credited because the forward is wrong: "
                          + failure.message, hint=failure.hint) from None
    index = GRADIENTS.index(gradient)
    numeric = numerical_gradient_of(student, "layers.batchnorm_forward",
                                    (x, gamma, beta, bn_param), index, dout, output=0)
    got = as_tuple(student.call("layers.batchnorm_backward", dout, cache), 3,
                   "batchnorm_backward")
    expect_array(got[index], numeric, f"{gradient} against the numerical gradient of your "
                 "batchnorm_forward", rtol=1e-5, atol=1e-7,
                 context={"N": N, **known_mistakes(_backward_mistakes(x, gamma, dout, gradient))})


# ---------------------------------------------------------------- rmsprop

STEPS = 3
# epsilon 1e-3 beside a cache of about 1e-3 makes "inside or outside the square root" visible.
CONFIG = {"learning_rate": 0.05, "decay_rate": 0.9, "epsilon": 1e-3}


def _rmsprop_mistakes(start, dw, cache_before, config):
    """next_w of the usual mistakes for one step, from the right cache before it."""
    lr, decay, eps = config["learning_rate"], config["decay_rate"], config["epsilon"]
    cache = decay * cache_before + (1 - decay) * dw * dw
    return {
        "rmsprop_epsilon_inside_sqrt": start - lr * dw / np.sqrt(cache + eps),
        "rmsprop_cache_not_decayed": start - lr * dw / (np.sqrt(cache_before + dw * dw) + eps),
        "rmsprop_cache_not_kept": start - lr * dw / (np.sqrt((1 - decay) * dw * dw) + eps),
        "rmsprop_decay_reversed": start - lr * dw / (np.sqrt((1 - decay) * cache_before
                                                             + decay * dw * dw) + eps),
    }


@CASES
def test_rmsprop_steps(student, request, rng, case):
    """Several steps with config carried from call to call: next_w after each."""
    w = rng.standard_normal((5, 4))
    gradients = _gradient_sequence(rng, w.shape)
    want = expected(request, "steps",
                    lambda R: _reference_steps(R, "rmsprop", w, gradients, CONFIG))
    cache = np.zeros_like(w)
    for step, start, next_w, _ in _student_steps(student, "rmsprop", w, gradients, dict(CONFIG)):
        mistakes = _rmsprop_mistakes(start, gradients[step], cache, CONFIG)
        expect_array(next_w, want[step][0], f"next_w of rmsprop at step {step + 1}",
                     dtype=np.float64, context={"start": start, **known_mistakes(mistakes)})
        cache = want[step][1]["cache"]


def test_rmsprop_state(student, request, rng):
    """The cache in config after the steps; the hyperparameters kept."""
    w = rng.standard_normal((5, 4))
    gradients = _gradient_sequence(rng, w.shape)
    want = expected(request, "steps",
                    lambda R: _reference_steps(R, "rmsprop", w, gradients, CONFIG))
    steps = list(_student_steps(student, "rmsprop", w, gradients, dict(CONFIG)))
    for step, _, next_w, _ in steps:  # a state is worth points only beside right steps
        expect_array(next_w, want[step][0], f"next_w of rmsprop at step {step + 1}",
                     dtype=np.float64)
    state = steps[-1][3]
    for key, value in CONFIG.items():
        if not isinstance(state.get(key), (int, float)) or state[key] != value:
            raise CheckFailed(f'rmsprop changed or lost config["{key}"] (it was {value}): keep '
                              "the hyperparameters the caller set")
    if "cache" not in state:
        raise CheckFailed('rmsprop keeps no "cache" in config; the state lives there between '
                          "calls")
    expect_array(state["cache"], want[-1][1]["cache"], f'config["cache"] after {STEPS} steps')


def test_rmsprop_defaults(student, request, rng):
    """config=None: a new dict of the defaults (1e-2, 0.99, 1e-8); missing keys: defaults."""
    w = rng.standard_normal((4, 3))
    gradients = _gradient_sequence(rng, w.shape, steps=2)
    for start_config in (None, {"learning_rate": 0.05}):
        shown = "config=None" if start_config is None else f"config={start_config}"
        want = expected(request, f"steps {shown}",
                        lambda R, start_config=start_config:
                        _reference_steps(R, "rmsprop", w, gradients, start_config))
        for step, _, next_w, state in _student_steps(student, "rmsprop", w, gradients,
                                                     copy.deepcopy(start_config)):
            for key, value in want[step][1].items():
                if key != "cache" and (not isinstance(state.get(key), (int, float))
                                       or state[key] != value):
                    raise CheckFailed(f'rmsprop with {shown}: config["{key}"] is '
                                      f"{_plain(state.get(key))!r}, expected the default "
                                      f"{value!r}")
            expect_array(next_w, want[step][0], f"next_w of rmsprop at step {step + 1} with "
                         f"{shown}", dtype=np.float64)


@PROPERTY
def test_rmsprop_float32(student, request, rng):
    w = rng.standard_normal((4, 3)).astype(np.float32)
    gradients = _gradient_sequence(rng, w.shape, steps=2, dtype=np.float32)
    want = expected(request, "steps", lambda R: _reference_steps(
        R, "rmsprop", w.astype(np.float64), [g.astype(np.float64) for g in gradients], CONFIG))
    for step, _, next_w, _ in _student_steps(student, "rmsprop", w, gradients, dict(CONFIG)):
        expect_array(next_w, want[step][0], f"next_w of rmsprop for a float32 w at step "
                     f"{step + 1}", dtype=np.float32)
