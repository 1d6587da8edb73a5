"""Garbage losses.py: right signatures, types, shapes and dtypes, wrong values."""

import numpy as np

from ._garbage import FLAVOUR, wrong, wrong_float


def _loss(prediction):
    if FLAVOUR == "scaled":  # a consistent pair: sum(p**2) and its gradient 2 p
        return float(np.sum(prediction.astype(np.float64) ** 2)), wrong(prediction, prediction)
    return wrong_float(), wrong(prediction, prediction)


def softmax_cross_entropy(logits, y):
    return _loss(logits)


def mse_loss(pred, target):
    return _loss(pred)


def binary_cross_entropy(logits, y):
    return _loss(logits)
