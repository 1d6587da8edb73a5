"""The hyperparameters of the graded training tasks (your choices).

The grader builds a network with your init_params (sizes: inputs,
hidden_sizes, classes), trains it with your train and these settings, and
measures the accuracy itself on data it keeps. Each task has a time budget
that covers init_params, train and predict together; see the README.
"""

# Valid but untuned: these settings run, but will not reach the thresholds.
HYPERPARAMS = {
    task: {
        "hidden_sizes": [4],
        "activation": "relu",
        "init": "small",
        "epochs": 1,
        "batch_size": 64,
        "optimizer": "sgd",
        "optim_config": {"learning_rate": 1e-3},
        "l2": 0.0,
    }
    for task in ("xor", "moons", "spirals", "mnist")
}
