"""Assignment 12: the same network in PyTorch, identical to 1e-6, and why it is faster.

Assignment 5's network is a dict of NumPy arrays {"W1", "b1", ..., "WL", "bL"}
with W_i of shape (D_in, D_out), so that a layer is x @ W + b. PyTorch's
`torch.nn.Linear(D_in, D_out)` computes the same x @ weight.T + bias but keeps
`weight` as (D_out, D_in): the transpose of ours. Everything here is computed
in float64 (PyTorch's default is float32), so that the two libraries agree to
about 1e-12 and any difference above 1e-6 is a mistake, not rounding.

PyTorch's autograd computes the gradients that assignment 5's backward passes
computed by hand: `loss.backward()` fills each parameter's `.grad` (None
before it is called) and adds to what is already there: a training loop must
empty the gradients before every step.
"""

import time

import numpy as np
import torch

from .network import init_params, mlp_loss
from .optim import sgd
from .train import train

# Helper table, not an exercise: activation name -> PyTorch module (a fresh one per layer).
# LeakyReLU's negative_slope is 0.01, assignment 1's default alpha.
TORCH_ACTIVATIONS = {
    "relu": torch.nn.ReLU,
    "sigmoid": torch.nn.Sigmoid,
    "tanh": torch.nn.Tanh,
    "leaky_relu": lambda: torch.nn.LeakyReLU(negative_slope=0.01),
}


def _torch_activation(activation):
    if activation not in TORCH_ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of "
                         f"{sorted(TORCH_ACTIVATIONS)}")
    return TORCH_ACTIVATIONS[activation]()


def to_torch(params, activation="relu"):
    """Assignment 5's network as a torch.nn.Sequential with the same parameters.

    Args:
        params: dict from init_params: W_i of shape (D_in, D_out), b_i of
            shape (D_out,), L layers.
        activation: of the hidden layers: "relu", "sigmoid", "tanh" or
            "leaky_relu" (negative slope 0.01). The last layer has none.

    Returns:
        torch.nn.Sequential: Linear, activation, Linear, ..., Linear (2L - 1
        modules), in float64. Linear i has `weight` = W_i transposed, shape
        (D_out, D_in) (PyTorch's layout), and `bias` = b_i, shape (D_out,).
        The tensors are copies: training the network leaves params unchanged.
        model(torch.tensor(X)) equals mlp_forward(params, X)'s scores.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def torch_mlp_loss(params, X, y, activation="relu", l2=0.0):
    """mlp_loss computed by PyTorch's autograd instead of by hand.

    Args:
        params: dict from init_params.
        X: inputs, shape (N, D) (computed in float64).
        y: integer labels, shape (N,).
        activation: of the hidden layers.
        l2: regularisation strength: adds 0.5 * l2 * sum(W**2) over the
            weights (not the biases), as mlp_loss does.

    Returns:
        loss: float, equal to mlp_loss's within 1e-6.
        grads: dict with the keys of params, NumPy float64 arrays of the
            shapes of params (dW_i as (D_in, D_out): transposed back from
            PyTorch's layout), equal to mlp_loss's within 1e-6.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def compare_training(params, X, y, *, steps=10, learning_rate=0.1, activation="relu"):
    """Full-batch SGD from the same parameters, in NumPy and in PyTorch.

    Args:
        params: dict from init_params (left unchanged).
        X: inputs, shape (N, D) (computed in float64).
        y: integer labels, shape (N,).
        steps: updates, each on all of X (no L2).
        learning_rate: of plain SGD.
        activation: of the hidden layers.

    Returns:
        {"numpy": [loss, ...], "torch": [loss, ...]}: `steps` floats each, the
        loss of each step recorded before that step's update: the first is the
        loss of params themselves. "numpy" comes from assignment 5's mlp_loss
        and sgd, "torch" from to_torch and torch.optim.SGD; the two curves agree
        within 1e-6.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def time_epoch(layer_sizes, X, y, *, batch_size=128, dtype=np.float32):
    """Seconds of one epoch of minibatch SGD, in NumPy and in PyTorch.

    Both start from the same He-initialised parameters (learning rate 1e-2,
    shuffled minibatches of batch_size, ReLU hidden layers, computed in dtype).

    Args:
        layer_sizes: [D, H1, ..., C].
        X: inputs, shape (N, D).
        y: integer labels, shape (N,).
        batch_size: samples per minibatch.
        dtype: of the parameters and the data (float32: the speed setting).

    Returns:
        {"numpy": seconds, "torch": seconds}, positive floats (wall clock,
        time.perf_counter). "numpy" times one epoch of assignment 5's train
        (its pass over X for the history included); "torch" the same epoch
        in PyTorch after one warm-up step (not timed: PyTorch prepares its
        kernels on the first call), with one prediction pass over X timed
        in it, as train's history makes.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
