"""Assignment 9, the functions and modules of rnn.py: one RNN step, BPTT, clipping, RNN modules.

Each output of rnn_step_backward and of rnn_backward is scored on its own, against
the reference and against a numerical gradient of the student's own forward (the
forward's cache stays in the worker). The hidden cases draw their sizes and their
number of steps T from the hidden seed. The mistakes the hints name (the gradient
between steps not added, dWh from the wrong state, the tanh derivative on the
pre-activation, gradients not summed over time, clipping per array) are computed
here, on the trusted side, by `_bptt` below. The modules are reached through the
worker's object protocol, as assignment 7's are.
"""

import numpy as np
import pytest

from ..compare import CheckFailed, as_array, as_float, as_tuple, expect_array, expect_unchanged
from ..hints import sentence_of
from ..sandbox import wire
from ..sandbox.client import Program
from .support import (
    CASES,
    PROPERTY,
    check_signature,
    expected,
    known_mistakes,
    numerical_gradient_of,
)

FUNCTIONS = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
             "clip_grad_norm", "RNN", "LastTimeStep"]
STEP_GRADIENTS = ["dx", "dh_prev", "dWx", "dWh", "db"]
GRADIENTS = ["dx", "dh0", "dWx", "dWh", "db"]
PUBLIC_SIZES = (3, 4, 5, 6)  # N, T, D, H


def _sizes(rng, case):
    """(N, T, D, H): the public ones, or drawn from the (hidden) seed."""
    if case != "hidden":
        return PUBLIC_SIZES
    return tuple(int(v) for v in (rng.integers(2, 5), rng.integers(3, 8), rng.integers(2, 6),
                                  rng.integers(3, 8)))


