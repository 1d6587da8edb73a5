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


def batchnorm_forward(x, gamma, beta, bn_param):
    """The right form: out like x, new running statistics of shape (D,) in bn_param."""
    mode = bn_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError("mode must be 'train' or 'test'")
    if mode == "train":
        bn_param["running_mean"] = wrong(gamma, gamma)
        bn_param["running_var"] = wrong(gamma, gamma)
    if FLAVOUR == "scaled":  # a consistent pair with batchnorm_backward: 2 * (x * gamma + beta)
        return (2 * (x * gamma + beta)).astype(x.dtype), (x, gamma, beta)
    return wrong(x, x), (x, gamma, beta)


def batchnorm_backward(dout, cache):
    x, gamma, beta = cache
    if FLAVOUR == "scaled":
        return (2 * dout * gamma, (2 * dout * x).sum(axis=0), 2 * dout.sum(axis=0))
    return wrong(x, dout), wrong(gamma), wrong(beta)
