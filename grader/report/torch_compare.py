"""The report of assignment 12: the speed table and the two training curves.

Everything the student's code measured comes from a12's checks, computed in
the student's sandboxed worker (test_a12_torch.py keeps it in
`plugin.artifacts["torch_compare"]`): the two curves of compare_training and
the two epochs of time_epoch. With `--report`, `run_speed_table(plugin)` (one
of the plugin's `after_checks`) adds, on the same machine and the same shapes:

  - the reference's time_epoch, run in a sandboxed worker of its own with a12's
    limits (one BLAS thread, like the student's), when the grader has the
    reference (not in the student bundle);
  - the matrix-product limit: the seconds of the epoch's matrix products alone
    (forward, weight gradients, input gradients, at its batch shapes), timed
    in NumPy in the grader's process with one BLAS thread where threadpoolctl
    can set it: what an epoch would cost if everything around the products
    were free.

The page then shows the table with a short explanation of where the time goes,
and the two curves on top of each other.
"""

import contextlib
import time

import numpy as np

from ..sandbox import wire
from ..sandbox.client import Session
from .page import figure, no_figure, text

ASSIGNMENT = "a12"
KEY = "torch_compare"
REPEATS = 3  # the limit is the best of a few passes: the machine's own noise removed


def run_speed_table(plugin):
    """The reference's epoch and the matrix-product limit, into the artifact's "timing"."""
    epoch = plugin.artifacts.get(KEY, {}).get("timing")
    if not isinstance(epoch, dict):
        return  # time_epoch did not answer: nothing to compare with
    sizes = [int(n) for n in str(epoch["network"]).split("-")]
    samples, batch = int(epoch["samples"]), int(epoch["batch_size"])
    try:
        epoch["limit"], epoch["limit_threads"] = products_seconds(sizes, samples, batch)
    except Exception as error:  # noqa: BLE001 - the report says so; grading is done
        epoch["limit_error"] = f"{type(error).__name__}: {error}"[:300]
    if not plugin.oracle.has_reference:
        epoch["reference_error"] = "the reference is not part of this grader (student bundle)"
        return
    try:
        epoch["reference"] = _reference_epoch(plugin, sizes, samples, batch)
    except Exception as error:  # noqa: BLE001
        epoch["reference_error"] = f"{type(error).__name__}: {error}"[:300]


def _reference_epoch(plugin, sizes, samples, batch):
    from ..oracle import KIT_ROOT  # noqa: PLC0415

    rng = np.random.default_rng(0)
    X = rng.random((samples, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], samples)
    limits = plugin.rubric.limits_for(ASSIGNMENT)
    with Session(KIT_ROOT / "reference", limits=limits, budget_seconds=120,
                 slot=plugin.slot) as reference:
        reference.call("torch_compare.time_epoch", sizes, X[:batch], y[:batch],
                       batch_size=batch, dtype=wire.DType("float32"))  # imports paid here
        seconds = reference.call("torch_compare.time_epoch", sizes, X, y, batch_size=batch,
                                 dtype=wire.DType("float32"))
    return {"numpy": float(seconds["numpy"]), "torch": float(seconds["torch"])}


@contextlib.contextmanager
def _one_blas_thread():
    """One BLAS thread while timing (the worker's count), where threadpoolctl is installed.

    Yields how many threads the timing used, in words, for the page.
    """
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415
    except ImportError:
        yield "the grader's own BLAS threads (threadpoolctl is not installed)"
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield "1 BLAS thread"


