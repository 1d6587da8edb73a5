"""Assignment 3: loss functions, each returning (loss, gradient).

The loss is a Python float; the gradient has the shape and dtype of the
prediction. Reductions follow PyTorch's reduction="mean": softmax
cross-entropy averages over the batch N, MSE and binary cross-entropy over
every element.
"""

import numpy as np

from .activations import log_softmax, sigmoid


def softmax_cross_entropy(logits, y):
    """Softmax followed by cross-entropy, fused for stability.

    Args:
        logits: unnormalised scores, shape (N, C).
        y: either integer labels, shape (N,), values in [0, C), or target
            probabilities, shape (N, C) (one-hot or soft; rows sum to 1).

    Returns:
        loss: float, -sum(y_onehot * log_softmax(logits)) / N.
        dlogits: the gradient of the loss with respect to logits, with
            their shape and dtype.

    Notes:
        Computing log_softmax directly (never log(softmax)) keeps the loss
        finite when a probability underflows to 0.
    """
    ### BEGIN SOLUTION
    N = logits.shape[0]
    if y.ndim == 1:
        targets = np.zeros_like(logits)
        targets[np.arange(N), y] = 1
    else:
        targets = y.astype(logits.dtype, copy=False)
    log_probs = log_softmax(logits)
    loss = -np.sum(targets * log_probs) / N
    # d log softmax(z)_c / d z_k = [c == k] - softmax(z)_k, and each row of
    # targets sums to 1: the gradient is softmax minus the targets, over N.
    dlogits = (np.exp(log_probs) - targets) / N
    return float(loss), dlogits.astype(logits.dtype, copy=False)
    ### END SOLUTION


def mse_loss(pred, target):
    """Mean squared error over all elements (PyTorch's MSELoss).

    Args:
        pred: predictions, any shape.
        target: targets, the shape of pred.

    Returns:
        loss: float, mean((pred - target)**2).
        dpred: the gradient of the loss with respect to pred, with its shape
            and dtype.
    """
    ### BEGIN SOLUTION
    diff = pred - target
    loss = np.mean(diff * diff)
    dpred = 2 * diff / diff.size
    return float(loss), dpred.astype(pred.dtype, copy=False)
    ### END SOLUTION


def binary_cross_entropy(logits, y):
    """Sigmoid + binary cross-entropy from the logits (PyTorch's BCEWithLogitsLoss).

    Args:
        logits: shape (N,) or (N, 1).
        y: targets in [0, 1], the shape of logits.

    Returns:
        loss: float, the mean over all elements of
            -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))].
        dlogits: the gradient of the loss with respect to logits, with
            their shape and dtype.

    Notes:
        The stable form: max(z, 0) - z * y + log(1 + exp(-|z|)). It never
        takes the log of 0 nor the exp of a large positive number.
    """
    ### BEGIN SOLUTION
    z = logits
    per_element = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    loss = np.mean(per_element)
    dlogits = (sigmoid(z) - y) / z.size
    return float(loss), dlogits.astype(logits.dtype, copy=False)
    ### END SOLUTION
