"""Hints of assignment 3: losses."""

from .rules import alternative

RULES = [
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
]
