"""Gradient checking written with other loops (an alternative correct submission).

np.ndindex instead of np.nditer, a flat loop for the array version, rel_error
by explicit sums, and the sampled entries of gradient_check drawn one axis at
a time.
"""

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for index in np.ndindex(*x.shape):
        saved = x[index].copy()
        x[index] = saved + h
        above = f(x)
        x[index] = saved - h
        below = f(x)
        x[index] = saved
        grad[index] = (above - below) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    grad = np.zeros(x.size)  # filled in flat (C) order, reshaped at the end
    for k in range(x.size):
        index = np.unravel_index(k, x.shape)
        saved = x[index].copy()
        x[index] = saved + h
        above = np.copy(f(x)).astype(np.float64)
        x[index] = saved - h
        below = np.copy(f(x)).astype(np.float64)
        x[index] = saved
        grad[k] = np.sum(dout * (above - below)) / (2 * h)
    return grad.reshape(x.shape)


def rel_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    difference = np.sqrt(np.sum((a - b) ** 2))
    scale = np.sqrt(np.sum(a**2)) + np.sqrt(np.sum(b**2))
    return float(difference / max(scale, 1e-8))


def gradient_check(f, params, grads, h=1e-5, num_checks=None, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    errors = {}
    for name in params:
        x = params[name]
        if num_checks is None:
            indices = list(np.ndindex(*x.shape))
        else:
            columns = [rng.integers(0, n, size=num_checks) for n in x.shape]
            indices = list(zip(*columns)) if columns else [()] * num_checks
        analytic, numerical = [], []
        for index in indices:
            index = tuple(int(i) for i in index)
            saved = x[index].copy()
            x[index] = saved + h
            above = f()
            x[index] = saved - h
            below = f()
            x[index] = saved
            numerical.append((above - below) / (2 * h))
            analytic.append(grads[name][index])
        errors[name] = rel_error(np.array(analytic), np.array(numerical))
    return errors
