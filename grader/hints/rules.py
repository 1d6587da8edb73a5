"""What a hint rule is, and the builders the rules of every assignment share.

A rule's candidate is a function (actual, expected, context) that returns
  - an array: the rule matches when the student's value equals it (to 1e-4);
  - True: the rule matches outright (a fact the check observed, such as a
    NumPy warning);
  - None: the rule does not apply.
"""


from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Rule(NamedTuple):
    name: str
    candidate: Callable  # (actual, expected, context) -> array, True or None
    sentence: str




def _alternative(actual, expected, context, name):
    """The array the check computed for this mistake, if any."""
    return context.get("alternatives", {}).get(name)


def _fact(actual, expected, context, name):
    """True when the check observed this mistake directly."""
    return True if context.get("facts", {}).get(name) else None


def scaled(factor_of):
    def candidate(actual, expected, context):
        factor = factor_of(context)
        return None if factor in (None, 0, 1) else expected * factor
    return candidate


def transposed(actual, expected, context):
    return expected.T if expected.ndim == 2 else None


def not_finite(actual, expected, context):
    finite_expected = np.all(np.isfinite(expected.astype(np.float64)))
    if actual.size and finite_expected and not np.all(np.isfinite(actual.astype(np.float64))):
        return True
    return None


def numpy_warning(actual, expected, context):
    warnings = context.get("warnings") or []
    return True if any(w in str(text) for text in warnings
                       for w in ("overflow", "invalid", "divide")) else None


def right_values_wrong_dtype(actual, expected, context):
    return expected.astype(np.float64) if context.get("dtype_only") else None


def batch_axis_kept(actual, expected, context):
    """The student returned one row per example where the sum over them is expected."""
    if (actual.ndim == expected.ndim + 1 and actual.shape[1:] == expected.shape
            and actual.shape[0] > 1):
        return True if close(actual.sum(axis=0), expected, context) else None
    return None


def size_one_axis_kept(actual, expected, context):
    """The right values with an extra axis of size 1 (keepdims=True, or a (1, M) row)."""
    if actual.shape != expected.shape and actual.size == expected.size and actual.size:
        squeezed = np.squeeze(actual)
        if squeezed.shape == np.squeeze(expected).shape and 1 in actual.shape:
            return True if close(squeezed.reshape(expected.shape), expected, context) else None
    return None


def scores_instead_of_labels(actual, expected, context):
    """predict returned (N, C) scores whose argmax is the right labels."""
    if actual.ndim == 2 and expected.ndim == 1 and actual.shape[0] == expected.shape[0]:
        return True if np.array_equal(np.argmax(actual, axis=1), expected) else None
    return None


def step_reversed(actual, expected, context):
    """An update rule that moved w by minus the right step: w - (expected - w)."""
    start = context.get("start")
    return None if start is None else 2 * np.asarray(start, dtype=np.float64) - expected


def alternative(name, sentence):
    """A rule matched by the array a check computed for this mistake."""
    return Rule(name, lambda a, e, c: _alternative(a, e, c, name), sentence)


def fact(name, sentence):
    """A rule matched when a check reports it observed this mistake."""
    return Rule(name, lambda a, e, c: _fact(a, e, c, name), sentence)


def alternative_or_fact(name, sentence):
    def candidate(actual, expected, context):
        found = _fact(actual, expected, context, name)
        return found if found else _alternative(actual, expected, context, name)
    return Rule(name, candidate, sentence)


# ------------------------------------------------------------ the rules


def close(a, b, context=None):
    a = np.asarray(a).astype(np.float64)
    b = np.asarray(b).astype(np.float64)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    rtol, atol = (context or {}).get("tolerance") or (1e-4, None)
    if atol is None:
        atol = 1e-6 * max(np.abs(b).max(initial=0.0), 1e-12)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))
