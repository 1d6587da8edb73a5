"""The report's figure of assignment 7's deep task: the gradient of each layer against its depth.

From the history the student's fit returned: history["grad_norm"] holds, per key of
model.params ("0.W", "1.gamma", "3.W", ...), the norm of that gradient at each epoch's
last step. The weights of the Linear layers, in the order of the model, drawn against
their depth at the first and the last epoch, show at a glance whether the gradient
reaches the first layers (batch normalization) or fades on its way down (a deep
sigmoid network without it). The grader's experiment (grader/tasks/deep.py, after the
graded run) adds the same depth with sigmoid, without and with batch normalization.
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


def gradient_by_depth(grad_norm, experiment=None):
    """Each Linear's weight-gradient norm against its depth, at the first and last epoch.

    experiment: {label: {"<index>.W": [norm]}} of the grader's one-epoch runs of the same
    depth with sigmoid, without and with batch normalization (dashed), or None.
    """
    weights = linear_weight_norms(grad_norm)
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    epochs = len(weights[0][1])
    shown = [(f"your network, epoch {epoch + 1}", [(i, norms[epoch] if epoch < len(norms)
                                                    else math.nan) for i, norms in weights])
             for epoch in sorted({0, epochs - 1})]
    for label, norms in (experiment or {}).items():
        if isinstance(norms, dict) and "error" not in norms:
            try:
                shown.append((label, [(i, values[-1]) for i, values in
                                      linear_weight_norms(norms)]))
            except PlotError:
                continue
    positive = []
    for number, (label, points) in enumerate(shown):
        values = [value for _, value in points]
        positive += [v for v in values if math.isfinite(v) and v > 0]
        ax.plot(range(1, len(values) + 1), values, color=COLOURS[number % len(COLOURS)],
                marker=MARKERS[number % len(MARKERS)], linewidth=1.6, label=label,
                linestyle="-" if label.startswith("your") else "--")
    if positive and max(positive) / min(positive) > 30:
        ax.set_yscale("log")
    ax.set(xlabel="Linear layer (1 = nearest the input)", ylabel="gradient norm of W",
           title="gradient norm by depth")
    ax.legend(fontsize=7, frameon=False)
    _style(ax)
    return to_data_uri(figure)
