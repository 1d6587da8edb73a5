"""The report's figure of assignment 7's deep task: the gradient of each layer against its depth.

From the history the student's fit returned: history["grad_norm"] holds, per key of
model.params ("0.W", "1.gamma", "3.W", ...), the norm of that gradient at each epoch's
last step. The weights of the Linear layers, in the order of the model, drawn against
their depth at the first and the last epoch, show at a glance whether the gradient
reaches the first layers (batch normalization) or fades on its way down (a deep
sigmoid network without it).
"""

import math

from .plots import COLOURS, MARKERS, PlotError, _style, numbers, plt, to_data_uri


def linear_weight_norms(grad_norm):
    """[(layer index in the model, [norm per epoch])] of every "<index>.W", in model order."""
    if not isinstance(grad_norm, dict) or not grad_norm:
        raise PlotError("the gradient norms are missing")
    weights = []
    for key, values in grad_norm.items():
        index, _, name = str(key).partition(".")
        if name == "W" and index.isdigit():
            weights.append((int(index), numbers(values, f"the gradient norms of {key}")))
    if len(weights) < 2:
        raise PlotError('the history has fewer than two "<index>.W" gradient norms')
    return sorted(weights)


def gradient_by_depth(grad_norm):
    """Each Linear's weight-gradient norm against its depth, at the first and last epoch."""
    weights = linear_weight_norms(grad_norm)
    depth = list(range(1, len(weights) + 1))
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    epochs = len(weights[0][1])
    shown = [(0, "epoch 1")] + ([(epochs - 1, f"epoch {epochs}")] if epochs > 1 else [])
    positive = []
    for number, (epoch, label) in enumerate(shown):
        values = [norms[epoch] if epoch < len(norms) else math.nan for _, norms in weights]
        positive += [v for v in values if math.isfinite(v) and v > 0]
        ax.plot(depth, values, color=COLOURS[number], marker=MARKERS[number], linewidth=1.6,
                label=label)
    if positive and max(positive) / min(positive) > 30:
        ax.set_yscale("log")
    ax.set(xlabel="Linear layer (1 = nearest the input)", ylabel="gradient norm of W",
           title="gradient norm by depth")
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    return to_data_uri(figure)
