"""Assignment 3: losses (losses.py).

A loss returns (loss, gradient); each is scored on its own: the loss (a
float) against the reference, the gradient against the reference and
against a numerical gradient of the student's own loss. Softmax
cross-entropy averages over the batch N; MSE and binary cross-entropy over
every element, so the inputs here are 2-D where that makes a difference.
"""

import numpy as np
import pytest

from ..compare import (
    CheckFailed,
    as_array,
    as_float,
    as_tuple,
    expect_array,
    expect_close_float,
    expect_unchanged,
)
from ..hints import sentence_of
from .support import (
    CASES,
    PROPERTY,
    check_signature,
    expected,
    known_mistakes,
    numerical_gradient_of,
)

MODULE = "losses"
FUNCTIONS = ["softmax_cross_entropy", "mse_loss", "binary_cross_entropy"]
N, C = 6, 4  # batch and classes (or columns of the MSE's targets)
TARGETS = ["labels", "onehot", "soft"]  # the forms of softmax cross-entropy's y
BCE_SHAPES = {"N": (N,), "N1": (N, 1)}
# Inputs a loss's check uses: for softmax cross-entropy the integer labels form.
VARIANT = {"softmax_cross_entropy": "labels", "mse_loss": "2d", "binary_cross_entropy": "N1"}


def _inputs(rng, function, variant, dtype=np.float64):
    """(prediction, target) for a loss; the prediction in `dtype`."""
    if function == "softmax_cross_entropy":
        logits = rng.standard_normal((N, C)) * 2
        labels = rng.integers(0, C, N)
        if variant == "labels":
            target = labels
        elif variant == "onehot":
            target = np.eye(C)[labels]
        else:
            target = rng.dirichlet(np.ones(C), N)  # soft targets: rows sum to 1
        return logits.astype(dtype), target
    if function == "mse_loss":
        return rng.standard_normal((N, C)).astype(dtype), rng.standard_normal((N, C)).astype(dtype)
    shape = BCE_SHAPES[variant]
    logits = rng.standard_normal(shape) * 3
    target = rng.integers(0, 2, shape).astype(np.float64)
    target.flat[0] = 0.3  # a soft target too: BCEWithLogitsLoss accepts any y in [0, 1]
    return logits.astype(dtype), target.astype(dtype)


def _reference(R, function, prediction, target):
    loss, gradient = getattr(R.losses, function)(prediction.copy(), target.copy())
    return float(loss), gradient


def _reduction(function, prediction):
    """Hint context on what the loss averages over: the batch N, or every element (size)."""
    if function == "softmax_cross_entropy":
        return {"N": prediction.shape[0]}
    return {"N": prediction.shape[0], "size": prediction.size}


def _call(student, function, prediction, target, return_args=False):
    result = student.call(f"{MODULE}.{function}", prediction, target, return_args=return_args)
    value = result.unwrap() if return_args else result
    loss, gradient = as_tuple(value, 2, function)
    return (loss, gradient, result) if return_args else (loss, gradient)


def _expect_right_loss(loss, want_loss, function):
    """A gradient checked against the student's own loss earns nothing if that loss is wrong.

    A consistent wrong pair (loss sum(p**2), gradient 2 p) agrees with its own
    numerical gradient; only a right loss makes that agreement worth points.
    """
    try:
        expect_close_float(loss, want_loss, f"the loss of {function}")
    except CheckFailed as failure:
        raise CheckFailed("the gradient cannot be credited because the loss is wrong: "
                          + failure.message, hint=failure.hint) from None


def _softmax(z):
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _softmax_mistakes(logits, target, want_loss, want_dlogits):
    """What the common mistakes of softmax cross-entropy would return."""
    onehot = np.eye(C)[target] if target.ndim == 1 else target
    return {
        "loss": {},  # summed instead of averaged: the generic times_N rule names it
        "dlogits": {
            "dlogits_probabilities_only": (_softmax(logits) / N, "dlogits is softmax(logits) / N: "
                                           "subtract the one-hot (or soft) targets"),
            "dlogits_targets_ignored_argmax": (
                (_softmax(logits) - np.eye(C)[np.argmax(onehot, axis=1)]) / N,
                "dlogits treats the targets as hard labels: with 2-D targets use the target "
                "probabilities themselves, y, not their argmax"),
        },
    }


@pytest.mark.parametrize("function", FUNCTIONS)
def test_signature(student, request, function):
    check_signature(student, request, MODULE, function)


# ---------------------------------------------------------------- softmax cross-entropy