def _inputs(rng, N, T, D, H, dtype=np.float64):
    """x (N, T, D), h0 (N, H), Wx, Wh, b and an upstream dh (N, T, H), scaled so that the
    tanh is neither linear nor saturated."""
    x = rng.standard_normal((N, T, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    Wx = rng.standard_normal((D, H)) / np.sqrt(D)
    Wh = rng.standard_normal((H, H)) / np.sqrt(H)
    b = 0.2 * rng.standard_normal(H)
    dh = rng.standard_normal((N, T, H))
    return tuple(a.astype(dtype) for a in (x, h0, Wx, Wh, b, dh))


def _bptt(x, h0, Wx, Wh, b, dh, mistake=None):
    """The forward and BPTT of a vanilla RNN computed here, with one named mistake or none.

    Returns (h, (dx, dh0, dWx, dWh, db)).
    """
    N, T, _ = x.shape
    states, pre = [h0], []
    for t in range(T):
        pre.append(x[:, t] @ Wx + states[-1] @ Wh + b)
        states.append(np.tanh(pre[-1]))
    h = np.stack(states[1:], axis=1)
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    first_dh_prev = None
    for t in reversed(range(T)):
        if mistake == "rnn_backward_dh_not_added":
            upstream = dh[:, t]
        elif mistake == "rnn_backward_upstream_replaced":
            upstream = dh[:, t] if t == T - 1 else dh_next
        else:
            upstream = dh[:, t] + dh_next
        if mistake == "rnn_tanh_derivative_on_preactivation":
            dpre = upstream * (1 - pre[t] ** 2)
        else:
            dpre = upstream * (1 - states[t + 1] ** 2)
        dx[:, t] = dpre @ Wx.T
        dh_next = dpre @ Wh.T
        if first_dh_prev is None:
            first_dh_prev = dh_next
        state = states[t + 1] if mistake == "rnn_dWh_from_h" else states[t]
        step = (x[:, t].T @ dpre, state.T @ dpre, dpre.sum(axis=0))
        if mistake == "rnn_gradients_not_summed":
            dWx, dWh, db = step
        else:
            dWx, dWh, db = dWx + step[0], dWh + step[1], db + step[2]
    dh0 = first_dh_prev if mistake == "rnn_dh0_from_last_step" else dh_next
    return h, (dx, dh0, dWx, dWh, db)


BPTT_MISTAKES = ("rnn_backward_dh_not_added", "rnn_backward_upstream_replaced",
                 "rnn_tanh_derivative_on_preactivation", "rnn_dWh_from_h",
                 "rnn_gradients_not_summed", "rnn_dh0_from_last_step")


def _bptt_mistakes(inputs, index):
    """{mistake: what output `index` of rnn_backward would be} for the hints."""
    return {name: _bptt(*inputs, mistake=name)[1][index] for name in BPTT_MISTAKES}


def _step_mistakes(x, h_prev, Wx, Wh, b, dh, index):
    """{mistake: what output `index` of rnn_step_backward would be}."""
    found = {}
    for name in ("rnn_tanh_derivative_on_preactivation", "rnn_dWh_from_h"):
        grads = _bptt(x[:, None], h_prev, Wx, Wh, b, dh[:, None], mistake=name)[1]
        found[name] = (grads[0][:, 0], grads[1], grads[2], grads[3], grads[4])[index]
    return found


@pytest.mark.parametrize("function", FUNCTIONS)
def test_signature(student, request, function):
    check_signature(student, request, "rnn", function)


# ---------------------------------------------------------------- one step


def _reference_step(R, x, h_prev, Wx, Wh, b, dh):
    h, cache = R.rnn.rnn_step_forward(x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), b.copy())
    return h, R.rnn.rnn_step_backward(dh.copy(), cache)


def _step_inputs(rng, case, dtype=np.float64):
    N, _, D, H = _sizes(rng, case)
    x, h0, Wx, Wh, b, dh = _inputs(rng, N, 1, D, H, dtype)
    return x[:, 0], h0, Wx, Wh, b, dh[:, 0]


@CASES
def test_rnn_step_forward(student, request, rng, case):
    """h = tanh(x @ Wx + h_prev @ Wh + b), shape (N, H)."""
    x, h_prev, Wx, Wh, b, dh = _step_inputs(rng, case)
    want, _ = expected(request, "step", lambda R: _reference_step(R, x, h_prev, Wx, Wh, b, dh))
    h, _ = as_tuple(student.call("rnn.rnn_step_forward", x, h_prev, Wx, Wh, b, keep_index=1),
                    2, "rnn_step_forward")
    mistakes = {"rnn_step_without_tanh": x @ Wx + h_prev @ Wh + b,
                "rnn_step_without_h_prev": np.tanh(x @ Wx + b)}
    expect_array(h, want, "h of rnn_step_forward", dtype=np.float64,
                 context=known_mistakes(mistakes))


@CASES
@pytest.mark.parametrize("gradient", STEP_GRADIENTS)
def test_rnn_step_backward(student, request, rng, gradient, case):
    """Each output of rnn_step_backward on its own, after the student's forward."""
    x, h_prev, Wx, Wh, b, dh = _step_inputs(rng, case)
    _, want = expected(request, "step", lambda R: _reference_step(R, x, h_prev, Wx, Wh, b, dh))
    _, cache = as_tuple(student.call("rnn.rnn_step_forward", x, h_prev, Wx, Wh, b,
                                     keep_index=1), 2, "rnn_step_forward")
    got = as_tuple(student.call("rnn.rnn_step_backward", dh, cache), 5, "rnn_step_backward")
    index = STEP_GRADIENTS.index(gradient)
    expect_array(got[index], want[index], f"{gradient} of rnn_step_backward", dtype=np.float64,
                 context={"N": x.shape[0], **known_mistakes(
                     _step_mistakes(x, h_prev, Wx, Wh, b, dh, index))})


@pytest.mark.parametrize("gradient", STEP_GRADIENTS)
def test_rnn_step_numerical_gradient(student, request, rng, gradient):
    """rnn_step_backward against centred differences of the student's own, right, forward."""
    x, h_prev, Wx, Wh, b, dh = _step_inputs(rng, "public")
    want, _ = expected(request, "step", lambda R: _reference_step(R, x, h_prev, Wx, Wh, b, dh))
    h, cache = as_tuple(student.call("rnn.rnn_step_forward", x, h_prev, Wx, Wh, b,
                                     keep_index=1), 2, "rnn_step_forward")
    _expect_right_forward(h, want, "h of rnn_step_forward")
    index = STEP_GRADIENTS.index(gradient)
    numeric = numerical_gradient_of(student, "rnn.rnn_step_forward", (x, h_prev, Wx, Wh, b),
                                    index, dh, output=0)
    got = as_tuple(student.call("rnn.rnn_step_backward", dh, cache), 5, "rnn_step_backward")
    expect_array(got[index], numeric, f"{gradient} of rnn_step_backward against the numerical "
                 "gradient of your rnn_step_forward", rtol=1e-5, atol=1e-7,
                 context=known_mistakes(_step_mistakes(x, h_prev, Wx, Wh, b, dh, index)))


def _expect_right_forward(out, want, name):
    try:
        expect_array(out, want, name, dtype=np.float64)
    except CheckFailed as failure:
        raise CheckFailed("the backward cannot be credited because the forward is wrong: "
                          + failure.message, hint=failure.hint) from None


@PROPERTY
def test_rnn_step_float32(student, request, rng):
    """float32 in, float32 out: h and every gradient of the step."""
    inputs = _step_inputs(rng, "public", np.float32)
    wide = [a.astype(np.float64) for a in inputs]
    want_h, want_grads = expected(request, "step", lambda R: _reference_step(R, *wide))
    h, cache = as_tuple(student.call("rnn.rnn_step_forward", *inputs[:5], keep_index=1), 2,
                        "rnn_step_forward")
    expect_array(h, want_h, "h of rnn_step_forward for float32 inputs", dtype=np.float32)
    got = as_tuple(student.call("rnn.rnn_step_backward", inputs[5], cache), 5,
                   "rnn_step_backward")
    for name, value, want in zip(STEP_GRADIENTS, got, want_grads):
        expect_array(value, want, f"{name} of rnn_step_backward for float32 inputs",
                     dtype=np.float32)


# ---------------------------------------------------------------- whole sequences


def _reference_sequence(R, x, h0, Wx, Wh, b, dh):
    h, cache = R.rnn.rnn_forward(x.copy(), h0.copy(), Wx.copy(), Wh.copy(), b.copy())
    return h, R.rnn.rnn_backward(dh.copy(), cache)


def _sequence_inputs(rng, case, dtype=np.float64):
    return _inputs(rng, *_sizes(rng, case), dtype=dtype)


def _student_forward(student, x, h0, Wx, Wh, b):
    return as_tuple(student.call("rnn.rnn_forward", x, h0, Wx, Wh, b, keep_index=1), 2,
                    "rnn_forward")


@CASES
def test_rnn_forward(student, request, rng, case):
    """Every hidden state (N, T, H): the steps unrolled from h0 (hidden T and sizes)."""
    inputs = _sequence_inputs(rng, case)
    x, h0, Wx, Wh, b, _ = inputs
    want, _ = expected(request, "sequence", lambda R: _reference_sequence(R, *inputs))
    h, _ = _student_forward(student, x, h0, Wx, Wh, b)
    from_h0 = np.tanh(x @ Wx + (h0 @ Wh)[:, None] + b)
    zeros = _bptt(x, np.zeros_like(h0), Wx, Wh, b, inputs[5])[0]
    mistakes = {"rnn_forward_every_step_from_h0": from_h0, "rnn_forward_h0_ignored": zeros}
    expect_array(h, want, f"h of rnn_forward (N, T, H) = {x.shape[:2] + h0.shape[1:]}",
                 dtype=np.float64, context=known_mistakes(mistakes))


def test_rnn_forward_one_step(student, request, rng):
    """T = 1: rnn_forward is rnn_step_forward, and rnn_backward is rnn_step_backward."""
    x, h0, Wx, Wh, b, dh = _inputs(rng, 3, 1, 4, 5)
    want_h, want_grads = expected(request, "step", lambda R: _reference_step(
        R, x[:, 0], h0, Wx, Wh, b, dh[:, 0]))
    h, cache = _student_forward(student, x, h0, Wx, Wh, b)
    expect_array(h, want_h[:, None], "h of rnn_forward for T = 1", dtype=np.float64)
    got = as_tuple(student.call("rnn.rnn_backward", dh, cache), 5, "rnn_backward")
    for name, value, want in zip(GRADIENTS, got, want_grads):
        if name == "dx":
            want = want[:, None]
        expect_array(value, want, f"{name} of rnn_backward for T = 1 (one step)",
                     dtype=np.float64)


@CASES
@pytest.mark.parametrize("gradient", GRADIENTS)
def test_rnn_backward(student, request, rng, gradient, case):
    """Each output of rnn_backward on its own (hidden T and sizes)."""
    inputs = _sequence_inputs(rng, case)
    x, h0, Wx, Wh, b, dh = inputs
    _, want = expected(request, "sequence", lambda R: _reference_sequence(R, *inputs))
    _, cache = _student_forward(student, x, h0, Wx, Wh, b)
    got = as_tuple(student.call("rnn.rnn_backward", dh, cache), 5, "rnn_backward")
    index = GRADIENTS.index(gradient)
    expect_array(got[index], want[index], f"{gradient} of rnn_backward (T = {x.shape[1]})",
                 dtype=np.float64, context={"N": x.shape[0],
                                            **known_mistakes(_bptt_mistakes(inputs, index))})


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_rnn_backward_numerical_gradient(student, request, rng, gradient):
    """rnn_backward against centred differences of the student's own, right, rnn_forward."""
    inputs = _inputs(rng, 2, 4, 3, 4)
    x, h0, Wx, Wh, b, dh = inputs
    want, _ = expected(request, "sequence", lambda R: _reference_sequence(R, *inputs))
    h, cache = _student_forward(student, x, h0, Wx, Wh, b)
    _expect_right_forward(h, want, "h of rnn_forward")
    index = GRADIENTS.index(gradient)
    numeric = numerical_gradient_of(student, "rnn.rnn_forward", (x, h0, Wx, Wh, b), index, dh,
                                    output=0)
    got = as_tuple(student.call("rnn.rnn_backward", dh, cache), 5, "rnn_backward")
    expect_array(got[index], numeric, f"{gradient} of rnn_backward against the numerical "
                 "gradient of your rnn_forward", rtol=1e-5, atol=1e-7,
                 context=known_mistakes(_bptt_mistakes(inputs, index)))


def test_rnn_backward_last_step_only(student, request, rng):
    """A gradient at the last state only (what LastTimeStep sends) reaches every step."""
    x, h0, Wx, Wh, b, dh = _inputs(rng, 3, 6, 2, 4)
    dh[:, :-1] = 0
    inputs = (x, h0, Wx, Wh, b, dh)
    _, want = expected(request, "sequence", lambda R: _reference_sequence(R, *inputs))
    _, cache = _student_forward(student, x, h0, Wx, Wh, b)
    got = as_tuple(student.call("rnn.rnn_backward", dh, cache), 5, "rnn_backward")
    for index, name in enumerate(GRADIENTS):
        expect_array(got[index], want[index], f"{name} of rnn_backward when only the last "
                     "state has an upstream gradient", dtype=np.float64,
                     context=known_mistakes(_bptt_mistakes(inputs, index)))


@PROPERTY
def test_rnn_inputs_unchanged(student, request, rng):
    """rnn_forward and rnn_backward leave x, h0, Wx, Wh, b and dh as they were."""
    inputs = _inputs(rng, 3, 5, 3, 4)
    x, h0, Wx, Wh, b, dh = inputs
    want_h, want = expected(request, "sequence", lambda R: _reference_sequence(R, *inputs))
    result = student.call("rnn.rnn_forward", x, h0, Wx, Wh, b, keep_index=1, return_args=True)
    h, cache = as_tuple(result.unwrap(), 2, "rnn_forward")
    expect_array(h, want_h, "h of rnn_forward", dtype=np.float64)
    for name, before, after in zip(("x", "h0", "Wx", "Wh", "b"), inputs, result.args_after):
        expect_unchanged(before, after, name)
    result = student.call("rnn.rnn_backward", dh, cache, return_args=True)
    grads = as_tuple(result.unwrap(), 5, "rnn_backward")
    expect_array(grads[3], want[3], "dWh of rnn_backward", dtype=np.float64)
    expect_unchanged(dh, result.args_after[0], "dh")


@PROPERTY
def test_rnn_float32(student, request, rng):
    """float32 in, float32 out: h and every gradient of rnn_backward."""
    inputs = _inputs(rng, 3, 4, 3, 5, np.float32)
    wide = [a.astype(np.float64) for a in inputs]
    want_h, want = expected(request, "sequence", lambda R: _reference_sequence(R, *wide))
    h, cache = _student_forward(student, *inputs[:5])
    expect_array(h, want_h, "h of rnn_forward for float32 inputs", dtype=np.float32)
    got = as_tuple(student.call("rnn.rnn_backward", inputs[5], cache), 5, "rnn_backward")
    for name, value, want_value in zip(GRADIENTS, got, want):
        expect_array(value, want_value, f"{name} of rnn_backward for float32 inputs",
                     dtype=np.float32)


# ---------------------------------------------------------------- clip_grad_norm


def _grads(rng, scale):
    return {"Wx": scale * rng.standard_normal((3, 4)), "Wh": scale * rng.standard_normal((4, 4)),
            "b": scale * rng.standard_normal(4)}


def _total(grads):
    return float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))


