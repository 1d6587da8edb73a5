"""Assignment 8: convolution by im2col, max pooling, the modules of a CNN (conv.py); the cnn task.

im2col is checked against the layout SPEC.md fixes (rows (n, i, j), columns
(c, di, dj)), written out entry by entry on this side; col2im against the
reference and as the adjoint of the student's own im2col (the inner-product
identity, on hidden shapes); conv_forward against the reference and against the
definition of a convolution computed here by loops; every output of a backward
on its own, against the reference and a numerical gradient of the student's
own forward. The modules are built in the worker and reached by handle (their
weights set through `params`). A convolution must be vectorised: its CPU time
in the worker on a realistic batch is compared with the reference's, run the
same way (conv_vectorised loses only its own points).
"""

import time

import numpy as np
import pytest

from ..compare import CheckFailed, as_array, as_tuple, expect_array, expect_unchanged
from ..course import COURSE
from ..plugin import grader_of
from ..sandbox import wire
from ..sandbox.client import Program, Session
from ..tasks.runs import check_task_history, judge_task, task_table
from .support import (
    CASES,
    PROPERTY,
    check_signature,
    expected,
    forward_output,
    numerical_gradient_of,
)

MODULE = "conv"
FUNCTIONS = ["im2col", "col2im", "conv_forward", "conv_backward", "maxpool_forward",
             "maxpool_backward", "Conv2d", "MaxPool2d", "Flatten"]
GRADIENTS = ["dx", "dw", "db"]
# (N, C, H, W, kh, kw, stride, pad): square and not, strided, padded, sizes that floor.
GEOMETRIES = {
    "plain": (2, 3, 5, 5, 3, 3, 1, 0),
    "stride_pad": (2, 2, 7, 6, 3, 3, 2, 1),
    "non_square": (1, 3, 6, 8, 2, 4, 1, 1),
    "floor": (2, 1, 8, 7, 3, 2, 3, 2),
}
SPEED_REPEATS = 10  # forward + backward pairs per timing
SPEED_SHAPES = ((64, 1, 28, 28), (8, 1, 5, 5), 1, 2)  # x, w, stride, pad: a CNN's first layer


@pytest.mark.parametrize("function", FUNCTIONS)
def test_signature(student, request, function):
    check_signature(student, request, MODULE, function)


# ---------------------------------------------------------------- trusted definitions


def size_of(size, kernel, stride, pad):
    return (size + 2 * pad - kernel) // stride + 1


