"""Garbage activations.py: right signatures, types, shapes and dtypes, wrong values."""

import numpy as np

from ._garbage import wrong, wrong_float


def neuron(x, w, b, activation="sigmoid"):
    if activation not in ("sigmoid", "relu", "tanh", "linear"):
        raise ValueError(f"unknown activation {activation!r}")
    x = np.asarray(x)
    if x.ndim == 1:
        return wrong_float()
    return wrong(np.zeros(x.shape[0], dtype=x.dtype), x @ w)


def sigmoid(z):
    return wrong(z, z)


def sigmoid_grad(z):
    return wrong(z, z)


def relu(z):
    return wrong(z, z)


def relu_grad(z):
    return wrong(z, z)


def leaky_relu(z, alpha=0.01):
    return wrong(z, z)


def leaky_relu_grad(z, alpha=0.01):
    return wrong(z, z)


def tanh(z):
    return wrong(z, z)


def tanh_grad(z):
    return wrong(z, z)


def softmax(z):
    return wrong(z, z)


def log_softmax(z):
    return wrong(z, z)
