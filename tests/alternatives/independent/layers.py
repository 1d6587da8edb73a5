# ---- tests/alternatives/independent/layers.py: einsum, dict caches, a boolean dropout mask
import numpy as np

from .activations import sigmoid


def linear_forward(x, W, b):
    """out[n, m] = sum_d x[n, d] W[d, m] + b[m]; the cache is a dict."""
    out = np.einsum("nd,dm->nm", x, W) + b
    return out, {"input": x, "weights": W}


def linear_backward(dout, cache):
    x, W = cache["input"], cache["weights"]
    dx = np.einsum("nm,dm->nd", dout, W)
    dW = np.einsum("nd,nm->dm", x, dout)
    db = np.einsum("nm->m", dout)
    return dx, dW, db


def relu_forward(x):
    """The cache is the boolean mask of positive inputs, not the input."""
    positive = x > 0
    return np.where(positive, x, 0).astype(x.dtype, copy=False), positive


def relu_backward(dout, cache):
    return np.where(cache, dout, 0).astype(dout.dtype, copy=False)


def sigmoid_forward(x):
    """The cache is the input; the backward recomputes the sigmoid."""
    return sigmoid(x), {"input": x}


def sigmoid_backward(dout, cache):
    s = sigmoid(cache["input"])
    return dout * s * (1 - s)


def dropout_forward(x, p, train=True, rng=None):
    """Keeps a unit where a uniform draw falls below 1 - p; the cache is (keep, scale)."""
    if p < 0 or p >= 1:
        raise ValueError(f"p must satisfy 0 <= p < 1, not {p}")
    if not train or p == 0:
        return x.copy(), (None, 1.0)
    generator = rng if rng is not None else np.random.default_rng()
    keep = generator.uniform(size=x.shape) < 1 - p
    scale = 1.0 / (1.0 - p)
    return np.where(keep, x * scale, 0).astype(x.dtype, copy=False), (keep, scale)


def dropout_backward(dout, cache):
    keep, scale = cache
    if keep is None:
        return dout.copy()
    return np.where(keep, dout * scale, 0).astype(dout.dtype, copy=False)
