"""The report's figures, drawn with matplotlib and returned as PNG data URIs.

Every function takes the plain data of results.json (lists of numbers, dicts)
and returns "data:image/png;base64,...", so a page embeds its figures and
needs no other file. Data that came from a student's run is not trusted to
have the right form: a function that cannot draw its figure raises
PlotError with a sentence for the reader, and the page shows that sentence
in the figure's place.

Colours are the Okabe-Ito palette (distinguishable with the common forms of
colour blindness) and every series also differs by line style or marker.
"""

import base64
import io
import math

import matplotlib
import matplotlib.patches

matplotlib.use("Agg")  # no display; must come before pyplot is imported
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

# Okabe-Ito: blue, orange, bluish green, vermillion, reddish purple, sky blue, yellow.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]
LINE_STYLES = ["-", "--", "-.", ":"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
WRONG_COLOUR = "#D55E00"
DPI = 110
MAX_POINTS = 2000  # scatter points drawn per figure; more only slows the page


class PlotError(ValueError):
    """A figure cannot be drawn from the data given; the message says why."""


def _style(ax, integer_x=True):
    ax.spines[["top", "right"]].set_visible(False)
    if integer_x:  # epochs are whole numbers
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)


def to_data_uri(figure):
    """The figure as a PNG data URI; closes the figure."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    finally:
        plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def numbers(values, what):
    """A list of finite-or-not floats from untrusted data, or PlotError."""
    if not isinstance(values, (list, tuple)) or not values:
        raise PlotError(f"{what} is missing or empty")
    try:
        return [float(v) if v is not None else math.nan for v in values]
    except (TypeError, ValueError):
        raise PlotError(f"{what} holds values that are not numbers") from None


def _epochs(count):
    return np.arange(1, count + 1)


def loss_curve(history):
    """The training loss per epoch (the mean of the epoch's minibatch losses)."""
    if not isinstance(history, dict):
        raise PlotError("the training history is missing")
    loss = numbers(history.get("loss"), "the loss history")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    ax.plot(_epochs(len(loss)), loss, color=COLOURS[0], linewidth=1.8)
    if all(v > 0 for v in loss if math.isfinite(v)) and _spread(loss) > 30:
        ax.set_yscale("log")  # a loss falling by orders of magnitude reads better on a log axis
    ax.set(xlabel="epoch", ylabel="loss", title="training loss")
    _style(ax)
    return to_data_uri(figure)


def accuracy_curve(history, threshold=None, partial_threshold=None, measured=None):
    """Train (and validation) accuracy per epoch, the thresholds dashed, the axis zoomed.

    The vertical axis shows the band that matters, from a little below the lowest of the
    curve, the thresholds and the grader's measurement, up to 100%: on MNIST that is
    90-100%, not 0-100% where 95% and 98% look alike. The first of five or more epochs is
    left below the axis when it alone would more than double the band, and the axis label
    then says how low it went.

    Args:
        history: {"train_acc": [...], "val_acc": [...] (optional)}, fractions in [0, 1].
        threshold: the accuracy for full credit, or None.
        partial_threshold: the accuracy for partial credit, or None.
        measured: (label, accuracy) the grader measured after training (a test accuracy),
            drawn as a point at the last epoch, or None.
    """
    if not isinstance(history, dict) or not history.get("train_acc"):
        raise PlotError("the accuracy history is missing")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    curves = []
    for index, (key, label) in enumerate([("train_acc", "train"), ("val_acc", "validation")]):
        if history.get(key):
            values = [100 * v for v in numbers(history[key], f"the {label} accuracy history")]
            ax.plot(_epochs(len(values)), values, color=COLOURS[index + 1],
                    linestyle=LINE_STYLES[index], linewidth=1.8, label=label,
                    marker="." if len(values) <= 30 else None)
            curves.append(values)
    marks = []
    for value, style, name in ((threshold, ":", "full credit"),
                               (partial_threshold, "-.", "partial credit")):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ax.axhline(100 * value, color="#555555", linestyle=style, linewidth=1.2,
                       label=f"{name} ({100 * value:g}%)")
            marks.append(100 * value)
    if measured is not None:
        label, value = measured
        value = 100 * float(value)
        ax.scatter([len(curves[0])], [value], marker="D", s=36, color=COLOURS[3], zorder=3,
                   label=f"{label}: {value:.2f}%")
        marks.append(value)
    lower, below = accuracy_axis(curves, marks)
    xlabel = "epoch" if below is None else f"epoch (epoch 1 below the axis: {below:.1f}%)"
    # Below the axes: on a zoomed axis, inside, it would hide the curves it names.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8,
              frameon=False)
    ax.set(xlabel=xlabel, ylabel="accuracy (%)", title="accuracy", ylim=(lower, 100.5))
    _style(ax)
    return to_data_uri(figure)


