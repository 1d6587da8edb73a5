"""The tasks of assignment 9: the student's RNN on sequences that need memory ("sine", "memory").

SPEC, "Graded tasks of assignments 7 to 11". For each task the grader asks the
student's `config.build_rnn(task, rng, dtype)` for the model (it must hold a
parameter key ending in "Wh": the student's RNN), trains it with the student's
`fit` and their HYPERPARAMS entry (the loss fixed by the task: "mse" for sine,
"softmax_cross_entropy" for memory), calls the model's own `eval()` and
`forward` on the test sequences, and computes the metric here with targets the
worker never receives:

  - "sine": NMSE = test MSE / variance of the test targets (lower is better);
  - "memory": test accuracy of the argmax of the scores.

What the tasks hide: the data's seeds (secrets.toml's sine_seed, memory_seed);
for "memory", the labels are permuted by a secret derangement (disguise.py), so
the answer is not the argmax of the first input. And the predictions must come
through the recurrence: with the trained model's Wh set to zero (each state then
sees only its own input), the metric must fall to what a model without memory
reaches; a model that computes its answer some other way is not credited.
Building, training and the test forward share the task's budget.
"""

import math

import numpy as np

import course_data

from ..compare import CheckFailed, as_array, describe
from ..sandbox import wire
from ..sandbox.client import StudentError, WorkerFault
from . import history as histories
from . import progress
from .base import Task
from .disguise import Disguise, relabel, unlabel
from .settings import (
    DTYPES,
    OPTIMIZER_KEYS,
    choice,
    expect_keys,
    finite_number,
    optimizer_config,
    positive_int,
)

PUBLIC_SEEDS = {"sine": 0, "memory": 0}  # the data when the hidden seeds are absent
N_TRAIN, N_TEST = 5000, 2000
RULES = dict(OPTIMIZER_KEYS, rmsprop=("learning_rate", "decay_rate", "epsilon"))
REQUIRED = ("epochs", "batch_size", "optimizer", "optim_config")
OPTIONAL = ("clip_norm", "dtype")
MEANINGS = {
    "epochs": "passes over the 5,000 training sequences, a positive int",
    "batch_size": "sequences per minibatch, a positive int",
    "optimizer": "the update rule of optim.py",
    "optim_config": "the update rule's settings, a dict of numbers (only the keys it reads)",
    "clip_norm": "the total gradient norm fit clips to (your clip_grad_norm), a number > 0, "
                 "or None (default) for no clipping",
    "dtype": "the dtype build_rnn receives and of the data (default \"float64\"; \"float32\" "
             "computes about twice as fast)",
}
EVIDENCE_SECONDS = 20  # CPU seconds for the forward with Wh = 0 (not on the budget)
REPORT_SECONDS = 20  # the report's extras, each call
REPORT_WAVES, REPORT_AHEAD = 4, 15  # sine waves continued step by step by the model
REPORT_LENGTHS = (2, 5, 10, 15, 20, 30, 40)  # memory: accuracy against sequence length
REPORT_SEQUENCES = 500


def validate_sequence_settings(entry, where):
    """HYPERPARAMS["sine"] or ["memory"], checked and normalised (CheckFailed if wrong)."""
    expect_keys(entry, REQUIRED, OPTIONAL, where)
    optimizer = choice(entry["optimizer"], tuple(RULES), f"{where}['optimizer']")
    clip_norm = entry.get("clip_norm")
    if clip_norm is not None:
        clip_norm = finite_number(clip_norm, f"{where}['clip_norm']")
        if clip_norm <= 0:
            raise CheckFailed(f"{where}['clip_norm'] should be > 0 or None, is {clip_norm}")
    return {"epochs": positive_int(entry["epochs"], f"{where}['epochs']"),
            "batch_size": positive_int(entry["batch_size"], f"{where}['batch_size']"),
            "optimizer": optimizer,
            "optim_config": optimizer_config(entry["optim_config"], optimizer, where,
                                             known=RULES),
            "clip_norm": clip_norm,
            "dtype": choice(entry.get("dtype", "float64"), DTYPES, f"{where}['dtype']")}


def recurrent_key(params):
    """The key of the RNN's Wh among the model's params ("0.Wh"), or CheckFailed."""
    if not isinstance(params, dict):
        raise CheckFailed(f"the model's params should be a dict of arrays, is {describe(params)}")
    keys = [str(key) for key in params if str(key).endswith("Wh")]
    if not keys:
        raise CheckFailed(f"the model build_rnn returned has no parameter ending in \"Wh\" "
                          f"(its params: {sorted(map(str, params))[:8]}): it must contain your "
                          "RNN (SPEC, config.py)")
    return keys[0]


