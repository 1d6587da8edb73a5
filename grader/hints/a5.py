"""Hints of assignment 5: the network, the update rules, the training loop, minibatches."""

from .rules import (
    Rule,
    alternative,
    alternative_or_fact,
    fact,
    scores_instead_of_labels,
    step_reversed,
)

RULES = [
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
    Rule("scores_instead_of_labels", scores_instead_of_labels,
         "this returns the class scores: return their argmax over the classes (axis=1), "
         "one integer label per example"),

    # optimizers
    Rule("step_reversed", step_reversed,
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
]
