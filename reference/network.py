"""Assignment 5: a multi-layer perceptron built from the layers.

The parameters live in a plain dict {"W1", "b1", ..., "WL", "bL"}; layer i
maps sizes[i-1] features to sizes[i]. Hidden layers are linear followed by
an activation; the last layer is linear only: its outputs are the class
scores (logits) that softmax_cross_entropy turns into a loss.
"""

import numpy as np

from .layers import (
    leaky_relu_backward,
    leaky_relu_forward,
    linear_backward,
    linear_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from .losses import softmax_cross_entropy

# Helper tables, not an exercise: activation name -> (forward, backward).
ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
}


def _activation_pair(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}"
        )
    return ACTIVATIONS[activation]


def init_params(layer_sizes, init="he", rng=None, dtype=np.float64):
    """Random weights and zero biases for an MLP.

    Args:
        layer_sizes: [D, H1, ..., C]: input features, hidden sizes, classes.
        init: "he" draws W_i from N(0, 2 / fan_in) (for ReLU networks),
            "xavier" from N(0, 2 / (fan_in + fan_out)) (Glorot), "small" from
            N(0, 0.01**2). fan_in = sizes[i-1], fan_out = sizes[i].
        rng: np.random.Generator, or None for a fresh default_rng().
        dtype: floating dtype of every parameter.

    Returns:
        dict with "W1", "b1", ..., "WL", "bL"; W_i of shape
        (sizes[i-1], sizes[i]), b_i of shape (sizes[i],), all zeros.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng() if rng is None else rng
    params = {}
    for i in range(1, len(layer_sizes)):
        fan_in, fan_out = layer_sizes[i - 1], layer_sizes[i]
        if init == "he":
            std = np.sqrt(2.0 / fan_in)
        elif init == "xavier":
            std = np.sqrt(2.0 / (fan_in + fan_out))
        elif init == "small":
            std = 0.01
        else:
            raise ValueError(f"unknown init {init!r}; expected 'he', 'xavier' or 'small'")
        params[f"W{i}"] = (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)
        params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)
    return params
    ### END SOLUTION


def mlp_forward(params, X, activation="relu"):
    """Forward pass of the MLP.

    Args:
        params: dict from init_params (L layers).
        X: inputs, shape (N, D).
        activation: of the hidden layers: "relu", "sigmoid", "tanh" or
            "leaky_relu". The last layer has none.

    Returns:
        scores: shape (N, C).
        cache: what mlp_backward needs.
    """
    ### BEGIN SOLUTION
    forward, _ = _activation_pair(activation)
    num_layers = len(params) // 2
    caches = []
    h = X
    for i in range(1, num_layers + 1):
        h, linear_cache = linear_forward(h, params[f"W{i}"], params[f"b{i}"])
        activation_cache = None
        if i < num_layers:
            h, activation_cache = forward(h)
        caches.append((linear_cache, activation_cache))
    return h, (caches, activation)
    ### END SOLUTION


def mlp_backward(dscores, cache):
    """Backward pass of the MLP.

    Args:
        dscores: gradient of the loss with respect to the scores, shape (N, C).
        cache: from mlp_forward.

    Returns:
        dict of gradients with the keys of params ("W1", "b1", ...).
    """
    ### BEGIN SOLUTION
    caches, activation = cache
    _, backward = _activation_pair(activation)
    grads = {}
    dh = dscores
    for i in range(len(caches), 0, -1):
        linear_cache, activation_cache = caches[i - 1]
        if activation_cache is not None:
            dh = backward(dh, activation_cache)
        dh, grads[f"W{i}"], grads[f"b{i}"] = linear_backward(dh, linear_cache)
    return grads
    ### END SOLUTION


def mlp_loss(params, X, y, activation="relu", l2=0.0):
    """Softmax cross-entropy of the MLP plus L2 regularisation, and its gradients.

    Args:
        params: dict from init_params.
        X: inputs, shape (N, D).
        y: integer labels, shape (N,).
        activation: of the hidden layers.
        l2: regularisation strength; adds 0.5 * l2 * sum(W**2) over the
            weights (not the biases), whose gradient is l2 * W.

    Returns:
        loss: float.
        grads: dict of gradients with the keys of params.
    """
    ### BEGIN SOLUTION
    scores, cache = mlp_forward(params, X, activation)
    loss, dscores = softmax_cross_entropy(scores, y)
    grads = mlp_backward(dscores, cache)
    if l2:
        for name, value in params.items():
            if name.startswith("W"):
                loss += 0.5 * l2 * float(np.sum(value * value))
                grads[name] += l2 * value
    return loss, grads
    ### END SOLUTION


def predict(params, X, activation="relu"):
    """Predicted class labels.

    Args:
        params: dict from init_params.
        X: inputs, shape (N, D).
        activation: of the hidden layers.

    Returns:
        labels: integer array, shape (N,): the argmax of the scores.
    """
    ### BEGIN SOLUTION
    scores, _ = mlp_forward(params, X, activation)
    return np.argmax(scores, axis=1)
    ### END SOLUTION