def _clip_call(student, grads, max_norm):
    result = student.call("rnn.clip_grad_norm", grads, max_norm, return_args=True)
    clipped, total = as_tuple(result.unwrap(), 2, "clip_grad_norm")
    if not isinstance(clipped, dict) or sorted(map(str, clipped)) != sorted(grads):
        raise CheckFailed(f"clip_grad_norm should return (a dict with the keys {sorted(grads)}, "
                          f"the total norm), returned {type(clipped).__name__} first")
    return clipped, total, result.args_after[0]


@pytest.mark.parametrize("where", ["above", "below"])
def test_clip_grad_norm(student, request, rng, where):
    """Above max_norm: every array times max_norm / (total + 1e-6); below: as they were.
    The total returned is the norm before clipping, over every entry of every array."""
    grads = _grads(rng, 1.0)
    total = _total(grads)
    max_norm = 0.25 * total if where == "above" else 2 * total
    want_clipped, want_total = expected(request, "clip", lambda R: R.rnn.clip_grad_norm(
        {k: v.copy() for k, v in grads.items()}, max_norm))
    clipped, got_total, _ = _clip_call(student, grads, max_norm)
    per_array = {k: v * min(1.0, max_norm / (np.linalg.norm(v) + 1e-6))
                 for k, v in grads.items()}
    for key in grads:
        expect_array(clipped[key], want_clipped[key], f'clip_grad_norm(...)["{key}"] with the '
                     f"total norm {where} max_norm", dtype=np.float64,
                     context=known_mistakes({"clip_per_array": per_array[key]}))
    got_total = as_float(got_total, "the total clip_grad_norm returned")
    if not np.isclose(got_total, want_total, rtol=1e-9):
        clipped_total = _total({k: as_array(v, k) for k, v in clipped.items()})
        after = np.isclose(got_total, clipped_total, rtol=1e-9)
        raise CheckFailed(f"clip_grad_norm returned the total {got_total:.6g}; the norm of all "
                          f"the gradients together before clipping is {want_total:.6g}"
                          + (": this is the norm AFTER clipping" if after else ""))


