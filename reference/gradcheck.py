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
    ### BEGIN SOLUTION
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old  # restore the very same value, not old + h - h
        grad[i] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        out_plus = np.array(f(x), dtype=np.float64)  # copy: f may reuse its buffer
        x[i] = old - h
        out_minus = np.array(f(x), dtype=np.float64)
        x[i] = old
        grad[i] = np.sum(dout * (out_plus - out_minus)) / (2 * h)
        it.iternext()
    return grad
    ### END SOLUTION


def rel_error(a, b):
    """Relative error between two arrays, by norms.

    Args:
        a, b: arrays of the same shape.

    Returns:
        float: norm(a - b) / max(1e-8, norm(a) + norm(b)). Near 1e-7 or below
        means the gradients agree in float64; the floor keeps two zero arrays
        from dividing 0 by 0.
    """
    ### BEGIN SOLUTION
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(1e-8, np.linalg.norm(a) + np.linalg.norm(b)))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    rng = np.random.default_rng() if rng is None else rng
    errors = {}
    for name, x in params.items():
        if num_checks is None:
            indices = list(np.ndindex(x.shape))
        else:
            flat = rng.integers(0, x.size, size=num_checks)
            indices = [np.unravel_index(k, x.shape) for k in flat]
        analytic = np.array([grads[name][i] for i in indices], dtype=np.float64)
        numerical = np.empty(len(indices), dtype=np.float64)
        for k, i in enumerate(indices):
            old = x[i]
            x[i] = old + h
            f_plus = float(f())
            x[i] = old - h
            f_minus = float(f())
            x[i] = old
            numerical[k] = (f_plus - f_minus) / (2 * h)
        errors[name] = rel_error(analytic, numerical)
    return errors
    ### END SOLUTION
