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


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization over the batch, for each of the D features (Ioffe and Szegedy, 2015).

        x_hat = (x - mean) / sqrt(var + eps);   out = gamma * x_hat + beta

    In training mode, mean and var are the statistics of this batch (the
    BIASED variance: divided by N, as the normalization itself uses it), and
    the running statistics are moved towards them:

        running = momentum * running + (1 - momentum) * batch statistic

    CS231n's convention: momentum is the weight of the OLD value. PyTorch's
    momentum=0.1 weights the new one (running = 0.9 * running + 0.1 * batch),
    and it keeps the unbiased variance (divided by N - 1) as its running_var;
    this course keeps the biased one. In test mode, the running statistics
    replace the batch's and nothing is written.

    Args:
        x: inputs, shape (N, D).
        gamma: scale, shape (D,).
        beta: shift, shape (D,).
        bn_param: dict; "mode" ("train" or "test", default "train"), "eps"
            (1e-5), "momentum" (0.9), "running_mean" and "running_var" (shape
            (D,); zeros and ones in x's dtype when missing). In training mode
            NEW arrays are stored under "running_mean" and "running_var"; the
            old arrays, x, gamma and beta are left unchanged.

    Returns:
        out: shape (N, D), dtype of x.
        cache: what batchnorm_backward needs.

    Raises:
        ValueError: for a mode other than "train" or "test".
    """
    ### BEGIN SOLUTION
    mode = bn_param.get("mode", "train")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean")
    running_var = bn_param.get("running_var")
    running_mean = np.zeros(D, dtype=x.dtype) if running_mean is None else running_mean
    running_var = np.ones(D, dtype=x.dtype) if running_var is None else running_var
    if mode == "train":
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # biased: divided by N
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mean, var = running_mean, running_var
    else:
        raise ValueError(f"unknown batchnorm mode {mode!r}; expected 'train' or 'test'")
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    out = (gamma * x_hat + beta).astype(x.dtype, copy=False)
    cache = (x_hat, gamma, inv_std, mode)
    return out, cache
    ### END SOLUTION


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization.

    Args:
        dout: upstream gradient, shape (N, D).
        cache: from batchnorm_forward.

    Returns:
        dx: shape (N, D).
        dgamma: shape (D,).
        dbeta: shape (D,).

    After a training-mode forward, the batch mean and variance are functions
    of x too: every x[n, d] reaches every out[:, d] through them, and dx has
    those terms. After a test-mode forward the running statistics are
    constants, and the layer is a fixed affine map of x.
    """
    ### BEGIN SOLUTION
    x_hat, gamma, inv_std, mode = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if mode == "test":
        return dx_hat * inv_std, dgamma, dbeta
    # Through x_hat directly, through the mean (the column mean of dx_hat) and
    # through the variance (the column mean of dx_hat * x_hat, times x_hat).
    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))
    return dx, dgamma, dbeta
    ### END SOLUTION
