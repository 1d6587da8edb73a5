"""A task's settings, as the student wrote them in config.HYPERPARAMS: checked on the trusted side.

The schema of the settings of a network of assignment 5 is written here once;
the grader validates with it, the notebooks' test cells are generated from it
(authoring/notebook_checks/), and the student bundle's README lists it.
Every check raises CheckFailed with a message a student can act on.
"""

import math

from ..compare import CheckFailed, describe
from ..sandbox import wire

# What HYPERPARAMS["xor" | "moons" | "spirals" | "mnist"] may say (SPEC, config.py).
MLP_REQUIRED = ("hidden_sizes", "activation", "init", "epochs", "batch_size", "optimizer",
                "optim_config", "l2")
MLP_OPTIONAL = ("dtype",)
ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu")
INITS = ("he", "xavier", "small")
OPTIMIZER_KEYS = {  # update rule -> the keys its config may hold (SPEC, optim.py)
    "sgd": ("learning_rate",),
    "sgd_momentum": ("learning_rate", "momentum"),
    "adam": ("learning_rate", "beta1", "beta2", "epsilon"),
}
DTYPES = ("float32", "float64")
# What each key means, for the student bundle's README (authoring/rules.py lists the schema).
MLP_MEANINGS = {
    "hidden_sizes": "the widths of the hidden layers, a list of positive ints such as [64, 64]",
    "activation": "the hidden layers' activation",
    "init": "how init_params draws the weights",
    "epochs": "passes over the training data, a positive int",
    "batch_size": "samples per minibatch, a positive int",
    "optimizer": "the update rule of optim.py",
    "optim_config": "the update rule's settings, a dict of numbers (only the keys the rule "
                    "reads: a typo is refused, not ignored)",
    "l2": "the L2 regularisation strength, a number >= 0",
    "dtype": "the dtype of the network and of the data the grader passes (default "
             "\"float64\"; \"float32\" computes about twice as fast)",
}


def mlp_schema():
    """The settings of a network of assignment 5, as rows a reader can follow.

    Returns:
        list of (key, required, allowed values or None, meaning), in the SPEC's order.
    """
    allowed = {"activation": ACTIVATIONS, "init": INITS, "optimizer": tuple(OPTIMIZER_KEYS),
               "dtype": DTYPES}
    rows = [(key, True, allowed.get(key), MLP_MEANINGS[key]) for key in MLP_REQUIRED]
    rows += [(key, False, allowed.get(key), MLP_MEANINGS[key]) for key in MLP_OPTIONAL]
    rows[MLP_REQUIRED.index("optim_config")] = (
        "optim_config", True, None, MLP_MEANINGS["optim_config"] + ": "
        + "; ".join(f"{rule}: {', '.join(keys)}" for rule, keys in OPTIMIZER_KEYS.items()))
    return rows


def entry_of(hyperparams, task, known_tasks):
    """HYPERPARAMS[task] as a dict, or CheckFailed naming what is missing."""
    if not isinstance(hyperparams, dict):
        raise CheckFailed(f"config.HYPERPARAMS should be a dict but is {describe(hyperparams)}")
    if task not in hyperparams:
        raise CheckFailed(f"config.HYPERPARAMS has no entry {task!r} (it has "
                          f"{', '.join(map(repr, hyperparams)) or 'none'}); the graded tasks "
                          f"are {', '.join(map(repr, known_tasks))}")
    entry = hyperparams[task]
    if not isinstance(entry, dict):
        raise CheckFailed(f"HYPERPARAMS[{task!r}] should be a dict but is {describe(entry)}")
    return entry


def expect_keys(entry, required, optional, where):
    missing = [k for k in required if k not in entry]
    if missing:
        raise CheckFailed(f"{where} lacks {', '.join(map(repr, missing))}; it needs "
                          f"{', '.join(required)}"
                          + (f" (and optionally {', '.join(optional)})" if optional else ""))
    unknown = [k for k in entry if k not in tuple(required) + tuple(optional)]
    if unknown:
        raise CheckFailed(f"{where} has unknown key(s) {', '.join(map(repr, unknown))}; the keys "
                          f"are {', '.join(tuple(required) + tuple(optional))}")