def leaf_of(session, model, key, timeout=None):
    """The module holding params[key] ("1.0.Wh": layers[1].layers[0]) and the name in it."""
    *path, name = key.split(".")
    module = model
    for index in path:
        layers = session.getattr(module, "layers", timeout=timeout)
        if not isinstance(layers, list) or not index.isdigit() or int(index) >= len(layers):
            raise CheckFailed(f"the parameter {key!r} does not lead to a module through "
                              "Sequential's layers (keys are \"<index>.<name>\")")
        module = layers[int(index)]
    return module, name


class SequenceTask(Task):
    """An assignment 9 task (see the module docstring); `name` is "sine" or "memory"."""

    calls = ("config", "rnn", "modules")
    announce = True

    def __init__(self, name, title, metric, loss, chance):
        self.name, self.title, self.metric, self.loss = name, title, metric, loss
        self.lower_is_better = metric == "NMSE"
        self.chance = chance  # the metric of a model without memory must be worse than this

    # ------------------------------------------------------------ data

    def seed(self, secrets):
        return int(secrets.get(f"{self.name}_seed", PUBLIC_SEEDS[self.name]))

    def data(self, secrets, dtype):
        make = course_data.sine_data if self.name == "sine" else course_data.memory_data
        return make(N_TRAIN, N_TEST, seed=self.seed(secrets), dtype=dtype)

    def disguised(self, job, dtype):
        """(X_train, y_train as the worker sees them, X_test, y_test true, label order)."""
        X_train, y_train, X_test, y_test = self.data(job.secrets, dtype)
        order = None
        if self.name == "memory":
            order = Disguise.of(job.secrets, self.name).label_permutation(
                course_data.sequences.MEMORY_SYMBOLS)
            y_train = relabel(y_train, order)
        return X_train, y_train, X_test, y_test, order

    # ------------------------------------------------------------ steps

    def settings(self, entry, where):
        return validate_sequence_settings(entry, where)

    def settings_schema(self):
        allowed = {"optimizer": tuple(RULES), "dtype": DTYPES}
        return ([(key, True, allowed.get(key), MEANINGS[key]) for key in REQUIRED]
                + [(key, False, allowed.get(key), MEANINGS[key]) for key in OPTIONAL])

    def build(self, call, hp, seed):
        return call("config.build_rnn", self.name, rng=wire.Rng(seed),
                    dtype=wire.DType(hp["dtype"]), keep=True)

    def train(self, job):
        hp, budget = job.run.settings, job.budget

        def call(target, *args, **kwargs):
            return budget.call("building the model", target, *args, limits=job.limits,
                               **kwargs)

        model = self.build(call, hp, job.seed)
        key = recurrent_key(job.session.getattr(model, "params"))
        X_train, y_train, X_test, y_test, order = self.disguised(job, hp["dtype"])
        with progress.live_clock(job.config, self, budget):
            job.run.history = budget.call(
                "fit", "modules.fit", model, X_train, y_train, epochs=hp["epochs"],
                batch_size=hp["batch_size"], optimizer=hp["optimizer"],
                optim_config=hp["optim_config"], loss=self.loss, clip_norm=hp["clip_norm"],
                rng=wire.Rng(job.seed + 1), limits=job.limits)
        budget.method("eval", model, "eval", limits=job.limits)
        out = budget.method("forward on the test sequences", model, "forward", X_test,
                            limits=job.limits)
        job.state.update(model=model, key=key, X_test=X_test, y_test=y_test, order=order,
                         predictions=self.predictions(out, len(y_test), order))
        self.expect_memory_through_Wh(job)

    def predictions(self, out, count, order):
        """What the model's test output says, read here: values (sine) or labels (memory)."""
        array = as_array(out, "the model's forward on the test sequences")
        shape = (count, 1) if self.name == "sine" else (count, course_data.sequences
                                                         .MEMORY_SYMBOLS)
        if array.shape != shape:
            raise CheckFailed(f"the model's forward on the {count} test sequences returned "
                              f"shape {array.shape}, expected {shape}")
        if not np.all(np.isfinite(array)):
            raise CheckFailed("the model's test outputs hold NaN or inf: did training diverge?")
        if self.name == "sine":
            return array.astype(np.float64)
        return unlabel(np.argmax(array, axis=1).astype(np.int64), order)

    def score(self, predictions, y):
        if self.name == "sine":
            return float(np.mean((predictions - y.astype(np.float64)) ** 2)
                         / np.var(y.astype(np.float64)))
        return float(np.mean(predictions == y))

    def expect_memory_through_Wh(self, job):
        """With Wh = 0 the trained model must lose what its memory gave it (not budgeted)."""
        session, state = job.session, job.state
        leaf, name = leaf_of(session, state["model"], state["key"], timeout=EVIDENCE_SECONDS)
        params = session.getattr(leaf, "params", keep=True, timeout=EVIDENCE_SECONDS)
        Wh = as_array(session.getitem(params, name, timeout=EVIDENCE_SECONDS), name)
        session.setitem(params, name, np.zeros_like(Wh), timeout=EVIDENCE_SECONDS)
        try:
            out = session.method(state["model"], "forward", state["X_test"],
                                 limits=job.limits, timeout=EVIDENCE_SECONDS)
        finally:
            session.setitem(params, name, Wh, timeout=EVIDENCE_SECONDS)
        without = self.score(self.predictions(out, len(state["y_test"]), state["order"]),
                             state["y_test"])
        job.run.facts["without_recurrence"] = without
        value = self.score(state["predictions"], state["y_test"])
        if self.name == "memory" and value > self.chance and without > self.chance:
            raise CheckFailed(f"with the RNN's Wh set to zero, your model still reaches "
                              f"{100 * without:.1f}% on the test sequences: its answer does not "
                              "come through the recurrence, so it is not credited")
        if self.name == "sine" and value < self.chance and without < self.chance:
            raise CheckFailed(f"with the RNN's Wh set to zero, your model's NMSE is still "
                              f"{without:.4g}: its predictions do not come through the "
                              "recurrence, so they are not credited")

    def probe(self, job):
        from .runs import PROBE_SECONDS  # noqa: PLC0415

        hp = job.run.settings
        model = self.build(lambda *a, **k: job.session.call(*a, timeout=PROBE_SECONDS, **k),
                           hp, 0)
        X, y, _, _ = self.data({}, hp["dtype"])
        job.session.call("modules.fit", model, X[:4], y[:4], epochs=1, batch_size=4,
                         optimizer=hp["optimizer"], optim_config=hp["optim_config"],
                         loss=self.loss, rng=wire.Rng(0), timeout=PROBE_SECONDS)

    def evaluate(self, job):
        return self.score(job.state["predictions"], job.state["y_test"])

    def show(self, value):
        return f"{100 * value:.2f}%" if self.metric == "accuracy" else f"{value:.4f}"

    # ------------------------------------------------------------ history, report

    def check_history(self, run):
        """fit's history: "loss" per epoch, going down; "grad_norm" per key of params."""
        if run.history is None:
            raise CheckFailed("fit returned nothing to check")
        history, epochs = run.history, run.settings["epochs"]
        histories.expect_keys(history, ("loss", "grad_norm"), producer="fit")
        losses = histories.per_epoch(history["loss"], epochs, "history['loss']")
        histories.expect_losses(losses, "history['loss']")
        norms = history["grad_norm"]
        if not isinstance(norms, dict) or not norms:
            raise CheckFailed("history['grad_norm'] should be a dict {key of params: [norm per "
                              f"epoch]}}, is {describe(norms)}")
        histories.expect_norms(norms, [str(k) for k in norms], epochs)
        if not any(str(k).endswith("Wh") for k in norms):
            raise CheckFailed("history['grad_norm'] has no entry for the RNN's Wh: it holds one "
                              "per key of model.params")
        if epochs > 1 and not losses[-1] < losses[0]:
            raise CheckFailed(f"history['loss'] goes from {losses[0]:.4g} to {losses[-1]:.4g}: "
                              "the loss of a network that learns falls")

    def after(self, job):
        """Not graded, not budgeted: the report's waves, or accuracy and gradients over time."""
        try:
            if self.name == "sine":
                job.state["report"] = {"waves": self._waves(job)}
            else:
                job.state["report"] = {"lengths": self._lengths(job),
                                       "gradient_through_time": self._gradients(job)}
        except (StudentError, WorkerFault, CheckFailed) as error:
            job.state["report"] = {"error": str(error)[:300]}

    def _waves(self, job):
        """A few sine waves: the model's step-by-step continuation beside the true one.

        The waves follow the SPEC's formula with frequencies and phases drawn here;
        the model sees the last 25 values (its own predictions once past the input).
        """
        rng = np.random.default_rng(job.seed + 30)
        dtype = job.run.settings["dtype"]
        frequency = np.linspace(0.6, 1.4, REPORT_WAVES)
        phase = rng.uniform(0, 2 * np.pi, REPORT_WAVES)
        steps = course_data.sequences.SINE_STEPS
        t = np.arange(steps + REPORT_AHEAD)
        clean = np.sin(frequency[:, None] * t + phase[:, None])
        window = clean[:, :steps] + course_data.sequences.SINE_NOISE * rng.standard_normal(
            (REPORT_WAVES, steps))
        inputs, predicted = window.copy(), []
        for _ in range(REPORT_AHEAD):
            out = job.session.method(job.state["model"], "forward",
                                     window[:, -steps:, None].astype(dtype),
                                     timeout=REPORT_SECONDS)
            step = as_array(out, "the model's prediction").reshape(REPORT_WAVES).astype(float)
            predicted.append(step)
            window = np.concatenate([window, step[:, None]], axis=1)
        predicted = np.array(predicted).T
        return [{"frequency": round(float(frequency[i]), 4),
                 "inputs": np.round(inputs[i], 4).tolist(),
                 "true": np.round(clean[i], 4).tolist(),
                 "predicted": np.round(predicted[i], 4).tolist()} for i in range(REPORT_WAVES)]

    def _lengths(self, job):
        """The trained model's accuracy on sequences of other lengths (the label: step 0)."""
        dtype, order, rows = job.run.settings["dtype"], job.state["order"], []
        for length in REPORT_LENGTHS:
            _, _, X, y = course_data.memory_data(1, REPORT_SEQUENCES, seed=job.seed + length,
                                                 steps=length, dtype=dtype)
            out = job.session.method(job.state["model"], "forward", X, timeout=REPORT_SECONDS)
            labels = unlabel(np.argmax(as_array(out, "scores"), axis=1), order)
            rows.append({"steps": length, "accuracy": round(float(np.mean(labels == y)), 4)})
        return rows

    def _gradients(self, job):
        """|dL/dh_t| for t = 0 .. T-1 of a unit gradient at the last state, by the student's
        rnn_forward and rnn_backward with the trained RNN's weights.

        dL/dh_t is the dh0 of rnn_backward run on the rest of the sequence, x[:, t+1:],
        from h0 = h_t: what comes back to h_t of a gradient that starts at h_{T-1}.
        """
        session, state = job.session, job.state
        leaf, name = leaf_of(session, state["model"], state["key"], timeout=REPORT_SECONDS)
        params = session.getattr(leaf, "params", timeout=REPORT_SECONDS)
        prefix = name[:-len("Wh")]
        Wx, Wh, b = (as_array(params.get(prefix + part), part) for part in ("Wx", "Wh", "b"))
        X = state["X_test"][:200].astype(np.float64)
        Wx, Wh, b = Wx.astype(np.float64), Wh.astype(np.float64), b.astype(np.float64)
        N, T, _ = X.shape
        h0 = np.zeros((N, Wh.shape[0]))
        h = as_array(session.call("rnn.rnn_forward", X, h0, Wx, Wh, b, keep_index=1,
                                  timeout=REPORT_SECONDS)[0], "h")
        g = np.random.default_rng(job.seed + 40).standard_normal((N, Wh.shape[0]))
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        norms = [0.0] * T
        norms[T - 1] = 1.0
        for t in range(T - 1):
            rest = X[:, t + 1:]
            dh = np.zeros((N, rest.shape[1], Wh.shape[0]))
            dh[:, -1] = g
            result = session.call("rnn.rnn_forward", rest, h[:, t], Wx, Wh, b, keep_index=1,
                                  timeout=REPORT_SECONDS)
            _, cache = result
            grads = session.call("rnn.rnn_backward", dh, cache, timeout=REPORT_SECONDS)
            dh0 = as_array(grads[1], "dh0")
            norms[t] = float(np.mean(np.linalg.norm(dh0, axis=1)))
        return [{"step": t, "norm": round(n, 6) if math.isfinite(n) else None}
                for t, n in enumerate(norms)]

    def artifact(self, job, table):
        artifact = {"history": histories.plain_history(job.run.history),
                    self.metric: job.run.value,
                    "without_recurrence": job.run.facts.get("without_recurrence")}
        artifact.update(job.state.get("report", {}))
        return artifact


TASKS = [
    SequenceTask("sine", "sine continuation", "NMSE", "mse", chance=0.5),
    SequenceTask("memory", "first-symbol memory", "accuracy", "softmax_cross_entropy",
                 chance=0.25),
]
