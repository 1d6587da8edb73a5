"""Layers with caches laid out differently (an alternative correct submission).

Dict caches, boolean masks instead of inputs, the input cached where the
reference caches the output (and the reverse), dropout's keep mask drawn with
rng.uniform and kept as booleans beside the scale.
"""

import numpy as np

from .activations import sigmoid


def linear_forward(x, W, b):
    return x @ W + b, {"x": x, "W": W}


def linear_backward(dout, cache):
    x, W = cache["x"], cache["W"]
    return dout @ W.T, x.T @ dout, np.sum(dout, axis=0)


def relu_forward(x):
    positive = x > 0
    return np.where(positive, x, 0).astype(x.dtype), positive


def relu_backward(dout, cache):
    return np.where(cache, dout, 0).astype(dout.dtype)


def sigmoid_forward(x):
    return sigmoid(x), {"input": x}


def sigmoid_backward(dout, cache):
    s = sigmoid(cache["input"])
    return dout * s * (1 - s)


def tanh_forward(x):
    return np.tanh(x), x  # the input; the backward recomputes tanh


def tanh_backward(dout, cache):
    return dout / np.cosh(np.clip(cache, -350, 350)) ** 2


def leaky_relu_forward(x, alpha=0.01):
    slope = np.where(x > 0, 1, alpha).astype(x.dtype)
    return x * slope, slope


def leaky_relu_backward(dout, cache):
    return dout * cache


def dropout_forward(x, p, train=True, rng=None):
    if not (0 <= p < 1):
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not train or p == 0:
        return x.copy(), {"keep": None}
    rng = rng if rng is not None else np.random.default_rng()
    keep = rng.uniform(size=x.shape) < 1 - p
    scale = x.dtype.type(1 / (1 - p))
    return np.where(keep, x * scale, 0).astype(x.dtype), {"keep": keep, "scale": scale}


def dropout_backward(dout, cache):
    if cache["keep"] is None:
        return dout.copy()
    return np.where(cache["keep"], dout * cache["scale"], 0).astype(dout.dtype)
