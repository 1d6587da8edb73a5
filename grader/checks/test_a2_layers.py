"""Assignment 2: layers, forward and backward (layers.py).

Each gradient of a backward (dx, dW, db) is scored on its own, against the
reference and against a numerical gradient of the student's own forward.
Dropout is random: it is judged by its properties, never by its mask.
"""

import numpy as np
import pytest

from .. import hints
from ..compare import (
    CheckFailed,
    as_array,
    as_tuple,
    expect_array,
    expect_unchanged,
    tolerance,
)
from ..sandbox import wire
from ..sandbox.client import StudentError
from .support import (
    CASES,
    PROPERTY,
    check_signature,
    expected,
    forward_output,
    numerical_gradient_of,
)

MODULE = "layers"
FUNCTIONS = ["linear_forward", "linear_backward", "relu_forward", "relu_backward",
             "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward",
             "leaky_relu_forward", "leaky_relu_backward", "dropout_forward", "dropout_backward"]
ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu"]
N, D, M = 6, 5, 4


def _linear_inputs(rng, dtype=np.float64):
    x = rng.standard_normal((N, D)).astype(dtype)
    W = rng.standard_normal((D, M)).astype(dtype)
    b = rng.standard_normal(M).astype(dtype)
    dout = rng.standard_normal((N, M)).astype(dtype)
    return x, W, b, dout


def _activation_inputs(rng, dtype=np.float64):
    x = rng.standard_normal((N, D)) * 2
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink for numerical gradients
    return x.astype(dtype), rng.standard_normal((N, D)).astype(dtype)


def _reference_linear_backward(R, x, W, b, dout):
    _, cache = R.layers.linear_forward(x, W, b)
    return R.layers.linear_backward(dout, cache)


def _reference_activation_backward(R, name, x, dout):
    _, cache = getattr(R.layers, f"{name}_forward")(x)
    return getattr(R.layers, f"{name}_backward")(dout, cache)


def _expect_right_forward(out, want, name):
    """A backward checked against the student's own forward earns nothing if that forward is wrong.

    A consistent wrong pair (forward 2 * x, backward 2 * dout) agrees with its
    own numerical gradient; only a right forward makes that agreement worth points.
    """
    try:
        expect_array(out, want, name, dtype=np.float64)
    except CheckFailed as failure:
        raise CheckFailed("the backward cannot be credited because the forward is wrong: "
                          + failure.message, hint=failure.hint) from None


@pytest.mark.parametrize("function", FUNCTIONS)
def test_signature(student, request, function):
    check_signature(student, request, MODULE, function)


# ---------------------------------------------------------------- linear


@CASES
def test_linear_forward(student, request, rng, case):
    x, W, b, _ = _linear_inputs(rng)
    want = expected(request, "out", lambda R: R.layers.linear_forward(x, W, b)[0])
    got = student.call(f"{MODULE}.linear_forward", x, W, b, keep_index=1)
    expect_array(forward_output(got, "linear_forward"), want, "out of linear_forward",
                 dtype=np.float64, context={"N": N, "inputs": [x, W, b],
                                            "alternatives": {"bias_missing": x @ W}})


@CASES
@pytest.mark.parametrize("gradient", ["dx", "dW", "db"])
def test_linear_backward(student, request, rng, gradient, case):
    x, W, b, dout = _linear_inputs(rng)
    want = expected(request, "grads", lambda R: _reference_linear_backward(R, x, W, b, dout))
    _, cache = as_tuple(student.call(f"{MODULE}.linear_forward", x, W, b, keep_index=1), 2,
                        "linear_forward")
    got = as_tuple(student.call(f"{MODULE}.linear_backward", dout, cache), 3, "linear_backward")
    index = ["dx", "dW", "db"].index(gradient)
    alternatives = {"wrong_axis": dout.sum(axis=1)}  # db summed over the features
    expect_array(got[index], want[index], f"{gradient} of linear_backward", dtype=np.float64,
                 context={"N": N, "inputs": [x, W, b, dout], "gradient": gradient,
                          "alternatives": alternatives})


@pytest.mark.parametrize("gradient", ["dx", "dW", "db"])
def test_linear_numerical_gradient(student, request, rng, gradient):
    """The backward agrees with centred differences of the student's own, right, forward."""
    x, W, b, dout = _linear_inputs(rng)
    index = ["dx", "dW", "db"].index(gradient)
    want = expected(request, "out", lambda R: R.layers.linear_forward(x, W, b)[0])
    out, cache = as_tuple(student.call(f"{MODULE}.linear_forward", x, W, b, keep_index=1), 2,
                          "linear_forward")
    _expect_right_forward(out, want, "out of linear_forward")
    numeric = numerical_gradient_of(student, f"{MODULE}.linear_forward", (x, W, b), index,
                                    dout, output=0)
    got = as_tuple(student.call(f"{MODULE}.linear_backward", dout, cache), 3, "linear_backward")
    expect_array(got[index], numeric, f"{gradient} against the numerical gradient of your "
                 "linear_forward", rtol=1e-5, atol=1e-7, context={"N": N})