def accuracy_axis(curves, marks):
    """(lowest value on the axis, lowest value left below it or None), in percent.

    curves: the plotted accuracy curves (percent per epoch); marks: thresholds and
    measurements that must stay on the axis.
    """
    finite = [[v for v in curve if math.isfinite(v)] for curve in curves]
    everything = [v for curve in finite for v in curve]
    later = [v for curve in finite for v in curve[1 if len(curve) >= 5 else 0:]]
    later += [m for m in marks if math.isfinite(m)]
    if not later:
        return 0.0, None
    low = min(later)
    # The first epoch stays on the axis unless it alone would more than double the band.
    if everything and 100 - min(everything) <= 2 * (100 - low):
        low = min(low, min(everything))
    low = max(0.0, low)
    lower = max(0.0, math.floor(low - 0.05 * (100 - low)))
    if lower <= 2:
        lower = 0.0
    left_out = [v for v in everything if v < lower]
    return float(lower), (min(left_out) if left_out else None)


def _spread(values):
    finite = [v for v in values if math.isfinite(v) and v > 0]
    return max(finite) / min(finite) if finite else 1.0


def gradient_norms(grad_norm, title=""):
    """L2 norm of each parameter's gradient per epoch, weights solid, biases dashed."""
    if not isinstance(grad_norm, dict) or not grad_norm:
        raise PlotError("the gradient norms are missing")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    names = sorted(grad_norm, key=_layer_order)
    weights = [n for n in names if not n.startswith("b")]
    for name in names:
        values = numbers(grad_norm[name], f"the gradient norms of {name}")
        layer = weights.index(name) if name in weights else _layer_order(name)[1] - 1
        ax.plot(_epochs(len(values)), values, color=COLOURS[layer % len(COLOURS)],
                linestyle="-" if name in weights else "--", linewidth=1.6, label=name)
    positive = [v for name in names for v in numbers(grad_norm[name], name)
                if math.isfinite(v) and v > 0]
    if positive and max(positive) / min(positive) > 30:
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="gradient norm", title=title or "gradient norm per layer")
    # Beside the axes: inside, it would hide the curves it names.
    ax.legend(fontsize=8, frameon=False, ncol=1 if len(names) <= 8 else 2,
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _style(ax)
    return to_data_uri(figure)


def _layer_order(name):
    """("W", 2) for "W2": layers in numeric order, W before b."""
    digits = "".join(c for c in name if c.isdigit())
    return (0 if name.startswith("W") else 1, int(digits) if digits else 0, name)


def decision_boundary(points, grid, title=""):
    """The predicted class over a grid of the plane, with the data points on top.

    Args:
        points: {"X": [[x1, x2], ...], "y": [labels]}.
        grid: {"x": [xs], "y": [ys], "labels": [[label at (xs[j], ys[i])] per row i]}.
    """
    if not isinstance(grid, dict) or not isinstance(points, dict):
        raise PlotError("the predictions over the plane are missing")
    xs = np.array(numbers(grid.get("x"), "the grid's x values"))
    ys = np.array(numbers(grid.get("y"), "the grid's y values"))
    try:
        labels = np.array(grid.get("labels"), dtype=float)
        X = np.array(points.get("X"), dtype=float)
        y = np.array(points.get("y"), dtype=float).ravel()
    except (TypeError, ValueError):
        raise PlotError("the points or the grid's labels are not numbers") from None
    if labels.shape == (len(xs), len(ys)) and labels.shape != (len(ys), len(xs)):
        labels = labels.T  # stored column by column
    if labels.shape != (len(ys), len(xs)):
        raise PlotError(f"the grid's labels have shape {labels.shape}, "
                        f"not ({len(ys)}, {len(xs)})")
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
        raise PlotError("the data points are not (N, 2) with N labels")
    classes = int(np.nanmax(np.concatenate([labels.ravel(), y, [1]]))) + 1
    classes = max(2, min(classes, len(COLOURS)))
    light = [_lighten(c, 0.72) for c in COLOURS[:classes]]
    figure, ax = plt.subplots(figsize=(4.2, 4.0))
    ax.pcolormesh(xs, ys, np.clip(labels, 0, classes - 1), cmap=ListedColormap(light),
                  vmin=-0.5, vmax=classes - 0.5, shading="nearest")
    if len(X) > MAX_POINTS:  # a fixed subsample: the picture, not every point, matters
        keep = np.random.default_rng(0).choice(len(X), MAX_POINTS, replace=False)
        X, y = X[keep], y[keep]
    for label in range(classes):
        chosen = y == label
        ax.scatter(X[chosen, 0], X[chosen, 1], s=14 if len(X) > 50 else 60,
                   color=COLOURS[label], marker=MARKERS[label], edgecolors="white",
                   linewidths=0.4, label=f"class {label}")
    ax.set(xlim=(xs.min(), xs.max()), ylim=(ys.min(), ys.max()), aspect="equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=8, loc="upper right", framealpha=0.85)
    ax.set_title(title, fontsize=11)
    return to_data_uri(figure)


def _lighten(colour, amount):
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    return tuple(rgb + (1 - rgb) * amount)


def digit_grid(samples, columns=6):
    """MNIST test digits with their predicted and true labels; wrong ones framed and marked.

    One image (a mosaic of the digits) in one axes: far faster to draw than a subplot
    per digit.
    """
    if not isinstance(samples, list) or not samples:
        raise PlotError("no test digits were kept")
    samples = samples[:36]
    rows = math.ceil(len(samples) / columns)
    cell, gap, label = 28, 12, 12  # pixels of a digit, between digits, of the label above
    height, width = cell + 4 + label, cell + gap
    mosaic = np.zeros((rows * height, columns * width))
    figure, ax = plt.subplots(figsize=(1.0 * columns, 1.05 * rows))
    for number, sample in enumerate(samples):
        try:
            image = np.array(sample["pixels"], dtype=float).reshape(28, 28)
            predicted, true = int(sample["predicted"]), int(sample["true"])
        except (KeyError, TypeError, ValueError):
            plt.close(figure)
            raise PlotError("a kept test digit is malformed") from None
        top, left = (number // columns) * height + label, (number % columns) * width
        peak = np.nanmax(image) if np.isfinite(image).any() else 1.0
        mosaic[top:top + cell, left:left + cell] = image / (peak if peak > 0 else 1.0)
        wrong = predicted != true
        caption = f"✗ {predicted} (true {true})" if wrong else str(predicted)
        ax.text(left + cell / 2, top - 2, caption, ha="center", va="bottom",
                fontsize=7 if wrong else 9, color=WRONG_COLOUR if wrong else "#222222",
                fontweight="bold" if wrong else None)
        if wrong:
            ax.add_patch(matplotlib.patches.Rectangle((left - 1.5, top - 1.5), cell + 2, cell + 2,
                                                      fill=False, edgecolor=WRONG_COLOUR,
                                                      linewidth=2))
    ax.imshow(mosaic, cmap="gray_r", interpolation="nearest", vmin=0, vmax=1)
    ax.set_xlim(-gap / 2, columns * width - gap / 2)
    ax.set_ylim(rows * height, 0)
    ax.axis("off")
    return to_data_uri(figure)


def experiment_curves(runs, title, legend_title):
    """Loss per epoch of runs that differ in one setting (init or activation).

    Args:
        runs: {setting: {"loss": [...]} or {"error": "..."}}; failed runs are
            listed in the legend as not run.
    """
    if not isinstance(runs, dict) or not runs:
        raise PlotError("the experiment has no runs")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    drawn = 0
    for index, (setting, run) in enumerate(runs.items()):
        style = dict(color=COLOURS[index % len(COLOURS)],
                     linestyle=LINE_STYLES[index % len(LINE_STYLES)])
        if isinstance(run, dict) and run.get("loss"):
            loss = numbers(run["loss"], f"the loss of the {setting} run")
            accuracy = run.get("train_acc")
            last = accuracy[-1] if accuracy else None
            suffix = f" (accuracy {100 * float(last):.0f}%)" if last is not None else ""
            ax.plot(_epochs(len(loss)), loss, linewidth=1.8, label=f"{setting}{suffix}", **style)
            drawn += 1
        else:
            ax.plot([], [], label=f"{setting}: failed", **style)
    if not drawn:
        plt.close(figure)
        raise PlotError("none of the runs finished")
    ax.set(xlabel="epoch", ylabel="training loss", title=title)
    # Below the axes: inside, it would hide the curves it names.
    ax.legend(title=legend_title, fontsize=8, title_fontsize=8, frameon=False,
              loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    _style(ax)
    return to_data_uri(figure)


def score_histogram(percentages):
    """The class's scores in 10-point bins from 0 to 100%."""
    figure, ax = plt.subplots(figsize=(6.4, 2.8))
    bins = np.linspace(0, 100, 11)
    counts, _, _ = ax.hist(np.clip(percentages, 0, 100), bins=bins, color=COLOURS[0],
                           edgecolor="white", linewidth=1.2)
    for count, left in zip(counts, bins[:-1]):
        if count:
            ax.text(left + 5, count, f"{int(count)}", ha="center", va="bottom", fontsize=8)
    ax.set(xlabel="score (%)", ylabel="students", xlim=(0, 100), xticks=bins)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _style(ax, integer_x=False)
    return to_data_uri(figure)
