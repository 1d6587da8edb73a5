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


# Assignment 8: a small CNN of your modules on MNIST, at most 25,000 parameters (the grader
# counts them), trained by your fit with these settings. build_cnn returns the network: a
# Sequential taking (N, 1, 28, 28) images to (N, 10) class scores.
def build_cnn(rng=None, dtype=np.float32):
    """The CNN of the "cnn" task: a Sequential of your modules, (N, 1, 28, 28) -> (N, 10)."""
    from .conv import Conv2d, Flatten, MaxPool2d  # here, so that earlier assignments stand alone
    from .modules import Linear, ReLU, Sequential

    # Valid but untuned: it runs, but will not reach the threshold.
    return Sequential(Conv2d(1, 1, 3, init="small", rng=rng, dtype=dtype), MaxPool2d(2, 2),
                      Flatten(), Linear(169, 10, init="small", rng=rng, dtype=dtype))


# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["cnn"] = {
    "epochs": 1,
    "batch_size": 64,
    "optimizer": "sgd",
    "optim_config": {"learning_rate": 1e-3},
}


# Assignment 9: the "sine" and "memory" tasks with your RNN, trained by your fit (the grader
# picks the loss: "mse" for sine, "softmax_cross_entropy" for memory).
def build_rnn(task, rng=None, dtype=np.float64):
    """Your model for an assignment 9 task, a Sequential of your modules.

    Args:
        task: "sine" (inputs (N, 25, 1) -> (N, 1), the next value) or
            "memory" (inputs (N, 20, 8) -> (N, 8), scores of the first symbol).
        rng: np.random.Generator for the initial weights, or None.
        dtype: of the parameters (the grader passes data of HYPERPARAMS[task]["dtype"]).

    Returns:
        model: a Sequential that contains your RNN (the grader finds it by a
            params key ending in "Wh"). You may set initial weights through
            params (an orthogonal Wh, for instance).
    """
    from .modules import Linear, Sequential  # noqa: PLC0415 - assignment 7's modules
    from .rnn import RNN, LastTimeStep  # noqa: PLC0415 - this assignment's

    # YOUR CODE HERE
    raise NotImplementedError()


# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["sine"] = {
    "epochs": 1,
    "batch_size": 500,
    "optimizer": "sgd",
    "optim_config": {"learning_rate": 1e-3},
    "clip_norm": None,
    "dtype": "float32",
}


# Valid but untuned: it runs, but will not reach the threshold.
HYPERPARAMS["memory"] = {
    "epochs": 1,
    "batch_size": 500,
    "optimizer": "sgd",
    "optim_config": {"learning_rate": 1e-3},
    "clip_norm": None,
    "dtype": "float32",
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
