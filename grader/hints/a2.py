"""Hints of assignment 2: layers, forward and backward, and dropout."""

from .rules import alternative, alternative_or_fact

RULES = [
    # layers
    alternative("upstream_ignored",
                "the backward returns the local derivative only: multiply it by the upstream "
                "gradient dout (chain rule)"),
    alternative("relu_mask_from_dout",
                "the ReLU mask is taken from dout; it must come from the forward's input "
                "(where was the unit active?)"),
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
]
