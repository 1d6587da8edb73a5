"""The task of assignment 7: a deep network of the student's modules on MNIST ("deep").

The grader builds the network itself from HYPERPARAMS["deep"], with the
student's classes: for each of the (at least 6) hidden sizes, Linear ->
BatchNorm1d (when "batchnorm") -> activation -> Dropout(p) (when "dropout" > 0),
then Linear -> 10; it trains it with the student's `fit` and "sgd_momentum",
calls the model's own `eval()` and `forward` on the 10,000 test images, and
takes the argmax and the accuracy here, with labels the worker never receives.
Building, training and the test forward share the task's budget.

The data are MNIST's as in assignment 6, disguised the same way with the
hidden seeds (pixels permuted, labels deranged). And training must happen by
the update rule: fit with a learning rate of 0 must leave every parameter as
it was.
"""

import numpy as np

from .. import datasets
from ..compare import CheckFailed, as_array
from ..sandbox import wire
from . import history as histories
from . import progress
from .base import Task
from .disguise import unlabel
from .mlp import MNIST, mnist_samples
from .settings import (
    ACTIVATIONS,
    INITS,
    OPTIMIZER_KEYS,
    choice,
    expect_keys,
    finite_number,
    optimizer_config,
    positive_int,
)

MIN_HIDDEN_LAYERS = 6  # SPEC: a deep network
OPTIMIZER = "sgd_momentum"  # fixed by the SPEC: batch normalization lets it take a large rate
EVIDENCE_SECONDS = 30  # CPU seconds for the learning-rate-0 epoch (not on the budget)
EXPERIMENT_IMAGES = 2000  # the report's experiment: one epoch on these training images
EXPERIMENT_SECONDS = 20
CLASSES = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "leaky_relu": "LeakyReLU"}
REQUIRED = ("hidden_sizes", "batchnorm", "activation", "dropout", "init", "epochs",
            "batch_size", "optim_config")
OPTIONAL = ("dtype",)
MEANINGS = {
    "hidden_sizes": f"the widths of the hidden layers, a list of at least {MIN_HIDDEN_LAYERS} "
                    "positive ints",
    "batchnorm": "True to put a BatchNorm1d after every hidden Linear",
    "activation": "the hidden layers' activation module",
    "dropout": "the drop probability of a Dropout after every activation (0 for none)",
    "init": "how each Linear draws its weights",
    "epochs": "passes over the training data, a positive int",
    "batch_size": "samples per minibatch, a positive int",
    "optim_config": f"the settings of {OPTIMIZER} (fixed): "
                    f"{', '.join(OPTIMIZER_KEYS[OPTIMIZER])}",
    "dtype": "the dtype of the network and of the data (default \"float64\"; \"float32\" "
             "computes about twice as fast)",
}


def validate_deep_settings(entry, where):
    """HYPERPARAMS["deep"], checked and normalised (CheckFailed with what to change)."""
    expect_keys(entry, REQUIRED, OPTIONAL, where)
    hidden = entry["hidden_sizes"]
    if not isinstance(hidden, (list, tuple)):
        raise CheckFailed(f"{where}['hidden_sizes'] should be a list of ints, but is "
                          f"{hidden!r}")
    sizes = [positive_int(size, f"{where}['hidden_sizes'][{i}]") for i, size in enumerate(hidden)]
    if len(sizes) < MIN_HIDDEN_LAYERS:
        raise CheckFailed(f"{where}['hidden_sizes'] has {len(sizes)} hidden layers; the deep "
                          f"task needs at least {MIN_HIDDEN_LAYERS}")
    if type(entry["batchnorm"]) is not bool:
        raise CheckFailed(f"{where}['batchnorm'] should be True or False, but is "
                          f"{entry['batchnorm']!r}")
    dropout = finite_number(entry["dropout"], f"{where}['dropout']")
    if not 0 <= dropout < 1:
        raise CheckFailed(f"{where}['dropout'] should be in [0, 1), is {dropout}")
    return {"hidden_sizes": sizes, "batchnorm": entry["batchnorm"],
            "activation": choice(entry["activation"], ACTIVATIONS, f"{where}['activation']"),
            "dropout": dropout,
            "init": choice(entry["init"], INITS, f"{where}['init']"),
            "epochs": positive_int(entry["epochs"], f"{where}['epochs']"),
            "batch_size": positive_int(entry["batch_size"], f"{where}['batch_size']"),
            "optim_config": optimizer_config(entry["optim_config"], OPTIMIZER, where),
            "dtype": choice(entry.get("dtype", "float64"), ("float32", "float64"),
                            f"{where}['dtype']")}


