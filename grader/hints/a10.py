"""Hints of assignment 10: the mistakes of a scalar autograd engine.

The checks of test_a10_autograd.py evaluate each graph on the trusted side twice
over: right, and with each mistake below (a trusted twin of the engine with that
one mistake); a rule names the mistake whose twin gives the student's numbers.
Where a mistake's result depends on an order the student chose (which of two
consumers writes last, with `=`), the check passes every outcome it can have.
"""

from .rules import Rule, close, fact


def any_alternative(name, sentence):
    """A rule matched by any of the arrays a check computed for this mistake (a list)."""
    def candidate(actual, expected, context):
        options = context.get("alternatives", {}).get(name)
        if options is None:
            return None
        options = options if isinstance(options, list) else [options]
        for option in options:
            if option is not None and getattr(option, "shape", None) == actual.shape \
                    and close(actual, option, context):
                return option
        return None
    return Rule(name, candidate, sentence)


RULES = [
    any_alternative("grad_assigned_not_added",
                    "a node used more than once keeps only one contribution: each operation's "
                    "backward must add to its inputs' grad (+=), not set it (=)"),
    any_alternative("backward_not_seeded",
                    "every gradient is 0: backward must start by setting the output's own grad "
                    "to 1 (d out / d out), or nothing flows back"),
    any_alternative("backward_forward_order",
                    "gradients flow in the wrong order: a node may pass its grad to its inputs "
                    "only once every node that uses it has passed its own, so walk the "
                    "topological order reversed (the output first)"),
    any_alternative("node_visited_twice",
                    "some contributions are counted twice: a node reached by two paths (a "
                    "diamond) must appear once in the topological order; mark it visited "
                    "before looking at its inputs again"),
    any_alternative("power_rule_swapped",
                    "the power rule has base and exponent swapped: d(x**n)/dx is n times x to "
                    "the power n - 1, with n the number exponent"),
    any_alternative("exp_log_derivatives_swapped",
                    "the derivatives of exp and log are mixed up: d exp(x)/dx is exp(x), "
                    "d log(x)/dx is 1 / x"),
    any_alternative("exp_derivative_from_input",
                    "d exp(x)/dx is the output exp(x), not the input x"),
    any_alternative("tanh_derivative_wrong",
                    "d tanh(x)/dx is 1 - tanh(x)**2, written with the output t = tanh(x), "
                    "not 1 - x**2"),
    any_alternative("relu_derivative_wrong",
                    "ReLU's local derivative is 1 where the input is positive and 0 elsewhere "
                    "(not the output's value)"),
    any_alternative("reflected_operator_wrong",
                    "a reflected operator computes self - other (or self / other) instead of "
                    "other - self (other / self): __rsub__ and __rtruediv__ have their number "
                    "on the left"),
    any_alternative("power_rule_factor_missing",
                    "the power rule lost its factor: d(x**n)/dx is n * x**(n - 1), not "
                    "x**(n - 1)"),
    any_alternative("mul_derivative_swapped",
                    "the product rule is mixed up: d(x * y)/dx is y (the other factor), not x"),
    any_alternative("sigmoid_derivative_wrong",
                    "d sigmoid(x)/dx is s * (1 - s) with s = sigmoid(x), not s alone"),
    fact("backward_seed_accumulated",
         "backward adds 1 to the output's grad instead of setting it to 1: a second backward "
         "then starts from 2 and counts everything three times"),
    fact("neuron_bias_not_zero",
         "a Neuron's bias starts at 0 (micrograd's Value(0)); only the weights are random"),
    fact("neuron_weights_not_uniform",
         "a Neuron's weights are uniform in [-1, 1] (rng.uniform(-1, 1)), not Gaussian"),
    fact("parameters_order",
         "parameters() lists each neuron's weights first, then its bias (micrograd's order)"),
    fact("layer_single_output",
         "a Layer of one neuron returns that Value itself, not a list of one"),
    fact("zero_grad_not_applied",
         "zero_grad must set the grad attribute of each parameter Value itself to 0.0"),
    any_alternative("l2_convention",
                    "the L2 term here is l2 times the sum of the squares of every parameter: no "
                    "factor 0.5 (that was assignment 5's), and biases included"),
    any_alternative("margin_loss_not_averaged",
                    "the data loss is the mean of relu(1 - y * score) over the points, not "
                    "their sum"),
    any_alternative("last_layer_nonlinear",
                    "the MLP's last layer must be linear (nonlin=False): its scores may be "
                    "negative"),
]
