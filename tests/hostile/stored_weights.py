"""The stored-weights attack: networks trained elsewhere, shipped in the submission, loaded
by train.

A submission whose own training does not work ships, inside a module, the
weights of networks trained elsewhere on the public data (here by the
reference, for XOR, moons, spirals and MNIST), and its `train` recognises the
task by the shape of the data and loads them; its history is computed
honestly for those weights, so that it looks like a run. With the tasks'
disguises (secret label permutations, a rotated plane, permuted pixels) and
the learning-rate-0 evidence, it must earn no task point.
"""

import base64
from pathlib import Path

import numpy as np

SHAPES = {"xor": (4, [8], 2, "tanh"), "moons": (1000, [32, 32], 2, "relu"),
          "spirals": (300, [100], 3, "relu"), "mnist": (60000, [64], 10, "relu")}

# The end of an attack's train: a history of the SPEC's form whose accuracies are honest
# for the network the attack made (so that the history itself is not what gives it away).
HONEST_HISTORY = '''\
    accuracy_now = accuracy(predict(params, X, activation), y)
    history = {"loss": [0.1] * epochs, "train_acc": [accuracy_now] * epochs,
               "grad_norm": {name: [0.01] * epochs for name in params}}
    if X_val is not None:
        history["val_acc"] = [accuracy(predict(params, X_val, activation), y_val)] * epochs
    return history
'''

LOADER = '''

# ---- the stored-weights attack (tests/hostile/stored_weights.py)
import base64 as _base64

_STORED = __STORED__


def _load(stored):
    return {name: _np.frombuffer(_base64.b64decode(blob), dtype=_np.float32).reshape(shape)
            for name, (shape, blob) in stored.items()}


def train(params, X, y, *, epochs, batch_size, optimizer="sgd", optim_config=None,
          activation="relu", l2=0.0, X_val=None, y_val=None, rng=None):
    for task, (rows, weights) in _STORED.items():
        if len(X) == rows and X.shape[1] == weights["W1"][0][0]:
            loaded = _load(weights)
            if all(params[k].shape == v.shape for k, v in loaded.items()):
                for name, value in loaded.items():
                    params[name] = value.astype(params[name].dtype)
''' + HONEST_HISTORY


def _public_data(task):
    import course_data  # noqa: PLC0415

    if task == "xor":
        return course_data.xor_data()
    if task == "moons":
        X, y, _, _ = course_data.moons_data(2000, noise=0.2, random_state=0)
        return X, y
    if task == "spirals":
        return course_data.spiral_data(100, 3, seed=0)
    X, y, _, _ = course_data.load_mnist(dtype=np.float32)
    return X, y


def stored_networks():
    """{task: (rows, {name: (shape, base64 float32)})}: the reference trained on public data."""
    from reference import network, train  # noqa: PLC0415

    stored = {}
    for task, (rows, hidden, classes, activation) in SHAPES.items():
        X, y = _public_data(task)
        dtype = np.float32 if task == "mnist" else np.float64
        params = network.init_params([X.shape[1], *hidden, classes], "he" if task != "xor"
                                     else "xavier", np.random.default_rng(0), dtype)
        epochs = {"xor": 300, "moons": 30, "spirals": 200, "mnist": 3}[task]
        train.train(params, X.astype(dtype), y, epochs=epochs, batch_size=4 if task == "xor"
                    else 64, optimizer="adam", optim_config={"learning_rate": 0.01},
                    activation=activation, rng=np.random.default_rng(1))
        stored[task] = (rows, {name: (value.shape, base64.b64encode(
            value.astype(np.float32).tobytes()).decode()) for name, value in params.items()})
    return stored


def build_stored_weights_submission(reference, destination):
    """A copy of the reference whose train loads the stored networks, and whose settings
    ask for exactly their shapes."""
    import shutil  # noqa: PLC0415

    destination = Path(destination)
    shutil.copytree(reference, destination, ignore=shutil.ignore_patterns("__pycache__"))
    stored = stored_networks()
    train_py = destination / "train.py"
    train_py.write_text(train_py.read_text() + LOADER.replace("__STORED__", repr(stored))
                        .replace("_np.", "np."))
    config = destination / "config.py"
    text = config.read_text()
    for task, (_, hidden, _, activation) in SHAPES.items():
        text += (f"\nHYPERPARAMS[{task!r}] = dict(HYPERPARAMS[{task!r}], hidden_sizes={hidden}, "
                 f"activation={activation!r}, dtype='float32', epochs=1)\n")
    config.write_text(text)
    return destination
