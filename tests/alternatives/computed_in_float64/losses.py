"""Losses computed in float64 whatever the input, the gradient cast back to its dtype.

An alternative correct submission: the losses are NumPy float64 scalars (the
SPEC accepts them), the gradients keep the prediction's dtype.
"""

import numpy as np


def softmax_cross_entropy(logits, y):
    z = np.asarray(logits, dtype=np.float64)
    N, C = z.shape
    targets = np.eye(C)[y] if np.ndim(y) == 1 else np.asarray(y, dtype=np.float64)
    shifted = z - z.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -(targets * log_probs).sum() / N
    dlogits = (np.exp(log_probs) - targets) / N
    return loss, dlogits.astype(logits.dtype)


def mse_loss(pred, target):
    diff = np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return (diff**2).mean(), (2 / diff.size * diff).astype(pred.dtype)


def binary_cross_entropy(logits, y):
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    loss = (np.logaddexp(0.0, z) - z * y).mean()  # log(1 + e^z) - z y, stable
    probabilities = np.exp(-np.logaddexp(0.0, -z))  # sigmoid(z) = 1 / (1 + e^-z), stable
    return loss, ((probabilities - y) / z.size).astype(logits.dtype)
