"""The tasks of assignments 5 and 6: a network of the student's network.py, trained by their train.

XOR, two moons, spirals and MNIST are one kind of task: the grader builds the
network with the student's `init_params` (sizes: inputs, hidden_sizes,
classes), trains it with their `train` and HYPERPARAMS entry, predicts with
their `predict`, all three within the task's budget, and computes the
accuracy itself with labels the worker never receives (test labels, or the
training labels it sent for the tasks judged on them).

The history `train` returns is credited only beside a network the grader
measured: its last train_acc must be the accuracy the grader finds on the
training data.

What the tasks hide (disguise.py), with the hidden seeds: the class labels are
permuted by a secret derangement; the 2-D tasks' plane is mirrored across an
axis of secret angle; MNIST's pixels are permuted (a fully connected network does not care);
the data's own seeds are hidden. And training must happen by the update rule:
train run with a learning rate of 0 must leave the parameters as they were (a
network fitted in closed form, or loaded from stored weights, does not).
"""

import numpy as np

import course_data

from .. import class_cache, datasets
from ..compare import CheckFailed, as_array, describe
from ..sandbox import wire
from ..sandbox.client import StudentError, WorkerFault
from . import history as histories
from . import progress
from .base import Task
from .disguise import Disguise, relabel, unlabel
from .settings import mlp_schema, validate_mlp_settings

EVIDENCE_SECONDS = 20  # CPU seconds for the learning-rate-0 run (one epoch)

GRID_SIZE = 100  # the report's decision boundary: predictions on GRID_SIZE x GRID_SIZE points
GRID_SECONDS = 5  # its predict call, beyond the budget: 10,000 2-D points take milliseconds
MNIST_SAMPLES = 30  # test digits kept for the report, wrong ones first
# The data when the hidden seeds (secrets.toml) are absent: the student bundle.
PUBLIC_MOONS_RANDOM_STATE = 0
PUBLIC_SPIRALS_SEED = 0


