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
    # YOUR CODE HERE
    raise NotImplementedError()


def accuracy(scores_or_labels, y):
    """Fraction of correct predictions.

    Args:
        scores_or_labels: class scores, shape (N, C) (the argmax over C is the
            prediction), or predicted integer labels, shape (N,).
        y: true integer labels, shape (N,).

    Returns:
        float in [0, 1].
    """
    # YOUR CODE HERE
    raise NotImplementedError()


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
    # YOUR CODE HERE
    raise NotImplementedError()
