"""Diagnostic hints: name the mistake, not just the mismatch.

When a value is wrong, the student's array is compared with transformations of
the right one (scaled by N, negated, transposed, reduced over another axis,
...) and with the results of known mistakes that a check computed on the
trusted side (the forward-difference gradient, the output-masked ReLU, ...).
Where one matches, the rule's sentence names the likely mistake.

Rules are data: RULES is a list of Rule(name, candidate, sentence). Adding a
hint is adding a rule. A rule's candidate is a function
(actual, expected, context) that returns
  - an array: the rule matches when the student's value equals it (to 1e-4);
  - True: the rule matches outright (a fact the check observed, such as a
    NumPy warning);
  - None: the rule does not apply.
The first rule that matches wins, so specific rules come before generic ones.

The context carries what the check knows:
  "N"             the batch size (for the "summed instead of averaged" rules);
  "size"          the number of elements a mean runs over, when not N;
  "start"         the value before an update step (for the sign of a step);
  "inputs"        the arrays given to the function;
  "alternatives"  {rule name: what that mistake would have returned}, computed
                  by the check for its own function (see ALTERNATIVE rules);
  "facts"         {rule name: True} for mistakes the check observed directly
                  (a NumPy overflow warning, an rng that was ignored);
  "tolerance"     (rtol, atol) for comparing with candidates, when the values
                  are statistics rather than exact results;
  "extra_rules"   rules a check adds for itself (prefer adding them here).
compare.py adds "dtype_only" when only the dtype is wrong.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Rule(NamedTuple):
    name: str
    candidate: Callable  # (actual, expected, context) -> array, True or None
    sentence: str


# ------------------------------------------------------------ candidate builders


def _alternative(actual, expected, context, name):
    """The array the check computed for this mistake, if any."""
    return context.get("alternatives", {}).get(name)


def _fact(actual, expected, context, name):
    """True when the check observed this mistake directly."""
    return True if context.get("facts", {}).get(name) else None


def _scaled(factor_of):
    def candidate(actual, expected, context):
        factor = factor_of(context)
        return None if factor in (None, 0, 1) else expected * factor
    return candidate


def _transposed(actual, expected, context):
    return expected.T if expected.ndim == 2 else None


def _not_finite(actual, expected, context):
    finite_expected = np.all(np.isfinite(expected.astype(np.float64)))
    if actual.size and finite_expected and not np.all(np.isfinite(actual.astype(np.float64))):
        return True
    return None


def _numpy_warning(actual, expected, context):
    warnings = context.get("warnings") or []
    return True if any(w in str(text) for text in warnings
                       for w in ("overflow", "invalid", "divide")) else None


def _right_values_wrong_dtype(actual, expected, context):
    return expected.astype(np.float64) if context.get("dtype_only") else None


def _batch_axis_kept(actual, expected, context):
    """The student returned one row per example where the sum over them is expected."""
    if actual.ndim == expected.ndim + 1 and actual.shape[1:] == expected.shape:
        return True if _close(actual.sum(axis=0), expected, context) else None
    return None


def _scores_instead_of_labels(actual, expected, context):
    """predict returned (N, C) scores whose argmax is the right labels."""
    if actual.ndim == 2 and expected.ndim == 1 and actual.shape[0] == expected.shape[0]:
        return True if np.array_equal(np.argmax(actual, axis=1), expected) else None
    return None


def _step_reversed(actual, expected, context):
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

RULES = [
    # Facts a check observed and exact matches with known mistakes come first:
    # they name the mistake precisely.
    Rule("wrong_dtype", _right_values_wrong_dtype,
         "the values are right but the dtype is not: a float64 constant or an array made "
         "without dtype= promoted the result; keep the input's dtype (e.g. .astype(x.dtype))"),
    Rule("overflow_warning", _numpy_warning,
         "exp() of a large positive number overflows (NumPy warned): arrange the formula so "
         "exp() only sees non-positive numbers (subtract the maximum, or use the two-branch "
         "sigmoid), and never take log() of 0"),

    # activations
    alternative("derivative_of_output",
                "this is the derivative written in terms of the activation's OUTPUT applied to "
                "its input: the argument is z, so compute s = sigmoid(z) (or t = tanh(z)) first"),
    alternative("relu_grad_at_zero",
                "at z == 0 the derivative of ReLU is 0 (use z > 0, not z >= 0)"),
    alternative("leaky_relu_grad_without_alpha",
                "for z <= 0 the derivative of leaky ReLU is alpha, not 0"),
    alternative("sigmoid_of_minus_z",
                "this is sigmoid(-z) = 1 - sigmoid(z): check the sign of the exponent, "
                "sigmoid(z) = 1 / (1 + exp(-z))"),
    alternative("softmax_whole_array",
                "the softmax is normalised over the whole array: sum over the last axis only "
                "(axis=-1, keepdims=True) so that each row sums to 1"),

    # layers
    alternative("bias_missing", "the bias is missing: out = x @ W + b"),
    alternative("upstream_ignored",
                "the backward returns the local derivative only: multiply it by the upstream "
                "gradient dout (chain rule)"),
    alternative("relu_mask_from_dout",
                "the ReLU mask is taken from dout; it must come from the forward's input: "
                "dx = dout * (x > 0)"),
    alternative("relu_no_mask",
                "the ReLU backward passes dout everywhere: zero it where the input was <= 0"),
    alternative("activation_applied_to_cache",
                "tanh was applied twice: the cache already holds out = tanh(x), so the "
                "derivative is 1 - out**2, not 1 - tanh(out)**2"),
    alternative_or_fact("dropout_p_as_keep",
                        "p is the probability of DROPPING a unit (PyTorch's convention); you "
                        "used it as the probability of keeping one"),
    alternative_or_fact("dropout_not_scaled",
                        "kept units must be scaled by 1/(1-p) (inverted dropout), so that "
                        "nothing needs scaling at test time"),
    alternative_or_fact("dropout_scaled_by_1_over_p",
                        "kept units are scaled by 1/p; the scale is 1/(1-p) with p the drop "
                        "probability"),
    alternative_or_fact("dropout_scaled_at_test",
                        "inverted dropout is the identity at test time: return x unchanged "
                        "(the scaling already happened in training)"),
    alternative("dropout_backward_unscaled",
                "the backward uses the 0/1 mask without the forward's 1/(1-p) scale: reuse "
                "the scaled mask"),
    fact("rng_ignored",
         "draw the randomness from the rng argument (rng.random, rng.permutation, ...), "
         "never from np.random or a fresh default_rng()"),

    # losses
    alternative("log_of_softmax",
                "log(softmax(z)) is -inf where a probability underflows: compute log_softmax "
                "directly by the log-sum-exp trick"),
    alternative("dlogits_probabilities_only",
                "dlogits is softmax(logits) / N: subtract the one-hot (or soft) targets"),
    alternative("dlogits_targets_ignored_argmax",
                "the targets are treated as hard labels: with 2-D targets use the target "
                "probabilities y themselves, not their argmax"),
    alternative("bce_grad_of_probability",
                "dlogits has an extra sigmoid'(z) factor: from the logits, the gradient of "
                "BCE(sigmoid(z)) is simply (sigmoid(z) - y) / size"),

    # gradient checking
    alternative("forward_difference",
                "this is a forward difference (f(x+h) - f(x)) / h: use centred differences "
                "(f(x+h) - f(x-h)) / 2h"),
    alternative_or_fact("not_restored",
                        "x is left perturbed: put the original value back after each entry "
                        "(old = x[i]; ...; x[i] = old)"),
    alternative_or_fact("restored_by_arithmetic",
                        "x is restored by arithmetic (x[i] += h), which leaves rounding "
                        "errors: save the old value and assign it back"),
    alternative("step_ignored",
                "the result ignores the argument h (a fixed step is used): perturb by the h "
                "given"),
    alternative("dout_ignored",
                "the upstream gradient is ignored: weight the change of every output by dout, "
                "sum(dout * (f(x+h) - f(x-h))) / 2h"),
    alternative_or_fact("elementwise_relative_error",
                        "this is an element-wise relative error, max(|a-b| / (|a|+|b|)); the "
                        "SPEC's is by norms: norm(a-b) / max(1e-8, norm(a) + norm(b))"),
    alternative_or_fact("relative_error_without_floor",
                        "the relative error divides 0 by 0 for two zero arrays: keep the floor, "
                        "max(1e-8, norm(a) + norm(b))"),
    alternative("no_floor",
                "tiny arrays give 1.0: the denominator is max(1e-8, norm(a) + norm(b)), so "
                "norms below 1e-8 are divided by 1e-8"),
    alternative("floor_added",
                "the floor is max(1e-8, norm(a) + norm(b)), not norm(a) + norm(b) + 1e-8"),
    alternative("relative_to_a",
                "the denominator is norm(a) + norm(b), not norm(a)"),

    # network
    alternative_or_fact("init_wrong_fan",
                        "the weights' spread uses the wrong fan: He is N(0, 2/fan_in) with "
                        "fan_in = sizes[i-1]; Xavier is N(0, 2/(fan_in + fan_out))"),
    alternative_or_fact("init_variance_as_std",
                        "the variance was used as the standard deviation: std = "
                        "sqrt(2 / fan_in), not 2 / fan_in"),
    alternative("activation_on_last_layer",
                "the last layer must be linear: do not apply the activation to the scores"),
    alternative("l2_on_biases",
                "L2 regularisation applies to the weights W only, not to the biases b"),
    alternative("l2_missing_in_gradient",
                "the L2 term is in the loss but not in the gradient: add l2 * W to each dW"),
    alternative("l2_without_half",
                "the L2 term is l2 * sum(W**2): the SPEC's is 0.5 * l2 * sum(W**2), whose "
                "gradient is l2 * W"),
    alternative("l2_gradient_doubled",
                "the gradient of 0.5 * l2 * sum(W**2) is l2 * W, not 2 * l2 * W"),
    Rule("scores_instead_of_labels", _scores_instead_of_labels,
         "this returns the class scores: return their argmax over the classes (axis=1), "
         "one integer label per example"),

    # optimizers
    Rule("step_reversed", _step_reversed,
         "the update moves uphill: a step must go against the gradient (w - learning_rate * "
         "dw, or w + v with v = momentum * v - learning_rate * dw)"),
    alternative("momentum_state_not_kept",
                "the velocity is not kept between calls: store it in config['velocity'] and "
                "start from it at the next step"),
    alternative("adam_no_bias_correction",
                "the moments are not bias-corrected: divide m by (1 - beta1**t) and v by "
                "(1 - beta2**t)"),
    alternative_or_fact("adam_t_after_use",
                        "t is incremented after use: increment it first, so the first step "
                        "has t = 1"),

    # the training loop
    alternative("l2_ignored",
                "train does not pass l2 on to mlp_loss: the regularisation is never applied"),
    alternative("activation_ignored",
                "train does not pass activation on to mlp_loss (or predict): the default "
                "activation is used instead"),

    # minibatches
    fact("minibatch_drops_last",
         "the last, smaller batch is dropped: every sample must be used once per epoch "
         "(for start in range(0, N, batch_size))"),
    fact("minibatch_with_replacement",
         "samples repeat within an epoch: shuffle with a permutation (rng.permutation(N)), "
         "do not draw indices with replacement"),
    fact("minibatch_repeats_batch",
         "the same samples come back batch after batch: slice order[start:start + batch_size] "
         "with a start that moves"),

    # Generic transformations of the right value, from the most to the least specific.
    Rule("not_finite", _not_finite,
         "some values overflowed to inf or NaN: for large inputs, rewrite the formula so exp() "
         "only sees non-positive numbers and log() never sees 0 (subtract the maximum, or use "
         "the two-branch sigmoid or log-sum-exp)"),
    alternative("wrong_axis",
                "the reduction runs over the wrong axis: check the axis= of the sum, mean, max "
                "or argmax (the batch is axis 0, features or classes the last axis)"),
    Rule("batch_axis_kept", _batch_axis_kept,
         "the result keeps one entry per example: sum over the batch (axis=0), since every "
         "example contributes to this gradient"),
    Rule("times_N", _scaled(lambda c: c.get("N")),
         "the result is N times too large: did you sum over the batch where you should average "
         "(divide by N)?"),
    Rule("over_N", _scaled(lambda c: 1 / c["N"] if c.get("N") else None),
         "the result is N times too small: did you average over the batch where the gradient is "
         "a sum (or divide by N twice)?"),
    Rule("times_size", _scaled(lambda c: c.get("size")),
         "the result is as many times too large as there are elements: average over every "
         "element (divide by the array's size), not sum"),
    Rule("per_row_not_per_element",
         _scaled(lambda c: c["size"] / c["N"] if c.get("size") and c.get("N") else None),
         "the mean runs over the batch only: this loss is averaged over every element "
         "(divide by pred.size, not N)"),
    Rule("negated", _scaled(lambda c: -1),
         "the result has the wrong sign everywhere: check the sign of the gradient or of the "
         "difference (pred - target, probabilities - targets)"),
    Rule("times_2", _scaled(lambda c: 2),
         "the result is twice the right one: a factor 2 too many (the 0.5 in 0.5 * l2 * W**2, "
         "or the 2 of the square counted twice?)"),
    Rule("half", _scaled(lambda c: 0.5),
         "the result is half the right one: a factor 2 is missing (d/dx of x**2 is 2x)"),
    Rule("transposed", _transposed,
         "the result is the transpose of the right one: check the order of the matrix product "
         "(dW = x.T @ dout, dx = dout @ W.T)"),
]

RULE_NAMES = [rule.name for rule in RULES]


def diagnose(actual, expected, context):
    """One sentence naming the likely mistake, or None."""
    found = match(actual, expected, context)
    return found.sentence if found else None


def match(actual, expected, context):
    """The first Rule that recognises the student's value, or None."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    for rule in list(RULES) + [Rule(*extra) for extra in context.get("extra_rules", [])]:
        try:
            candidate = rule.candidate(actual, expected, context)
            if candidate is None:
                continue
            if candidate is True or isinstance(candidate, str):
                return rule
            candidate = np.asarray(candidate)
            if candidate.shape == actual.shape and _close(actual, candidate, context):
                return rule
        except Exception:  # noqa: BLE001 - a rule must never break a check
            continue
    return None


def rule_named_by(sentence):
    """The name of the rule whose sentence this is (hints in results.json are sentences)."""
    for rule in RULES:
        if rule.sentence == sentence:
            return rule.name
    return None


def sentence_of(name):
    """The sentence of a rule, for checks that observed the mistake themselves."""
    for rule in RULES:
        if rule.name == name:
            return rule.sentence
    raise KeyError(f"no hint rule named {name!r}")


def _close(a, b, context=None):
    a = np.asarray(a).astype(np.float64)
    b = np.asarray(b).astype(np.float64)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    rtol, atol = (context or {}).get("tolerance") or (1e-4, None)
    if atol is None:
        atol = 1e-6 * max(np.abs(b).max(initial=0.0), 1e-12)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))
