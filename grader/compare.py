"""Trusted comparisons: what came back from the worker against what was expected.

Everything here runs in the grader's process, on plain data decoded by
sandbox/wire.py: exact `numpy.ndarray`s of numeric dtype, Python numbers and
strings. Nothing the student wrote is called. A mismatch raises CheckFailed
with a message a student can act on (what was expected, what came back,
the largest error and where) and, when a hint rule recognises the mistake,
a hint that names it.
"""

import numpy as np

from . import hints
from .sandbox.wire import ArrayWithClass, Ref, Scalar

# The line of a graded task's failure that states its terms (threshold, budget) when the run
# has no metric to set against them: the terminal summary prints it under the reason.
TERMS_PREFIX = "the task's terms: "


class CheckFailed(AssertionError):
    """A check's verdict: failed, with a message, an optional hint and partial credit."""

    def __init__(self, message, hint=None, credit=0.0, kind=None):
        super().__init__(message)
        self.message, self.hint, self.credit = message, hint, credit
        self.kind = kind  # "value" when a result's values or shape are wrong, "dtype", or None


def describe(value):
    """A short, safe description of a decoded value for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, ArrayWithClass):
        return f"a {value.cls} (an ndarray subclass) of shape {value.array.shape}"
    if isinstance(value, Scalar):
        return f"a NumPy scalar {value.cls}"
    if isinstance(value, Ref):
        return f"a {value.type}"
    if value is None:
        return "None (is a `return` missing?)"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return f"a {type(value).__name__}"


def as_array(value, name):
    """The value as an exact ndarray, or CheckFailed saying what it was instead."""
    if type(value) is np.ndarray:
        return value
    if isinstance(value, ArrayWithClass):
        raise CheckFailed(f"{name} is {describe(value)}; return a plain np.ndarray "
                          "(np.asarray(...) converts it)")
    raise CheckFailed(f"{name} should be a NumPy array but is {describe(value)}")


def as_float(value, name):
    """A scalar result as a Python float: float, int, NumPy scalar or 0-d array."""
    if type(value) in (float, int):
        return float(value)
    if isinstance(value, Scalar):
        return float(value.array)
    if type(value) is np.ndarray and value.shape == ():
        return float(value)
    if type(value) is np.ndarray and value.size == 1:
        raise CheckFailed(f"{name} should be a scalar but is an array of shape {value.shape}; "
                          "use float(...) or .item()")
    raise CheckFailed(f"{name} should be a float but is {describe(value)}")


def as_tuple(value, length, name):
    if isinstance(value, tuple) and len(value) == length:
        return value
    if isinstance(value, list) and len(value) == length:
        return tuple(value)
    raise CheckFailed(f"{name} should return a tuple of {length} but returned {describe(value)}")


def tolerance(dtype):
    """(rtol, atol) for comparing an output of this dtype with a float64 reference."""
    return (2e-4, 1e-5) if np.dtype(dtype) == np.float32 else (1e-6, 1e-9)


def expect_array(actual, expected, name, *, dtype=None, rtol=None, atol=None, context=None):
    """Check an array result against the expected one; returns the array.

    Args:
        actual: the decoded value the student returned.
        expected: the right array (from the reference or the fixtures).
        name: what it is, for messages ("dW of linear_backward").
        dtype: the dtype it must have, or None to accept any floating dtype.
        rtol, atol: tolerances; default by dtype (see tolerance()).
        context: facts for the hint rules (the inputs, the batch size, ...).
    """
    array = as_array(actual, name)
    expected = np.asarray(expected)
    context = dict(context or {}, name=name)
    if array.shape != expected.shape:
        raise CheckFailed(f"{name} has shape {array.shape}, expected {expected.shape}",
                          hint=hints.diagnose(array, expected, context), kind="value")
    if dtype is not None and array.dtype != np.dtype(dtype):
        raise CheckFailed(f"{name} has dtype {array.dtype}, expected {np.dtype(dtype)} "
                          "(functions keep the dtype they are given)",
                          hint=hints.diagnose(array, expected, dict(context, dtype_only=True)),
                          kind="dtype")
    if dtype is None and expected.dtype.kind == "f" and array.dtype.kind not in "fiub":
        raise CheckFailed(f"{name} has dtype {array.dtype}, expected a floating dtype")
    if rtol is None or atol is None:
        kind = array.dtype if array.dtype.kind == "f" else "float64"
        default_rtol, default_atol = tolerance(kind)
        rtol = default_rtol if rtol is None else rtol
        atol = default_atol if atol is None else atol
    actual64 = array.astype(np.float64)
    expected64 = expected.astype(np.float64)
    bad_values = ~np.isfinite(actual64) & np.isfinite(expected64)
    if bad_values.any():
        where = tuple(int(i) for i in np.argwhere(bad_values)[0])
        raise CheckFailed(f"{name} has {int(bad_values.sum())} NaN or infinite entries "
                          f"(first at index {where}) where the right values are finite",
                          hint=hints.diagnose(array, expected, context), kind="value")
    close = np.isclose(actual64, expected64, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        error = np.abs(actual64 - expected64)
        error[~np.isfinite(error)] = np.inf
        # The entry that breaks the tolerance most, not merely the largest difference:
        # a big entry a hair off is fine, a tiny one twice too large is not.
        violation = error / (atol + rtol * np.abs(expected64))
        violation[np.isnan(violation)] = np.inf
        worst = np.unravel_index(int(np.argmax(violation)), error.shape) if error.ndim else ()
        where = tuple(int(i) for i in worst)
        raise CheckFailed(
            f"{name}: {int((~close).sum())} of {close.size} entries are wrong; the largest error "
            f"is {float(error[worst]):.3g} at index {where} (got {float(actual64[worst]):.6g}, "
            f"expected {float(expected64[worst]):.6g})",
            hint=hints.diagnose(array, expected, context), kind="value")
    return array


def expect_close_float(actual, expected, name, *, rtol=1e-6, atol=1e-9, context=None):
    """Check a scalar result; returns it as a float."""
    value = as_float(actual, name)
    if not np.isfinite(value) and np.isfinite(expected):
        raise CheckFailed(f"{name} is {value}, expected {expected:.6g}",
                          hint=hints.diagnose(np.float64(value), np.float64(expected),
                                              dict(context or {}, name=name)), kind="value")
    if not np.isclose(value, expected, rtol=rtol, atol=atol):
        raise CheckFailed(f"{name} is {value:.8g}, expected {expected:.8g}",
                          hint=hints.diagnose(np.float64(value), np.float64(expected),
                                              dict(context or {}, name=name)), kind="value")
    return value


def expect_unchanged(before, after, name):
    """The student's function must not change its input arrays."""
    after = as_array(after, name)
    if after.shape != before.shape or not np.array_equal(after, before, equal_nan=True):
        raise CheckFailed(f"the function changed its input {name} in place; work on a copy "
                          "(for example x = x.copy(), or out = x * mask instead of x *= mask)")
