"""Activations computed in float64 whatever the input, cast back to its dtype.

An alternative correct submission: float32 in gives float32 out, as the SPEC
asks, although the arithmetic in between is float64.
"""

import numpy as np


def _as64(z):
    z = np.asarray(z)
    return z.astype(np.float64), z.dtype


def neuron(x, w, b, activation="sigmoid"):
    functions = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "linear": lambda z: z}
    if activation not in functions:
        raise ValueError(f"unknown activation {activation!r}")
    out = functions[activation](np.asarray(x @ w + b))
    return float(out) if np.ndim(x) == 1 else out


def sigmoid(z):
    z64, dtype = _as64(z)
    out = np.empty_like(z64)
    positive = z64 >= 0
    out[positive] = 1 / (1 + np.exp(-z64[positive]))
    e = np.exp(z64[~positive])
    out[~positive] = e / (1 + e)
    return out.astype(dtype)


def sigmoid_grad(z):
    s = sigmoid(_as64(z)[0])
    return (s * (1 - s)).astype(np.asarray(z).dtype)


def relu(z):
    z64, dtype = _as64(z)
    return np.where(z64 > 0, z64, 0.0).astype(dtype)


def relu_grad(z):
    z64, dtype = _as64(z)
    return np.where(z64 > 0, 1.0, 0.0).astype(dtype)


def leaky_relu(z, alpha=0.01):
    z64, dtype = _as64(z)
    return np.where(z64 > 0, z64, alpha * z64).astype(dtype)


def leaky_relu_grad(z, alpha=0.01):
    z64, dtype = _as64(z)
    return np.where(z64 > 0, 1.0, alpha).astype(dtype)


def tanh(z):
    z64, dtype = _as64(z)
    return np.tanh(z64).astype(dtype)


def tanh_grad(z):
    z64, dtype = _as64(z)
    return (1 / np.cosh(np.clip(z64, -350, 350)) ** 2).astype(dtype)  # cosh(710) overflows


def softmax(z):
    z64, dtype = _as64(z)
    e = np.exp(z64 - z64.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(dtype)


def log_softmax(z):
    z64, dtype = _as64(z)
    shifted = z64 - z64.max(axis=-1, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))).astype(dtype)
