"""Assignment 2: layers, forward and backward (layers.py).

Each gradient of a backward (dx, dW, db) is scored on its own, against the
reference and against a numerical gradient of the student's own forward.
Dropout is random: it is judged by its properties, never by its mask.
"""

import numpy as np
import pytest

from ..compare import CheckFailed, as_array, as_tuple, expect_array, expect_unchanged
from ..sandbox import wire
from ..sandbox.client import StudentError
from .support import CASES, check_signature, expected, forward_output, numerical_gradient_of

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
    alternatives = {"db_mean": dout.mean(axis=0), "db_wrong_axis": dout.sum(axis=1),
                    "dW_transposed": (x.T @ dout).T}
    expect_array(got[index], want[index], f"{gradient} of linear_backward", dtype=np.float64,
                 context={"N": N, "inputs": [x, W, b, dout], "gradient": gradient,
                          "alternatives": alternatives})


@pytest.mark.parametrize("gradient", ["dx", "dW", "db"])
def test_linear_numerical_gradient(student, rng, gradient):
    """The backward agrees with centred differences of the student's own forward."""
    x, W, b, dout = _linear_inputs(rng)
    index = ["dx", "dW", "db"].index(gradient)
    numeric = numerical_gradient_of(student, f"{MODULE}.linear_forward", (x, W, b), index,
                                    dout, output=0)
    _, cache = as_tuple(student.call(f"{MODULE}.linear_forward", x, W, b, keep_index=1), 2,
                        "linear_forward")
    got = as_tuple(student.call(f"{MODULE}.linear_backward", dout, cache), 3, "linear_backward")
    expect_array(got[index], numeric, f"{gradient} against the numerical gradient of your "
                 "linear_forward", rtol=1e-5, atol=1e-7, context={"N": N})


def test_linear_float32(student, request, rng):
    x, W, b, dout = _linear_inputs(rng, np.float32)
    out, cache = as_tuple(student.call(f"{MODULE}.linear_forward", x, W, b, keep_index=1), 2,
                          "linear_forward")
    as_array(out, "out")
    grads = as_tuple(student.call(f"{MODULE}.linear_backward", dout, cache), 3, "linear_backward")
    for name, value in zip(["out", "dx", "dW", "db"], [out, *grads]):
        array = as_array(value, name)
        if array.dtype != np.float32:
            raise CheckFailed(f"{name} is {array.dtype} for float32 inputs; keep the input's dtype")


