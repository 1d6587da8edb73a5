"""Garbage torch_compare.py: right signatures, types, shapes and dtypes, wrong values."""

import numpy as np
import torch

from ._garbage import FLAVOUR, wrong, wrong_float

_ACTIVATIONS = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh,
                "leaky_relu": torch.nn.LeakyReLU}


def to_torch(params, activation="relu"):
    if activation not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}")
    count = len(params) // 2
    layers = []
    for i in range(1, count + 1):
        W, b = params[f"W{i}"], params[f"b{i}"]
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
        # the right layout and dtype, wrong values: params are the answer here, so the
        # "input" of the wrongness is W untransposed (zeros, its shape differs) and -b
        linear.weight = torch.nn.Parameter(torch.tensor(wrong(W.T, W), dtype=torch.float64))
        linear.bias = torch.nn.Parameter(torch.tensor(wrong(b, -b), dtype=torch.float64))
        layers.append(linear)
        if i < count:
            layers.append(_ACTIVATIONS[activation]())
    return torch.nn.Sequential(*layers)


def torch_mlp_loss(params, X, y, activation="relu", l2=0.0):
    if FLAVOUR == "scaled":  # a consistent pair: sum of squares, gradients 2 * value
        loss = float(sum(np.sum(v.astype(np.float64) ** 2) for v in params.values()))
    else:
        loss = float(np.abs(wrong(np.zeros(()))))
    return loss, {name: wrong(value, value).astype(np.float64) for name, value in params.items()}


def compare_training(params, X, y, *, steps=10, learning_rate=0.1, activation="relu"):
    curve = [wrong_float() for _ in range(steps)]
    return {"numpy": list(curve), "torch": list(curve)}


def time_epoch(layer_sizes, X, y, *, batch_size=128, dtype=np.float32):
    if FLAVOUR == "zeros":
        return {"numpy": 0.0, "torch": 0.0}
    return {"numpy": abs(wrong_float()) + 1e-3, "torch": abs(wrong_float()) + 1e-3}
