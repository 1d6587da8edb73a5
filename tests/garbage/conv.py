"""Garbage conv.py: the right functions, classes, keys, shapes and dtypes, wrong values.

Appended to the stubs' conv.py (whose imports bring Module from modules.py).
"""

import numpy as np

from ._garbage import FLAVOUR, wrong


def _size(size, kernel, stride, pad):
    return (size + 2 * pad - kernel) // stride + 1


def im2col(x, kh, kw, stride=1, pad=0):
    N, C, H, W = x.shape
    rows = N * _size(H, kh, stride, pad) * _size(W, kw, stride, pad)
    return wrong(np.zeros((rows, C * kh * kw), dtype=x.dtype))


def col2im(cols, x_shape, kh, kw, stride=1, pad=0):
    return wrong(np.zeros(x_shape, dtype=cols.dtype))


def conv_forward(x, w, b, stride=1, pad=0):
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    out = np.zeros((N, F, _size(H, HH, stride, pad), _size(W, WW, stride, pad)), dtype=x.dtype)
    return wrong(out), (x, w, b)


def conv_backward(dout, cache):
    x, w, b = cache
    if FLAVOUR == "scaled":  # consistent with nothing, but "a gradient": 2 * the inputs
        return 2 * x, 2 * w, 2 * b
    return wrong(x, x), wrong(w, w), wrong(b, b)


def maxpool_forward(x, size=2, stride=2):
    N, C, H, W = x.shape
    out = np.zeros((N, C, _size(H, size, stride, 0), _size(W, size, stride, 0)), dtype=x.dtype)
    return wrong(out), x


def maxpool_backward(dout, cache):
    return wrong(np.zeros(cache.shape, dtype=dout.dtype), cache)


class Conv2d(Module):  # noqa: F821 - the Module the stubs' conv.py imports
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, pad=0, init="he",
                 rng=None, dtype=np.float64):
        super().__init__()
        rng = np.random.default_rng() if rng is None else rng
        shape = (out_channels, in_channels, kernel_size, kernel_size)
        self.params = {"w": wrong(np.zeros(shape, dtype=dtype), rng=rng),
                       "b": np.zeros(out_channels, dtype=dtype)}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self.stride, self.pad = stride, pad

    def forward(self, x):
        out, self.cache = conv_forward(x, self.params["w"], self.params["b"], self.stride,
                                       self.pad)
        return out

    def backward(self, dout):
        dx, self.grads["w"], self.grads["b"] = conv_backward(dout, self.cache)
        return dx


class MaxPool2d(Module):  # noqa: F821
    def __init__(self, size=2, stride=2):
        super().__init__()
        self.size, self.stride = size, stride

    def forward(self, x):
        out, self.cache = maxpool_forward(x, self.size, self.stride)
        return out

    def backward(self, dout):
        return maxpool_backward(dout, self.cache)


class Flatten(Module):  # noqa: F821
    def forward(self, x):
        self.shape = x.shape
        return wrong(np.zeros((x.shape[0], int(np.prod(x.shape[1:]))), dtype=x.dtype))

    def backward(self, dout):
        return wrong(np.zeros(self.shape, dtype=dout.dtype))
