"""Assignment 2: layers as forward/backward function pairs.

Every layer is two functions, in the style of CS231n:

    out, cache = layer_forward(x, *params)
    dx, *dparams = layer_backward(dout, cache)

`dout` is the gradient of the loss with respect to `out`; the backward returns
the gradients with respect to the forward's arguments, in their order and with
their shapes. The cache holds whatever the backward needs; its layout is
private to each implementation.
"""

import numpy as np

from .activations import leaky_relu, leaky_relu_grad, relu, sigmoid


def linear_forward(x, W, b):
    """Affine layer: out = x @ W + b.

    Args:
        x: inputs, shape (N, D).
        W: weights, shape (D, M).
        b: biases, shape (M,).

    Returns:
        out: shape (N, M), dtype of x.
        cache: what linear_backward needs: (x, W).
    """
    ### BEGIN SOLUTION
    out = x @ W + b
    cache = (x, W)
    return out, cache
    ### END SOLUTION


def linear_backward(dout, cache):
    """Backward pass of the affine layer.

    Args:
        dout: upstream gradient, shape (N, M).
        cache: from linear_forward.

    Returns:
        dx: gradient with respect to x, shape (N, D).
        dW: gradient with respect to W, shape (D, M).
        db: gradient with respect to b, shape (M,).

    Each comes from differentiating out[n, m] = sum_d x[n, d] W[d, m] + b[m]
    and summing over every output the entry touched.
    """
    ### BEGIN SOLUTION
    x, W = cache
    # Every x[n, d] reaches all M outputs of row n through W[d, :]; every
    # W[d, m] is used once per example (the batch is summed); b once per row.
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
    ### END SOLUTION


def relu_forward(x):
    """ReLU layer: out = max(0, x).

    Args:
        x: inputs of any shape.

    Returns:
        out: shape and dtype of x.
        cache: x (the backward's mask comes from the input).
    """
    ### BEGIN SOLUTION
    return relu(x), x
    ### END SOLUTION


def relu_backward(dout, cache):
    """Backward pass of ReLU: dout where the INPUT was positive, else 0.

    Args:
        dout: upstream gradient, shape of x.
        cache: from relu_forward.

    Returns:
        dx: shape of x.
    """
    ### BEGIN SOLUTION
    x = cache
    return dout * (x > 0)
    ### END SOLUTION


def sigmoid_forward(x):
    """Sigmoid layer: out = 1 / (1 + exp(-x)), stable.

    Args:
        x: inputs of any shape.

    Returns:
        out: shape and dtype of x.
        cache: out (the derivative is out * (1 - out)).
    """
    ### BEGIN SOLUTION
    out = sigmoid(x)
    return out, out
    ### END SOLUTION


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid: dx = dout * s * (1 - s) with s = sigmoid(x).

    Args:
        dout: upstream gradient, shape of x.
        cache: from sigmoid_forward.

    Returns:
        dx: shape of x.
    """
    ### BEGIN SOLUTION
    s = cache
    return dout * s * (1 - s)
    ### END SOLUTION


def tanh_forward(x):
    """Tanh layer.

    Args:
        x: inputs of any shape.

    Returns:
        out: tanh(x), shape and dtype of x.
        cache: out (the derivative is 1 - out**2).
    """
    ### BEGIN SOLUTION
    out = np.tanh(x)
    return out, out
    ### END SOLUTION


def tanh_backward(dout, cache):
    """Backward pass of tanh: dx = dout * (1 - tanh(x)**2).

    Args:
        dout: upstream gradient, shape of x.
        cache: from tanh_forward.

    Returns:
        dx: shape of x.
    """
    ### BEGIN SOLUTION
    t = cache
    return dout * (1 - t * t)
    ### END SOLUTION


def leaky_relu_forward(x, alpha=0.01):
    """Leaky ReLU layer: x for x > 0, alpha * x otherwise.

    Args:
        x: inputs of any shape.
        alpha: slope for non-positive inputs.

    Returns:
        out: shape and dtype of x.
        cache: (x, alpha).
    """
    ### BEGIN SOLUTION
    return leaky_relu(x, alpha), (x, alpha)
    ### END SOLUTION


def leaky_relu_backward(dout, cache):
    """Backward pass of leaky ReLU: dout * (1 if x > 0 else alpha).

    Args:
        dout: upstream gradient, shape of x.
        cache: from leaky_relu_forward.

    Returns:
        dx: shape of x.
    """
    ### BEGIN SOLUTION
    x, alpha = cache
    return dout * leaky_relu_grad(x, alpha)
    ### END SOLUTION


def dropout_forward(x, p, train=True, rng=None):
    """Inverted dropout: drop each unit with probability p, scale the kept ones.

    Args:
        x: inputs of any shape.
        p: probability of DROPPING a unit (PyTorch's convention), 0 <= p < 1.
        train: in training mode units are dropped; otherwise the layer is the
            identity.
        rng: np.random.Generator, or None for a fresh default_rng().

    Returns:
        out: shape and dtype of x. Kept units are multiplied by 1 / (1 - p) so
            that the expected value of out equals x, and nothing needs scaling
            at test time ("inverted" dropout).
        cache: the mask (0 or 1 / (1 - p) per unit), or None when nothing was
            dropped.

    Raises:
        ValueError: unless 0 <= p < 1.
    """
    ### BEGIN SOLUTION
    if not 0 <= p < 1:
        raise ValueError(f"dropout probability p must be in [0, 1), got {p}")
    if not train or p == 0:
        return x, None
    rng = np.random.default_rng() if rng is None else rng
    keep = rng.random(x.shape) >= p
    mask = keep.astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, mask
    ### END SOLUTION


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout: the same mask, the same scaling.

    Args:
        dout: upstream gradient, shape of x.
        cache: from dropout_forward.

    Returns:
        dx: shape of x (dout itself when nothing was dropped).
    """
    ### BEGIN SOLUTION
    mask = cache
    if mask is None:
        return dout
    return dout * mask
    ### END SOLUTION