@PROPERTY
def test_linear_float32(student, request, rng):
    """float32 in, float32 out, for out, dx, dW and db, with the right values."""
    x, W, b, dout = _linear_inputs(rng, np.float32)
    wide = [a.astype(np.float64) for a in (x, W, b, dout)]
    want_out = expected(request, "out", lambda R: R.layers.linear_forward(*wide[:3])[0])
    want_grads = expected(request, "grads", lambda R: _reference_linear_backward(R, *wide))
    out, cache = as_tuple(student.call(f"{MODULE}.linear_forward", x, W, b, keep_index=1), 2,
                          "linear_forward")
    grads = as_tuple(student.call(f"{MODULE}.linear_backward", dout, cache), 3, "linear_backward")
    for name, value, want in zip(["out", "dx", "dW", "db"], [out, *grads],
                                 [want_out, *want_grads]):
        expect_array(value, want, f"{name} of the linear layer for float32 inputs",
                     dtype=np.float32)


@PROPERTY
def test_linear_inputs_unchanged(student, request, rng):
    """x, W, b and dout are left as they were, and the values returned are right."""
    x, W, b, dout = _linear_inputs(rng)
    want_out = expected(request, "out", lambda R: R.layers.linear_forward(x, W, b)[0])
    want_grads = expected(request, "grads", lambda R: _reference_linear_backward(R, x, W, b, dout))
    result = student.call(f"{MODULE}.linear_forward", x, W, b, keep_index=1, return_args=True)
    out, cache = as_tuple(result.unwrap(), 2, "linear_forward")
    for name, before, after in zip("xWb", (x, W, b), result.args_after):
        expect_unchanged(before, after, name)
    expect_array(out, want_out, "out of linear_forward", dtype=np.float64)
    result = student.call(f"{MODULE}.linear_backward", dout, cache, return_args=True)
    grads = as_tuple(result.unwrap(), 3, "linear_backward")
    expect_unchanged(dout, result.args_after[0], "dout")
    for name, value, want in zip(["dx", "dW", "db"], grads, want_grads):
        expect_array(value, want, f"{name} of linear_backward", dtype=np.float64)


# ---------------------------------------------------------------- activations


@CASES
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_forward(student, request, rng, activation, case):
    x, _ = _activation_inputs(rng)
    want = expected(request, "out", lambda R: getattr(R.layers, f"{activation}_forward")(x)[0])
    got = student.call(f"{MODULE}.{activation}_forward", x, keep_index=1)
    expect_array(forward_output(got, f"{activation}_forward"), want,
                 f"out of {activation}_forward", dtype=np.float64, context={"inputs": [x]})


