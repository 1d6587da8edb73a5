"""The task of assignment 8: a small CNN of the student's modules on MNIST ("cnn").

The grader calls the student's `config.build_cnn(rng, dtype=float32)` in the
worker, reads back the model's `params` and counts the parameters itself (at
most the rubric's `max_parameters`; a model whose forward does not give (N, 10)
scores on (N, 1, 28, 28) images is refused before training), trains it with
the student's `fit` and HYPERPARAMS["cnn"] (epochs, batch_size, optimizer,
optim_config), calls the model's own `eval()` and `forward` on the 10,000 test
images (in chunks), and takes the argmax and the accuracy here, with labels the
worker never receives. Building, training and the test forward share the
task's budget (CPU seconds of the worker).

The disguise keeps images images: a pixel permutation (assignment 6's and 7's)
would destroy the neighbourhoods a convolution relies on, so the hidden seed
picks one of the 7 non-identity symmetries of the square (rotations by 90, 180
or 270 degrees, mirror images, transposes), applied to every training and test
image, and a derangement of the labels. A CNN trained by the student's own code
learns the turned digits as well as the upright ones; weights fitted elsewhere
on upright MNIST with the true labels do not fit them. The test split is
MNIST's own 10,000 images. And training must happen by the update rule: fit
with a learning rate of 0 must leave every parameter as it was.
"""

import hashlib

import numpy as np

from .. import datasets
from ..compare import CheckFailed, as_array
from ..plugin import grader_of
from ..sandbox import wire
from . import history as histories
from . import progress
from .base import Task
from .deep import test_labels
from .disguise import Disguise, relabel, unlabel
from .mlp import mnist_samples
from .settings import OPTIMIZER_KEYS, choice, expect_keys, optimizer_config, positive_int

DTYPE = "float32"  # build_cnn's default (SPEC): the data are sent in it
TEST_CHUNK = 1000  # test images per forward call (a convolution's columns are large)
PROBE_IMAGES = 8  # the shape probe before training
EVIDENCE_IMAGES = 2000  # the learning-rate-0 epoch (not on the budget)
EVIDENCE_SECONDS = 60
REPORT_DIGITS = 4  # feature maps of this many test digits in the report
REPORT_SECONDS = 30
PERCEPTRON = (784, 31, 10)  # the best perceptron within the parameter limit (benchmarks)
PERCEPTRON_EPOCHS = 3
PERCEPTRON_SECONDS = 90
OPTIMIZERS = tuple(OPTIMIZER_KEYS)
REQUIRED = ("epochs", "batch_size", "optimizer", "optim_config")
MEANINGS = {
    "epochs": "passes over the training data, a positive int",
    "batch_size": "samples per minibatch, a positive int",
    "optimizer": "the update rule fit uses",
    "optim_config": "the settings of that update rule",
}


def validate_cnn_settings(entry, where):
    """HYPERPARAMS["cnn"], checked and normalised (CheckFailed with what to change)."""
    expect_keys(entry, REQUIRED, (), where)
    optimizer = choice(entry["optimizer"], OPTIMIZERS, f"{where}['optimizer']")
    return {"epochs": positive_int(entry["epochs"], f"{where}['epochs']"),
            "batch_size": positive_int(entry["batch_size"], f"{where}['batch_size']"),
            "optimizer": optimizer,
            "optim_config": optimizer_config(entry["optim_config"], optimizer, where)}


def symmetry(image, k):
    """One of the 8 symmetries of the square on (..., 28, 28) images: k in 0..7 (0: identity)."""
    turned = np.rot90(image, k % 4, axes=(-2, -1))
    return np.swapaxes(turned, -1, -2) if k >= 4 else turned


def secret_symmetry(secrets, task):
    """The hidden seed's symmetry (1..7), or 0 (identity) without secrets."""
    disguise = Disguise.of(secrets, task)
    return int(disguise.rng.integers(1, 8)) if disguise.active else 0, disguise


