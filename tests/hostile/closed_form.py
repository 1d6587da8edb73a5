"""The closed-form attack: a network fitted by NumPy's least squares instead of trained.

NumPy is allowed, so `np.linalg.lstsq` is too. This submission's `train` draws
its wide hidden layer at random (random ReLU features) and solves for the last
layer in closed form against one-hot targets: no minibatch, no loss, no update
rule. On the public data such a network would earn points (XOR 100%, moons
about 95%, spirals about 99%: tests/test_hostile.py shows it), and its history
is computed honestly.

The course's decision (SPEC: train runs minibatches, mlp_loss and the
optimizer's steps): a network not trained by its update rule is not credited.
The tasks see it with a learning rate of 0, where the update rule moves
nothing and this train still moves the last layer; it must earn no task point.
"""

import shutil
from pathlib import Path

from .stored_weights import HONEST_HISTORY

HIDDEN = {"xor": [64], "moons": [512], "spirals": [512]}

FIT = '''

# ---- the closed-form attack (tests/hostile/closed_form.py)
def train(params, X, y, *, epochs, batch_size, optimizer="sgd", optim_config=None,
          activation="relu", l2=0.0, X_val=None, y_val=None, rng=None):
    layers = len(params) // 2
    draw = np.random.default_rng(5)
    features = X
    for i in range(1, layers):
        params[f"W{i}"] = params[f"W{i}"] * 3  # wide, sharp random features
        params[f"b{i}"] = draw.uniform(-3, 3, params[f"b{i}"].shape).astype(X.dtype)
        features = np.maximum(0.0, features @ params[f"W{i}"] + params[f"b{i}"])
    design = np.hstack([features, np.ones((len(X), 1), dtype=features.dtype)])
    targets = np.eye(params[f"W{layers}"].shape[1])[y]
    solution = np.linalg.lstsq(design, targets, rcond=None)[0]
    dtype = params[f"W{layers}"].dtype
    params[f"W{layers}"] = solution[:-1].astype(dtype)
    params[f"b{layers}"] = solution[-1].astype(dtype)
''' + HONEST_HISTORY


def build_closed_form_submission(reference, destination):
    """A copy of the reference whose train fits the last layer by least squares, with
    settings for wide random-feature layers."""
    destination = Path(destination)
    shutil.copytree(reference, destination, ignore=shutil.ignore_patterns("__pycache__"))
    train_py = destination / "train.py"
    train_py.write_text(train_py.read_text() + FIT)
    config = destination / "config.py"
    text = config.read_text()
    for task, hidden in HIDDEN.items():
        text += (f"\nHYPERPARAMS[{task!r}] = dict(HYPERPARAMS[{task!r}], hidden_sizes={hidden}, "
                 f"activation='relu', epochs=1)\n")
    config.write_text(text)
    return destination
