"""Assignment 1: neurons and activation functions.

Every function here is elementwise (or row-wise for the softmax family), keeps
the floating dtype of its input (float32 in, float32 out) and stays finite for
inputs up to |z| = 1e4: no overflow warnings, no NaN. Underflow to 0 is fine.
"""

import numpy as np


def neuron(x, w, b, activation="sigmoid"):
    """One artificial neuron: activation(x @ w + b).

    Args:
        x: inputs, shape (N, D) for a batch or (D,) for a single example.
        w: weights, shape (D,).
        b: bias, a float.
        activation: one of "sigmoid", "relu", "tanh", "linear".

    Returns:
        The activations, shape (N,) for a batch, or a Python float for a single
        example of shape (D,).

    Raises:
        ValueError: for an unknown activation name.
    """
    ### BEGIN SOLUTION
    functions = {"sigmoid": sigmoid, "relu": relu, "tanh": tanh, "linear": lambda z: z}
    if activation not in functions:
        raise ValueError(
            f"unknown activation {activation!r}; expected one of {sorted(functions)}"
        )
    out = functions[activation](np.asarray(x @ w + b))
    if np.ndim(x) == 1:
        return float(out)
    return out
    ### END SOLUTION


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + exp(-z)), computed without overflow.

    Args:
        z: array of any shape.

    Returns:
        Array of the shape and dtype of z, values in [0, 1].

    Notes:
        exp(-z) overflows for z < -710 (float64) or z < -89 (float32). The
        stable form evaluates exp only of non-positive numbers:
        z >= 0: 1 / (1 + exp(-z));  z < 0: exp(z) / (1 + exp(z)).
    """
    ### BEGIN SOLUTION
    z = np.asarray(z)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)
    ### END SOLUTION


def sigmoid_grad(z):
    """The derivative of the sigmoid with respect to its input z.

    Args:
        z: array of any shape: the INPUT of the sigmoid, not its output.

    Returns:
        sigmoid(z) * (1 - sigmoid(z)), same shape and dtype as z.
    """
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1 - s)
    ### END SOLUTION


def relu(z):
    """The rectified linear unit max(0, z), elementwise.

    Args:
        z: array of any shape.

    Returns:
        Array of the shape and dtype of z.
    """
    ### BEGIN SOLUTION
    return np.maximum(z, 0).astype(np.asarray(z).dtype, copy=False)
    ### END SOLUTION


def relu_grad(z):
    """The derivative of ReLU: 1 where z > 0, else 0 (0 at z == 0, as PyTorch).

    Args:
        z: array of any shape.

    Returns:
        Array of zeros and ones, shape and dtype of z.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z)
    return (z > 0).astype(z.dtype)
    ### END SOLUTION


def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: z for z > 0, alpha * z for z <= 0.

    Args:
        z: array of any shape.
        alpha: slope for non-positive inputs.

    Returns:
        Array of the shape and dtype of z.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z)
    return np.where(z > 0, z, alpha * z).astype(z.dtype, copy=False)
    ### END SOLUTION


def leaky_relu_grad(z, alpha=0.01):
    """The derivative of leaky ReLU: 1 for z > 0, alpha for z <= 0.

    Args:
        z: array of any shape.
        alpha: slope for non-positive inputs.

    Returns:
        Array of the shape and dtype of z.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z)
    return np.where(z > 0, 1.0, alpha).astype(z.dtype)
    ### END SOLUTION


def tanh(z):
    """The hyperbolic tangent, elementwise.

    Args:
        z: array of any shape.

    Returns:
        Array of the shape and dtype of z, values in [-1, 1].
    """
    ### BEGIN SOLUTION
    return np.tanh(z)
    ### END SOLUTION


def tanh_grad(z):
    """The derivative of tanh with respect to its input: 1 - tanh(z)**2.

    Args:
        z: array of any shape: the INPUT of tanh, not its output.

    Returns:
        Array of the shape and dtype of z.
    """
    ### BEGIN SOLUTION
    t = np.tanh(z)
    return 1 - t * t
    ### END SOLUTION


def softmax(z):
    """Softmax along the last axis: exp(z) / sum(exp(z)), rows summing to 1.

    Args:
        z: scores, shape (..., C), for example (N, C).

    Returns:
        Probabilities of the shape and dtype of z.

    Notes:
        Subtracting each row's maximum first changes nothing mathematically
        (it cancels between numerator and denominator) but keeps exp from
        overflowing: the largest exponent becomes exp(0) = 1.
    """
    ### BEGIN SOLUTION
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)
    ### END SOLUTION


def log_softmax(z):
    """The logarithm of the softmax along the last axis, by the log-sum-exp trick.

    Args:
        z: scores, shape (..., C).

    Returns:
        log(softmax(z)), shape and dtype of z; finite even where softmax
        underflows to 0.

    Notes:
        log_softmax(z) = z - m - log(sum(exp(z - m))) with m the row maximum.
    """
    ### BEGIN SOLUTION
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    ### END SOLUTION