def products_seconds(layer_sizes, samples, batch_size, repeats=REPEATS):
    """Seconds of one epoch's matrix products alone, float32, at the epoch's own shapes.

    Per batch and layer (fan_in, fan_out): the forward x @ W, the weight gradient
    x.T @ dout and, except for the first layer, the input gradient dout @ W.T,
    into preallocated outputs. Nothing else (bias, activation, softmax,
    temporaries, Python) is timed: the floor under any implementation's epoch.

    Returns:
        (seconds, the threads it ran with, in words).
    """
    rng = np.random.default_rng(0)
    steps = -(-samples // batch_size)
    x = [rng.standard_normal((batch_size, n), dtype=np.float32) for n in layer_sizes]
    weights = [rng.standard_normal((m, n), dtype=np.float32)
               for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]
    grads = [np.empty_like(w) for w in weights]
    best = float("inf")
    with _one_blas_thread() as threads:
        for _ in range(repeats):
            started = time.perf_counter()
            for _ in range(steps):
                for i, w in enumerate(weights):
                    np.matmul(x[i], w, out=x[i + 1])
                for i in range(len(weights) - 1, -1, -1):
                    np.matmul(x[i].T, x[i + 1], out=grads[i])
                    if i > 0:
                        np.matmul(x[i + 1], weights[i].T, out=x[i])
            best = min(best, time.perf_counter() - started)
    return best, threads


# ---------------------------------------------------------------- the page


def section(artifacts, tests):
    """The report's a12 section (HTML), or "" when a12 was not graded."""
    data = artifacts.get(KEY) if isinstance(artifacts, dict) else None
    graded = any(getattr(t, "assignment", None) == ASSIGNMENT for t in tests)
    if not graded and not data:
        return ""
    parts = ['<section id="torch-compare"><h2>Your network in NumPy and in PyTorch</h2>']
    data = data if isinstance(data, dict) else {}
    parts.append(_speed_table(data.get("timing")))
    parts.append(_curves(data.get("curves")))
    parts.append("</section>")
    return "\n".join(parts)


def _seconds(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) and value > 0 else None


def _speed_table(epoch):
    if not isinstance(epoch, dict):
        return no_figure("The speed table", "time_epoch gave no times in this run (see its "
                                            "check above).")
    mine = {k: _seconds(epoch.get(k)) for k in ("numpy", "torch")}
    reference = epoch.get("reference") if isinstance(epoch.get("reference"), dict) else {}
    limit = _seconds(epoch.get("limit"))
    rows = [("your NumPy epoch (assignment 5's train)", mine["numpy"]),
            ("your PyTorch epoch", mine["torch"]),
            ("the reference's NumPy epoch", _seconds(reference.get("numpy"))),
            ("the reference's PyTorch epoch", _seconds(reference.get("torch"))),
            ("the matrix products alone (the limit)", limit)]
    body = []
    for label, seconds in rows:
        shown = f"{seconds:.3f} s" if seconds else "not measured"
        ratio = f"{seconds / limit:.1f} &times;" if seconds and limit else ""
        body.append(f"<tr><td>{text(label)}</td><td>{shown}</td><td>{ratio}</td></tr>")
    notes = []
    if epoch.get("reference_error"):
        notes.append(f"The reference's epochs: {text(epoch['reference_error'])}.")
    if epoch.get("limit_error"):
        notes.append(f"The limit could not be measured: {text(epoch['limit_error'])}.")
    caption = (f"One epoch of minibatch SGD, a {text(epoch.get('network'))} ReLU network, "
               f"{text(epoch.get('samples'))} random images, batches of "
               f"{text(epoch.get('batch_size'))}, float32, one BLAS thread, measured on the "
               "grading machine in the grader's sandbox (wall-clock: on a busy machine the "
               "numbers move from run to run). The limit is timed with "
               f"{text(epoch.get('limit_threads') or 'NumPy')}.")
    return ("<h3>Speed</h3>"
            '<table class="speed"><thead><tr><th></th><th>seconds</th>'
            "<th>times the limit</th></tr></thead><tbody>" + "".join(body) +
            f"</tbody></table><p class=\"caption\">{caption} {' '.join(notes)}</p>"
            + _explanation(mine, limit))


def _explanation(mine, limit):
    """Where the time goes, from the student's own numbers."""
    lines = ["<p>Almost all of an epoch's arithmetic is in its matrix products, and both "
             "libraries hand them to an optimised BLAS library, so neither can beat the "
             "limit: it is what the epoch would cost if nothing else took time.</p>"]
    if mine["numpy"] and mine["torch"]:
        faster = "PyTorch" if mine["torch"] < mine["numpy"] else "NumPy"
        ratio = max(mine.values()) / min(mine.values())
        lines.append(f"<p>Here {faster} is {ratio:.1f} times faster. ")
        if limit:
            overhead = {k: max(0.0, v - limit) for k, v in mine.items()}
            lines.append(
                f"Beyond the products, your NumPy epoch spends {overhead['numpy']:.3f} s "
                f"and your PyTorch epoch {overhead['torch']:.3f} s: Python's loop over the "
                "batches and the layers, new arrays for every intermediate result, the "
                "elementwise passes (bias, ReLU, softmax) each reading and writing whole "
                "arrays, and, in NumPy, the gradients written out by hand. PyTorch runs "
                "those passes in compiled kernels and reuses its memory, but pays for "
                "autograd's bookkeeping on every operation: on small batches and one thread "
                "the two can come out close. Frameworks pull ahead with more threads, larger "
                "layers and a GPU, where the products themselves get faster.")
        lines.append("</p>")
    return "".join(lines)


def _curves(curves):
    from . import plots  # noqa: PLC0415 - Matplotlib only when a page is drawn

    if not isinstance(curves, dict):
        return no_figure("The two training curves", "compare_training gave no curves in this "
                                                    "run (see its checks above).")
    try:
        uri = two_curves(curves.get("numpy"), curves.get("torch"))
    except plots.PlotError as error:
        return no_figure("The two training curves", f"They cannot be drawn: {error}.")
    try:
        gap = float(np.max(np.abs(np.subtract(curves["numpy"], curves["torch"]))))
        gap_text = f" The largest difference between them is {gap:.2g}."
    except (TypeError, ValueError, KeyError):
        gap_text = ""
    caption = (f"compare_training: {text(curves.get('steps'))} steps of full-batch SGD "
               f"(learning rate {text(curves.get('learning_rate'))}) of a "
               f"{text(curves.get('network'))} network on {text(curves.get('samples'))} "
               f"points, the loss before each step.{gap_text}")
    return "<h3>Training, twice</h3>" + figure(uri, "the NumPy and PyTorch loss curves",
                                               caption)


def two_curves(numpy_curve, torch_curve):
    """The NumPy and the PyTorch loss per step, on top of each other (a PNG data URI)."""
    from . import plots  # noqa: PLC0415

    numpy_losses = plots.numbers(numpy_curve, "the NumPy curve")
    torch_losses = plots.numbers(torch_curve, "the PyTorch curve")
    figure_, ax = plots.plt.subplots(figsize=(4.8, 3.4))
    ax.plot(range(len(numpy_losses)), numpy_losses, "o", markersize=7, fillstyle="none",
            color=plots.COLOURS[0], label="NumPy (assignment 5)")
    ax.plot(range(len(torch_losses)), torch_losses, "-", linewidth=1.6,
            color=plots.COLOURS[1], label="PyTorch")
    ax.set(xlabel="step", ylabel="loss before the step", title="the same training, twice")
    ax.legend(fontsize=8, frameon=False)
    plots._style(ax)  # noqa: SLF001 - the report's shared look
    return plots.to_data_uri(figure_)
