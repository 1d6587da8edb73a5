"""Wrong values of the right shape and dtype (tests/test_garbage.py)."""

import numpy as np

FLAVOUR = "noise"  # build_garbage writes the flavour of each submission here
_RNG = np.random.default_rng(12345)


def wrong(like, source=None, rng=None):
    """An array shaped and typed like `like`, with wrong values.

    noise: random numbers (from rng when given); zeros: zeros; input: `source`
    itself when it has the right shape (else zeros); scaled: 2 * source (else
    random numbers).
    """
    like = np.asarray(like)
    same = source is not None and np.shape(source) == like.shape
    if FLAVOUR == "zeros" or (FLAVOUR == "input" and not same):
        return np.zeros(like.shape, dtype=like.dtype)
    if FLAVOUR == "input":
        return np.array(source, dtype=like.dtype)
    if FLAVOUR == "scaled" and same:
        return (2 * np.asarray(source)).astype(like.dtype)
    generator = rng if rng is not None else _RNG
    return generator.standard_normal(like.shape).astype(like.dtype)


def wrong_float(rng=None):
    """A wrong Python float: random, 0.0, or a fixed plausible-looking number."""
    if FLAVOUR == "zeros":
        return 0.0
    if FLAVOUR == "noise":
        return float((rng if rng is not None else _RNG).random())
    return 0.25