@CASES
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_backward(student, request, rng, activation, case):
    x, dout = _activation_inputs(rng)
    want = expected(request, "dx", lambda R: _reference_activation_backward(R, activation, x, dout))
    _, cache = as_tuple(student.call(f"{MODULE}.{activation}_forward", x, keep_index=1), 2,
                        f"{activation}_forward")
    got = student.call(f"{MODULE}.{activation}_backward", dout, cache)
    # The local derivative alone (dout of ones) names a backward that forgot the chain rule.
    local = expected(request, "local",
                     lambda R: _reference_activation_backward(R, activation, x, np.ones_like(x)))
    alternatives = {"upstream_ignored": local}
    if activation == "relu":
        alternatives["relu_mask_from_dout"] = dout * (dout > 0)
        alternatives["relu_no_mask"] = dout
    if activation == "leaky_relu":
        alternatives["leaky_relu_grad_without_alpha"] = dout * (x > 0)
    if activation == "tanh":
        alternatives["activation_applied_to_cache"] = dout * (1 - np.tanh(np.tanh(x)) ** 2)
    expect_array(got, want, f"dx of {activation}_backward", dtype=np.float64,
                 context={"inputs": [x, dout], "alternatives": alternatives})


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_numerical_gradient(student, request, rng, activation):
    """The backward agrees with centred differences of the student's own, right, forward."""
    x, dout = _activation_inputs(rng)
    want = expected(request, "out", lambda R: getattr(R.layers, f"{activation}_forward")(x)[0])
    out, cache = as_tuple(student.call(f"{MODULE}.{activation}_forward", x, keep_index=1), 2,
                          f"{activation}_forward")
    _expect_right_forward(out, want, f"out of {activation}_forward")
    numeric = numerical_gradient_of(student, f"{MODULE}.{activation}_forward", (x,), 0, dout,
                                    output=0)
    got = student.call(f"{MODULE}.{activation}_backward", dout, cache)
    expect_array(got, numeric, f"dx of {activation}_backward against the numerical gradient of "
                 f"your {activation}_forward", rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@PROPERTY
def test_activation_float32(student, request, rng, activation):
    """float32 in, float32 out, for out and dx, with the right values."""
    x, dout = _activation_inputs(rng, np.float32)
    wide_x, wide_dout = x.astype(np.float64), dout.astype(np.float64)
    want_out = expected(request, "out",
                        lambda R: getattr(R.layers, f"{activation}_forward")(wide_x)[0])
    want_dx = expected(request, "dx", lambda R: _reference_activation_backward(
        R, activation, wide_x, wide_dout))
    out, cache = as_tuple(student.call(f"{MODULE}.{activation}_forward", x, keep_index=1), 2,
                          f"{activation}_forward")
    dx = student.call(f"{MODULE}.{activation}_backward", dout, cache)
    for name, value, want in (("out", out, want_out), ("dx", dx, want_dx)):
        expect_array(value, want, f"{name} of {activation} for float32 inputs", dtype=np.float32)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@PROPERTY
def test_activation_inputs_unchanged(student, request, rng, activation):
    """x and dout are left as they were, and the values returned are right."""
    x, dout = _activation_inputs(rng)
    want_out = expected(request, "out", lambda R: getattr(R.layers, f"{activation}_forward")(x)[0])
    want_dx = expected(request, "dx",
                       lambda R: _reference_activation_backward(R, activation, x, dout))
    result = student.call(f"{MODULE}.{activation}_forward", x, keep_index=1, return_args=True)
    out, cache = as_tuple(result.unwrap(), 2, f"{activation}_forward")
    expect_unchanged(x, result.args_after[0], "x")
    expect_array(out, want_out, f"out of {activation}_forward", dtype=np.float64)
    result = student.call(f"{MODULE}.{activation}_backward", dout, cache, return_args=True)
    dx = result.unwrap()
    expect_unchanged(dout, result.args_after[0], "dout")
    expect_array(dx, want_dx, f"dx of {activation}_backward", dtype=np.float64)


# ---------------------------------------------------------------- dropout


def _dropout(student, x, p, train=True, seed=0):
    out, cache = as_tuple(student.call(f"{MODULE}.dropout_forward", x, p, train=train,
                                       rng=wire.Rng(seed), keep_index=1), 2, "dropout_forward")
    return as_array(out, "out of dropout_forward"), cache


def _expect_dropout_of(out, x, p, shown):
    """out is an inverted dropout of x: each entry 0 or x / (1 - p), about a fraction p of 0s.

    x must hold no zeros. Random noise, zeros, x itself or 2 * x cannot pass this; any right dropout
    does, whatever its mask. The checks that judge dropout by another property
    (its rng, its backward, its dtype, its test mode) start with it, so they
    pay only for a dropout that works.
    """
    if out.shape != x.shape:
        raise CheckFailed(f"{shown}: out has shape {out.shape}, expected {x.shape}")
    rtol, atol = tolerance(out.dtype)
    scaled = x.astype(np.float64) / (1 - p)
    kept = out != 0
    wrong = kept & ~np.isclose(out.astype(np.float64), scaled, rtol=rtol, atol=atol)
    if wrong.any():
        raise CheckFailed(f"{shown}: {int(wrong.sum())} of {out.size} entries are neither 0 nor "
                          f"x / (1 - p) = x / {1 - p:g}: not an inverted dropout of x")
    fraction = 1 - kept.mean()
    spread = max(0.02, 5 * np.sqrt(p * (1 - p) / out.size))  # 5 standard errors: never flaky
    if abs(fraction - p) > spread:
        raise CheckFailed(f"{shown}: {fraction:.1%} of the units are dropped, expected about "
                          f"{p:.0%}")


def test_dropout_fraction_and_scaling(student, rng):
    x = rng.uniform(0.5, 1.5, size=(200, 250))
    p = 0.3
    out, _ = _dropout(student, x, p)
    dropped = out == 0
    fraction = dropped.mean()
    if abs(fraction - p) > 0.02:
        hint = hints.diagnose(fraction, p, {"alternatives": {"dropout_p_as_keep": 1 - p},
                                            "tolerance": (0, 0.02)})
        raise CheckFailed(f"dropout_forward(p={p}) dropped {fraction:.1%} of the units, "
                          f"expected about {p:.0%}", hint=hint)
    ratio = out[~dropped] / x[~dropped]
    if not np.allclose(ratio, 1 / (1 - p), rtol=1e-6):
        scale = np.median(ratio)
        hint = hints.diagnose(scale, 1 / (1 - p), {"alternatives": {
            "dropout_not_scaled": 1.0, "dropout_scaled_by_1_over_p": 1 / p}})
        raise CheckFailed(f"kept units are multiplied by {scale:.4g}, expected "
                          f"1/(1-p) = {1 / (1 - p):.4g}", hint=hint)


def test_dropout_backward_uses_forward_mask(student, rng):
    x = rng.uniform(0.5, 1.5, size=(40, 30))
    dout = rng.standard_normal((40, 30))
    p = 0.4
    out, cache = _dropout(student, x, p, seed=7)
    _expect_dropout_of(out, x, p, f"dropout_forward(p={p})")
    dx = as_array(student.call(f"{MODULE}.dropout_backward", dout, cache), "dx of dropout_backward")
    want = dout * (out / x)  # the forward's own mask and scale, read off its output
    expect_array(dx, want, "dx of dropout_backward (the forward's mask times dout)",
                 context={"alternatives": {"dropout_backward_unscaled": dout * (out != 0)}},
                 rtol=1e-6, atol=1e-9)


def test_dropout_test_mode_is_identity(student, rng):
    x = rng.standard_normal((20, 10))
    dout = rng.standard_normal((20, 10))
    for train, p in ((False, 0.5), (True, 0.0)):
        out, cache = _dropout(student, x, p, train=train)
        if not np.array_equal(out, x):
            scaled = x * (1 - p) if np.allclose(out, x * (1 - p)) else x / (1 - p)
            hint = hints.diagnose(out, x, {"alternatives": {"dropout_scaled_at_test": scaled}})
            raise CheckFailed(f"dropout_forward(train={train}, p={p}) should return x unchanged",
                              hint=hint)
        dx = as_array(student.call(f"{MODULE}.dropout_backward", dout, cache), "dx")
        if not np.array_equal(dx, dout):
            raise CheckFailed(f"dropout_backward after train={train}, p={p} should pass dout "
                              "through unchanged")
    # An identity at all times is not a dropout: training mode must drop and scale.
    out, _ = _dropout(student, x, 0.5, train=True)
    _expect_dropout_of(out, x, 0.5, "dropout_forward(train=True, p=0.5), after the test mode")


def test_dropout_rng(student, rng):
    x = rng.standard_normal((30, 30))
    first, _ = _dropout(student, x, 0.5, seed=11)
    again, _ = _dropout(student, x, 0.5, seed=11)
    other, _ = _dropout(student, x, 0.5, seed=12)
    for out, seed in ((first, 11), (other, 12)):
        _expect_dropout_of(out, x, 0.5, f"dropout_forward(p=0.5) with the rng seeded {seed}")
    if not np.array_equal(first, again):
        raise CheckFailed("dropout_forward gives different masks for the same rng seed",
                          hint=hints.diagnose(first, again, {"facts": {"rng_ignored": True}}))
    if np.array_equal(first, other):
        raise CheckFailed("dropout_forward gives the same mask for different rng seeds")


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_dropout_rejects_bad_p(student, rng, p):
    """ValueError for p outside [0, 1), from a dropout that works for a p inside it."""
    x = rng.uniform(0.5, 1.5, size=(20, 20))
    out, _ = _dropout(student, x, 0.5)
    _expect_dropout_of(out, x, 0.5, "dropout_forward(p=0.5) (checked before the bad p)")
    try:
        student.call(f"{MODULE}.dropout_forward", np.ones((2, 2)), p, rng=wire.Rng(0))
    except StudentError as error:
        if error.type == "ValueError":
            return
        if error.not_implemented or error.import_error:
            raise
        raise CheckFailed(f"dropout_forward(p={p}) should raise ValueError, "
                          f"raised {error.type}") from None
    raise CheckFailed(f"dropout_forward(p={p}) should raise ValueError (0 <= p < 1)")


@PROPERTY
def test_dropout_float32(student, rng):
    """float32 in, float32 out, for out and dx, with a right dropout and its mask in dx."""
    x = rng.standard_normal((10, 10)).astype(np.float32)
    dout = rng.standard_normal((10, 10)).astype(np.float32)
    out, cache = _dropout(student, x, 0.5)
    dx = as_array(student.call(f"{MODULE}.dropout_backward", dout, cache), "dx")
    if out.dtype != np.float32 or dx.dtype != np.float32:
        raise CheckFailed(f"for float32 inputs, dropout_forward returns {out.dtype} and "
                          f"dropout_backward {dx.dtype}: keep the input's dtype (a float64 "
                          "mask or scale, from rng.random or 1 / (1 - p), promotes the result; "
                          "cast it with .astype(x.dtype))", kind="dtype")
    _expect_dropout_of(out, x, 0.5, "dropout_forward(p=0.5) for float32 x")
    want = dout.astype(np.float64) * (out != 0) / (1 - 0.5)  # the forward's own mask
    expect_array(dx, want, "dx of dropout_backward for float32 inputs", dtype=np.float32)