def test_linear_inputs_unchanged(student, rng):
    x, W, b, dout = _linear_inputs(rng)
    result = student.call(f"{MODULE}.linear_forward", x, W, b, keep_index=1, return_args=True)
    _, cache = as_tuple(result.unwrap(), 2, "linear_forward")
    for name, before, after in zip("xWb", (x, W, b), result.args_after):
        expect_unchanged(before, after, name)
    result = student.call(f"{MODULE}.linear_backward", dout, cache, return_args=True)
    result.unwrap()
    expect_unchanged(dout, result.args_after[0], "dout")


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
    alternatives = {}
    if activation == "relu":
        alternatives["relu_mask_from_dout"] = dout * (dout > 0)
        alternatives["relu_no_mask"] = dout
    if activation == "tanh":
        alternatives["tanh_derivative_of_output_twice"] = dout * (1 - np.tanh(np.tanh(x)) ** 2)
    expect_array(got, want, f"dx of {activation}_backward", dtype=np.float64,
                 context={"inputs": [x, dout], "alternatives": alternatives})


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_numerical_gradient(student, rng, activation):
    x, dout = _activation_inputs(rng)
    numeric = numerical_gradient_of(student, f"{MODULE}.{activation}_forward", (x,), 0, dout,
                                    output=0)
    _, cache = as_tuple(student.call(f"{MODULE}.{activation}_forward", x, keep_index=1), 2,
                        f"{activation}_forward")
    got = student.call(f"{MODULE}.{activation}_backward", dout, cache)
    expect_array(got, numeric, f"dx of {activation}_backward against the numerical gradient of "
                 f"your {activation}_forward", rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_float32(student, rng, activation):
    x, dout = _activation_inputs(rng, np.float32)
    out, cache = as_tuple(student.call(f"{MODULE}.{activation}_forward", x, keep_index=1), 2,
                          f"{activation}_forward")
    dx = student.call(f"{MODULE}.{activation}_backward", dout, cache)
    for name, value in (("out", out), ("dx", dx)):
        array = as_array(value, name)
        if array.dtype != np.float32:
            raise CheckFailed(f"{name} of {activation} is {array.dtype} for float32 inputs")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_inputs_unchanged(student, rng, activation):
    x, dout = _activation_inputs(rng)
    result = student.call(f"{MODULE}.{activation}_forward", x, keep_index=1, return_args=True)
    _, cache = as_tuple(result.unwrap(), 2, f"{activation}_forward")
    expect_unchanged(x, result.args_after[0], "x")
    result = student.call(f"{MODULE}.{activation}_backward", dout, cache, return_args=True)
    result.unwrap()
    expect_unchanged(dout, result.args_after[0], "dout")


# ---------------------------------------------------------------- dropout


def _dropout(student, x, p, train=True, seed=0):
    out, cache = as_tuple(student.call(f"{MODULE}.dropout_forward", x, p, train=train,
                                       rng=wire.Rng(seed), keep_index=1), 2, "dropout_forward")
    return as_array(out, "out of dropout_forward"), cache


def test_dropout_fraction_and_scaling(student, rng):
    x = rng.uniform(0.5, 1.5, size=(200, 250))
    p = 0.3
    out, _ = _dropout(student, x, p)
    dropped = out == 0
    fraction = dropped.mean()
    if abs(fraction - p) > 0.02:
        hint = None
        if abs(fraction - (1 - p)) < 0.02:
            hint = "p is the probability of DROPPING a unit; you used it as the keep probability"
        raise CheckFailed(f"dropout_forward(p={p}) dropped {fraction:.1%} of the units, "
                          f"expected about {p:.0%}", hint=hint)
    ratio = out[~dropped] / x[~dropped]
    if not np.allclose(ratio, 1 / (1 - p), rtol=1e-6):
        hint = ("kept units must be scaled by 1/(1-p) (inverted dropout)"
                if np.allclose(ratio, 1.0) else
                "kept units are scaled by 1/p; the scale is 1/(1-p) with p the drop probability"
                if np.allclose(ratio, 1 / p) else None)
        raise CheckFailed(f"kept units are multiplied by {np.median(ratio):.4g}, expected "
                          f"1/(1-p) = {1 / (1 - p):.4g}", hint=hint)


def test_dropout_backward_uses_forward_mask(student, rng):
    x = rng.uniform(0.5, 1.5, size=(40, 30))
    dout = rng.standard_normal((40, 30))
    p = 0.4
    out, cache = _dropout(student, x, p, seed=7)
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
            hint = ("inverted dropout needs no scaling at test time: return x unchanged"
                    if np.allclose(out, x * (1 - p)) or np.allclose(out, x / (1 - p)) else None)
            raise CheckFailed(f"dropout_forward(train={train}, p={p}) should return x unchanged",
                              hint=hint)
        dx = as_array(student.call(f"{MODULE}.dropout_backward", dout, cache), "dx")
        if not np.array_equal(dx, dout):
            raise CheckFailed(f"dropout_backward after train={train}, p={p} should pass dout "
                              "through unchanged")


def test_dropout_rng(student, rng):
    x = rng.standard_normal((30, 30))
    first, _ = _dropout(student, x, 0.5, seed=11)
    again, _ = _dropout(student, x, 0.5, seed=11)
    other, _ = _dropout(student, x, 0.5, seed=12)
    if not np.array_equal(first, again):
        raise CheckFailed("dropout_forward gives different masks for the same rng seed: draw "
                          "the mask from the rng argument, not from np.random")
    if np.array_equal(first, other):
        raise CheckFailed("dropout_forward gives the same mask for different rng seeds")


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_dropout_rejects_bad_p(student, p):
    try:
        student.call(f"{MODULE}.dropout_forward", np.ones((2, 2)), p, rng=wire.Rng(0))
    except StudentError as error:
        if error.type == "ValueError":
            return
        if error.not_implemented or error.import_error:
            raise
        raise CheckFailed(f"dropout_forward(p={p}) should raise ValueError, raised {error.type}") from None
    raise CheckFailed(f"dropout_forward(p={p}) should raise ValueError (0 <= p < 1)")


def test_dropout_float32(student, rng):
    x = rng.standard_normal((10, 10)).astype(np.float32)
    out, cache = _dropout(student, x, 0.5)
    dx = as_array(student.call(f"{MODULE}.dropout_backward", x, cache), "dx")
    if out.dtype != np.float32 or dx.dtype != np.float32:
        raise CheckFailed(f"dropout returns {out.dtype} / {dx.dtype} for float32 inputs")