class MLPClassification(Task):
    """A classification task for the network of assignment 5 (see the module docstring)."""

    calls = ("network", "train")

    def __init__(self, name, title, inputs, classes, measured_on, announce=False):
        self.name, self.title, self.inputs, self.classes = name, title, inputs, classes
        self.measured_on, self.announce = measured_on, announce

    def settings(self, entry, where):
        return validate_mlp_settings(entry, where)

    def settings_schema(self):
        return mlp_schema()

    def data(self, dtype, secrets):
        """(X_train, y_train, X_eval, y_eval, points for the report) in the student's dtype."""
        raise NotImplementedError

    def disguised(self, job, dtype):
        """The task's data as the worker receives it: disguised when the seeds are hidden.

        Returns (X_train, y_train, X_eval, y_eval, points, order): y_eval in the true
        labels (the trusted side's), y_train in the worker's, `order` the label
        permutation that maps one to the other.
        """
        X_train, y_train, X_eval, y_eval, points = self.data(dtype, job.secrets)
        disguise = Disguise.of(job.secrets, self.name)
        order = disguise.label_permutation(self.classes)
        rotation = disguise.mirror()
        job.state["rotation"] = rotation
        X_train = (X_train @ rotation.T).astype(dtype, copy=False)
        X_eval = (X_eval @ rotation.T).astype(dtype, copy=False)
        return X_train, relabel(y_train, order), X_eval, y_eval, points, order

    def train(self, job):
        hp, budget = job.run.settings, job.budget
        params = budget.call("init_params", "network.init_params",
                             [self.inputs, *hp["hidden_sizes"], self.classes], hp["init"],
                             wire.Rng(job.seed), wire.DType(hp["dtype"]), keep=True,
                             limits=job.limits)
        # The data after init_params: MNIST's files (once per dtype) are not written
        # for a submission that cannot train; preparing them is not on the budget.
        X_train, y_train, X_eval, y_eval, points, order = self.disguised(job, hp["dtype"])
        with progress.live_clock(job.config, self, budget):
            job.run.history = budget.call(
                "train", "train.train", params, X_train, y_train, epochs=hp["epochs"],
                batch_size=hp["batch_size"], optimizer=hp["optimizer"],
                optim_config=hp["optim_config"], activation=hp["activation"], l2=hp["l2"],
                rng=wire.Rng(job.seed + 1), limits=job.limits)
        progress.show_epochs(job.config, self, job.run.history)
        predicted = budget.call("predict", "network.predict", params, X_eval,
                                activation=hp["activation"], limits=job.limits)
        labels = predicted_labels(predicted, len(y_eval), "predict")
        job.state.update(params=params, X_train=X_train, y_train=y_train, y_eval=y_eval,
                         points=points, order=order, labels=unlabel(labels, order))
        self.expect_training_by_the_update_rule(job)

    def expect_training_by_the_update_rule(self, job):
        """With a learning rate of 0, train must leave the parameters as they were.

        Every update rule of optim.py moves w by a multiple of the learning rate;
        a train that fits the network some other way (in closed form, or by loading
        weights it carries) changes them anyway, and its accuracy is not its own.
        """
        hp = job.run.settings
        X, y = self.evidence_data(job)
        params = job.session.call("network.init_params",
                                  [self.inputs, *hp["hidden_sizes"], self.classes], hp["init"],
                                  wire.Rng(job.seed + 7), wire.DType(hp["dtype"]), keep=True,
                                  limits=job.limits, timeout=EVIDENCE_SECONDS)
        before = job.session.get(params)
        job.session.call("train.train", params, X, y, epochs=1, batch_size=hp["batch_size"],
                         optimizer=hp["optimizer"],
                         optim_config=dict(hp["optim_config"], learning_rate=0.0),
                         activation=hp["activation"], l2=hp["l2"], rng=wire.Rng(job.seed + 8),
                         limits=job.limits, timeout=EVIDENCE_SECONDS)
        after = job.session.get(params)
        changed = sorted(k for k in before if not (isinstance(after.get(k), np.ndarray)
                                                  and np.array_equal(before[k], after[k])))
        if changed:
            raise CheckFailed(f"with a learning rate of 0, train changed {', '.join(changed)}: "
                              "it does not train by its update rule (SPEC: minibatches, mlp_loss "
                              "and the optimizer's steps), so its network is not credited")

    def evidence_data(self, job):
        """The training data as the worker received it (all of it: a train that tells the
        graded run from this one by the data's size must not get away)."""
        return job.state["X_train"], job.state["y_train"]

    def evaluate(self, job):
        return float(np.mean(job.state["labels"] == job.state["y_eval"]))

    def probe(self, job):
        from .runs import PROBE_SECONDS  # noqa: PLC0415

        hp = job.run.settings
        X, y = course_data.xor_data(dtype=hp["dtype"])
        params = job.session.call("network.init_params", [2, 3, 2], hp["init"], wire.Rng(0),
                                  wire.DType(hp["dtype"]), keep=True, timeout=PROBE_SECONDS)
        job.session.call("train.train", params, X, y, epochs=1, batch_size=4,
                         optimizer=hp["optimizer"], optim_config=hp["optim_config"],
                         activation=hp["activation"], l2=hp["l2"], rng=wire.Rng(0),
                         timeout=PROBE_SECONDS)

    def after(self, job):
        run = job.run
        run.facts["train_accuracy"] = (run.value if self.measured_on == "training"
                                       else self._training_accuracy(job))

    def artifact(self, job, table):
        artifact = {"history": histories.plain_history(job.run.history),
                    "accuracy": job.run.value}
        if job.state.get("points") is not None:
            artifact["points"] = job.state["points"]
            artifact.update(self._grid(job))
        return artifact

    def check_history(self, run):
        """The history train returned has the SPEC's form and plausible values."""
        if run.history is None:
            raise CheckFailed("train returned nothing to check")
        history, hp = run.history, run.settings
        epochs = hp["epochs"]
        histories.expect_keys(history, ("loss", "train_acc", "grad_norm"))
        histories.expect_losses(histories.per_epoch(history["loss"], epochs, "history['loss']"),
                                "history['loss']")
        accuracies = histories.per_epoch(history["train_acc"], epochs, "history['train_acc']")
        for epoch, value in enumerate(accuracies):
            if not 0 <= value <= 1:
                raise CheckFailed(f"history['train_acc'][{epoch}] is {value}: an accuracy is a "
                                  "fraction in [0, 1]")
        measured = run.facts.get("train_accuracy")
        if measured is None:
            # A history is credited only beside a network the grader could measure.
            raise CheckFailed("the trained network's accuracy on the training data could not be "
                              "measured, so its history cannot be credited")
        if abs(accuracies[-1] - measured) > 1e-6:
            raise CheckFailed(f"history['train_acc'][-1] is {accuracies[-1]:.4f}, but the trained "
                              f"network's accuracy on all of X is {measured:.4f}: "
                              "train_acc is measured on all of X after each epoch")
        if history.get("val_acc") not in (None, []):
            raise CheckFailed("history['val_acc'] has entries although no validation data was "
                              "given")
        names = [f"{kind}{i}" for i in range(1, len(hp["hidden_sizes"]) + 2) for kind in "Wb"]
        histories.expect_norms(history["grad_norm"], names, epochs)

    # ------------------------------------------------------------ extras, not budgeted

    def _training_accuracy(self, job):
        """Accuracy on the training data (not graded, not timed): what history['train_acc'] says."""
        state, hp = job.state, job.run.settings
        try:
            value = job.session.call("network.predict", state["params"], state["X_train"],
                                     activation=hp["activation"], limits=job.limits,
                                     timeout=GRID_SECONDS)
            y_train = self.training_labels(job)
            labels = predicted_labels(value, len(y_train), "predict")
        except (StudentError, WorkerFault, CheckFailed):
            return None
        return float(np.mean(labels == y_train))

    def training_labels(self, job):
        """The training labels as the worker received them."""
        return job.state["y_train"]

    def _grid(self, job):
        """The student's predictions over the plane, for the report's decision boundary.

        The plane and the classes are the true ones: the grid is disguised on its way to
        the worker (mirrored) and its predictions mapped back to the true labels.
        """
        xs, ys, grid = plane_grid(job.state["points"])
        hp = job.run.settings
        shown = grid @ job.state["rotation"].T
        try:
            value = job.session.call("network.predict", job.state["params"],
                                     shown.astype(hp["dtype"]), activation=hp["activation"],
                                     limits=job.limits, timeout=GRID_SECONDS)
            labels = unlabel(predicted_labels(value, len(grid), "predict"),
                             job.state["order"]).reshape(len(ys), len(xs))
        except (StudentError, WorkerFault, CheckFailed) as error:
            return {"grid_error": str(error)[:300]}
        return {"grid": {"x": np.round(xs, 4).tolist(), "y": np.round(ys, 4).tolist(),
                         "labels": labels.tolist()}}


