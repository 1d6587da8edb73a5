"""Diagnostic hints: name the mistake, not just the mismatch.

A wrong array is compared with transformations of the right one; where one
matches, the rule's sentence names the likely mistake. Rules are data: each is
a name, a function (actual, expected, context) -> candidate array or None, and
the sentence. Adding a hint is adding a rule to RULES.

The context carries what the check knows: "name" (what is compared), "N" (the
batch size), "inputs" (the arrays given), and optional alternatives that
checks compute for their function ("alternatives": {rule name: array}), such
as the forward-difference gradient or the output-masked ReLU.
"""

import numpy as np


def _scaled(factor_of):
    def candidate(actual, expected, context):
        factor = factor_of(context)
        return None if factor in (None, 1) else expected * factor
    return candidate


def _alternative(key):
    def candidate(actual, expected, context):
        return context.get("alternatives", {}).get(key)
    return candidate


def _transposed(actual, expected, context):
    return expected.T if expected.ndim == 2 and expected.shape[0] != expected.shape[1] else None


def _transposed_square(actual, expected, context):
    return expected.T if expected.ndim == 2 and expected.shape[0] == expected.shape[1] else None


def _not_finite(actual, expected, context):
    return "nonfinite" if actual.size and not np.all(np.isfinite(actual)) else None


RULES = [
    # (name, candidate, sentence). Order matters: the first match is reported.
    ("not_finite", _not_finite,
     "some values overflowed to inf or NaN: for large inputs, rewrite the formula so exp() "
     "only sees non-positive numbers (subtract the maximum, or use the two-branch sigmoid)"),
    ("times_N", _scaled(lambda c: c.get("N")),
     "the result is N times too large: did you sum over the batch where you should average "
     "(divide by N)?"),
    ("over_N", _scaled(lambda c: 1 / c["N"] if c.get("N") else None),
     "the result is N times too small: did you average over the batch where the gradient is a "
     "sum (or divide by N twice)?"),
    ("negated", _scaled(lambda c: -1),
     "the result has the wrong sign everywhere: check the sign of the update or of the gradient"),
    ("times_2", _scaled(lambda c: 2),
     "the result is twice the right one: a factor 2 too many (the 0.5 in 0.5 * l2 * W**2, or "
     "the 2 of the square counted twice?)"),
    ("half", _scaled(lambda c: 0.5),
     "the result is half the right one: a factor 2 is missing (d/dx of x**2 is 2x)"),
    ("transposed", _transposed,
     "the result is the transpose of the right one: check the order of the matrix product "
     "(x.T @ dout, not dout.T @ x)"),
    ("transposed_square", _transposed_square,
     "the result is the transpose of the right one: check the order of the matrix product"),
]


def diagnose(actual, expected, context):
    """One sentence naming the likely mistake, or None."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    for name, candidate_of, sentence in RULES + context.get("extra_rules", []):
        try:
            candidate = candidate_of(actual, expected, context)
        except Exception:  # a rule must never break a check
            continue
        if candidate is None:
            continue
        if isinstance(candidate, str):
            return sentence
        candidate = np.asarray(candidate)
        if candidate.shape == actual.shape and _close(actual, candidate):
            return sentence
    return None


def _close(a, b):
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    scale = max(np.abs(b).max(initial=0.0), 1e-12)
    return bool(np.allclose(a, b, rtol=1e-4, atol=1e-6 * scale))