def padded(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def layout_im2col(x, kh, kw, stride, pad, columns="c,di,dj"):
    """SPEC's im2col written out entry by entry (small inputs only); columns may be reordered."""
    N, C, H, W = x.shape
    OH, OW = size_of(H, kh, stride, pad), size_of(W, kw, stride, pad)
    xp = padded(x, pad)
    cols = np.zeros((N * OH * OW, C * kh * kw), dtype=x.dtype)
    for n, i, j in np.ndindex(N, OH, OW):
        for c, di, dj in np.ndindex(C, kh, kw):
            column = {"c,di,dj": (c * kh + di) * kw + dj,
                      "di,dj,c": (di * kw + dj) * C + c}[columns]
            cols[(n * OH + i) * OW + j, column] = xp[n, c, i * stride + di, j * stride + dj]
    return cols


def overwriting_col2im(cols, x_shape, kh, kw, stride, pad):
    """The mistake: each kernel offset's slice WRITTEN over the last (the last offset wins)."""
    N, C, H, W = x_shape
    OH, OW = size_of(H, kh, stride, pad), size_of(W, kw, stride, pad)
    patches = cols.reshape(N, OH, OW, C, kh, kw)
    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for di in range(kh):
        for dj in range(kw):
            xp[:, :, di:di + stride * OH:stride, dj:dj + stride * OW:stride] = \
                patches[..., di, dj].transpose(0, 3, 1, 2)
    return xp[:, :, pad:pad + H, pad:pad + W]


def direct_conv(x, w, b, stride, pad):
    """The definition: out[n, f, i, j] = b[f] + sum w[f, c, di, dj] xp[n, c, i s + di, j s + dj]."""
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    OH, OW = size_of(H, HH, stride, pad), size_of(W, WW, stride, pad)
    xp = padded(x, pad)
    out = np.zeros((N, F, OH, OW))
    for n, f, i, j in np.ndindex(N, F, OH, OW):
        window = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
        out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def direct_maxpool_backward(x, dout, size, stride, rule="first"):
    """Each window's gradient to its first maximum ("first"), last ("last") or all ("every")."""
    N, C, H, W = x.shape
    OH, OW = size_of(H, size, stride, 0), size_of(W, size, stride, 0)
    dx = np.zeros_like(x, dtype=np.float64)
    for n, c, i, j in np.ndindex(N, C, OH, OW):
        window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
        if rule == "every":
            dx[n, c, i * stride:i * stride + size, j * stride:j * stride + size] += dout[n, c, i, j]
            continue
        flat = window.reshape(-1)
        k = int(np.argmax(flat)) if rule == "first" else flat.size - 1 - int(np.argmax(flat[::-1]))
        di, dj = divmod(k, size)
        dx[n, c, i * stride + di, j * stride + dj] += dout[n, c, i, j]
    return dx


def _geometry_inputs(rng, geometry):
    N, C, H, W, kh, kw, stride, pad = GEOMETRIES[geometry]
    return rng.standard_normal((N, C, H, W)), kh, kw, stride, pad


def _shape_mistakes(x_shape, kh, kw, stride, pad, F=None):
    """Shapes a mistake would give (cols for im2col, out for a convolution): hint facts."""
    N, C, H, W = x_shape
    rows_unstrided = N * size_of(H, kh, 1, pad) * size_of(W, kw, 1, pad)
    all_padded_rows = (N + 2 * pad) * size_of(H, kh, stride, pad) * size_of(W, kw, stride, pad)
    if F is None:
        return {"unstrided_shapes": [(rows_unstrided, C * kh * kw)],
                "wrong_pad_shapes": [(all_padded_rows, (C + 2 * pad) * kh * kw),
                                     (N * size_of(H, kh, stride, 0) * size_of(W, kw, stride, 0),
                                      C * kh * kw)] if pad else []}
    return {"unstrided_shapes": [(N, F, size_of(H, kh, 1, pad), size_of(W, kw, 1, pad))],
            "wrong_pad_shapes": [(N, F, size_of(H, kh, stride, 0), size_of(W, kw, stride, 0))]
            if pad else []}


# ---------------------------------------------------------------- im2col, col2im


@CASES
@pytest.mark.parametrize("geometry", list(GEOMETRIES))
def test_im2col(student, request, rng, geometry, case):
    """The SPEC's layout, entry by entry: rows (n, i, j), columns (c, di, dj)."""
    x, kh, kw, stride, pad = _geometry_inputs(rng, geometry)
    want = layout_im2col(x, kh, kw, stride, pad)
    got = student.call(f"{MODULE}.im2col", x, kh, kw, stride, pad)
    context = dict(_shape_mistakes(x.shape, kh, kw, stride, pad),
                   alternatives={"channels_spatial_swapped":
                                 layout_im2col(x, kh, kw, stride, pad, columns="di,dj,c")})
    expect_array(got, want, f"im2col(x of shape {x.shape}, kh={kh}, kw={kw}, stride={stride}, "
                 f"pad={pad})", dtype=np.float64, context=context)


@CASES
def test_im2col_output_size(student, request, rng, case):
    """OH = (H + 2 pad - kh) // stride + 1, floored as PyTorch floors it: shapes and values."""
    for H, W, kh, kw, stride, pad in ((9, 10, 3, 4, 2, 0), (11, 7, 5, 2, 3, 1), (6, 6, 6, 6, 1, 0),
                                      (7, 8, 2, 3, 4, 2)):
        x = rng.standard_normal((2, 1, H, W))
        got = student.call(f"{MODULE}.im2col", x, kh, kw, stride, pad)
        expect_array(got, layout_im2col(x, kh, kw, stride, pad),
                     f"im2col(x of shape {x.shape}, kh={kh}, kw={kw}, stride={stride}, pad={pad}) "
                     "(OH = (H + 2 pad - kh) // stride + 1, and likewise OW)", dtype=np.float64,
                     context=_shape_mistakes(x.shape, kh, kw, stride, pad))


@PROPERTY
def test_im2col_dtype(student, request, rng):
    """float32 in, float32 out; the input left unchanged."""
    x = rng.standard_normal((2, 2, 5, 6)).astype(np.float32)
    result = student.call(f"{MODULE}.im2col", x, 3, 2, 1, 1, return_args=True)
    expect_array(result.unwrap(), layout_im2col(x, 3, 2, 1, 1), "im2col of float32 images",
                 dtype=np.float32)
    expect_unchanged(x, result.args_after[0], "x")


@CASES
@pytest.mark.parametrize("geometry", list(GEOMETRIES))
def test_col2im(student, request, rng, geometry, case):
    """Against the reference: every column entry ADDED back to the pixel it came from."""
    x, kh, kw, stride, pad = _geometry_inputs(rng, geometry)
    rows = x.shape[0] * size_of(x.shape[2], kh, stride, pad) * size_of(x.shape[3], kw, stride, pad)
    cols = rng.standard_normal((rows, x.shape[1] * kh * kw))
    want = expected(request, "x", lambda R: R.conv.col2im(cols, x.shape, kh, kw, stride, pad))
    got = student.call(f"{MODULE}.col2im", cols, x.shape, kh, kw, stride, pad)
    mistakes = {"col2im_overwrites": overwriting_col2im(cols, x.shape, kh, kw, stride, pad)}
    expect_array(got, want, f"col2im(cols, x_shape={x.shape}, kh={kh}, kw={kw}, stride={stride}, "
                 f"pad={pad})", dtype=np.float64, context={"alternatives": mistakes})


@CASES
def test_col2im_adjoint(student, request, rng, case):
    """sum(im2col(a) * c) == sum(a * col2im(c)) for the student's own pair, on drawn shapes."""
    for _ in range(3):
        N, C = int(rng.integers(1, 3)), int(rng.integers(1, 4))
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        H, W = int(rng.integers(kh, kh + 6)), int(rng.integers(kw, kw + 6))
        a = rng.standard_normal((N, C, H, W))
        cols = expect_array(student.call(f"{MODULE}.im2col", a, kh, kw, stride, pad),
                            layout_im2col(a, kh, kw, stride, pad), "im2col (the identity is "
                            "checked against a right im2col)", dtype=np.float64)
        c = rng.standard_normal(cols.shape)
        back = as_array(student.call(f"{MODULE}.col2im", c, a.shape, kh, kw, stride, pad),
                        "col2im")
        if back.shape != a.shape:
            raise CheckFailed(f"col2im(..., x_shape={a.shape}) has shape {back.shape}")
        left, right = float(np.sum(cols * c)), float(np.sum(a * back))
        if not np.isclose(left, right, rtol=1e-8, atol=1e-8):
            raise CheckFailed(f"col2im is not the adjoint of im2col for x of shape {a.shape}, "
                              f"kh={kh}, kw={kw}, stride={stride}, pad={pad}: sum(im2col(a) * c) "
                              f"= {left:.8g} but sum(a * col2im(c)) = {right:.8g} (each pixel "
                              "must get the SUM of the column entries copied from it)")


# ---------------------------------------------------------------- convolution


def _conv_inputs(rng, geometry="stride_pad", F=3, dtype=np.float64):
    x, kh, kw, stride, pad = _geometry_inputs(rng, geometry)
    w = rng.standard_normal((F, x.shape[1], kh, kw))
    b = rng.standard_normal(F)
    OH, OW = size_of(x.shape[2], kh, stride, pad), size_of(x.shape[3], kw, stride, pad)
    dout = rng.standard_normal((x.shape[0], F, OH, OW))
    return [a.astype(dtype) for a in (x, w, b, dout)], stride, pad


def _conv_mistakes(x, w, b, stride, pad):
    flipped = direct_conv(x, w[:, :, ::-1, ::-1], b, stride, pad)
    return dict(_shape_mistakes(x.shape, w.shape[2], w.shape[3], stride, pad, F=w.shape[0]),
                alternatives={"kernel_flipped": flipped})


@CASES
@pytest.mark.parametrize("geometry", list(GEOMETRIES))
def test_conv_forward(student, request, rng, geometry, case):
    (x, w, b, _), stride, pad = _conv_inputs(rng, geometry)
    want = expected(request, "out", lambda R: R.conv.conv_forward(x, w, b, stride, pad)[0])
    got = student.call(f"{MODULE}.conv_forward", x, w, b, stride, pad, keep_index=1)
    expect_array(forward_output(got, "conv_forward"), want, "out of conv_forward",
                 dtype=np.float64, context=_conv_mistakes(x, w, b, stride, pad))


@CASES
def test_conv_forward_direct(student, request, rng, case):
    """Against the definition of a convolution (a cross-correlation), computed here by loops."""
    for geometry in GEOMETRIES:
        (x, w, b, _), stride, pad = _conv_inputs(rng, geometry, F=2)
        got = student.call(f"{MODULE}.conv_forward", x, w, b, stride, pad, keep_index=1)
        expect_array(forward_output(got, "conv_forward"), direct_conv(x, w, b, stride, pad),
                     f"out of conv_forward ({geometry}: stride {stride}, pad {pad})",
                     dtype=np.float64, context=_conv_mistakes(x, w, b, stride, pad))


@PROPERTY
def test_conv_forward_dtype(student, request, rng):
    """float32 in, float32 out: out, dx, dw and db."""
    (x, w, b, dout), stride, pad = _conv_inputs(rng, dtype=np.float32)
    wide = [a.astype(np.float64) for a in (x, w, b, dout)]
    out, cache = as_tuple(student.call(f"{MODULE}.conv_forward", x, w, b, stride, pad,
                                       keep_index=1), 2, "conv_forward")
    expect_array(out, direct_conv(*wide[:3], stride, pad), "out of conv_forward for float32",
                 dtype=np.float32)
    grads = as_tuple(student.call(f"{MODULE}.conv_backward", dout, cache), 3, "conv_backward")
    want = expected(request, "grads", lambda R: R.conv.conv_backward(
        wide[3], R.conv.conv_forward(*wide[:3], stride, pad)[1]))
    for name, value, right in zip(GRADIENTS, grads, want):
        expect_array(value, right, f"{name} of conv_backward for float32", dtype=np.float32)


@PROPERTY
def test_conv_inputs_unchanged(student, request, rng):
    """x, w, b and dout left as they were (the results right too)."""
    (x, w, b, dout), stride, pad = _conv_inputs(rng)
    result = student.call(f"{MODULE}.conv_forward", x, w, b, stride, pad, keep_index=1,
                          return_args=True)
    out, cache = as_tuple(result.unwrap(), 2, "conv_forward")
    expect_array(out, direct_conv(x, w, b, stride, pad), "out of conv_forward", dtype=np.float64)
    for name, before, after in zip(("x", "w", "b"), (x, w, b), result.args_after):
        expect_unchanged(before, after, name)
    result = student.call(f"{MODULE}.conv_backward", dout, cache, return_args=True)
    result.unwrap()
    expect_unchanged(dout, result.args_after[0], "dout")


@CASES
@pytest.mark.parametrize("gradient", GRADIENTS)
def test_conv_backward(student, request, rng, gradient, case):
    (x, w, b, dout), stride, pad = _conv_inputs(rng)
    want = expected(request, "grads", lambda R: R.conv.conv_backward(
        dout, R.conv.conv_forward(x, w, b, stride, pad)[1]))
    _, cache = as_tuple(student.call(f"{MODULE}.conv_forward", x, w, b, stride, pad,
                                     keep_index=1), 2, "conv_forward")
    got = as_tuple(student.call(f"{MODULE}.conv_backward", dout, cache), 3, "conv_backward")
    index = GRADIENTS.index(gradient)
    context = {"N": x.shape[0], "gradient": gradient}
    if gradient == "db":
        context["db_wrong_shapes"] = [dout.sum(axis=axes).shape
                                      for axes in ((0,), (2, 3), (1, 2, 3), (0, 1))]
        context["alternatives"] = {"db_wrong_axes": dout.sum(axis=(0, 2, 3)) / x.shape[0]}
    expect_array(got[index], want[index], f"{gradient} of conv_backward", dtype=np.float64,
                 context=context)


@pytest.mark.parametrize("gradient", GRADIENTS)
def test_conv_numerical_gradient(student, request, rng, gradient):
    """The backward agrees with centred differences of the student's own, right, forward."""
    (x, w, b, dout), stride, pad = _conv_inputs(rng, "non_square", F=2)
    index = GRADIENTS.index(gradient)
    out, cache = as_tuple(student.call(f"{MODULE}.conv_forward", x, w, b, stride, pad,
                                       keep_index=1), 2, "conv_forward")
    try:
        expect_array(out, direct_conv(x, w, b, stride, pad), "out of conv_forward",
                     dtype=np.float64)
    except CheckFailed as failure:
        raise CheckFailed("the backward cannot be credited because the forward is wrong: "
                          + failure.message, hint=failure.hint) from None
    numeric = numerical_gradient_of(student, f"{MODULE}.conv_forward", (x, w, b, stride, pad),
                                    index, dout, output=0)
    got = as_tuple(student.call(f"{MODULE}.conv_backward", dout, cache), 3, "conv_backward")
    expect_array(got[index], numeric, f"{gradient} of conv_backward against a numerical "
                 "gradient of your conv_forward", dtype=np.float64, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- max pooling

POOLS = {"2x2": (2, 2), "overlapping_3_stride_2": (3, 2), "floor_2_stride_3": (2, 3)}


def _pool_inputs(rng, size, stride):
    x = rng.standard_normal((2, 3, 7, 8))
    OH, OW = size_of(7, size, stride, 0), size_of(8, size, stride, 0)
    return x, rng.standard_normal((2, 3, OH, OW))


@CASES
@pytest.mark.parametrize("pool", list(POOLS))
def test_maxpool_forward(student, request, rng, pool, case):
    size, stride = POOLS[pool]
    x, _ = _pool_inputs(rng, size, stride)
    want = expected(request, "out", lambda R: R.conv.maxpool_forward(x, size, stride)[0])
    got = student.call(f"{MODULE}.maxpool_forward", x, size, stride, keep_index=1)
    expect_array(forward_output(got, "maxpool_forward"), want,
                 f"out of maxpool_forward(size={size}, stride={stride})", dtype=np.float64,
                 context={"unstrided_shapes": [(2, 3, size_of(7, size, 1, 0),
                                                size_of(8, size, 1, 0))]})


@CASES
@pytest.mark.parametrize("pool", list(POOLS))
def test_maxpool_backward(student, request, rng, pool, case):
    """Each window's gradient to its maximum only; overlapping windows add."""
    size, stride = POOLS[pool]
    x, dout = _pool_inputs(rng, size, stride)
    want = expected(request, "dx", lambda R: R.conv.maxpool_backward(
        dout, R.conv.maxpool_forward(x, size, stride)[1]))
    _, cache = as_tuple(student.call(f"{MODULE}.maxpool_forward", x, size, stride,
                                     keep_index=1), 2, "maxpool_forward")
    got = student.call(f"{MODULE}.maxpool_backward", dout, cache)
    mistakes = {"maxpool_grad_to_every_entry": direct_maxpool_backward(x, dout, size, stride,
                                                                       "every")}
    if size > stride:
        mistakes["maxpool_overlap_overwrites"] = _overwritten_pool(x, dout, size, stride)
    expect_array(got, want, f"dx of maxpool_backward(size={size}, stride={stride})",
                 dtype=np.float64, context={"alternatives": mistakes})


def _overwritten_pool(x, dout, size, stride):
    """Overlapping windows writing (not adding) their gradient: the last window wins."""
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for n, c, i, j in np.ndindex(N, C, size_of(H, size, stride, 0), size_of(W, size, stride, 0)):
        window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
        di, dj = divmod(int(np.argmax(window)), size)
        dx[n, c, i * stride + di, j * stride + dj] = dout[n, c, i, j]
    return dx


def test_maxpool_numerical_gradient(student, request, rng):
    """Overlapping windows (3, stride 2) against centred differences of the student's forward."""
    x, dout = _pool_inputs(rng, 3, 2)
    want = expected(request, "out", lambda R: R.conv.maxpool_forward(x, 3, 2)[0])
    out, cache = as_tuple(student.call(f"{MODULE}.maxpool_forward", x, 3, 2, keep_index=1), 2,
                          "maxpool_forward")
    try:
        expect_array(out, want, "out of maxpool_forward", dtype=np.float64)
    except CheckFailed as failure:
        raise CheckFailed("the backward cannot be credited because the forward is wrong: "
                          + failure.message, hint=failure.hint) from None
    numeric = numerical_gradient_of(student, f"{MODULE}.maxpool_forward", (x, 3, 2), 0, dout,
                                    output=0)
    expect_array(student.call(f"{MODULE}.maxpool_backward", dout, cache), numeric,
                 "dx of maxpool_backward against a numerical gradient of your maxpool_forward",
                 dtype=np.float64, rtol=1e-5, atol=1e-7)


def test_maxpool_ties(student, request, rng):
    """On ties the gradient goes to the FIRST maximum in row-major order, once; dtype kept."""
    x = rng.integers(0, 2, (2, 2, 6, 6)).astype(np.float32)  # many ties
    dout = rng.standard_normal((2, 2, 3, 3)).astype(np.float32)
    _, cache = as_tuple(student.call(f"{MODULE}.maxpool_forward", x, 2, 2, keep_index=1), 2,
                        "maxpool_forward")
    got = student.call(f"{MODULE}.maxpool_backward", dout, cache)
    mistakes = {"maxpool_last_max": direct_maxpool_backward(x, dout, 2, 2, "last"),
                "maxpool_grad_to_every_entry": direct_maxpool_backward(x, dout, 2, 2, "every")}
    expect_array(got, direct_maxpool_backward(x, dout, 2, 2, "first"),
                 "dx of maxpool_backward on windows with tied maxima", dtype=np.float32,
                 context={"alternatives": mistakes})


# ---------------------------------------------------------------- modules


def _new(student, name, *args, **kwargs):
    """A module built in the worker: its handle."""
    module = "conv" if name in ("Conv2d", "MaxPool2d", "Flatten") else "modules"
    return student.call(f"{module}.{name}", *args, keep=True, **kwargs)


def _set_params(student, module, values):
    params = student.getattr(module, "params", keep=True)
    for name, value in values.items():
        student.setitem(params, name, value)


def _grads(student, module, names, what):
    grads = student.getattr(module, "grads")
    if not isinstance(grads, dict) or set(map(str, grads)) != set(names):
        shown = sorted(map(str, grads)) if isinstance(grads, dict) else type(grads).__name__
        raise CheckFailed(f"{what}.grads has the keys {shown}, expected {sorted(names)}")
    return grads


@CASES
def test_Conv2d(student, request, rng, case):
    """Weights set through params; forward by conv_forward, backward writes grads w and b."""
    x = rng.standard_normal((2, 3, 7, 6))
    values = {"w": rng.standard_normal((4, 3, 3, 3)), "b": rng.standard_normal(4)}
    dout = rng.standard_normal((2, 4, 4, 3))
    want = expected(request, "conv", lambda R: (
        R.conv.conv_forward(x, values["w"], values["b"], 2, 1)[0],
        R.conv.conv_backward(dout, R.conv.conv_forward(x, values["w"], values["b"], 2, 1)[1])))
    layer = _new(student, "Conv2d", 3, 4, 3, stride=2, pad=1, rng=wire.Rng(0))
    _set_params(student, layer, values)
    out = as_array(student.method(layer, "forward", x), "what Conv2d's forward returned")
    expect_array(out, want[0], "Conv2d(3, 4, 3, stride=2, pad=1)'s forward with w and b set "
                 "through params", dtype=np.float64)
    dx = as_array(student.method(layer, "backward", dout), "what Conv2d's backward returned")
    expect_array(dx, want[1][0], "what Conv2d's backward returned (dx)", dtype=np.float64)
    grads = _grads(student, layer, ["w", "b"], "Conv2d")
    expect_array(grads["w"], want[1][1], 'Conv2d.grads["w"] after backward', dtype=np.float64)
    expect_array(grads["b"], want[1][2], 'Conv2d.grads["b"] after backward', dtype=np.float64)


def test_Conv2d_params(student, request, rng):
    """params "w" (F, C, k, k) with the SPEC's inits, "b" zeros; dtype; the rng followed."""
    layer = _new(student, "Conv2d", 6, 50, 5, rng=wire.Rng(1))
    params = student.getattr(layer, "params")
    if not isinstance(params, dict) or set(map(str, params)) != {"w", "b"}:
        raise CheckFailed("Conv2d.params should have the keys 'w' and 'b'")
    w, b = as_array(params["w"], 'params["w"]'), as_array(params["b"], 'params["b"]')
    if w.shape != (50, 6, 5, 5) or b.shape != (50,) or np.any(b != 0):
        raise CheckFailed(f"Conv2d(6, 50, 5) has w {w.shape} and b {b.shape}; expected "
                          "(50, 6, 5, 5) = (F, C, k, k) and (50,) zeros")
    if w.dtype != np.float64:
        raise CheckFailed(f"Conv2d's parameters are float64 by default, w is {w.dtype}")
    for init, want in (("he", np.sqrt(2 / 150)), ("xavier", np.sqrt(2 / (150 + 1250))),
                       ("small", 0.01)):
        drawn = _new(student, "Conv2d", 6, 50, 5, init=init, rng=wire.Rng(2))
        std = float(as_array(student.getattr(drawn, "params")["w"], "w").std())
        if abs(std - want) > 0.04 * want:  # 7,500 draws: 4% is about 5 standard errors
            raise CheckFailed(f'Conv2d(6, 50, 5, init="{init}") has w with std {std:.4g}, '
                              f"expected {want:.4g}")
    small = _new(student, "Conv2d", 1, 2, 3, rng=wire.Rng(3), dtype=wire.DType("float32"))
    for name, value in student.getattr(small, "params").items():
        if as_array(value, name).dtype != np.float32:
            raise CheckFailed(f"Conv2d(1, 2, 3, dtype=np.float32) has {name} of dtype "
                              f"{as_array(value, name).dtype}")
    same = [as_array(student.getattr(_new(student, "Conv2d", 1, 2, 3, rng=wire.Rng(seed)),
                                     "params")["w"], "w") for seed in (4, 4, 5)]
    if not np.array_equal(same[0], same[1]) or np.array_equal(same[0], same[2]):
        raise CheckFailed("Conv2d's weights do not follow its rng argument")


def test_MaxPool2d_Flatten(student, request, rng):
    """MaxPool2d by maxpool_forward/backward; Flatten (N, ...) -> (N, -1) and back; no params."""
    x = rng.standard_normal((2, 3, 7, 8))
    dout = rng.standard_normal((2, 3, 3, 3))
    want = expected(request, "pool", lambda R: (
        R.conv.maxpool_forward(x, 3, 2)[0],
        R.conv.maxpool_backward(dout, R.conv.maxpool_forward(x, 3, 2)[1])))
    pool = _new(student, "MaxPool2d", 3, 2)
    expect_array(student.method(pool, "forward", x), want[0], "MaxPool2d(3, 2)'s forward",
                 dtype=np.float64)
    expect_array(student.method(pool, "backward", dout), want[1], "MaxPool2d(3, 2)'s backward",
                 dtype=np.float64)
    flatten = _new(student, "Flatten")
    expect_array(student.method(flatten, "forward", x), x.reshape(2, -1), "Flatten's forward",
                 dtype=np.float64)
    flat = rng.standard_normal((2, 3 * 7 * 8))
    expect_array(student.method(flatten, "backward", flat), flat.reshape(x.shape),
                 "Flatten's backward", dtype=np.float64)
    for name, module in (("MaxPool2d", pool), ("Flatten", flatten)):
        params = student.getattr(module, "params")
        if params:
            raise CheckFailed(f"{name}.params should be empty, has {sorted(map(str, params))}")


def test_cnn_Sequential(student, request, rng):
    """Conv2d -> MaxPool2d -> ReLU -> Flatten -> Linear in the student's Sequential."""
    x = rng.standard_normal((3, 1, 8, 8))
    conv = {"w": rng.standard_normal((2, 1, 3, 3)), "b": rng.standard_normal(2)}
    linear = {"W": rng.standard_normal((18, 4)), "b": rng.standard_normal(4)}
    dout = rng.standard_normal((3, 4))

    def reference(R):
        h1, c1 = R.conv.conv_forward(x, conv["w"], conv["b"], 1, 0)
        h2, c2 = R.conv.maxpool_forward(h1, 2, 2)
        h3, c3 = R.layers.relu_forward(h2)
        out, c4 = R.layers.linear_forward(h3.reshape(3, -1), linear["W"], linear["b"])
        d3, dW, db = R.layers.linear_backward(dout, c4)
        dw = R.conv.conv_backward(R.conv.maxpool_backward(R.layers.relu_backward(
            d3.reshape(h3.shape), c3), c2), c1)
        return out, dw, dW, db

    want_out, want_conv, want_dW, want_db = expected(request, "cnn", reference)
    layers = [_new(student, "Conv2d", 1, 2, 3, rng=wire.Rng(0)), _new(student, "MaxPool2d", 2, 2),
              _new(student, "ReLU"), _new(student, "Flatten"),
              _new(student, "Linear", 18, 4, rng=wire.Rng(1))]
    _set_params(student, layers[0], conv)
    _set_params(student, layers[4], linear)
    model = student.call("modules.Sequential", *layers, keep=True)
    expect_array(student.method(model, "forward", x), want_out, "the CNN's forward",
                 dtype=np.float64)
    expect_array(student.method(model, "backward", dout), want_conv[0], "the CNN's dx",
                 dtype=np.float64)
    grads = student.getattr(model, "grads")
    if not isinstance(grads, dict) or sorted(map(str, grads)) != ["0.b", "0.w", "4.W", "4.b"]:
        raise CheckFailed("the Sequential's grads should have the keys 0.w, 0.b, 4.W, 4.b")
    for key, want in (("0.w", want_conv[1]), ("0.b", want_conv[2]), ("4.W", want_dW),
                      ("4.b", want_db)):
        expect_array(grads[key], want, f'the CNN\'s grads["{key}"]', dtype=np.float64)


# ---------------------------------------------------------------- vectorised


def _conv_programs(x, w, b, dout, stride, pad, repeats):
    """{"forward": repeats conv_forward calls, "backward": one forward, repeats backwards}."""
    forward = Program()
    for _ in range(repeats):
        forward.call(f"{MODULE}.conv_forward", x, w, b, stride, pad)
    backward = Program()
    cache = backward.getitem(backward.call(f"{MODULE}.conv_forward", x, w, b, stride, pad), 1)
    for _ in range(repeats):
        backward.call(f"{MODULE}.conv_backward", dout, cache)
    return {"forward": forward, "backward": backward}


def worker_seconds(session, program, timeout, runs=2):
    """CPU seconds of the worker running `program` (read from /proc on this side), best of runs."""
    session.run(Program(), timeout=timeout)  # the worker is up and its imports are paid
    best = None
    for _ in range(runs):
        clock = session.cpu_clock()
        results = session.run(program, timeout=timeout)
        seconds = clock.used(final=True)
        for result in results.values():
            result.unwrap()
        best = seconds if best is None else min(best, seconds)
    return best


def _speed_inputs():
    rng = np.random.default_rng(0)
    x_shape, w_shape, stride, pad = SPEED_SHAPES
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(w_shape[0]).astype(np.float32)
    OH, OW = (size_of(x_shape[2], w_shape[2], stride, pad),
              size_of(x_shape[3], w_shape[3], stride, pad))
    dout = rng.standard_normal((x_shape[0], w_shape[0], OH, OW)).astype(np.float32)
    return x, w, b, dout, stride, pad


def reference_seconds(plugin, programs, limits):
    """The reference's CPU seconds for the same programs in a worker of its own, best of 2."""
    from ..oracle import KIT_ROOT  # noqa: PLC0415

    with Session(KIT_ROOT / "reference", limits=limits, budget_seconds=120,
                 slot=plugin.slot) as reference:
        return {part: worker_seconds(reference, program, 60) for part, program in programs.items()}


def trusted_seconds(x, w, b, dout, stride, pad, repeats):
    """Without the reference (the student bundle): a vectorised convolution timed here."""
    F, C, HH, WW = w.shape
    seconds = {"forward": 0.0, "backward": 0.0}
    for _ in range(repeats):
        start = time.process_time()
        N, _, H, W = x.shape
        OH, OW = size_of(H, HH, stride, pad), size_of(W, WW, stride, pad)
        xp = padded(x, pad)
        view = np.lib.stride_tricks.sliding_window_view(xp, (HH, WW), axis=(2, 3))
        view = view[:, :, ::stride, ::stride][:, :, :OH, :OW]
        cols = view.transpose(0, 2, 3, 1, 4, 5).reshape(N * OH * OW, -1)
        out = cols @ w.reshape(F, -1).T + b
        middle = time.process_time()
        seconds["forward"] += middle - start
        drows = dout.transpose(0, 2, 3, 1).reshape(-1, F)
        dcols = drows @ w.reshape(F, -1)
        _ = cols.T @ drows, drows.sum(axis=0), out
        patches = dcols.reshape(N, OH, OW, C, HH, WW)
        dxp = np.zeros(xp.shape, dtype=x.dtype)
        for di in range(HH):
            for dj in range(WW):
                dxp[:, :, di:di + stride * OH:stride, dj:dj + stride * OW:stride] += \
                    patches[:, :, :, :, di, dj].transpose(0, 3, 1, 2)
        seconds["backward"] += time.process_time() - middle
    return seconds


def test_conv_vectorised(student, request):
    """conv_forward, then conv_backward, on a CNN's first layer and a batch of 64 digits: each
    within speed_factor times the reference's CPU time in a worker, run the same way."""
    plugin = grader_of(request.config)
    factor = float(task_table(plugin.rubric, "cnn")["speed_factor"])
    x, w, b, dout, stride, pad = _speed_inputs()
    programs = _conv_programs(x, w, b, dout, stride, pad, SPEED_REPEATS)
    # Right values first: a fast wrong convolution earns nothing here.
    out = forward_output(student.call(f"{MODULE}.conv_forward", x, w, b, stride, pad,
                                      keep_index=1), "conv_forward")
    expect_array(out, direct_conv_fast(x, w, b, stride, pad), "out of conv_forward on the timed "
                 "batch", dtype=np.float32)
    limits = plugin.rubric.limits_for("a8")
    if plugin.oracle.has_reference:
        baseline, against = reference_seconds(plugin, programs, limits), "the reference's"
    else:
        baseline = trusted_seconds(x, w, b, dout, stride, pad, SPEED_REPEATS)
        against = "a vectorised convolution's (timed by the grader)"
    timing, slow = {}, []
    for part, program in programs.items():
        base = max(baseline[part], 0.05)  # the clock's resolution: 1/100 s ticks
        seconds = worker_seconds(student, program, timeout=max(60.0, 4 * factor * base))
        timing.update({f"{part}_seconds": seconds, f"{part}_baseline_seconds": base})
        if seconds > factor * base:
            slow.append(f"{SPEED_REPEATS} conv_{part} calls took {seconds:.2f} CPU seconds "
                        f"where {against} take {base:.2f} s and {factor:g} times that "
                        f"({factor * base:.2f} s) passes")
    # The seconds go to results.json's extra_data (they vary run to run); the message only
    # says what passed, so that grading twice gives the same feedback.
    request.node.user_properties.append(("timing", timing))
    request.node.user_properties.append((
        "summary", f"{SPEED_REPEATS} calls each of conv_forward and conv_backward on x "
        f"{x.shape}, w {w.shape} within {factor:g} times {against} CPU time"))
    if slow:
        raise CheckFailed(
            "; ".join(slow) + f" (x of shape {x.shape}, w of shape {w.shape}). A loop over the "
            "output positions (or the examples) in im2col, col2im or the convolution costs "
            "this: loop over the kh * kw kernel offsets only, each one a strided slice of the "
            "whole batch, and let one matrix product do the rest. Only this check's points "
            "are lost.")


def direct_conv_fast(x, w, b, stride, pad):
    """The definition, vectorised by sliding windows (trusted side; for the timed batch)."""
    F, _, HH, WW = w.shape
    N, _, H, W = x.shape
    OH, OW = size_of(H, HH, stride, pad), size_of(W, WW, stride, pad)
    view = np.lib.stride_tricks.sliding_window_view(padded(x, pad).astype(np.float64),
                                                    (HH, WW), axis=(2, 3))
    view = view[:, :, ::stride, ::stride][:, :, :OH, :OW]  # (N, C, OH, OW, HH, WW)
    return np.einsum("ncijkl,fckl->nfij", view, w.astype(np.float64)) + b[None, :, None, None]


# ---------------------------------------------------------------- the cnn task

TASKS = COURSE["a8"].tasks


@pytest.mark.parametrize("task", TASKS)
def test_task_accuracy(request, task):
    """The student's build_cnn, trained by their fit, on the grader's MNIST (see tasks/cnn.py)."""
    judge_task(request, task)


@pytest.mark.parametrize("task", TASKS)
def test_task_history(request, task):
    """fit's history: the SPEC's form and values of this run."""
    check_task_history(request, task)
