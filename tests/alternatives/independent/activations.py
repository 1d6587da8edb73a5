# ---- tests/alternatives/independent/activations.py: a different but correct sigmoid
import numpy as np


def sigmoid(z):
    """sigmoid(z) = exp(-log(1 + exp(-z))); np.logaddexp(0, -z) never overflows."""
    z = np.asarray(z)
    return np.exp(-np.logaddexp(0, -z)).astype(z.dtype, copy=False)


def log_softmax(z):
    """z minus the row's log-sum-exp, by NumPy's pairwise-stable logaddexp reduction."""
    z = np.asarray(z)
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