def layer_plan(hp, inputs=784, classes=10):
    """The network of the settings as [(class name, args, kwargs)], in order (trusted side)."""
    plan, width = [], inputs
    for size in hp["hidden_sizes"]:
        plan.append(("Linear", (width, size), {"init": hp["init"]}))
        if hp["batchnorm"]:
            plan.append(("BatchNorm1d", (size,), {}))
        plan.append((CLASSES[hp["activation"]], (), {}))
        if hp["dropout"] > 0:
            plan.append(("Dropout", (hp["dropout"],), {}))
        width = size
    plan.append(("Linear", (width, classes), {"init": hp["init"]}))
    return plan


def parameter_keys(hp):
    """The keys the model's params must have: "<index>.W" ... (Sequential's naming)."""
    names = {"Linear": ("W", "b"), "BatchNorm1d": ("gamma", "beta")}
    return [f"{index}.{name}" for index, (kind, _, _) in enumerate(layer_plan(hp))
            for name in names.get(kind, ())]


def build_model(call, hp, seed):
    """The Sequential of the settings, built in the worker by `call` (a budgeted call or not)."""
    dtype = wire.DType(hp["dtype"])
    layers = []
    for index, (kind, args, kwargs) in enumerate(layer_plan(hp)):
        kwargs = dict(kwargs)
        if kind in ("Linear", "Dropout"):
            kwargs["rng"] = wire.Rng(seed + 100 + index)
        if kind in ("Linear", "BatchNorm1d"):
            kwargs["dtype"] = dtype
        layers.append(call(f"modules.{kind}", *args, keep=True, **kwargs))
    return call("modules.Sequential", *layers, keep=True)