def test_clip_grad_norm_float32(student, request, rng):
    """float32 arrays stay float32 (scaled or not)."""
    grads = {k: v.astype(np.float32) for k, v in _grads(rng, 3.0).items()}
    want_clipped, _ = expected(request, "clip", lambda R: R.rnn.clip_grad_norm(
        {k: v.astype(np.float64) for k, v in grads.items()}, 1.0))
    clipped, _, _ = _clip_call(student, grads, 1.0)
    for key in grads:
        expect_array(clipped[key], want_clipped[key], f'clip_grad_norm(...)["{key}"] for '
                     "float32 gradients", dtype=np.float32)


@PROPERTY
def test_clip_grad_norm_inputs_unchanged(student, request, rng):
    """The arrays given are not scaled in place (the results right too)."""
    grads = _grads(rng, 2.0)
    want_clipped, _ = expected(request, "clip", lambda R: R.rnn.clip_grad_norm(
        {k: v.copy() for k, v in grads.items()}, 0.5))
    clipped, _, after = _clip_call(student, grads, 0.5)
    for key in grads:
        expect_array(clipped[key], want_clipped[key], f'clip_grad_norm(...)["{key}"]',
                     dtype=np.float64)
        expect_unchanged(grads[key], after[key], f'grads["{key}"]')