def image_arrays(k, labels=None):
    """Names (for wire.Data) of the training images, training labels and test images.

    Images (N, 1, 28, 28) float32 in [0, 1], turned by symmetry k; labels (60000,)
    int64, label j shown as labels[j]. Written once into the worker's data folder.
    """
    relabelled = np.arange(10) if labels is None else np.asarray(labels)
    key = hashlib.sha256(np.int64(k).tobytes() + relabelled.tobytes()).hexdigest()[:12]

    def images(index):
        return lambda: np.ascontiguousarray(symmetry(np.divide(
            datasets.mnist()[index].reshape(-1, 1, 28, 28), 255, dtype=DTYPE), k))

    return (datasets.worker_array(f"cnn_train_images_{key}", images(0)),
            datasets.worker_array(f"cnn_train_labels_{key}",
                                  lambda: relabelled[datasets.mnist()[1].astype(np.int64)]),
            datasets.worker_array(f"cnn_test_images_{key}", images(2)))


def count_parameters(params, where="the model's params"):
    """The number of parameters, counted here from the arrays that came back."""
    if not isinstance(params, dict) or not params:
        raise CheckFailed(f"{where} should be a non-empty dict of arrays, is "
                          f"{type(params).__name__}")
    total = 0
    for key, value in params.items():
        array = as_array(value, f"{where}[{key!r}]")
        total += int(array.size)
    return total


