"""The report's card of assignment 8's cnn task: what the student's first layer learned, and
where the CNN beats a perceptron.

From the task's artifact (grader/tasks/cnn.py): "filters" holds the trained model's first
4-d parameter (F, C, k, k) and that layer's own forward on a few test digits (as the network
saw them, turned by the hidden symmetry); "comparison" the test errors per class of the CNN
and of a 784-31-10 perceptron of the student's modules trained on the same data, and digits
only the perceptron got wrong.
"""

import numpy as np

from .plots import COLOURS, PlotError, _style, plt, to_data_uri


def filters_and_maps(filters, shown=8):
    """Row 1: the first-layer filters (channel 0); then each digit and its feature maps."""
    if not isinstance(filters, dict) or "weights" not in filters:
        raise PlotError((filters or {}).get("error", "no first-layer filters were kept")
                        if isinstance(filters, dict) else "no first-layer filters were kept")
    try:
        weights = np.asarray(filters["weights"], dtype=float)[:shown, 0]
        digits = np.asarray(filters["digits"], dtype=float)
        maps = np.asarray(filters["maps"], dtype=float)[:, :shown]
    except (KeyError, TypeError, ValueError):
        raise PlotError("the kept filters are malformed") from None
    if weights.ndim != 3 or maps.ndim != 4 or digits.ndim != 3:
        raise PlotError("the kept filters or feature maps have unexpected shapes")
    columns = 1 + len(weights)
    figure, axes = plt.subplots(1 + len(digits), columns,
                                figsize=(1.0 * columns, 1.05 * (1 + len(digits))))
    axes = np.atleast_2d(axes)
    axes[0, 0].text(0.5, 0.5, "filters", ha="center", va="center", fontsize=8)
    for f, kernel in enumerate(weights):
        peak = np.abs(kernel).max() or 1.0
        axes[0, f + 1].imshow(kernel, cmap="RdBu_r", vmin=-peak, vmax=peak)
    for row, digit in enumerate(digits):
        axes[row + 1, 0].imshow(digit, cmap="gray_r")
        for f in range(min(len(weights), maps.shape[1])):
            axes[row + 1, f + 1].imshow(maps[row, f], cmap="viridis")
    for axis in axes.ravel():
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout(pad=0.2)
    return to_data_uri(figure)


def errors_by_class(comparison):
    """Test error rate per digit class, the CNN's beside the perceptron's."""
    if not isinstance(comparison, dict) or "cnn_errors" not in comparison:
        raise PlotError((comparison or {}).get("error", "no comparison was kept")
                        if isinstance(comparison, dict) else "no comparison was kept")
    try:
        cnn = 100 * np.asarray(comparison["cnn_errors"], dtype=float)
        mlp = 100 * np.asarray(comparison["perceptron_errors"], dtype=float)
    except (TypeError, ValueError):
        raise PlotError("the kept error rates are malformed") from None
    if cnn.shape != (10,) or mlp.shape != (10,):
        raise PlotError("the kept error rates are not one per class")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    classes = np.arange(10)
    ax.bar(classes - 0.2, mlp, width=0.4, color=COLOURS[1],
           label=f"perceptron {comparison.get('perceptron', '')}")
    ax.bar(classes + 0.2, cnn, width=0.4, color=COLOURS[0], label="your CNN")
    ax.set_xticks(classes)
    ax.set_xlabel("true digit")
    ax.set_ylabel("test error (%)")
    ax.legend(fontsize=8)
    _style(ax, integer_x=False)
    return to_data_uri(figure)


def comparison_caption(comparison):
    if not isinstance(comparison, dict) or "cnn_accuracy" not in comparison:
        return ""
    return (f"Your CNN: {100 * comparison['cnn_accuracy']:.2f}% right; the perceptron "
            f"{comparison.get('perceptron', '')} of your modules, three epochs on the same "
            f"data: {100 * comparison['perceptron_accuracy']:.2f}%. Wrong for both: "
            f"{comparison['both_wrong']}; only the CNN: {comparison['only_cnn_wrong']}; only "
            f"the perceptron: {comparison['only_perceptron_wrong']}.")
