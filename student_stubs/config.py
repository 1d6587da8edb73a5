"""The settings of the graded tasks: your choices.

For each task the grader builds a network with your code and these settings,
trains it with your code, and measures the result itself on data it keeps.
Each task has a time budget that covers building, training and predicting
together; the README gives the thresholds and budgets.

Every task has its own entry, written in the assignment that grades it.
"""

import numpy as np

HYPERPARAMS = {}


# Assignment 5: XOR, two moons and spirals, with your init_params, train and predict.
# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["xor"] = {
    "hidden_sizes": [4],
    "activation": "relu",
    "init": "small",
    "epochs": 1,
    "batch_size": 64,
    "optimizer": "sgd",
    "optim_config": {"learning_rate": 1e-3},
    "l2": 0.0,
}


# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["moons"] = {
    "hidden_sizes": [4],
    "activation": "relu",
    "init": "small",
    "epochs": 1,
    "batch_size": 64,
    "optimizer": "sgd",
    "optim_config": {"learning_rate": 1e-3},
    "l2": 0.0,
}


# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["spirals"] = {
    "hidden_sizes": [4],
    "activation": "relu",
    "init": "small",
    "epochs": 1,
    "batch_size": 64,
    "optimizer": "sgd",
    "optim_config": {"learning_rate": 1e-3},
    "l2": 0.0,
}


# Assignment 6: MNIST, with the same code as assignment 5.
# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["mnist"] = {
    "hidden_sizes": [4],
    "activation": "relu",
    "init": "small",
    "epochs": 1,
    "batch_size": 64,
    "optimizer": "sgd",
    "optim_config": {"learning_rate": 1e-3},
    "l2": 0.0,
}


# Assignment 7: a deep network of your modules (at least 6 hidden layers) on MNIST, trained by
# your fit with "sgd_momentum". Each hidden layer is Linear -> BatchNorm1d (when "batchnorm")
# -> activation -> Dropout(p) (when "dropout" > 0); then Linear -> 10.
# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["deep"] = {
    "hidden_sizes": [8, 8, 8, 8, 8, 8],
    "batchnorm": False,
    "activation": "sigmoid",
    "dropout": 0.0,
    "init": "small",
    "epochs": 1,
    "batch_size": 64,
    "optim_config": {"learning_rate": 1e-3, "momentum": 0.9},
    "dtype": "float32",
}


# Assignment 10: two moons with an MLP of your scalar Values (train_value_mlp).
# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["value_moons"] = {
    "hidden_sizes": [2],
    "steps": 1,
    "learning_rate": 1e-3,
    "l2": 0.0,
}


# Assignment 11: a GAN on 8 Gaussians on a ring. build_gan returns (G, D) of your modules;
# HYPERPARAMS["gan"] holds the keyword arguments of your train_gan (latent_dim included).
def build_gan(latent_dim, rng=None, dtype=np.float64):
    """The generator and the discriminator of the "ring" task, built of your modules.

    Args:
        latent_dim: the width of the latent vectors z (HYPERPARAMS["gan"]["latent_dim"]).
        rng: np.random.Generator or None, for the initial weights.
        dtype: the dtype of every parameter (the grader passes HYPERPARAMS' choice).

    Returns:
        (G, D): G maps (N, latent_dim) to samples (N, 2); D maps (N, 2) to logits (N, 1).
    """
    from .modules import Dropout, Linear, Sequential, Tanh

    rng = np.random.default_rng() if rng is None else rng
    # Valid but too small to learn the ring: one linear layer each.
    G = Sequential(Linear(latent_dim, 2, rng=rng, dtype=dtype))
    D = Sequential(Linear(2, 1, rng=rng, dtype=dtype))
    return G, D


# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["gan"] = {
    "latent_dim": 2,
    "steps": 1,
    "batch_size": 64,
    "optimizer": "sgd",
    "g_config": {"learning_rate": 1e-3},
    "d_config": {"learning_rate": 1e-3},
}