class CNN(Task):
    """MNIST with a small CNN of the student's modules (see the module docstring)."""

    calls = ("config", "modules", "conv")
    announce = True

    def __init__(self, name, title, measured_on="test"):
        self.name, self.title, self.measured_on = name, title, measured_on
        self.classes = 10

    def settings(self, entry, where):
        return validate_cnn_settings(entry, where)

    def settings_schema(self):
        allowed = {"optimizer": OPTIMIZERS}
        return [(key, True, allowed.get(key), MEANINGS[key]) for key in REQUIRED]

    def data(self, job):
        k, disguise = secret_symmetry(job.secrets, self.name)
        order = disguise.label_permutation(self.classes)
        names = image_arrays(k, order if disguise.active else None)
        return k, order, names

    def build(self, job, call, seed):
        model = call("config.build_cnn", rng=wire.Rng(seed), dtype=wire.DType(DTYPE), keep=True)
        return model

    def train(self, job):
        from .runs import task_table  # noqa: PLC0415

        hp, budget = job.run.settings, job.budget
        limit = int(task_table(grader_of(job.config).rubric, self.name)["max_parameters"])

        def build(target, *args, **kwargs):
            return budget.call("building the network", target, *args, limits=job.limits,
                               **kwargs)

        model = self.build(job, build, job.seed)
        params = job.session.getattr(model, "params", timeout=EVIDENCE_SECONDS)
        count = count_parameters(params)
        job.run.facts["parameters"] = count
        job.run.facts["parameter_keys"] = sorted(map(str, params))
        if count > limit:
            raise CheckFailed(f"build_cnn's model has {count:,} parameters (counted from its "
                              f"params), more than the task's {limit:,}: fewer filters, or a "
                              "pooling before the Linear layer, shrink it")
        k, order, (train_images, train_labels, test_images) = self.data(job)
        images, _, _, true_test = datasets.mnist()
        probe = symmetry(np.divide(images[:PROBE_IMAGES].reshape(-1, 1, 28, 28), 255,
                                   dtype=DTYPE), k)
        scores = as_array(budget.method("forward on 8 images", model, "forward",
                                        np.ascontiguousarray(probe), limits=job.limits),
                          "the model's forward on 8 images")
        if scores.shape != (PROBE_IMAGES, 10):
            raise CheckFailed(f"build_cnn's model maps (8, 1, 28, 28) images to shape "
                              f"{scores.shape}, expected (8, 10) class scores")
        with progress.live_clock(job.config, self, budget):
            job.run.history = budget.call(
                "fit", "modules.fit", model, wire.Data(train_images), wire.Data(train_labels),
                epochs=hp["epochs"], batch_size=hp["batch_size"], optimizer=hp["optimizer"],
                optim_config=hp["optim_config"], rng=wire.Rng(job.seed + 1), limits=job.limits)
        budget.method("eval", model, "eval", limits=job.limits)
        test = np.ascontiguousarray(symmetry(np.divide(
            datasets.mnist()[2].reshape(-1, 1, 28, 28), 255, dtype=DTYPE), k))
        chunks = [as_array(budget.method("forward on the test images", model, "forward",
                                         test[start:start + TEST_CHUNK], limits=job.limits),
                           "the model's forward on the test images")
                  for start in range(0, len(test), TEST_CHUNK)]
        shapes = {chunk.shape[1:] for chunk in chunks if chunk.ndim == 2}
        if len(shapes) != 1 or any(chunk.ndim != 2 for chunk in chunks):
            raise CheckFailed("the model's forward on the test images returned arrays of "
                              "different shapes")
        labels = test_labels(np.concatenate(chunks), len(test))
        y_eval = datasets.mnist_test_labels()
        del true_test
        job.state.update(model=model, order=order, k=k, y_eval=y_eval, test=test,
                         labels=unlabel(labels, order), train_images=train_images,
                         train_labels=train_labels)
        self.expect_training_by_the_update_rule(job, images)

    def expect_training_by_the_update_rule(self, job, images):
        """fit with a learning rate of 0 must leave every parameter as it was."""
        hp, session = job.run.settings, job.session

        def call(target, *args, **kwargs):
            return session.call(target, *args, limits=job.limits, timeout=EVIDENCE_SECONDS,
                                **kwargs)

        model = self.build(job, call, job.seed + 7)
        X = np.ascontiguousarray(symmetry(np.divide(
            images[:EVIDENCE_IMAGES].reshape(-1, 1, 28, 28), 255, dtype=DTYPE), job.state["k"]))
        y = relabel(datasets.mnist_train_labels()[:EVIDENCE_IMAGES], job.state["order"])
        before = session.getattr(model, "params", timeout=EVIDENCE_SECONDS)
        call("modules.fit", model, X, y, epochs=1, batch_size=hp["batch_size"],
             optimizer=hp["optimizer"], optim_config=dict(hp["optim_config"], learning_rate=0.0),
             rng=wire.Rng(job.seed + 8))
        after = session.getattr(model, "params", timeout=EVIDENCE_SECONDS)
        histories.expect_unchanged_at_lr_0(before, after)

    def probe(self, job):
        from .runs import PROBE_SECONDS  # noqa: PLC0415

        hp = job.run.settings
        model = job.session.call("config.build_cnn", rng=wire.Rng(0), dtype=wire.DType(DTYPE),
                                 keep=True, timeout=PROBE_SECONDS)
        X = np.zeros((4, 1, 28, 28), dtype=DTYPE)
        job.session.call("modules.fit", model, X, np.array([0, 1, 2, 3]), epochs=1,
                         batch_size=4, optimizer=hp["optimizer"],
                         optim_config=hp["optim_config"], rng=wire.Rng(0),
                         timeout=PROBE_SECONDS)

    def evaluate(self, job):
        return float(np.mean(job.state["labels"] == job.state["y_eval"]))

    def after(self, job):
        """Not graded, not budgeted: the report's filters, feature maps and a perceptron."""
        self.first_layer(job)
        self.perceptron(job)

    def perceptron(self, job):
        """A 784-31-10 perceptron of the student's own modules (Flatten first) on the same
        disguised images, trained by their fit with Adam: its test predictions, for the
        report's comparison of errors (benchmarks/cnn_calibration.py trains it longer)."""
        session = job.session

        def call(target, *args, **kwargs):
            return session.call(target, *args, limits=job.limits, timeout=PERCEPTRON_SECONDS,
                                **kwargs)

        try:
            rng = wire.Rng(job.seed + 30)
            layers = [call("conv.Flatten", keep=True),
                      call("modules.Linear", PERCEPTRON[0], PERCEPTRON[1], rng=rng,
                           dtype=wire.DType(DTYPE), keep=True),
                      call("modules.ReLU", keep=True),
                      call("modules.Linear", PERCEPTRON[1], PERCEPTRON[2], rng=rng,
                           dtype=wire.DType(DTYPE), keep=True)]
            model = call("modules.Sequential", *layers, keep=True)
            call("modules.fit", model, wire.Data(job.state["train_images"]),
                 wire.Data(job.state["train_labels"]), epochs=PERCEPTRON_EPOCHS, batch_size=64,
                 optimizer="adam", optim_config={"learning_rate": 2e-3},
                 rng=wire.Rng(job.seed + 31))
            session.method(model, "eval", limits=job.limits, timeout=PERCEPTRON_SECONDS)
            scores = np.concatenate([as_array(session.method(
                model, "forward", job.state["test"][start:start + TEST_CHUNK],
                limits=job.limits, timeout=PERCEPTRON_SECONDS), "the perceptron's scores")
                for start in range(0, len(job.state["test"]), TEST_CHUNK)])
            job.state["perceptron_labels"] = unlabel(
                test_labels(scores, len(job.state["test"])), job.state["order"])
        except Exception as error:  # noqa: BLE001 - an extra never costs a grade
            job.state["perceptron_error"] = str(error)[:300]

    def first_layer(self, job):
        """The report's filters and feature maps.

        The trained model's first layer is found from its `layers` and `params`: the
        first 4-d parameter ("<index>.w", (F, C, k, k)); its feature maps are that
        layer's own forward on a few test digits (as the network saw them, turned).
        """
        session = job.session
        try:
            params = session.getattr(job.state["model"], "params", timeout=REPORT_SECONDS)
            first = next((key for key, value in params.items()
                          if isinstance(value, np.ndarray) and value.ndim == 4), None)
            if first is None:
                job.state["filters"] = {"error": "no 4-d parameter (a Conv2d's w) in params"}
                return
            index = int(str(first).split(".")[0])
            layers = session.getattr(job.state["model"], "layers", keep=True,
                                     timeout=REPORT_SECONDS)
            layer = session.getitem(layers, index, keep=True, timeout=REPORT_SECONDS)
            digits = job.state["test"][:REPORT_DIGITS]
            maps = as_array(session.method(layer, "forward", digits, timeout=REPORT_SECONDS),
                            "the first layer's forward")
            job.state["filters"] = {
                "key": str(first), "weights": np.asarray(params[first], np.float64).tolist(),
                "digits": digits[:, 0].astype(np.float64).tolist(),
                "maps": np.asarray(maps, np.float64).tolist(),
                "labels": job.state["y_eval"][:REPORT_DIGITS].tolist()}
        except Exception as error:  # noqa: BLE001 - an extra never costs a grade
            job.state["filters"] = {"error": str(error)[:300]}

    def artifact(self, job, table):
        return {"history": histories.plain_history(job.run.history),
                "accuracy": job.run.value,
                "parameters": job.run.facts.get("parameters"),
                "samples": mnist_samples(job.state["labels"], job.state["y_eval"]),
                "filters": job.state.get("filters", {}),
                "comparison": compare_errors(job.state["labels"],
                                             job.state.get("perceptron_labels"),
                                             job.state["y_eval"],
                                             job.state.get("perceptron_error"))}

    def check_history(self, run):
        """fit's history: "loss" per epoch, "grad_norm" per key of model.params, no val_loss."""
        histories.expect_fit_history(run.history, run.settings["epochs"],
                                     run.facts.get("parameter_keys", []))


