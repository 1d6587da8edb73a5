"""Garbage layers.py: right signatures, types, shapes and dtypes, wrong values."""

import numpy as np

from ._garbage import FLAVOUR, wrong


def linear_forward(x, W, b):
    out = np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype)
    if FLAVOUR == "scaled":  # a consistent pair with linear_backward: 2 * (x @ W + b)
        return (2 * (x @ W + b)).astype(x.dtype), (x, W, b)
    return wrong(out), (x, W, b)


def linear_backward(dout, cache):
    x, W, b = cache
    if FLAVOUR == "scaled":
        return 2 * dout @ W.T, 2 * x.T @ dout, 2 * dout.sum(axis=0)
    return wrong(x), wrong(W), wrong(b)


def _forward(x):
    return wrong(x, x), x


def _backward(dout, cache):
    return wrong(dout, dout)


relu_forward = sigmoid_forward = tanh_forward = _forward
relu_backward = sigmoid_backward = tanh_backward = leaky_relu_backward = _backward


def leaky_relu_forward(x, alpha=0.01):
    return wrong(x, x), x


def dropout_forward(x, p, train=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    return wrong(x, x, rng=rng), x


def dropout_backward(dout, cache):
    return wrong(dout, dout)