class DeepMNIST(Task):
    """MNIST with a deep network of the student's modules (see the module docstring)."""

    calls = ("modules",)

    def __init__(self, name, title, measured_on="test", announce=True):
        self.name, self.title, self.measured_on, self.announce = name, title, measured_on, announce
        self.inputs, self.classes = 784, 10

    def disguised(self, job, dtype):
        """MNIST as assignment 6's task sends it: files in the worker's /data, disguised."""
        return MNIST.disguised(self, job, dtype)

    def settings(self, entry, where):
        return validate_deep_settings(entry, where)

    def settings_schema(self):
        allowed = {"activation": ACTIVATIONS, "init": INITS, "dtype": ("float32", "float64")}
        return ([(key, True, allowed.get(key), MEANINGS[key]) for key in REQUIRED]
                + [(key, False, allowed.get(key), MEANINGS[key]) for key in OPTIONAL])

    def train(self, job):
        hp, budget = job.run.settings, job.budget

        def build(target, *args, **kwargs):
            return budget.call("building the network", target, *args, limits=job.limits,
                               **kwargs)

        model = build_model(build, hp, job.seed)
        X_train, y_train, X_eval, y_eval, _, order = self.disguised(job, hp["dtype"])
        with progress.live_clock(job.config, self, budget):
            job.run.history = budget.call(
                "fit", "modules.fit", model, X_train, y_train, epochs=hp["epochs"],
                batch_size=hp["batch_size"], optimizer=OPTIMIZER,
                optim_config=hp["optim_config"], rng=wire.Rng(job.seed + 1), limits=job.limits)
        budget.method("eval", model, "eval", limits=job.limits)
        scores = budget.method("forward on the test images", model, "forward", X_eval,
                               limits=job.limits)
        labels = test_labels(scores, len(y_eval))
        job.state.update(model=model, X_train=X_train, y_train=y_train, y_eval=y_eval,
                         order=order, labels=unlabel(labels, order))
        self.expect_training_by_the_update_rule(job)

    def expect_training_by_the_update_rule(self, job):
        """fit with a learning rate of 0 must leave every parameter as it was."""
        hp, session = job.run.settings, job.session

        def call(target, *args, **kwargs):
            return session.call(target, *args, limits=job.limits, timeout=EVIDENCE_SECONDS,
                                **kwargs)

        model = build_model(call, hp, job.seed + 7)
        before = session.getattr(model, "params", timeout=EVIDENCE_SECONDS)
        session.call("modules.fit", model, job.state["X_train"], job.state["y_train"], epochs=1,
                     batch_size=hp["batch_size"], optimizer=OPTIMIZER,
                     optim_config=dict(hp["optim_config"], learning_rate=0.0),
                     rng=wire.Rng(job.seed + 8), limits=job.limits, timeout=EVIDENCE_SECONDS)
        after = session.getattr(model, "params", timeout=EVIDENCE_SECONDS)
        histories.expect_unchanged_at_lr_0(before, after)

    def probe(self, job):
        from .runs import PROBE_SECONDS  # noqa: PLC0415

        hp = job.run.settings
        X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=hp["dtype"])
        y = np.array([0, 1, 1, 0])
        layers = [job.session.call(f"modules.{kind}", *args, keep=True, timeout=PROBE_SECONDS)
                  for kind, args in (("Linear", (2, 3)), ("ReLU", ()), ("Linear", (3, 2)))]
        model = job.session.call("modules.Sequential", *layers, keep=True,
                                 timeout=PROBE_SECONDS)
        job.session.call("modules.fit", model, X, y, epochs=1, batch_size=4,
                         optimizer=OPTIMIZER, optim_config=hp["optim_config"], rng=wire.Rng(0),
                         timeout=PROBE_SECONDS)

    def evaluate(self, job):
        return float(np.mean(job.state["labels"] == job.state["y_eval"]))

    def after(self, job):
        """Not graded, not budgeted: the report's experiment on vanishing gradients.

        The same depth and widths with sigmoid activations, without and with batch
        normalization, one epoch each on EXPERIMENT_IMAGES training images, built of the
        student's modules and trained by their fit: the gradient norm of each Linear's W.
        """
        hp, session = job.run.settings, job.session
        images, labels, _, _ = datasets.mnist()
        X = (images[:EXPERIMENT_IMAGES] / 255).astype(hp["dtype"])
        y = labels[:EXPERIMENT_IMAGES].astype(np.int64)
        runs = {}
        for batchnorm in (False, True):
            label = "sigmoid, batch normalization" if batchnorm else "sigmoid"
            settings = dict(hp, activation="sigmoid", batchnorm=batchnorm, dropout=0.0,
                            init="xavier")

            def call(target, *args, **kwargs):
                return session.call(target, *args, limits=job.limits,
                                    timeout=EXPERIMENT_SECONDS, **kwargs)

            try:
                model = build_model(call, settings, job.seed + 20)
                history = call("modules.fit", model, X, y, epochs=1, batch_size=100,
                               optimizer=OPTIMIZER, optim_config={"learning_rate": 0.1},
                               rng=wire.Rng(job.seed + 21))
                norms = histories.plain_history(history).get("grad_norm") or {}
                runs[label] = {key: norms[key] for key in parameter_keys(settings)
                               if key.endswith(".W") and key in norms}
            except Exception as error:  # noqa: BLE001 - an experiment never costs a grade
                runs[label] = {"error": str(error)[:300]}
        job.state["experiment"] = runs

    def artifact(self, job, table):
        return {"history": histories.plain_history(job.run.history),
                "accuracy": job.run.value,
                "layers": [kind for kind, _, _ in layer_plan(job.run.settings)],
                "samples": mnist_samples(job.state["labels"], job.state["y_eval"]),
                "depth_experiment": job.state.get("experiment", {})}

    def check_history(self, run):
        """fit's history: "loss" per epoch, "grad_norm" per key of model.params, no val_loss."""
        histories.expect_fit_history(run.history, run.settings["epochs"],
                                     parameter_keys(run.settings))


def test_labels(scores, count):
    """The argmax of the model's (count, 10) test scores, computed here."""
    array = as_array(scores, "the model's forward on the test images")
    if array.shape != (count, 10):
        raise CheckFailed(f"the model's forward on the {count} test images returned shape "
                          f"{array.shape}, expected ({count}, 10) class scores")
    if not np.all(np.isfinite(array)):
        raise CheckFailed("the model's test scores hold NaN or inf: did training diverge?")
    return np.argmax(array, axis=1).astype(np.int64)


TASKS = [DeepMNIST("deep", "deep MNIST")]
