"""The figures of assignment 10's value_moons card: what a scalar-autograd run shows.

Like plots.py: plain data of results.json in, a PNG data URI out, PlotError with a
sentence when the data cannot be drawn.
"""

import math

import numpy as np

from .plots import COLOURS, PlotError, _style, numbers, plt, to_data_uri


def step_loss(losses):
    """The max-margin loss at each gradient-descent step (full batch: one per step)."""
    values = numbers(losses, "the losses")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    ax.plot(np.arange(1, len(values) + 1), values, color=COLOURS[0], linewidth=1.8)
    if all(v > 0 for v in values if math.isfinite(v)) and max(values) > 30 * min(values):
        ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="loss", title="max-margin loss + L2, per step")
    _style(ax)
    return to_data_uri(figure)


def margins(values):
    """The trained model's margins y * score on the training points, the margin of 1 marked.

    A point is classified right when its margin is positive, and costs nothing in the
    loss once it is at least 1.
    """
    data = np.array(numbers(values, "the margins"))
    if data.size == 0:
        raise PlotError("no margins were kept")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    low, high = min(float(data.min()), -1.0), max(float(data.max()), 2.0)
    ax.hist(data, bins=np.linspace(low, high, 31), color=COLOURS[2], edgecolor="white")
    ax.axvline(0.0, color=COLOURS[3], linestyle="--", linewidth=1.2, label="0: wrong side below")
    ax.axvline(1.0, color="#555555", linestyle=":", linewidth=1.2, label="1: no loss above")
    wrong = int(np.sum(data <= 0))
    ax.set(xlabel="y * score", ylabel="points",
           title=f"margins ({wrong} of {data.size} on the wrong side)")
    ax.legend(fontsize=8, frameon=False)
    _style(ax, integer_x=False)
    return to_data_uri(figure)
