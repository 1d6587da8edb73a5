"""Activations by other, equivalent formulas (an alternative correct submission).

sigmoid through tanh, softmax through log-sum-exp, leaky ReLU as a maximum,
derivatives factored differently: the same values to rounding, all stable.
"""

import numpy as np


def neuron(x, w, b, activation="sigmoid"):
    if activation == "sigmoid":
        function = sigmoid
    elif activation == "relu":
        function = relu
    elif activation == "tanh":
        function = tanh
    elif activation == "linear":
        function = np.asarray
    else:
        raise ValueError(f"unknown activation {activation!r}")
    out = function(np.dot(x, w) + b)
    return float(out) if np.ndim(x) == 1 else out


def sigmoid(z):
    # sigmoid(z) = (1 + tanh(z / 2)) / 2: tanh never overflows.
    z = np.asarray(z)
    return 0.5 * (1 + np.tanh(0.5 * z))


def sigmoid_grad(z):
    # e / (1 + e)**2 with e = exp(-|z|): symmetric in z, and e <= 1.
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return e / ((1 + e) * (1 + e))


def relu(z):
    z = np.asarray(z)
    return z * (z > 0)


def relu_grad(z):
    z = np.asarray(z)
    return np.heaviside(z, 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    z = np.asarray(z)
    return np.maximum(z, alpha * z)  # alpha < 1: the larger of the two is the right branch


def leaky_relu_grad(z, alpha=0.01):
    z = np.asarray(z)
    return (alpha + (1 - alpha) * (z > 0)).astype(z.dtype)


def tanh(z):
    z = np.asarray(z)
    return 2 * sigmoid(2 * z) - 1


def tanh_grad(z):
    t = np.tanh(z)
    return (1 - t) * (1 + t)


def _logsumexp(z):
    m = np.max(z, axis=-1, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def softmax(z):
    return np.exp(z - _logsumexp(z))


def log_softmax(z):
    return z - _logsumexp(z)