# ---------------------------------------------------------------- modules


def _new(student, name, *args, **kwargs):
    return student.call(f"rnn.{name}", *args, keep=True, **kwargs)


def _set_params(student, module, values):
    params = student.getattr(module, "params", keep=True)
    for name, value in values.items():
        student.setitem(params, name, value)


@CASES
def test_RNN(student, request, rng, case):
    """Weights set through params; forward from h0 = 0 by rnn_forward; backward writes grads."""
    N, T, D, H = _sizes(rng, case)
    x, _, Wx, Wh, b, dh = _inputs(rng, N, T, D, H)
    h0 = np.zeros((N, H))
    want_h, want = expected(request, "sequence", lambda R: _reference_sequence(
        R, x, h0, Wx, Wh, b, dh))
    layer = _new(student, "RNN", D, H, rng=wire.Rng(0))
    _set_params(student, layer, {"Wx": Wx, "Wh": Wh, "b": b})
    out = student.method(layer, "forward", x)
    expect_array(out, want_h, "RNN's forward (every hidden state, from h0 = 0)",
                 dtype=np.float64)
    dx = student.method(layer, "backward", dh)
    expect_array(dx, want[0], "what RNN's backward returned (dx)", dtype=np.float64)
    grads = student.getattr(layer, "grads")
    if not isinstance(grads, dict) or sorted(map(str, grads)) != ["Wh", "Wx", "b"]:
        raise CheckFailed("RNN.grads should have the keys of params: Wx, Wh, b")
    for name, index in (("Wx", 2), ("Wh", 3), ("b", 4)):
        expect_array(grads[name], want[index], f'RNN.grads["{name}"] after backward',
                     dtype=np.float64, context=known_mistakes(
                         {k: v[index] for k, v in _mistakes_of(x, h0, Wx, Wh, b, dh).items()}))


