"""Assignment 1: neurons and activations (activations.py)."""

import numpy as np
import pytest

from .. import hints
from ..compare import CheckFailed, as_float, expect_array, expect_unchanged
from ..sandbox.client import StudentError
from .support import CASES, PROPERTY, check_signature, expected

MODULE = "activations"
ELEMENTWISE = ["sigmoid", "sigmoid_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
               "tanh", "tanh_grad", "softmax", "log_softmax"]
STABLE = ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "softmax", "log_softmax"]


def _inputs(rng, dtype=np.float64):
    z = rng.standard_normal((6, 5)) * 3
    z[0, :2] = 0.0  # the kink: relu_grad is 0 and leaky_relu_grad is alpha at z == 0
    return z.astype(dtype)


def _softmax_over(z, axis):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _hint_context(function, z):
    """What known mistakes would return for z, so a hint can name the one made.

    Plain NumPy on the trusted side: each array is one classic mistake (see
    grader/hints/ for the sentences).
    """
    alternatives = {}
    if function == "tanh_grad":
        alternatives["derivative_of_output"] = 1 - z**2
    if function == "sigmoid_grad":
        alternatives["derivative_of_output"] = z * (1 - z)
    if function == "sigmoid":
        alternatives["sigmoid_of_minus_z"] = 1 / (1 + np.exp(z))
    if function == "relu_grad":
        alternatives["relu_grad_at_zero"] = (z >= 0).astype(float)
    if function == "leaky_relu_grad":
        alternatives["leaky_relu_grad_without_alpha"] = (z > 0).astype(float)
    if function in ("softmax", "log_softmax"):
        whole = np.exp(z - z.max()) / np.sum(np.exp(z - z.max()))
        columns = _softmax_over(z, axis=0)
        log = function == "log_softmax"
        alternatives["softmax_whole_array"] = np.log(whole) if log else whole
        alternatives["wrong_axis"] = np.log(columns) if log else columns
    return {"inputs": [z], "alternatives": alternatives}


@pytest.mark.parametrize("function", ["neuron"] + ELEMENTWISE)
def test_signature(student, request, function):
    check_signature(student, request, MODULE, function)


@CASES
@pytest.mark.parametrize("function", ELEMENTWISE)
def test_values(student, request, rng, function, case):
    z = _inputs(rng)
    want = expected(request, "out", lambda R: getattr(R.activations, function)(z))
    got = student.call(f"{MODULE}.{function}", z)
    expect_array(got, want, f"{function}(z)", dtype=np.float64, context=_hint_context(function, z))


@CASES
@pytest.mark.parametrize("function", ["leaky_relu", "leaky_relu_grad"])
def test_leaky_relu_alpha(student, request, rng, function, case):
    """The slope alpha is the argument's, not the default's (alpha drawn from the case's seed)."""
    z = _inputs(rng)
    alpha = float(np.round(rng.uniform(0.1, 0.4), 3))
    want = expected(request, "out", lambda R: getattr(R.activations, function)(z, alpha))
    got = student.call(f"{MODULE}.{function}", z, alpha)
    default = expected(request, "default", lambda R: getattr(R.activations, function)(z))
    expect_array(got, want, f"{function}(z, alpha={alpha})", dtype=np.float64,
                 context={"inputs": [z], "alternatives": {"alpha_ignored": default}})


@pytest.mark.parametrize("function", ELEMENTWISE)
@PROPERTY
def test_float32(student, request, rng, function):
    z = _inputs(rng, np.float32)
    want = expected(request, "out",
                    lambda R: getattr(R.activations, function)(z.astype(np.float64)))
    got = student.call(f"{MODULE}.{function}", z)
    expect_array(got, want, f"{function}(z) for float32 z", dtype=np.float32)


def _extremes(rng):
    """Inputs up to |z| = 1e4: fixed extremes and random large ones, in a random order."""
    fixed = np.array([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4, 1e4 - 1, 3.0, -1e4, 0.5, 700.0])
    drawn = rng.uniform(60, 1e4, size=12) * rng.choice([-1.0, 1.0], size=12)
    return rng.permutation(np.concatenate([fixed, drawn])).reshape(3, 8)


@pytest.mark.parametrize("function", STABLE)
def test_stable(student, request, rng, function):
    z = _extremes(rng)
    want = expected(request, "out", lambda R: getattr(R.activations, function)(z))
    result = student.call(f"{MODULE}.{function}", z, return_args=True)
    got = result.unwrap()
    expect_array(got, want, f"{function}(z) with |z| up to 1e4", dtype=np.float64,
                 context={"inputs": [z]})
    overflow = [w for w in result.warnings if "overflow" in w or "invalid" in w or "divide" in w]
    if overflow:
        raise CheckFailed(f"{function} gives the right values but NumPy warned: {overflow[0]}",
                          hint=hints.diagnose(got, want, {"warnings": overflow}))


@pytest.mark.parametrize("function", ELEMENTWISE)
@PROPERTY
def test_input_unchanged(student, request, rng, function):
    """z is left as it was, and the value returned is right (leaving z alone is not enough)."""
    z = _inputs(rng)
    want = expected(request, "out", lambda R: getattr(R.activations, function)(z.copy()))
    result = student.call(f"{MODULE}.{function}", z, return_args=True)
    got = result.unwrap()
    expect_unchanged(z, result.args_after[0], "z")
    expect_array(got, want, f"{function}(z)", dtype=np.float64)


@CASES
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh", "linear"])
def test_neuron_batch(student, request, rng, activation, case):
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal(3), float(rng.standard_normal())
    want = expected(request, "out", lambda R: R.activations.neuron(x, w, b, activation))
    got = student.call(f"{MODULE}.neuron", x, w, b, activation=activation)
    without_bias = expected(request, "without_bias",
                            lambda R: R.activations.neuron(x, w, 0.0, activation))
    expect_array(got, want, f"neuron(x, w, b, {activation!r}) for x of shape (5, 3)",
                 context={"inputs": [x, w], "alternatives": {"bias_missing": without_bias}})


def test_neuron_single_example(student, request, rng):
    x, w, b = rng.standard_normal(3), rng.standard_normal(3), 0.25
    want = expected(request, "out", lambda R: R.activations.neuron(x, w, b, "tanh"))
    got = as_float(student.call(f"{MODULE}.neuron", x, w, b, activation="tanh"),
                   "neuron(x, w, b) for x of shape (D,)")
    if not np.isclose(got, want, rtol=1e-6, atol=1e-9):
        raise CheckFailed(f"neuron for one example is {got:.6g}, expected {want:.6g}")


def test_neuron_unknown_activation(student, request, rng):
    """ValueError for an unknown activation, from a neuron that computes the known ones.

    A neuron that raises for every activation (or returns nonsense for the
    known ones) earns nothing here: it is checked on "relu" first.
    """
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal(3), 0.5
    want = expected(request, "relu", lambda R: R.activations.neuron(x, w, b, "relu"))
    expect_array(student.call(f"{MODULE}.neuron", x, w, b, activation="relu"), want,
                 "neuron(x, w, b, 'relu') (checked before the unknown activation)")
    try:
        student.call(f"{MODULE}.neuron", np.ones((2, 3)), np.ones(3), 0.0, activation="swish")
    except StudentError as error:  # the student's exception, reported by the worker as data
        if error.type == "ValueError":
            return
        if error.not_implemented or error.import_error:
            raise
        raise CheckFailed(f"an unknown activation should raise ValueError, got {error}") from None
    raise CheckFailed("neuron(..., activation='swish') should raise ValueError but returned")