@CASES
@pytest.mark.parametrize("targets", TARGETS)
@pytest.mark.parametrize("output", ["loss", "dlogits"])
def test_softmax_cross_entropy(student, request, rng, output, targets, case):
    """The loss and dlogits, each scored on its own, for every form of the targets."""
    logits, target = _inputs(rng, "softmax_cross_entropy", targets)
    want_loss, want_dlogits = expected(
        request, "out", lambda R: _reference(R, "softmax_cross_entropy", logits, target))
    loss, dlogits = _call(student, "softmax_cross_entropy", logits, target)
    described = {"labels": "integer labels", "onehot": "one-hot targets",
                 "soft": "soft targets"}[targets]
    mistakes = _softmax_mistakes(logits, target, want_loss, want_dlogits)[output]
    context = {"N": N, "inputs": [logits, target], **known_mistakes(mistakes)}
    if output == "loss":
        expect_close_float(loss, want_loss, f"the loss for {described}", context=context)
    else:
        expect_array(dlogits, want_dlogits, f"dlogits for {described}", dtype=np.float64,
                     context=context)


@pytest.mark.parametrize("targets", ["labels", "soft"])
def test_softmax_cross_entropy_numerical_gradient(student, request, rng, targets):
    """dlogits agrees with centred differences of the student's own, right, loss."""
    logits, target = _inputs(rng, "softmax_cross_entropy", targets)
    want_loss, _ = expected(
        request, "out", lambda R: _reference(R, "softmax_cross_entropy", logits, target))
    loss, dlogits = _call(student, "softmax_cross_entropy", logits, target)
    _expect_right_loss(loss, want_loss, "softmax_cross_entropy")
    numeric = numerical_gradient_of(student, f"{MODULE}.softmax_cross_entropy",
                                    (logits, target), 0, 1.0, output=0)
    expect_array(dlogits, numeric, "dlogits against the numerical gradient of your loss",
                 rtol=1e-5, atol=1e-7, context={"N": N})


# ---------------------------------------------------------------- mean squared error


@CASES
@pytest.mark.parametrize("output", ["loss", "dpred"])
def test_mse_loss(student, request, rng, output, case):
    pred, target = _inputs(rng, "mse_loss", "2d")
    want_loss, want_dpred = expected(request, "out",
                                     lambda R: _reference(R, "mse_loss", pred, target))
    loss, dpred = _call(student, "mse_loss", pred, target)
    # Summed, averaged over the rows only, the factor 2 missing: grader/hints/generic.py's
    # rules (times_size, per_row_not_per_element, half) recognise them from N and size.
    context = {"N": N, "size": pred.size, "inputs": [pred, target]}
    if output == "loss":
        expect_close_float(loss, want_loss, "the MSE loss", context=context)
    else:
        expect_array(dpred, want_dpred, "dpred of mse_loss", dtype=np.float64, context=context)


# ---------------------------------------------------------------- binary cross-entropy


@CASES
@pytest.mark.parametrize("shape", list(BCE_SHAPES))
@pytest.mark.parametrize("output", ["loss", "dlogits"])
def test_binary_cross_entropy(student, request, rng, output, shape, case):
    """Logits of shape (N,) and (N, 1): dlogits keeps the shape, the mean is over all elements."""
    logits, target = _inputs(rng, "binary_cross_entropy", shape)
    want_loss, want_dlogits = expected(
        request, "out", lambda R: _reference(R, "binary_cross_entropy", logits, target))
    loss, dlogits = _call(student, "binary_cross_entropy", logits, target)
    shown = f"for logits of shape {logits.shape}"
    probabilities = 1 / (1 + np.exp(-logits))
    mistakes = {
        "loss": {},  # summed instead of averaged: the generic times_size rule names it
        "dlogits": {"bce_grad_of_probability": (
                        (probabilities - target) * probabilities * (1 - probabilities)
                        / logits.size,
                        "dlogits has an extra sigmoid'(z) factor: from the logits, the gradient "
                        "of BCE(sigmoid(z)) is simply (sigmoid(z) - y) / size")},
    }[output]
    context = {"N": N, "size": logits.size, "inputs": [logits, target],
               **known_mistakes(mistakes)}
    if output == "loss":
        expect_close_float(loss, want_loss, f"the BCE loss {shown}", context=context)
    else:
        expect_array(dlogits, want_dlogits, f"dlogits {shown}", dtype=np.float64,
                     context=context)


# ---------------------------------------------------------------- every loss


@pytest.mark.parametrize("function", ["mse_loss", "binary_cross_entropy"])
def test_numerical_gradient(student, request, rng, function):
    """The gradient agrees with centred differences of the student's own, right, loss."""
    prediction, target = _inputs(rng, function, VARIANT[function])
    want_loss, _ = expected(request, "out",
                            lambda R: _reference(R, function, prediction, target))
    loss, gradient = _call(student, function, prediction, target)
    _expect_right_loss(loss, want_loss, function)
    numeric = numerical_gradient_of(student, f"{MODULE}.{function}", (prediction, target), 0,
                                    1.0, output=0)
    expect_array(gradient, numeric, f"the gradient of {function} against the numerical "
                 "gradient of your loss", rtol=1e-5, atol=1e-7,
                 context=_reduction(function, prediction))