def _mistakes_of(x, h0, Wx, Wh, b, dh):
    return {name: _bptt(x, h0, Wx, Wh, b, dh, mistake=name)[1] for name in BPTT_MISTAKES}


def test_RNN_params(student, request, rng):
    """Wx (D, H), Wh (H, H) uniform in [-1/sqrt(H), 1/sqrt(H)], b zeros; dtype; rng used."""
    layer = _new(student, "RNN", 30, 100, rng=wire.Rng(1))
    params = student.getattr(layer, "params")
    if not isinstance(params, dict) or sorted(map(str, params)) != ["Wh", "Wx", "b"]:
        raise CheckFailed("RNN.params should have the keys Wx, Wh and b")
    shapes = {"Wx": (30, 100), "Wh": (100, 100), "b": (100,)}
    bound = 1 / np.sqrt(100)
    for name, shape in shapes.items():
        value = as_array(params[name], f'params["{name}"]')
        if value.shape != shape or value.dtype != np.float64:
            raise CheckFailed(f'RNN(30, 100).params["{name}"] is {value.dtype} {value.shape}, '
                              f"expected float64 {shape}")
        if name == "b":
            if np.any(value != 0):
                raise CheckFailed("RNN's b starts at zero")
            continue
        if value.min() < -bound or value.max() > bound:
            raise CheckFailed(f"RNN(30, 100)'s {name} has entries outside [-1/sqrt(H), "
                              f"1/sqrt(H)] = [-{bound:g}, {bound:g}]")
        # Uniform on [-a, a]: standard deviation a / sqrt(3); thousands of draws: 5%.
        if abs(value.std() - bound / np.sqrt(3)) > 0.05 * bound / np.sqrt(3):
            raise CheckFailed(f"RNN(30, 100)'s {name} has standard deviation {value.std():.4g}; "
                              f"uniform in [-{bound:g}, {bound:g}] gives "
                              f"{bound / np.sqrt(3):.4g}")
    grads = student.getattr(layer, "grads")
    if not isinstance(grads, dict) or any(np.any(as_array(grads.get(k), k) != 0)
                                          for k in shapes):
        raise CheckFailed("before any backward, RNN.grads should be zeros with the keys of "
                          "params")
    small = _new(student, "RNN", 3, 4, rng=wire.Rng(2), dtype=wire.DType("float32"))
    for name, value in student.getattr(small, "params").items():
        if as_array(value, name).dtype != np.float32:
            raise CheckFailed(f"RNN(3, 4, dtype=np.float32) has {name} of dtype "
                              f"{as_array(value, name).dtype}")
    same = [as_array(student.getattr(_new(student, "RNN", 3, 4, rng=wire.Rng(seed)),
                                     "params")["Wh"], "Wh") for seed in (4, 4, 5)]
    if not np.array_equal(same[0], same[1]) or np.array_equal(same[0], same[2]):
        raise CheckFailed("RNN's weights do not follow its rng argument",
                          hint=sentence_of("rng_ignored"))


