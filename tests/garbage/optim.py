"""Garbage optim.py: right signatures, types, shapes and dtypes, wrong values."""


from ._garbage import wrong

DEFAULTS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}


def _config(rule, config):
    return dict(DEFAULTS[rule], **(config or {}))


def sgd(w, dw, config=None):
    return wrong(w, w), _config("sgd", config)


def sgd_momentum(w, dw, config=None):
    config = _config("sgd_momentum", config)
    config["velocity"] = wrong(w, dw)
    return wrong(w, w), config


def adam(w, dw, config=None):
    config = _config("adam", config)
    config["m"], config["v"] = wrong(w, dw), wrong(w, dw)
    config["t"] = config.get("t", 0) + 1  # the right count of steps
    return wrong(w, w), config


def rmsprop(w, dw, config=None):
    config = dict({"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}, **(config or {}))
    config["cache"] = wrong(w, dw)
    return wrong(w, w), config
