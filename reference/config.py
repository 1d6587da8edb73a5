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
### BEGIN SOLUTION
HYPERPARAMS["xor"] = {
    "hidden_sizes": [8],
    "activation": "tanh",
    "init": "xavier",
    "epochs": 300,
    "batch_size": 4,
    "optimizer": "adam",
    "optim_config": {"learning_rate": 0.05},
    "l2": 0.0,
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["xor"] = {
#     "hidden_sizes": [4],
#     "activation": "relu",
#     "init": "small",
#     "epochs": 1,
#     "batch_size": 64,
#     "optimizer": "sgd",
#     "optim_config": {"learning_rate": 1e-3},
#     "l2": 0.0,
# }
### END STUB


### BEGIN SOLUTION
HYPERPARAMS["moons"] = {
    "hidden_sizes": [32, 32],
    "activation": "relu",
    "init": "he",
    "epochs": 30,
    "batch_size": 32,
    "optimizer": "adam",
    "optim_config": {"learning_rate": 0.005},
    "l2": 1e-3,
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["moons"] = {
#     "hidden_sizes": [4],
#     "activation": "relu",
#     "init": "small",
#     "epochs": 1,
#     "batch_size": 64,
#     "optimizer": "sgd",
#     "optim_config": {"learning_rate": 1e-3},
#     "l2": 0.0,
# }
### END STUB


### BEGIN SOLUTION
HYPERPARAMS["spirals"] = {
    "hidden_sizes": [100],
    "activation": "relu",
    "init": "he",
    "epochs": 200,
    "batch_size": 32,
    "optimizer": "adam",
    "optim_config": {"learning_rate": 0.01},
    "l2": 1e-4,
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["spirals"] = {
#     "hidden_sizes": [4],
#     "activation": "relu",
#     "init": "small",
#     "epochs": 1,
#     "batch_size": 64,
#     "optimizer": "sgd",
#     "optim_config": {"learning_rate": 1e-3},
#     "l2": 0.0,
# }
### END STUB


# Assignment 6: MNIST, with the same code as assignment 5.
### BEGIN SOLUTION
HYPERPARAMS["mnist"] = {
    "hidden_sizes": [256],
    "activation": "relu",
    "init": "he",
    "epochs": 8,
    "batch_size": 128,
    "optimizer": "sgd_momentum",
    "optim_config": {"learning_rate": 0.1, "momentum": 0.9},
    "l2": 0.0,
    "dtype": "float32",
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["mnist"] = {
#     "hidden_sizes": [4],
#     "activation": "relu",
#     "init": "small",
#     "epochs": 1,
#     "batch_size": 64,
#     "optimizer": "sgd",
#     "optim_config": {"learning_rate": 1e-3},
#     "l2": 0.0,
# }
### END STUB


# Assignment 7: a deep network of your modules (at least 6 hidden layers) on MNIST, trained by
# your fit with "sgd_momentum". Each hidden layer is Linear -> BatchNorm1d (when "batchnorm")
# -> activation -> Dropout(p) (when "dropout" > 0); then Linear -> 10.
### BEGIN SOLUTION
HYPERPARAMS["deep"] = {
    "hidden_sizes": [256, 256, 256, 256, 256, 256],
    "batchnorm": True,
    "activation": "relu",
    "dropout": 0.1,
    "init": "he",
    "epochs": 15,
    "batch_size": 128,
    "optim_config": {"learning_rate": 0.1, "momentum": 0.9},
    "dtype": "float32",
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["deep"] = {
#     "hidden_sizes": [8, 8, 8, 8, 8, 8],
#     "batchnorm": False,
#     "activation": "sigmoid",
#     "dropout": 0.0,
#     "init": "small",
#     "epochs": 1,
#     "batch_size": 64,
#     "optim_config": {"learning_rate": 1e-3, "momentum": 0.9},
#     "dtype": "float32",
# }
### END STUB


# Assignment 10: two moons with an MLP of your scalar Values (train_value_mlp).
### BEGIN SOLUTION
HYPERPARAMS["value_moons"] = {
    "hidden_sizes": [16, 16],
    "steps": 100,
    "learning_rate": 0.5,
    "l2": 1e-4,
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["value_moons"] = {
#     "hidden_sizes": [2],
#     "steps": 1,
#     "learning_rate": 1e-3,
#     "l2": 0.0,
# }
### END STUB


# Assignment 8: a small CNN of your modules on MNIST, at most 25,000 parameters (the grader
# counts them), trained by your fit with these settings. build_cnn returns the network: a
# Sequential taking (N, 1, 28, 28) images to (N, 10) class scores.
def build_cnn(rng=None, dtype=np.float32):
    """The CNN of the "cnn" task: a Sequential of your modules, (N, 1, 28, 28) -> (N, 10)."""
    from .conv import Conv2d, Flatten, MaxPool2d  # here, so that earlier assignments stand alone
    from .modules import Linear, ReLU, Sequential

    ### BEGIN SOLUTION
    # 28x28 -conv5-> 24x24 -pool-> 12x12 -conv5-> 8x8 -pool-> 4x4, 16 channels: 256 features.
    return Sequential(
        Conv2d(1, 8, 5, rng=rng, dtype=dtype), MaxPool2d(2, 2), ReLU(),
        Conv2d(8, 16, 5, rng=rng, dtype=dtype), MaxPool2d(2, 2), ReLU(),
        Flatten(), Linear(256, 10, rng=rng, dtype=dtype),
    )
    ### END SOLUTION
    ### BEGIN STUB
    # # Valid but untuned: it runs, but will not reach the threshold.
    # return Sequential(Conv2d(1, 1, 3, init="small", rng=rng, dtype=dtype), MaxPool2d(2, 2),
    #                   Flatten(), Linear(169, 10, init="small", rng=rng, dtype=dtype))
    ### END STUB


### BEGIN SOLUTION
HYPERPARAMS["cnn"] = {
    "epochs": 4,
    "batch_size": 64,
    "optimizer": "adam",
    "optim_config": {"learning_rate": 0.002},
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["cnn"] = {
#     "epochs": 1,
#     "batch_size": 64,
#     "optimizer": "sgd",
#     "optim_config": {"learning_rate": 1e-3},
# }
### END STUB


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

    ### BEGIN SOLUTION
    rng = np.random.default_rng() if rng is None else rng
    inputs, outputs, hidden = {"sine": (1, 1, 32), "memory": (8, 8, 64)}[task]
    recurrent = RNN(inputs, hidden, rng=rng, dtype=dtype)
    if task == "memory":
        # An orthogonal Wh keeps the norm of a state through the 19 steps it must be carried.
        q, _ = np.linalg.qr(rng.standard_normal((hidden, hidden)))
        recurrent.params["Wh"] = q.astype(dtype)
    return Sequential(recurrent, LastTimeStep(),
                      Linear(hidden, outputs, init="xavier", rng=rng, dtype=dtype))
    ### END SOLUTION


### BEGIN SOLUTION
HYPERPARAMS["sine"] = {
    "epochs": 40,
    "batch_size": 50,
    "optimizer": "adam",
    "optim_config": {"learning_rate": 5e-3},
    "clip_norm": 1.0,
    "dtype": "float32",
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["sine"] = {
#     "epochs": 1,
#     "batch_size": 500,
#     "optimizer": "sgd",
#     "optim_config": {"learning_rate": 1e-3},
#     "clip_norm": None,
#     "dtype": "float32",
# }
### END STUB


### BEGIN SOLUTION
HYPERPARAMS["memory"] = {
    "epochs": 10,
    "batch_size": 50,
    "optimizer": "adam",
    "optim_config": {"learning_rate": 5e-3},
    "clip_norm": 1.0,
    "dtype": "float32",
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["memory"] = {
#     "epochs": 1,
#     "batch_size": 500,
#     "optimizer": "sgd",
#     "optim_config": {"learning_rate": 1e-3},
#     "clip_norm": None,
#     "dtype": "float32",
# }
### END STUB


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
    ### BEGIN SOLUTION
    width = 128
    # Tanh, not ReLU: smooth and bounded, it keeps both players' gradients tame (with
    # LeakyReLU this G collapsed onto 2 or 3 modes). He on G's last layer spreads its
    # first samples over the whole ring, so that each mode attracts some of them.
    G = Sequential(Linear(latent_dim, width, rng=rng, dtype=dtype), Tanh(),
                   Linear(width, width, rng=rng, dtype=dtype), Tanh(),
                   Linear(width, 2, init="he", rng=rng, dtype=dtype))
    # Dropout in D (as in the first GAN paper's discriminator): a D that cannot lean on
    # a few exact features keeps pushing G towards the modes it neglects. Without it this
    # G collapsed onto 4 or 6 of the 8 modes on 4 of 13 seeds; with it, on none.
    D = Sequential(Linear(2, width, rng=rng, dtype=dtype), Tanh(), Dropout(0.2, rng=rng),
                   Linear(width, width, rng=rng, dtype=dtype), Tanh(), Dropout(0.2, rng=rng),
                   Linear(width, 1, init="xavier", rng=rng, dtype=dtype))
    ### END SOLUTION
    ### BEGIN STUB
    # # Valid but too small to learn the ring: one linear layer each.
    # G = Sequential(Linear(latent_dim, 2, rng=rng, dtype=dtype))
    # D = Sequential(Linear(2, 1, rng=rng, dtype=dtype))
    ### END STUB
    return G, D


### BEGIN SOLUTION
HYPERPARAMS["gan"] = {
    "latent_dim": 2,
    "steps": 10000,
    "batch_size": 64,
    "optimizer": "adam",
    "g_config": {"learning_rate": 1e-3, "beta1": 0.5},
    "d_config": {"learning_rate": 1e-3, "beta1": 0.5},
    "dtype": "float32",
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: it runs, but will not reach the threshold.
# HYPERPARAMS["gan"] = {
#     "latent_dim": 2,
#     "steps": 1,
#     "batch_size": 64,
#     "optimizer": "sgd",
#     "g_config": {"learning_rate": 1e-3},
#     "d_config": {"learning_rate": 1e-3},
# }
### END STUB
