"""The hyperparameters of the graded training tasks (your choices).

The grader builds a network with your init_params (sizes: inputs,
hidden_sizes, classes), trains it with your train and these settings, and
measures the accuracy itself on data it keeps. Each task has a time budget
that covers init_params, train and predict together; see the README.
"""

### BEGIN SOLUTION
HYPERPARAMS = {
    "xor": {
        "hidden_sizes": [8],
        "activation": "tanh",
        "init": "xavier",
        "epochs": 300,
        "batch_size": 4,
        "optimizer": "adam",
        "optim_config": {"learning_rate": 0.05},
        "l2": 0.0,
    },
    "moons": {
        "hidden_sizes": [32, 32],
        "activation": "relu",
        "init": "he",
        "epochs": 30,
        "batch_size": 32,
        "optimizer": "adam",
        "optim_config": {"learning_rate": 0.005},
        "l2": 1e-3,
    },
    "spirals": {
        "hidden_sizes": [100],
        "activation": "relu",
        "init": "he",
        "epochs": 200,
        "batch_size": 32,
        "optimizer": "adam",
        "optim_config": {"learning_rate": 0.01},
        "l2": 1e-4,
    },
    "mnist": {
        "hidden_sizes": [256],
        "activation": "relu",
        "init": "he",
        "epochs": 8,
        "batch_size": 128,
        "optimizer": "sgd_momentum",
        "optim_config": {"learning_rate": 0.1, "momentum": 0.9},
        "l2": 0.0,
        "dtype": "float32",
    },
}
### END SOLUTION
### BEGIN STUB
# # Valid but untuned: these settings run, but will not reach the thresholds.
# HYPERPARAMS = {
#     task: {
#         "hidden_sizes": [4],
#         "activation": "relu",
#         "init": "small",
#         "epochs": 1,
#         "batch_size": 64,
#         "optimizer": "sgd",
#         "optim_config": {"learning_rate": 1e-3},
#         "l2": 0.0,
#     }
#     for task in ("xor", "moons", "spirals", "mnist")
# }
### END STUB