@pytest.mark.parametrize("function", ["softmax_cross_entropy", "binary_cross_entropy"])
def test_stable(student, request, rng, function):
    """|logits| up to 1e4: finite, right values, and no overflow / invalid / divide warning."""
    if function == "softmax_cross_entropy":
        fixed = np.array([[1e4, -1e4, 0.0, 5.0],
                          [-1e4, 1e4, 1e4 - 1, 800.0],
                          [-800.0, -1e4, -1e4, -1e4],
                          [50.0, -50.0, 700.0, -700.0]])
        labels = np.array([1, 0, 3, 2])  # the first two rows put their label at -1e4: loss 2e4
        drawn = rng.uniform(60, 1e4, size=(4, 4)) * rng.choice([-1.0, 1.0], size=(4, 4))
        order = rng.permutation(8)
        logits = np.concatenate([fixed, drawn])[order]
        target = np.concatenate([labels, rng.integers(0, 4, size=4)])[order]
    else:
        fixed = np.array([1e4, -1e4, 800.0, -800.0, 50.0, -50.0, 0.0, 1e4])
        drawn = rng.uniform(60, 1e4, size=8) * rng.choice([-1.0, 1.0], size=8)
        order = rng.permutation(16)
        logits = np.concatenate([fixed, drawn])[order][:, None]
        target = np.concatenate([[0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.5, 1.0],
                                 rng.uniform(0, 1, size=8)])[order][:, None]
    want_loss, want_gradient = expected(
        request, "out", lambda R: _reference(R, function, logits, target))
    loss, gradient, result = _call(student, function, logits, target, return_args=True)
    value = as_float(loss, "the loss")
    if not np.isfinite(value):
        raise CheckFailed(f"{function} gives a loss of {value} for |logits| up to 1e4",
                          hint=sentence_of("not_finite"))
    expect_close_float(value, want_loss, f"the loss of {function} for |logits| up to 1e4")
    expect_array(gradient, want_gradient, f"the gradient of {function} for |logits| up to 1e4",
                 dtype=np.float64, context=_reduction(function, logits))
    overflow = [w for w in result.warnings if "overflow" in w or "invalid" in w or "divide" in w]
    if overflow:
        raise CheckFailed(f"{function} gives the right values but NumPy warned: {overflow[0]}",
                          hint=sentence_of("overflow_warning"))


@pytest.mark.parametrize("function", FUNCTIONS)
@PROPERTY
def test_float32(student, request, rng, function):
    """float32 predictions give a float32 gradient (and a float loss) with the right values."""
    prediction, target = _inputs(rng, function, VARIANT[function], np.float32)
    want_loss, want_gradient = expected(
        request, "out",
        lambda R: _reference(R, function, prediction.astype(np.float64),
                             target.astype(np.float64) if target.dtype.kind == "f" else target))
    loss, gradient = _call(student, function, prediction, target)
    expect_close_float(loss, want_loss, f"the loss of {function} for float32 inputs",
                       rtol=1e-4, atol=1e-6)
    array = as_array(gradient, "the gradient")
    if array.dtype != np.float32:
        raise CheckFailed(f"the gradient of {function} is {array.dtype} for float32 inputs; "
                          "keep the input's dtype (float32 in, float32 out)")
    expect_array(array, want_gradient, f"the gradient of {function} for float32 inputs",
                 dtype=np.float32, context=_reduction(function, prediction))


@pytest.mark.parametrize("function", FUNCTIONS)
@PROPERTY
def test_inputs_unchanged(student, request, rng, function):
    """The prediction and the targets are left as they were, and the values returned are right."""
    for variant in (["labels", "onehot"] if function == "softmax_cross_entropy"
                    else [VARIANT[function]]):
        prediction, target = _inputs(rng, function, variant)
        want_loss, want_gradient = expected(
            request, f"out {variant}",
            lambda R, prediction=prediction, target=target: _reference(R, function, prediction,
                                                                      target))
        loss, gradient, result = _call(student, function, prediction, target, return_args=True)
        expect_unchanged(prediction, result.args_after[0], "the prediction (logits)")
        expect_unchanged(target, result.args_after[1], f"the targets ({variant})")
        expect_close_float(loss, want_loss, f"the loss of {function} ({variant})")
        expect_array(gradient, want_gradient, f"the gradient of {function} ({variant})",
                     dtype=np.float64)
