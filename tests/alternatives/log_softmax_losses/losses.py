"""Losses through log_softmax, indexing instead of one-hot (an alternative correct submission).

Integer labels pick their log-probability with take_along_axis and the
gradient subtracts 1 at the label (no one-hot matrix); soft targets take the
general formula. BCE uses the other stable form, logaddexp, and MSE np.square.
"""

import numpy as np

from .activations import log_softmax, sigmoid


def softmax_cross_entropy(logits, y):
    N = logits.shape[0]
    log_probs = log_softmax(logits)
    dlogits = np.exp(log_probs)
    if y.ndim == 1:
        picked = np.take_along_axis(log_probs, y[:, None], axis=1)
        loss = -picked.sum() / N
        dlogits[np.arange(N), y] -= 1
    else:
        loss = -np.sum(y * log_probs) / N
        dlogits = dlogits - y.astype(logits.dtype)
    dlogits /= N
    return float(loss), dlogits


def mse_loss(pred, target):
    diff = pred - target
    loss = np.square(diff).sum() / diff.size
    return float(loss), (diff * (2.0 / diff.size)).astype(pred.dtype)


def binary_cross_entropy(logits, y):
    # -[y log s + (1 - y) log(1 - s)] = log(1 + e^z) - y z, and log(1 + e^z) = logaddexp(0, z).
    per_element = np.logaddexp(0, logits) - y * logits
    return float(per_element.mean()), ((sigmoid(logits) - y) / logits.size).astype(logits.dtype)