def compare_errors(cnn, perceptron, true, error=None):
    """The report's comparison: errors per class of each, and digits only the perceptron missed."""
    if perceptron is None:
        return {"error": error or "the perceptron was not trained"}
    cnn, perceptron, true = (np.asarray(a) for a in (cnn, perceptron, true))
    by_class = [[float(np.mean(labels[true == k] != k)) for k in range(10)]
                for labels in (cnn, perceptron)]
    only_perceptron = np.flatnonzero((perceptron != true) & (cnn == true))[:18]
    images = datasets.mnist_test_images_uint8(only_perceptron)
    return {"cnn_errors": by_class[0], "perceptron_errors": by_class[1],
            "cnn_accuracy": float(np.mean(cnn == true)),
            "perceptron_accuracy": float(np.mean(perceptron == true)),
            "perceptron": "-".join(map(str, PERCEPTRON)),
            "both_wrong": int(np.sum((cnn != true) & (perceptron != true))),
            "only_cnn_wrong": int(np.sum((cnn != true) & (perceptron == true))),
            "only_perceptron_wrong": int(np.sum((cnn == true) & (perceptron != true))),
            "samples": [{"index": int(i), "predicted": int(perceptron[i]), "true": int(true[i]),
                         "pixels": image.tolist()} for i, image in zip(only_perceptron, images)]}


TASKS = [CNN("cnn", "CNN MNIST")]