class XOR(MLPClassification):
    def data(self, dtype, secrets):
        X, y = course_data.xor_data(dtype=dtype)
        return X, y, X, y, points_of(X, y)


class Moons(MLPClassification):
    def data(self, dtype, secrets):
        random_state = int(secrets.get("moons_random_state", PUBLIC_MOONS_RANDOM_STATE))
        # Drawn once per class (scikit-learn's import alone is seconds): class_cache.py.
        X_train, y_train, X_test, y_test = class_cache.arrays(
            "moons", [2000, 0.2, random_state, str(np.dtype(dtype))],
            lambda: course_data.moons_data(2000, noise=0.2, random_state=random_state,
                                           dtype=dtype))
        # The report shows the training points: the test set of a hidden random_state
        # stays with the grader, even as a picture.
        return X_train, y_train, X_test, y_test, points_of(X_train, y_train)


class Spirals(MLPClassification):
    def data(self, dtype, secrets):
        seed = int(secrets.get("spirals_seed", PUBLIC_SPIRALS_SEED))
        X, y = course_data.spiral_data(points_per_class=100, num_classes=3, seed=seed, dtype=dtype)
        return X, y, X, y, points_of(X, y)


class MNIST(MLPClassification):
    """MNIST; disguised, its pixels are permuted and its labels deranged (in the files)."""

    def data(self, dtype, secrets):
        raise NotImplementedError("MNIST's data are files: see disguised()")

    def disguised(self, job, dtype):
        # Written once as .npy files the worker loads from its read-only /data:
        # 188 MB (float32) never crosses the pipe, and the test labels never leave.
        disguise = Disguise.of(job.secrets, self.name)
        order = disguise.label_permutation(self.classes)
        pixels = disguise.pixel_permutation(784) if disguise.active else None
        labels = order if disguise.active else None
        train_images, train_labels, test_images = datasets.mnist_worker_arrays(
            dtype, pixels=pixels, labels=labels)
        return (wire.Data(train_images), wire.Data(train_labels), wire.Data(test_images),
                datasets.mnist_test_labels(), None, order)

    def training_labels(self, job):
        # The worker read them from a file: the same labels, disguised as it saw them.
        return relabel(datasets.mnist_train_labels(), job.state["order"])



    def artifact(self, job, table):
        artifact = super().artifact(job, table)
        artifact["samples"] = mnist_samples(job.state["labels"], job.state["y_eval"])
        return artifact


