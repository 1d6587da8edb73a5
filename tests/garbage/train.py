"""Garbage train.py: right signatures, types, shapes and dtypes, wrong values."""

import numpy as np

from ._garbage import FLAVOUR, wrong, wrong_float


def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
    """The right batch sizes, of rows drawn with replacement (rows and labels together)."""
    rng = np.random.default_rng() if rng is None else rng
    n = X.shape[0]
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        rows = (np.zeros(size, dtype=int) if FLAVOUR == "zeros"
                else rng.integers(0, n, size))
        yield X[rows], y[rows]


def accuracy(scores_or_labels, y):
    return wrong_float()


def train(params, X, y, *, epochs, batch_size, optimizer="sgd", optim_config=None,
          activation="relu", l2=0.0, X_val=None, y_val=None, rng=None):
    """A history of the right form with made-up, plausible numbers."""
    for name, value in params.items():
        params[name] = wrong(value, value, rng)
    falling = [float(2.0 * 0.7**epoch) for epoch in range(epochs)]
    rising = [float(v) for v in np.linspace(0.5, 1.0, epochs)]
    history = {"loss": falling, "train_acc": rising,
               "grad_norm": {name: [1.0] * epochs for name in params}}
    if X_val is not None:
        history["val_acc"] = list(rising)
    return history
