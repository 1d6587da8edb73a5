"""Assignment 5: minibatches, accuracy and the training loop."""

import numpy as np

from . import optim
from .network import mlp_loss, predict


def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
    """Split a data set into minibatches, each sample exactly once per epoch.

    Args:
        X: inputs, shape (N, D).
        y: labels, shape (N,).
        batch_size: samples per batch; the last batch may be smaller.
        shuffle: visit the samples in a random order (a permutation: no sample
            twice, none left out), else in order.
        rng: np.random.Generator, or None for a fresh default_rng().

    Yields:
        (X_batch, y_batch) with X_batch of shape (B, D), y_batch (B,).
    """
    ### BEGIN SOLUTION
    N = X.shape[0]
    if shuffle:
        rng = np.random.default_rng() if rng is None else rng
        order = rng.permutation(N)
    else:
        order = np.arange(N)
    for start in range(0, N, batch_size):
        batch = order[start:start + batch_size]
        yield X[batch], y[batch]
    ### END SOLUTION


def accuracy(scores_or_labels, y):
    """Fraction of correct predictions.

    Args:
        scores_or_labels: class scores, shape (N, C) (the argmax over C is the
            prediction), or predicted integer labels, shape (N,).
        y: true integer labels, shape (N,).

    Returns:
        float in [0, 1].
    """
    ### BEGIN SOLUTION
    predictions = np.asarray(scores_or_labels)
    if predictions.ndim == 2:
        predictions = np.argmax(predictions, axis=1)
    return float(np.mean(predictions == y))
    ### END SOLUTION


def train(params, X, y, *, epochs, batch_size, optimizer="sgd", optim_config=None,
          activation="relu", l2=0.0, X_val=None, y_val=None, rng=None):
    """Train an MLP with minibatch gradient descent.

    Args:
        params: dict from init_params; updated with the trained values.
        X: training inputs, shape (N, D), in the dtype of the parameters.
        y: integer labels, shape (N,).
        epochs: passes over the data.
        batch_size: samples per minibatch.
        optimizer: "sgd", "sgd_momentum" or "adam" (a function of optim.py).
        optim_config: hyperparameters of the update rule; each parameter gets
            its own copy (the velocities and moments are per parameter).
        activation: of the hidden layers.
        l2: L2 regularisation strength (see mlp_loss).
        X_val, y_val: optional validation data.
        rng: np.random.Generator for the batch order, or None.

    Returns:
        history: dict of lists, one entry per epoch:
            "loss": the mean of the minibatch losses of the epoch,
            "train_acc": accuracy on all of X after the epoch,
            "val_acc": the same on (X_val, y_val), when given,
            "grad_norm": {name: [L2 norm of the gradient at the epoch's last step]}.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng() if rng is None else rng
    update = getattr(optim, optimizer)
    configs = {name: dict(optim_config or {}) for name in params}
    history = {"loss": [], "train_acc": [], "grad_norm": {name: [] for name in params}}
    if X_val is not None:
        history["val_acc"] = []
    for _ in range(epochs):
        losses = []
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng=rng):
            loss, grads = mlp_loss(params, X_batch, y_batch, activation, l2)
            losses.append(loss)
            for name in params:
                params[name], configs[name] = update(params[name], grads[name], configs[name])
        history["loss"].append(float(np.mean(losses)))
        history["train_acc"].append(accuracy(predict(params, X, activation), y))
        if X_val is not None:
            history["val_acc"].append(accuracy(predict(params, X_val, activation), y_val))
        for name in params:
            history["grad_norm"][name].append(float(np.linalg.norm(grads[name])))
    return history
    ### END SOLUTION