def validate_mlp_settings(entry, where):
    """A network's settings (assignments 5 and 6), checked and normalised.

    Returns:
        dict with every key of the SPEC ("dtype" filled in), Python ints,
        floats and strings only.
    """
    expect_keys(entry, MLP_REQUIRED, MLP_OPTIONAL, where)
    hidden = entry["hidden_sizes"]
    if not isinstance(hidden, (list, tuple)):
        raise CheckFailed(f"{where}['hidden_sizes'] should be a list of ints such as [64, 64], "
                          f"but is {describe(hidden)}")
    hidden_sizes = [positive_int(size, f"{where}['hidden_sizes'][{i}]")
                    for i, size in enumerate(hidden)]
    optimizer = choice(entry["optimizer"], tuple(OPTIMIZER_KEYS), f"{where}['optimizer']")
    l2 = finite_number(entry["l2"], f"{where}['l2']")
    if l2 < 0:
        raise CheckFailed(f"{where}['l2'] should be >= 0, is {l2}")
    return {"hidden_sizes": hidden_sizes,
            "activation": choice(entry["activation"], ACTIVATIONS, f"{where}['activation']"),
            "init": choice(entry["init"], INITS, f"{where}['init']"),
            "epochs": positive_int(entry["epochs"], f"{where}['epochs']"),
            "batch_size": positive_int(entry["batch_size"], f"{where}['batch_size']"),
            "optimizer": optimizer,
            "optim_config": optimizer_config(entry["optim_config"], optimizer, where),
            "l2": l2,
            "dtype": choice(entry.get("dtype", "float64"), DTYPES, f"{where}['dtype']")}


def optimizer_config(config, optimizer, where, known=None):
    """The update rule's settings: a dict of finite numbers with the keys the rule reads."""
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise CheckFailed(f"{where}['optim_config'] should be a dict such as "
                          f"{{'learning_rate': 0.01}}, but is {describe(config)}")
    known = (known or OPTIMIZER_KEYS)[optimizer]
    for key in config:
        if key not in known:
            raise CheckFailed(f"{where}['optim_config'] has the key {key!r}, which {optimizer} "
                              f"does not use (it reads {', '.join(known)}): a typo would be "
                              "silently ignored, so it is refused")
    return {key: finite_number(value, f"{where}['optim_config'][{key!r}]")
            for key, value in config.items()}


def int_value(value):
    """A Python int from an int or a NumPy integer scalar; None otherwise (bools excluded)."""
    if type(value) is int:
        return value
    if isinstance(value, wire.Scalar) and value.array.dtype.kind in "iu":
        return int(value.array)
    return None


def positive_int(value, name):
    number = int_value(value)
    if number is None or number < 1:
        shown = value if number is not None or type(value) in (float, str) else describe(value)
        raise CheckFailed(f"{name} should be a positive int, but is {shown!r}")
    return number


def finite_number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, wire.Scalar)):
        raise CheckFailed(f"{name} should be a number, but is {describe(value)}")
    if isinstance(value, wire.Scalar) and value.array.dtype.kind not in "iuf":
        raise CheckFailed(f"{name} should be a number, but is {describe(value)}")
    number = float(value.array) if isinstance(value, wire.Scalar) else float(value)
    if not math.isfinite(number):
        raise CheckFailed(f"{name} should be a finite number, but is {number}")
    return number


def choice(value, allowed, name):
    if not isinstance(value, str) or value not in allowed:
        shown = repr(value) if isinstance(value, str) else describe(value)
        raise CheckFailed(f"{name} should be one of {', '.join(map(repr, allowed))}, "
                          f"but is {shown}")
    return value