TASKS = [
    XOR("xor", "XOR", 2, 2, "training"),
    Moons("moons", "two moons", 2, 2, "test"),
    Spirals("spirals", "spirals", 2, 3, "training"),
    MNIST("mnist", "MNIST", 784, 10, "test", announce=True),
]


# ---------------------------------------------------------------- helpers


def predicted_labels(value, count, name):
    """predict's answer as an int64 array of `count` labels; CheckFailed if it is not that."""
    labels = as_array(value, f"what {name} returned")
    if labels.ndim == 2 and labels.shape[0] == count:
        raise CheckFailed(f"{name} returned an array of shape {labels.shape}: scores, not "
                          f"labels; it should return the argmax over classes, shape ({count},)")
    if labels.shape != (count,):
        raise CheckFailed(f"{name} returned shape {labels.shape}, expected ({count},)")
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise CheckFailed(f"{name} should return integer class labels, but returned "
                              f"{labels.dtype} values that are not whole numbers")
    elif labels.dtype.kind not in "iu":
        raise CheckFailed(f"{name} should return integer class labels, not {labels.dtype} "
                          f"({describe(value)})")
    return labels.astype(np.int64)


def points_of(X, y):
    return {"X": np.round(X.astype(np.float64), 4).tolist(), "y": [int(v) for v in y]}


def plane_grid(points, size=GRID_SIZE):
    """A size x size grid around the 2-D points (20% margin): (xs, ys, (size*size, 2) points)."""
    X = np.asarray(points["X"], dtype=np.float64)
    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.2 * np.maximum(high - low, 1e-3)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], size)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], size)
    grid_x, grid_y = np.meshgrid(xs, ys)  # row i is ys[i], column j is xs[j]
    return xs, ys, np.column_stack([grid_x.ravel(), grid_y.ravel()])


def mnist_samples(predicted, true, count=MNIST_SAMPLES):
    """Test digits for the report: up to 12 wrong ones, then right ones (both kinds teach)."""
    wrong = np.flatnonzero(predicted != true)[:min(12, count)]
    right = np.flatnonzero(predicted == true)[:count - len(wrong)]
    chosen = np.concatenate([wrong, right]).astype(np.int64)
    images = datasets.mnist_test_images_uint8(chosen)
    return [{"index": int(i), "predicted": int(predicted[i]), "true": int(true[i]),
             "pixels": image.tolist()} for i, image in zip(chosen, images)]
