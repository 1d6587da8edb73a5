"""Garbage network.py: right signatures, types, shapes and dtypes, wrong values."""

import numpy as np

from ._garbage import FLAVOUR, wrong


def init_params(layer_sizes, init="he", rng=None, dtype=np.float64):
    if init not in ("he", "xavier", "small"):
        raise ValueError(f"unknown init {init!r}")
    rng = np.random.default_rng() if rng is None else rng
    params = {}
    for i in range(1, len(layer_sizes)):
        shape = (layer_sizes[i - 1], layer_sizes[i])
        # standard normal weights: the right layout, random, the wrong spread
        params[f"W{i}"] = wrong(np.zeros(shape, dtype=dtype), rng.standard_normal(shape), rng)
        params[f"b{i}"] = np.zeros(layer_sizes[i], dtype=dtype)
    return params


def _last_size(params):
    return params[f"b{len(params) // 2}"].shape[0]


def mlp_forward(params, X, activation="relu"):
    dtype = params["W1"].dtype
    scores = np.zeros((X.shape[0], _last_size(params)), dtype=dtype)
    return wrong(scores), (dict(params), X)


def mlp_backward(dscores, cache):
    params, X = cache
    return {name: wrong(value, value) for name, value in params.items()}


def mlp_loss(params, X, y, activation="relu", l2=0.0):
    if FLAVOUR == "scaled":  # a consistent pair: sum of squares, gradients 2 * value
        loss = float(sum(np.sum(v.astype(np.float64) ** 2) for v in params.values()))
    else:
        loss = float(np.abs(wrong(np.zeros(()))))
    return loss, {name: wrong(value, value) for name, value in params.items()}


def predict(params, X, activation="relu"):
    if FLAVOUR == "zeros":
        return np.zeros(X.shape[0], dtype=np.int64)
    return np.random.default_rng(0).integers(0, _last_size(params), X.shape[0])
