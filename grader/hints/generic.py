"""Hints every assignment's checks may show: facts first, generic transformations last.

FIRST rules name a mistake precisely (the right values in the wrong dtype, a
NumPy overflow warning, an rng left unused) and are tried before an
assignment's own rules; LAST rules compare the wrong value with simple
transformations of the right one (N times too large, negated, transposed)
and are tried after them.
"""

from .rules import (
    Rule,
    alternative,
    batch_axis_kept,
    fact,
    not_finite,
    numpy_warning,
    right_values_wrong_dtype,
    scaled,
    size_one_axis_kept,
    transposed,
)

FIRST = [
    # Facts a check observed and exact matches with known mistakes come first:
    # they name the mistake precisely.
    Rule("wrong_dtype", right_values_wrong_dtype,
         "the values are right but the dtype is not: a float64 constant or an array made "
         "without dtype= promoted the result; keep the input's dtype (e.g. .astype(x.dtype))"),
    Rule("overflow_warning", numpy_warning,
         "exp() of a large positive number overflows (NumPy warned): arrange the formula so "
         "exp() only sees non-positive numbers (subtract the maximum, or use the two-branch "
         "sigmoid), and never take log() of 0"),

    # randomness: assignments 2, 4, 5 and later
    fact("rng_ignored",
         "draw the randomness from the rng argument (rng.random, rng.permutation, ...), "
         "never from np.random or a fresh default_rng()"),
]

LAST = [
    # Generic transformations of the right value, from the most to the least specific.
    Rule("not_finite", not_finite,
         "some values overflowed to inf or NaN: for large inputs, rewrite the formula so exp() "
         "only sees non-positive numbers and log() never sees 0 (subtract the maximum, or use "
         "the two-branch sigmoid or log-sum-exp)"),
    alternative("wrong_axis",
                "the reduction runs over the wrong axis: check the axis= of the sum, mean, max "
                "or argmax (the batch is axis 0, features or classes the last axis)"),
    Rule("size_one_axis_kept", size_one_axis_kept,
         "the values are right but the shape has an extra axis of size 1: drop keepdims=True "
         "(or index the row) so that the result has the documented shape"),
    Rule("batch_axis_kept", batch_axis_kept,
         "the result keeps one entry per example: sum over the batch (axis=0), since every "
         "example contributes to this gradient"),
    Rule("times_N", scaled(lambda c: c.get("N")),
         "the result is N times too large: did you sum over the batch where you should average "
         "(divide by N)?"),
    Rule("over_N", scaled(lambda c: 1 / c["N"] if c.get("N") else None),
         "the result is N times too small: did you average over the batch where the gradient is "
         "a sum (or divide by N twice)?"),
    Rule("times_size", scaled(lambda c: c.get("size")),
         "the result is as many times too large as there are elements: average over every "
         "element (divide by the array's size), not sum"),
    Rule("per_row_not_per_element",
         scaled(lambda c: c["size"] / c["N"] if c.get("size") and c.get("N") else None),
         "the mean runs over the batch only: this loss is averaged over every element "
         "(divide by pred.size, not N)"),
    Rule("negated", scaled(lambda c: -1),
         "the result has the wrong sign everywhere: check the sign of the gradient or of the "
         "difference (pred - target, probabilities - targets)"),
    Rule("times_2", scaled(lambda c: 2),
         "the result is twice the right one: a factor 2 too many (the 0.5 in 0.5 * l2 * W**2, "
         "or the 2 of the square counted twice?)"),
    Rule("half", scaled(lambda c: 0.5),
         "the result is half the right one: a factor 2 is missing (d/dx of x**2 is 2x)"),
    Rule("transposed", transposed,
         "the result is the transpose of the right one: check the order of the matrix product "
         "(which product of the arrays you have gives this gradient's shape?)"),
]
