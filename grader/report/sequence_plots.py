"""The figures of assignment 9's cards: what the student's RNN does with a sequence.

"sine": a few waves, the true curve beside the model's step-by-step continuation (each
prediction fed back as the newest sample). "memory": the trained model's accuracy
against the sequence length, and the norm of a gradient carried back from the last
state to each h_t by the student's own rnn_backward: where it has faded, the model
cannot learn to remember. Like plots.py: plain data of results.json in, a PNG data
URI out, PlotError with a sentence when the data cannot be drawn.
"""

import math

import numpy as np

from .plots import COLOURS, PlotError, _style, numbers, plt, to_data_uri


def sine_waves(waves):
    """[{"inputs", "true", "predicted", "frequency"}]: inputs and continuation per wave."""
    if not isinstance(waves, list) or not waves:
        raise PlotError("no waves were kept")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    steps = None
    for number, wave in enumerate(waves):
        if not isinstance(wave, dict):
            raise PlotError("a wave is not a record")
        true = numbers(wave.get("true"), "the true wave")
        inputs = numbers(wave.get("inputs"), "the inputs")
        predicted = numbers(wave.get("predicted"), "the predictions")
        steps = len(inputs)
        colour = COLOURS[number % len(COLOURS)]
        ax.plot(range(len(true)), true, color=colour, alpha=0.35, linewidth=1.4)
        ax.plot(range(steps), inputs, ".", color=colour, markersize=3)
        ax.plot(range(steps, steps + len(predicted)), predicted, "o", color=colour,
                markersize=3.5, label=f"w = {wave.get('frequency')}")
    ax.axvline(steps - 0.5, color="#555555", linestyle=":", linewidth=1.0)
    ax.set(xlabel="t", ylabel="value", title="your continuation (dots) of the true waves")
    ax.legend(fontsize=7, frameon=False)
    _style(ax)
    return to_data_uri(figure)


def accuracy_by_length(rows):
    """[{"steps", "accuracy"}]: the memory model's accuracy against the sequence length."""
    if not isinstance(rows, list) or not rows:
        raise PlotError("no lengths were measured")
    steps = numbers([r.get("steps") if isinstance(r, dict) else None for r in rows],
                    "the lengths")
    accuracy = numbers([r.get("accuracy") if isinstance(r, dict) else None for r in rows],
                       "the accuracies")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    ax.plot(steps, accuracy, "o-", color=COLOURS[0], linewidth=1.6)
    ax.axhline(1 / 8, color=COLOURS[3], linestyle="--", linewidth=1.0, label="chance (1/8)")
    ax.axvline(20, color="#555555", linestyle=":", linewidth=1.0, label="trained on T = 20")
    ax.set(xlabel="sequence length T", ylabel="accuracy", ylim=(0, 1.05),
           title="remembering the first symbol")
    ax.legend(fontsize=7, frameon=False)
    _style(ax, integer_x=False)
    return to_data_uri(figure)


def gradient_through_time(rows):
    """[{"step", "norm"}]: |dL/dh_t| of a unit gradient at the last state, on a log scale."""
    if not isinstance(rows, list) or not rows:
        raise PlotError("no gradients were measured")
    norms = np.array(numbers([r.get("norm") if isinstance(r, dict) else None for r in rows],
                             "the gradient norms"), dtype=float)
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    ax.plot(np.arange(len(norms)), norms, "o-", color=COLOURS[2], linewidth=1.6)
    positive = [v for v in norms if math.isfinite(v) and v > 0]
    if positive and max(positive) / min(positive) > 30:
        ax.set_yscale("log")
    ax.set(xlabel="step t", ylabel="|dL/dh_t|", title="a gradient from the last state, "
                                                      "carried back")
    _style(ax)
    return to_data_uri(figure)
