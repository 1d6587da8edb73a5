"""Garbage modules.py: the right classes, attributes, keys, shapes and dtypes, wrong values.

Appended to the stubs' modules.py, whose Module base class (given, not an exercise) it uses.
"""

import numpy as np

from ._garbage import FLAVOUR, wrong


class Linear(Module):  # noqa: F821 - the stubs' Module, defined above this file
    def __init__(self, in_features, out_features, init="he", rng=None, dtype=np.float64):
        super().__init__()
        rng = np.random.default_rng() if rng is None else rng
        self.params = {"W": wrong(np.zeros((in_features, out_features), dtype=dtype), rng=rng),
                       "b": np.zeros(out_features, dtype=dtype)}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}

    def forward(self, x):
        self.x = x
        W, b = self.params["W"], self.params["b"]
        if FLAVOUR == "scaled":
            return 2 * (x @ W + b)
        return wrong(np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype))

    def backward(self, dout):
        W = self.params["W"]
        if FLAVOUR == "scaled":
            self.grads = {"W": 2 * self.x.T @ dout, "b": 2 * dout.sum(axis=0)}
            return 2 * dout @ W.T
        self.grads = {"W": wrong(W), "b": wrong(self.params["b"])}
        return wrong(self.x)


class _Elementwise(Module):  # noqa: F821
    def forward(self, x):
        return wrong(x, x)

    def backward(self, dout):
        return wrong(dout, dout)


class ReLU(_Elementwise):
    pass


class Sigmoid(_Elementwise):
    pass


class Tanh(_Elementwise):
    pass


class LeakyReLU(_Elementwise):
    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha


class Dropout(_Elementwise):
    def __init__(self, p, rng=None):
        super().__init__()
        self.p, self.rng = p, np.random.default_rng() if rng is None else rng


class BatchNorm1d(_Elementwise):
    def __init__(self, num_features, eps=1e-5, momentum=0.9, dtype=np.float64):
        super().__init__()
        self.params = {"gamma": np.ones(num_features, dtype=dtype),
                       "beta": np.zeros(num_features, dtype=dtype)}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)

    def backward(self, dout):
        self.grads = {name: wrong(value) for name, value in self.params.items()}
        return wrong(dout, dout)


class Sequential(Module):  # noqa: F821
    def __init__(self, *modules):
        self.training = True
        self.layers = list(modules)

    def children(self):
        return list(self.layers)

    @property
    def params(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.params.items()}

    @property
    def grads(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                for k, v in layer.grads.items()}

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout


class Optimizer:
    def __init__(self, rule="sgd", config=None):
        if rule not in ("sgd", "sgd_momentum", "adam", "rmsprop"):
            raise ValueError(f"unknown rule {rule!r}")
        self.rule, self.config = rule, dict(config or {})

    def step(self, model):
        for leaf in leaves(model):  # noqa: F821 - the stubs' helper, defined above
            for name, value in list(leaf.params.items()):
                leaf.params[name] = wrong(value, value)


def fit(model, X, y, *, epochs, batch_size, optimizer="sgd", optim_config=None,
        loss="softmax_cross_entropy", clip_norm=None, X_val=None, y_val=None, rng=None):
    """A history of the right form with made-up, plausible numbers; params made up too."""
    model.train()
    Optimizer(optimizer, optim_config).step(model)
    history = {"loss": [float(2.0 * 0.7**epoch) for epoch in range(epochs)],
               "grad_norm": {key: [1.0] * epochs for key in model.params}}
    if X_val is not None and y_val is not None:
        history["val_loss"] = [float(2.2 * 0.7**epoch) for epoch in range(epochs)]
    return history
