"""Assignment 9's task cards: the loss, then what the RNN does with sequences.

"sine": the training loss, the continuation of a few waves, the gradient norms per
epoch; "memory": the training loss, accuracy against the sequence length, and the
gradient carried back through time (sequence_plots.py draws them).
"""

from . import plots, sequence_plots
from .page import text


def card(task, label, artifact, head, standing, failure, draw):
    history = artifact["history"]
    loss = draw(f"{label} loss", f"{label}: training loss per epoch",
                lambda: plots.loss_curve(history))
    if task == "sine":
        second = draw(f"{label} waves", f"{label}: your model continuing sine waves",
                      lambda: sequence_plots.sine_waves(artifact.get("waves")),
                      "Faint lines: the true waves; small dots: the noisy inputs; large "
                      "dots: your model's predictions, each fed back as the next input.")
        third = draw(f"{label} gradient norms", f"{label}: gradient norm of each parameter "
                     "per epoch", lambda: plots.gradient_norms(history.get("grad_norm")),
                     "Norms that fall to ~0 or explode show vanishing or exploding gradients.")
    else:
        second = draw(f"{label} lengths", f"{label}: accuracy against the sequence length",
                      lambda: sequence_plots.accuracy_by_length(artifact.get("lengths")),
                      "Your trained model on sequences shorter and longer than the 20 steps "
                      "it was trained on.")
        third = draw(f"{label} gradient through time", f"{label}: |dL/dh_t| for t = 0..T-1",
                     lambda: sequence_plots.gradient_through_time(
                         artifact.get("gradient_through_time")),
                     "A unit gradient at the last state, carried back by your rnn_backward "
                     "with your trained weights: where it fades, the first symbol cannot be "
                     "learned.")
    return (f'<article class="task" id="task-{text(task)}"><div class="task-head">{"".join(head)}'
            f"</div>{standing}{failure}"
            f'<div class="figrow">{loss}{second}</div>'
            f'<div class="figrow">{third}</div></article>')
