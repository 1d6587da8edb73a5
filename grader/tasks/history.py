"""A training history as the student's code returned it: read as plain numbers, checked by form."""

import math

import numpy as np

from ..compare import CheckFailed, as_float, describe
from ..sandbox import wire

MAX_ENTRIES = 100_000


def per_epoch(values, epochs, name):
    """A list with one finite-or-not float per epoch (CheckFailed if it is not that)."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = list(values)
    if not isinstance(values, (list, tuple)):
        raise CheckFailed(f"{name} should be a list with one number per epoch, "
                          f"but is {describe(values)}")
    if len(values) != epochs:
        raise CheckFailed(f"{name} has {len(values)} entries for {epochs} epochs "
                          "(one entry per epoch)")
    return [as_float(v, f"{name}[{i}]") for i, v in enumerate(values)]


def expect_keys(history, keys, producer="train"):
    if not isinstance(history, dict):
        raise CheckFailed(f"{producer} should return the history dict, but returned "
                          f"{describe(history)}")
    for key in keys:
        if key not in history:
            raise CheckFailed(f"the history lacks {key!r}; it has "
                              f"{', '.join(map(repr, history)) or 'no keys'}")


def expect_losses(values, name):
    for epoch, loss in enumerate(values):
        if not math.isfinite(loss) or loss < 0:
            raise CheckFailed(f"{name}[{epoch}] is {loss}: a mean loss (plus a non-negative L2 "
                              "term) is finite and >= 0")


def expect_norms(norms, names, epochs, where="history['grad_norm']"):
    """{name: [norm per epoch]} with exactly the parameters' names, finite and >= 0."""
    if not isinstance(norms, dict):
        raise CheckFailed(f"{where} should be a dict {{name: [norm per epoch]}}, "
                          f"but is {describe(norms)}")
    if sorted(map(str, norms)) != sorted(names):
        raise CheckFailed(f"{where} has the keys {sorted(map(str, norms))}, "
                          f"expected those of params: {sorted(names)}")
    for name in names:
        values = per_epoch(norms[name], epochs, f"{where}[{name!r}]")
        if not all(math.isfinite(v) and v >= 0 for v in values):
            raise CheckFailed(f"{where}[{name!r}] holds {values[:5]}...: a norm is "
                              "finite and >= 0")


def expect_fit_history(history, epochs, keys):
    """fit's history (a7's SPEC) without validation data: "loss" per epoch, finite and
    falling, no "val_loss" entries, and "grad_norm" per key of model.params (`keys`)."""
    if history is None:
        raise CheckFailed("fit returned nothing to check")
    expect_keys(history, ("loss", "grad_norm"), producer="fit")
    losses = per_epoch(history["loss"], epochs, "history['loss']")
    expect_losses(losses, "history['loss']")
    if history.get("val_loss") not in (None, []):
        raise CheckFailed("history['val_loss'] has entries although no validation data was "
                          "given")
    expect_norms(history["grad_norm"], keys, epochs)
    if epochs > 1 and not losses[-1] < losses[0]:
        raise CheckFailed(f"history['loss'] goes from {losses[0]:.4g} to {losses[-1]:.4g}: "
                          "the loss of a network that learns falls")


def expect_unchanged_at_lr_0(before, after):
    """The evidence run: one epoch of fit with a learning rate of 0 changed no parameter
    (before and after: model.params read through the worker), or the network it trains
    was not trained by the student's update rule."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        raise CheckFailed("the model's params is not a dict of arrays")
    changed = sorted(str(key) for key in before if not (
        isinstance(after.get(key), np.ndarray) and np.array_equal(before[key], after[key])))
    if changed:
        raise CheckFailed(f"with a learning rate of 0, fit changed {', '.join(changed[:5])}: "
                          "it does not train by its update rule (SPEC: minibatches, forward, "
                          "backward and the Optimizer's steps), so its network is not "
                          "credited")


def plain_history(history, keys=("loss", "train_acc", "val_acc", "val_loss")):
    """The parts of a history that are lists of numbers, as JSON data (for the report)."""
    if not isinstance(history, dict):
        return None
    plain = {}
    for key in keys:
        values = numbers(history.get(key))
        if values is not None:
            plain[key] = values
    norms = history.get("grad_norm")
    if isinstance(norms, dict):
        plain["grad_norm"] = {str(k): v for k, v in ((k, numbers(v)) for k, v in norms.items())
                              if v is not None}
    return plain


def numbers(values):
    """A list of floats (6 significant digits: plenty for a plot), or None if it is not one."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = values.tolist()
    if not isinstance(values, (list, tuple)) or len(values) > MAX_ENTRIES:
        return None
    try:
        floats = [float(v.array) if isinstance(v, wire.Scalar) else float(v) for v in values]
    except (TypeError, ValueError):
        return None
    return [float(f"{v:.6g}") for v in floats]
