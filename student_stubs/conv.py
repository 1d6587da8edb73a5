"""Assignment 8: convolution by im2col, max pooling, and the modules of a small CNN.

Images are (N, C, H, W) (batch, channels, height, width) and filters are
(F, C, HH, WW), as in PyTorch. A "convolution" here is what PyTorch computes:
a cross-correlation, the filter NOT flipped:

    out[n, f, i, j] = b[f] + sum_{c, di, dj} w[f, c, di, dj] * xp[n, c, i*s + di, j*s + dj]

with s the stride and xp the input padded by `pad` zeros on both sides of H and W only (never on
N or C). Output sizes floor as in PyTorch:

    OH = (H + 2 * pad - HH) // stride + 1        OW = (W + 2 * pad - WW) // stride + 1

im2col turns the convolution into ONE matrix product: it copies every receptive
field into a row, so that out = cols @ w.reshape(F, -1).T + b. Its layout is
fixed (the grader checks it):

    rows    ordered (n, i, j)      one per output position, in C order
    columns ordered (c, di, dj)    one per filter weight, in C order

col2im is its adjoint: it sends every column entry back to the pixel it was
copied from, and ADDS (a pixel inside several receptive fields gets the sum).
Every function keeps the floating dtype of its input.
"""

import numpy as np

from .layers import linear_backward, linear_forward
from .modules import Module


def output_size(size, kernel, stride=1, pad=0):
    """The output length of a window sliding over `size` entries, floored as PyTorch does.

    Helper, not an exercise: (size + 2 * pad - kernel) // stride + 1.
    """
    return (size + 2 * pad - kernel) // stride + 1


def im2col(x, kh, kw, stride=1, pad=0):
    """Every receptive field of x as a row of a matrix.

    Args:
        x: images, shape (N, C, H, W).
        kh, kw: the kernel's height and width.
        stride: step between two windows, in both directions.
        pad: zeros added on both sides of H and W (not of N or C).

    Returns:
        cols: shape (N * OH * OW, C * kh * kw), dtype of x, with
            cols[(n * OH + i) * OW + j, (c * kh + di) * kw + dj]
                = xp[n, c, i * stride + di, j * stride + dj]
            (rows ordered (n, i, j), columns (c, di, dj), xp the padded x).

    It loops over the kh * kw kernel offsets (each one is a strided slice of
    the whole batch), never over the OH * OW output positions.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def col2im(cols, x_shape, kh, kw, stride=1, pad=0):
    """The adjoint of im2col: every column entry added back to the pixel it came from.

    Args:
        cols: shape (N * OH * OW, C * kh * kw), laid out as im2col lays it out.
        x_shape: (N, C, H, W), the shape of the images im2col was given.
        kh, kw, stride, pad: as for im2col.

    Returns:
        x: shape x_shape, dtype of cols; x[n, c, h, w] is the SUM of every entry
            of cols that im2col(x, ...) copied from x[n, c, h, w] (entries that
            came from the padding are dropped). So for any a and cols,
            sum(im2col(a) * cols) == sum(a * col2im(cols)).
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def conv_forward(x, w, b, stride=1, pad=0):
    """Convolution (a cross-correlation, as in PyTorch) by im2col and one matrix product.

    Args:
        x: images, shape (N, C, H, W).
        w: filters, shape (F, C, HH, WW).
        b: biases, shape (F,).
        stride, pad: as for im2col.

    Returns:
        out: shape (N, F, OH, OW), dtype of x:
            out[n, f, i, j]
                = b[f] + sum_{c, di, dj} w[f, c, di, dj] * xp[n, c, i*stride + di, j*stride + dj].
        cache: what conv_backward needs.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def conv_backward(dout, cache):
    """Backward pass of conv_forward.

    Args:
        dout: upstream gradient, shape (N, F, OH, OW).
        cache: from conv_forward.

    Returns:
        dx: shape (N, C, H, W), by col2im.
        dw: shape (F, C, HH, WW).
        db: shape (F,): dout summed over N, OH and OW (every axis but F).
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def maxpool_forward(x, size=2, stride=2):
    """Max pooling over size x size windows, channel by channel.

    Args:
        x: shape (N, C, H, W).
        size: the window's height and width.
        stride: step between windows (stride < size: windows overlap).

    Returns:
        out: shape (N, C, OH, OW), OH = (H - size) // stride + 1 (no padding), dtype of x.
        cache: what maxpool_backward needs (which entry of each window won).

    Each channel is pooled on its own: im2col of the (N * C, 1, H, W) images gives
    one window a row; the maximum of a row is the output.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def maxpool_backward(dout, cache):
    """Backward pass of maxpool_forward.

    Args:
        dout: upstream gradient, shape (N, C, OH, OW).
        cache: from maxpool_forward.

    Returns:
        dx: shape (N, C, H, W): each window's gradient goes to its maximal entry
            only (the first in row-major order on ties); where windows overlap,
            an entry gets the sum of the gradients of the windows it won.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


class Conv2d(Module):
    """A convolution layer, by conv_forward and conv_backward.

    Args:
        in_channels: C.
        out_channels: F.
        kernel_size: k (square k x k filters).
        stride, pad: as for conv_forward.
        init: "he" draws w from N(0, 2 / (C k k)), "xavier" from N(0, 2 / (C k k + F k k)),
            "small" from N(0, 0.01^2).
        rng: np.random.Generator, or None for a fresh default_rng().
        dtype: of the parameters.

    Attributes:
        params: "w" of shape (F, C, k, k), "b" of shape (F,), zeros.
        grads: "w" and "b", zeros until the first backward.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, pad=0, init="he",
                 rng=None, dtype=np.float64):
        # YOUR CODE HERE
        raise NotImplementedError()

    def forward(self, x):
        """x (N, C, H, W) -> out (N, F, OH, OW), with the weights in params now."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, dout):
        """dout (N, F, OH, OW) -> dx (N, C, H, W); writes grads["w"] and grads["b"]."""
        # YOUR CODE HERE
        raise NotImplementedError()


class MaxPool2d(Module):
    """Max pooling as a module (no params), by maxpool_forward and maxpool_backward."""

    def __init__(self, size=2, stride=2):
        # YOUR CODE HERE
        raise NotImplementedError()

    def forward(self, x):
        """x (N, C, H, W) -> out (N, C, OH, OW)."""
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, dout):
        """dout (N, C, OH, OW) -> dx (N, C, H, W)."""
        # YOUR CODE HERE
        raise NotImplementedError()


class Flatten(Module):
    """(N, ...) -> (N, -1) in C order; backward reshapes the gradient back (no params)."""

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError()

    def backward(self, dout):
        # YOUR CODE HERE
        raise NotImplementedError()