def test_LastTimeStep(student, request, rng):
    """(N, T, H) -> (N, H), the last step; backward: dout at the last step, zeros elsewhere."""
    x, dout = rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 4))
    module = _new(student, "LastTimeStep")
    out = student.method(module, "forward", x)
    first = x[:, 0]
    expect_array(out, x[:, -1], "LastTimeStep's forward", dtype=np.float64,
                 context=known_mistakes({"last_step_is_first": first}))
    dx = student.method(module, "backward", dout)
    want = np.zeros_like(x)
    want[:, -1] = dout
    spread = np.repeat(dout[:, None], 5, axis=1)
    expect_array(dx, want, "LastTimeStep's backward", dtype=np.float64,
                 context=known_mistakes({"last_step_gradient_everywhere": spread}))
    params = student.getattr(module, "params")
    if params:
        raise CheckFailed(f"LastTimeStep.params should be empty, has {sorted(map(str, params))}")


# ---------------------------------------------------------------- fit with clip_norm


def _sequence_model(student, D, H, classes):
    """Sequential(RNN(D, H), LastTimeStep(), Linear(H, classes)) in the worker; its layers."""
    program = Program()
    parts = [program.call("rnn.RNN", D, H, rng=wire.Rng(3)), program.call("rnn.LastTimeStep"),
             program.call("modules.Linear", H, classes, rng=wire.Rng(4))]
    program.call("modules.Sequential", *parts, returns=True, keep=True)
    results = student.run(program)
    model = results[max(results)].unwrap()
    layers = student.getattr(model, "layers")
    if not isinstance(layers, list) or len(layers) != 3:
        raise CheckFailed("Sequential(RNN, LastTimeStep, Linear).layers should list its 3 "
                          "modules")
    return model, layers


def _reference_sequence_fit(R, values, X, y, options):
    rng = np.random.default_rng(0)
    D, H = values["Wx"].shape
    model = R.modules.Sequential(R.rnn.RNN(D, H, rng=rng), R.rnn.LastTimeStep(),
                                 R.modules.Linear(H, values["W"].shape[1], rng=rng))
    for name in ("Wx", "Wh", "b_rnn"):
        model.layers[0].params[name.removesuffix("_rnn")] = values[name].copy()
    for name in ("W", "b"):
        model.layers[2].params[name] = values[name].copy()
    history = R.modules.fit(model, X.copy(), y.copy(), rng=np.random.default_rng(0), **options)
    return model.params, history


def test_rnn_fit_clip_norm(student, request, rng):
    """RNN and LastTimeStep in a Sequential, trained by fit with clip_norm: one full batch per
    epoch, so the parameters after 3 epochs are the reference's (clipping active)."""
    N, T, D, H, C = 8, 5, 3, 4, 3
    X = rng.standard_normal((N, T, D))
    y = np.arange(N) % C
    values = {"Wx": rng.standard_normal((D, H)), "Wh": rng.standard_normal((H, H)) * 0.5,
              "b_rnn": 0.1 * rng.standard_normal(H), "W": 2 * rng.standard_normal((H, C)),
              "b": 0.1 * rng.standard_normal(C)}
    options = dict(epochs=3, batch_size=N, optimizer="sgd", optim_config={"learning_rate": 0.5},
                   loss="softmax_cross_entropy", clip_norm=0.1)
    want_params, want_history = expected(request, "fit", lambda R: _reference_sequence_fit(
        R, values, X, y, options))
    model, layers = _sequence_model(student, D, H, C)
    _set_params(student, layers[0], {"Wx": values["Wx"], "Wh": values["Wh"],
                                     "b": values["b_rnn"]})
    _set_params(student, layers[2], {"W": values["W"], "b": values["b"]})
    history = student.call("modules.fit", model, X, y, rng=wire.Rng(0), **options)
    after = student.getattr(model, "params")
    if not isinstance(after, dict):
        raise CheckFailed("the model's params should be a dict")
    for key, want in want_params.items():
        expect_array(after.get(key), want, f'params["{key}"] after 3 full-batch epochs of fit '
                     "with clip_norm=0.1", dtype=np.float64, rtol=1e-6, atol=1e-9)
    norms = history.get("grad_norm") if isinstance(history, dict) else None
    if not isinstance(norms, dict) or "0.Wh" not in norms:
        raise CheckFailed('fit\'s history["grad_norm"] should have an entry "0.Wh" for the '
                          "RNN's Wh")
    expect_array(np.asarray(norms["0.Wh"], dtype=float), np.asarray(want_history["grad_norm"]
                                                                    ["0.Wh"]),
                 'history["grad_norm"]["0.Wh"] (before clipping)', rtol=1e-6, atol=1e-9)
