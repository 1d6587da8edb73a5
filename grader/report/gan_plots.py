"""The figures of assignment 11's ring card: what a GAN run shows.

Like plots.py: plain data of results.json in, a PNG data URI out, PlotError with a
sentence when the data cannot be drawn. The artifact is grader/tasks/gan.py's.
"""

import numpy as np

from .plots import COLOURS, PlotError, _style, numbers, plt, to_data_uri


def _points(values, what):
    array = np.asarray(values, dtype=np.float64) if values is not None else np.zeros((0, 2))
    if array.ndim != 2 or array.shape[1:] != (2,):
        raise PlotError(f"{what} are not points of the plane")
    return array


def samples_over_training(pictures, data, centres, radius):
    """G's samples over the data at each recorded step: one small scatter plot each.

    The last picture is the graded G; the earlier ones come from the ungraded run in
    segments (grader/tasks/gan.py). The circles are the 'near a mode' radius.
    """
    shown = [p for p in pictures or [] if isinstance(p, dict) and "samples" in p]
    if not shown:
        errors = [p.get("error") for p in pictures or [] if isinstance(p, dict)]
        raise PlotError(errors[0] if errors and errors[0] else "no samples were kept")
    data, centres = _points(data, "the data"), _points(centres, "the centres")
    figure, axes = plt.subplots(1, len(shown), figsize=(2.4 * len(shown), 2.7), squeeze=False)
    for ax, picture in zip(axes[0], shown):
        samples = _points(picture["samples"], "G's samples")
        ax.scatter(data[:, 0], data[:, 1], s=3, color="#BBBBBB", label="data")
        ax.scatter(samples[:, 0], samples[:, 1], s=3, color=COLOURS[3], alpha=0.6,
                   label="G(z)")
        for centre in centres:
            ax.add_patch(plt.Circle(centre, radius, fill=False, color=COLOURS[0], lw=0.8))
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        title = f"step {picture.get('step', '?')}"
        ax.set_title(title + (" (graded)" if picture.get("graded") else ""), fontsize=9)
    figure.tight_layout()
    return to_data_uri(figure)


def both_losses(history):
    """The discriminator's and the generator's losses at each (thinned) step."""
    if not isinstance(history, dict):
        raise PlotError("train_gan returned no losses")
    figure, ax = plt.subplots(figsize=(4.8, 3.4))
    for colour, key in zip(COLOURS, ("d_loss", "g_loss")):
        curve = history.get(key) or {}
        values = numbers(curve.get("loss"), f"history[{key!r}]")
        steps = curve.get("step") or list(range(1, len(values) + 1))
        ax.plot(steps[:len(values)], values, color=colour, linewidth=1.0, label=key)
    ax.axhline(np.log(4), color="#555555", linestyle=":", linewidth=1, label="log 4, log 2: D "
               "cannot tell")
    ax.axhline(np.log(2), color="#555555", linestyle=":", linewidth=1)
    ax.set(xlabel="step", ylabel="loss", title="both losses per step")
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    return to_data_uri(figure)


def ring_card(label, artifact, draw):
    """The figures of the ring card, as HTML (draw: feedback.py's _draw)."""
    pictures = draw(f"{label} samples", f"{label}: your generator's samples over the data as "
                    "it trains", lambda: samples_over_training(
                        artifact.get("pictures"), artifact.get("data"), artifact.get("centres"),
                        artifact.get("near_radius", 0.15)),
                    "Grey: the data; red: G's samples on the grader's latent vectors; circles: "
                    "the 'near a mode' radius. The last picture is the graded G; the earlier "
                    "ones are an ungraded run of the same settings in four segments.")
    losses = draw(f"{label} losses", f"{label}: the discriminator's and the generator's losses",
                  lambda: both_losses(artifact.get("history")),
                  "Neither loss says whether G covers the modes: the samples do.")
    return f'<div class="figrow">{pictures}</div><div class="figrow">{losses}</div>'
