"""Hints of assignment 4: gradient checking."""

from .rules import alternative, alternative_or_fact

RULES = [
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
]
