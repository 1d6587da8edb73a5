"""Assignment 5: update rules in CS231n's form.

    next_w, config = update(w, dw, config)

`config` holds the hyperparameters and the rule's state (velocity, moments,
step count) between calls. config=None means a fresh dict of the defaults;
missing keys take the defaults. The returned values are what counts; updating
w and config in place is allowed.
"""

import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: w - learning_rate * dw.

    Args:
        w: parameter array.
        dw: gradient of the loss with respect to w, shape of w.
        config: dict; "learning_rate" (default 1e-2).

    Returns:
        next_w: the updated parameter, shape and dtype of w.
        config: the config dict.
    """
    ### BEGIN SOLUTION
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    next_w = w - config["learning_rate"] * dw
    return next_w.astype(w.dtype, copy=False), config
    ### END SOLUTION


def sgd_momentum(w, dw, config=None):
    """SGD with momentum.

        v = momentum * v - learning_rate * dw
        next_w = w + v

    Args:
        w: parameter array.
        dw: gradient, shape of w.
        config: dict; "learning_rate" (default 1e-2), "momentum" (default
            0.9), "velocity" (the state, default zeros like w).

    Returns:
        next_w, config (with the new "velocity").
    """
    ### BEGIN SOLUTION
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity")
    if v is None:
        v = np.zeros_like(w)
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w.astype(w.dtype, copy=False), config
    ### END SOLUTION


def adam(w, dw, config=None):
    """Adam (Kingma and Ba, 2015) with bias-corrected moments.

        t += 1                      (incremented BEFORE use: the first step has t = 1)
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw**2
        m_hat = m / (1 - beta1**t);  v_hat = v / (1 - beta2**t)
        next_w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    Args:
        w: parameter array.
        dw: gradient, shape of w.
        config: dict; "learning_rate" (1e-3), "beta1" (0.9), "beta2" (0.999),
            "epsilon" (1e-8, added outside the square root), and the state
            "m", "v" (zeros like w) and "t" (0).

    Returns:
        next_w, config (with the new "m", "v", "t").
    """
    ### BEGIN SOLUTION
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    m = config.get("m")
    v = config.get("v")
    m = np.zeros_like(w) if m is None else m
    v = np.zeros_like(w) if v is None else v
    t = config.get("t", 0) + 1
    beta1, beta2 = config["beta1"], config["beta2"]
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * (dw * dw)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return next_w.astype(w.dtype, copy=False), config
    ### END SOLUTION


def rmsprop(w, dw, config=None):
    """RMSprop (Tieleman and Hinton, 2012): steps scaled by a running RMS of the gradient.

        cache = decay_rate * cache + (1 - decay_rate) * dw**2
        next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    Args:
        w: parameter array.
        dw: gradient, shape of w.
        config: dict; "learning_rate" (1e-2), "decay_rate" (0.99), "epsilon"
            (1e-8, added outside the square root), and the state "cache"
            (zeros like w).

    Returns:
        next_w, config (with the new "cache").
    """
    ### BEGIN SOLUTION
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache")
    if cache is None:
        cache = np.zeros_like(w)
    decay = config["decay_rate"]
    cache = decay * cache + (1 - decay) * (dw * dw)
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    return next_w.astype(w.dtype, copy=False), config
    ### END SOLUTION
