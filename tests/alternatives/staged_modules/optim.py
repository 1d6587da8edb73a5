"""RMSprop updating its cache and w in place."""

import numpy as np


def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    for key, default in (("learning_rate", 1e-2), ("decay_rate", 0.99), ("epsilon", 1e-8)):
        config.setdefault(key, default)
    if config.get("cache") is None:
        config["cache"] = np.zeros_like(w)
    cache = config["cache"]
    cache *= config["decay_rate"]
    cache += (1 - config["decay_rate"]) * np.square(dw)
    w -= config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    return w, config
