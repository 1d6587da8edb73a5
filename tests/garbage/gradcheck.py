"""Garbage gradcheck.py: right signatures, types, shapes and dtypes, wrong values."""

import numpy as np

from ._garbage import wrong, wrong_float


def numerical_gradient(f, x, h=1e-5):
    f(x)  # x is never changed, so it is "restored" exactly
    return wrong(np.zeros(x.shape), x)


def numerical_gradient_array(f, x, dout, h=1e-5):
    f(x)
    return wrong(np.zeros(x.shape), x)


def rel_error(a, b):
    return wrong_float()


def gradient_check(f, params, grads, h=1e-5, num_checks=None, rng=None):
    f()
    return {name: wrong_float(rng) for name in params}
