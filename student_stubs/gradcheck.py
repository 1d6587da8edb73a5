"""Assignment 4: numerical gradients and the gradient check.

A backward pass is only trusted once it agrees with centred finite
differences. Run these checks in float64: in float32 the rounding error of
f(x + h) - f(x - h) swamps the difference for h = 1e-5.
"""

import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred-difference gradient of a scalar function.

    Args:
        f: function of x returning a scalar.
        x: array of any shape; perturbed IN PLACE one entry at a time and
            restored exactly before returning.
        h: step.

    Returns:
        grad: float64 array shaped like x, grad[i] = (f(x + h e_i) - f(x - h e_i)) / 2h.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Centred-difference gradient of an array-valued function, through dout.

    Checks any backward pass from its forward alone: for out = f(x) and an
    upstream gradient dout, the gradient of sum(dout * f(x)) with respect to x.

    Args:
        f: function of x returning an array.
        x: array of any shape; perturbed in place and restored exactly.
        dout: array shaped like f(x).
        h: step.

    Returns:
        grad: float64 array shaped like x,
            grad[i] = sum(dout * (f(x + h e_i) - f(x - h e_i))) / 2h.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def rel_error(a, b):
    """Relative error between two arrays, by norms.

    Args:
        a, b: arrays of the same shape.

    Returns:
        float: norm(a - b) / max(1e-8, norm(a) + norm(b)). Near 1e-7 or below
        means the gradients agree in float64; the floor keeps two zero arrays
        from dividing 0 by 0.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def gradient_check(f, params, grads, h=1e-5, num_checks=None, rng=None):
    """Compare analytic gradients with numerical ones, parameter by parameter.

    Args:
        f: function of no arguments returning the scalar loss computed from the
            arrays in `params`.
        params: dict name -> array; entries are perturbed in place and restored.
        grads: dict name -> analytic gradient, shaped like params[name].
        h: step of the centred differences.
        num_checks: None to check every entry, or a number of entries per
            parameter drawn uniformly with replacement using rng.
        rng: np.random.Generator, or None for a fresh default_rng().

    Returns:
        dict name -> rel_error(analytic, numerical) over the entries checked.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
