"""Hints of assignment 1: activations and their derivatives."""

from .rules import alternative

RULES = [
    # the neuron (and, later, every affine layer)
    alternative("bias_missing", "the bias is missing: out = x @ W + b"),
    # activations
    alternative("derivative_of_output",
                "this is the derivative written in terms of the activation's OUTPUT applied to "
                "its input: the argument is z, so compute s = sigmoid(z) (or t = tanh(z)) first"),
    alternative("relu_grad_at_zero",
                "at z == 0 the derivative of ReLU is 0 (use z > 0, not z >= 0)"),
    alternative("alpha_ignored",
                "the result is that of the default alpha=0.01: use the alpha argument, not a "
                "constant"),
    alternative("leaky_relu_grad_without_alpha",
                "for z <= 0 the derivative of leaky ReLU is alpha, not 0"),
    alternative("sigmoid_of_minus_z",
                "this is sigmoid(-z) = 1 - sigmoid(z): check the sign of the exponent, "
                "sigmoid(z) = 1 / (1 + exp(-z))"),
    alternative("softmax_whole_array",
                "the softmax is normalised over the whole array: sum over the last axis only "
                "(axis=-1, keepdims=True) so that each row sums to 1"),
]
