"""The task of assignment 10: an MLP of the student's scalar Values, trained by their own code.

"value_moons" (SPEC, "Graded tasks of assignments 7 to 11"): the grader calls the
student's `train_value_mlp` in the worker on make_moons(100, noise=0.1) with labels
in {-1, 1} and their HYPERPARAMS["value_moons"]; the trained MLP stays in the worker,
behind a handle. The grader then asks it for its score on every point (one Program:
model(x), then the score's data) and computes the accuracy here: the sign of each
score against labels it keeps. Training and scoring share the task's budget.

What the task hides (disguise.py), with the hidden seeds: make_moons' random_state;
the plane is mirrored across an axis of secret angle; the labels' signs may be
swapped. And training must be by gradient descent: with a learning rate of 0 the
losses train_value_mlp records stay what they were at the first step, and that loss
is the SPEC's, recomputed here from the model's own scores and parameters.
"""

import math

import numpy as np

import course_data

from .. import class_cache
from ..compare import CheckFailed, as_float, describe
from ..sandbox import wire
from ..sandbox.client import Program, StudentError, WorkerFault
from . import history as histories
from . import progress
from .base import Task
from .disguise import Disguise
from .mlp import plane_grid, points_of
from .settings import expect_keys, finite_number, positive_int

PUBLIC_RANDOM_STATE = 0  # the data when the hidden seeds (secrets.toml) are absent
SAMPLES, NOISE = 100, 0.1
EVIDENCE_SECONDS = 30  # CPU seconds for the learning-rate-0 run (2 steps)
EVIDENCE_STEPS = 2
GRID_SIZE = 30  # the report's decision boundary: 900 scores, pure Python in the worker
GRID_SECONDS = 30

DEFAULTS = {"hidden_sizes": [16, 16], "steps": 100, "learning_rate": 0.5, "l2": 1e-4}
MEANINGS = {
    "hidden_sizes": "the widths of the MLP's hidden layers, a list of positive ints "
                    "(default [16, 16]); the output layer is one linear unit",
    "steps": "full-batch gradient-descent steps, a positive int (default 100)",
    "learning_rate": "the step size, a number > 0 (default 0.5)",
    "l2": "times the sum of the squares of every parameter, a number >= 0 (default 1e-4)",
}


def validate_value_settings(entry, where):
    """HYPERPARAMS["value_moons"], checked; every key of the SPEC filled in from its default."""
    expect_keys(entry, (), tuple(DEFAULTS), where)
    settings = dict(DEFAULTS, **entry)
    hidden = settings["hidden_sizes"]
    if not isinstance(hidden, (list, tuple)):
        raise CheckFailed(f"{where}['hidden_sizes'] should be a list of ints such as [16, 16], "
                          f"but is {describe(hidden)}")
    learning_rate = finite_number(settings["learning_rate"], f"{where}['learning_rate']")
    if learning_rate <= 0:
        raise CheckFailed(f"{where}['learning_rate'] should be > 0, is {learning_rate}")
    l2 = finite_number(settings["l2"], f"{where}['l2']")
    if l2 < 0:
        raise CheckFailed(f"{where}['l2'] should be >= 0, is {l2}")
    return {"hidden_sizes": [positive_int(size, f"{where}['hidden_sizes'][{i}]")
                             for i, size in enumerate(hidden)],
            "steps": positive_int(settings["steps"], f"{where}['steps']"),
            "learning_rate": learning_rate, "l2": l2}


def scores_program(model, points):
    """A Program asking a kept model for the score of each point: model(x).data."""
    program = Program()
    for x in points:
        score = program.method(model, "__call__", [float(x[0]), float(x[1])])
        program.getattr(score, "data", returns=True)
    return program


def read_scores(results, count, what="the model's score"):
    """The scores a scores_program returned, as a float64 array (CheckFailed if not that)."""
    scores = []
    for index in range(count):
        result = results.get(2 * index + 1) or results.get(2 * index)
        if result is None:
            raise CheckFailed(f"{what} of point {index} could not be read")
        value = result.unwrap()  # StudentError if model(x) or .data raised
        scores.append(as_float(value, f"{what} of point {index} (model(x).data)"))
    return np.array(scores)


def model_and_losses(answer):
    """train_value_mlp's (model, losses): the model a handle (it stays in the worker)."""
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise CheckFailed("train_value_mlp should return (model, losses), but returned "
                          f"{describe(answer)}")
    model, losses = answer
    if not isinstance(model, wire.Ref):
        raise CheckFailed("train_value_mlp's model should be the MLP object, but it is "
                          f"{describe(model)}")
    return model, losses


class ValueMoons(Task):
    name = "value_moons"
    title = "two moons with Values"
    measured_on = "training"
    calls = ("autograd",)

    def settings(self, entry, where):
        return validate_value_settings(entry, where)

    def settings_schema(self):
        return [(key, False, None, MEANINGS[key]) for key in DEFAULTS]

    def data(self, secrets):
        random_state = int(secrets.get("value_moons_random_state", PUBLIC_RANDOM_STATE))
        return class_cache.arrays(
            "value_moons", [SAMPLES, NOISE, random_state],
            lambda: course_data.value_moons_data(SAMPLES, noise=NOISE, random_state=random_state))

    def disguised(self, job):
        """(X as the worker sees it, y as the worker sees it, the true X, the true y)."""
        X, y = self.data(job.secrets)
        disguise = Disguise.of(job.secrets, self.name)
        rotation = disguise.mirror()
        sign = -1 if disguise.label_permutation(2)[0] == 1 else 1
        job.state.update(rotation=rotation, sign=sign)
        return X @ rotation.T, sign * y, X, y

    def train(self, job):
        hp, budget = job.run.settings, job.budget
        X_worker, y_worker, X, y = self.disguised(job)
        with progress.live_clock(job.config, self, budget):
            answer = budget.call("train_value_mlp", "autograd.train_value_mlp", X_worker,
                                 y_worker, hidden_sizes=list(hp["hidden_sizes"]),
                                 steps=hp["steps"], learning_rate=hp["learning_rate"],
                                 l2=hp["l2"], rng=wire.Rng(job.seed), keep_index=0,
                                 limits=job.limits)
        model, losses = model_and_losses(answer)
        job.run.history = losses
        results = budget.run("the model's scores", scores_program(model, X_worker),
                             limits=job.limits)
        scores = read_scores(results, len(X_worker)) * job.state["sign"]
        job.state.update(model=model, X=X, y=y, X_worker=X_worker, y_worker=y_worker,
                         scores=scores)
        self.expect_training_by_gradient_descent(job)

    def expect_training_by_gradient_descent(self, job):
        """With a learning rate of 0 the recorded loss stays the first step's, the SPEC's loss.

        Both come back from the student's code; the loss is recomputed here from the
        model's own scores and parameters: mean relu(1 - y * score) + l2 * sum p ** 2.
        A model that does not learn by its update (weights carried in the submission)
        changes anyway, and its accuracy is not its own.
        """
        hp, session = job.run.settings, job.session
        X, y = job.state["X_worker"], job.state["y_worker"]
        answer = session.call("autograd.train_value_mlp", X, y,
                              hidden_sizes=list(hp["hidden_sizes"]), steps=EVIDENCE_STEPS,
                              learning_rate=0.0, l2=hp["l2"], rng=wire.Rng(job.seed + 7),
                              keep_index=0, limits=job.limits, timeout=EVIDENCE_SECONDS)
        model, losses = model_and_losses(answer)
        losses = histories.per_epoch(losses, EVIDENCE_STEPS, "the losses of a run with "
                                                             "learning_rate=0")
        scores = read_scores(session.run(scores_program(model, X), timeout=EVIDENCE_SECONDS),
                             len(X))
        parameters = self.parameter_data(session, model)
        want = (float(np.mean(np.maximum(0.0, 1.0 - y * scores)))
                + hp["l2"] * float(np.sum(parameters ** 2)))
        job.run.facts["evidence_losses"] = losses
        if not all(math.isclose(loss, losses[0], rel_tol=1e-9, abs_tol=1e-12) for loss in losses):
            raise CheckFailed(f"with learning_rate=0, train_value_mlp recorded the losses "
                              f"{losses}: the model changed without a gradient step, so it does "
                              "not train by gradient descent and its accuracy is not credited")
        if not math.isclose(losses[0], want, rel_tol=1e-6, abs_tol=1e-9):
            raise CheckFailed(f"with learning_rate=0, train_value_mlp recorded the loss "
                              f"{losses[0]:.6g}, but the model's own scores and parameters give "
                              f"{want:.6g} (mean relu(1 - y * score) + l2 * the sum of the "
                              "squares of every parameter, weights and biases)")

    @staticmethod
    def parameter_data(session, model):
        """The data of every Value of model.parameters(), as a float64 array."""
        program = Program()
        program.method(model, "parameters", returns=True)
        # A list of Values comes back as a list of handles: read each one's data.
        items = session.run(program, timeout=EVIDENCE_SECONDS)[0].unwrap()
        if not isinstance(items, list) or not all(isinstance(v, wire.Ref) for v in items):
            raise CheckFailed("model.parameters() should return a list of Values, but returned "
                              f"{describe(items)}")
        program = Program()
        for item in items:
            program.getattr(item, "data", returns=True)
        values = session.run(program, timeout=EVIDENCE_SECONDS)
        return np.array([as_float(values[i].unwrap(), f"parameters()[{i}].data")
                         for i in range(len(items))])

    def evaluate(self, job):
        return float(np.mean(np.sign(job.state["scores"]) == job.state["y"]))

    def probe(self, job):
        from .runs import PROBE_SECONDS  # noqa: PLC0415

        X, y = course_data.value_moons_data(4, random_state=0)
        job.session.call("autograd.train_value_mlp", X, y, hidden_sizes=[2], steps=1,
                         rng=wire.Rng(0), keep_index=0, timeout=PROBE_SECONDS)

    def check_history(self, run):
        """The losses train_value_mlp returned: one finite loss >= 0 per step, going down."""
        if run.history is None:
            raise CheckFailed("train_value_mlp returned no losses to check")
        steps = run.settings["steps"]
        losses = histories.per_epoch(run.history, steps, "losses")
        histories.expect_losses(losses, "losses")
        if steps > 1 and not losses[-1] < losses[0]:
            raise CheckFailed(f"the loss went from {losses[0]:.4g} to {losses[-1]:.4g}: it should "
                              "go down under gradient descent")

    def after(self, job):
        job.run.facts["train_accuracy"] = job.run.value

    def artifact(self, job, table):
        artifact = {"history": {"loss": histories.numbers(job.run.history) or []},
                    "accuracy": job.run.value, "points": self._points(job),
                    "margins": [round(float(v), 4) for v in job.state["y"] * job.state["scores"]
                                if math.isfinite(v)]}
        artifact.update(self._grid(job))
        return artifact

    @staticmethod
    def _points(job):
        """The training points with the classes 0 (y = -1) and 1 (y = 1), as the report draws."""
        return points_of(job.state["X"], (job.state["y"] > 0).astype(np.int64))

    def _grid(self, job):
        """The model's scores over the plane (true coordinates), for the report's boundary."""
        xs, ys, grid = plane_grid(self._points(job), GRID_SIZE)
        shown = grid @ job.state["rotation"].T
        try:
            results = job.session.run(scores_program(job.state["model"], shown),
                                      timeout=GRID_SECONDS)
            scores = read_scores(results, len(grid)) * job.state["sign"]
        except (StudentError, WorkerFault, CheckFailed) as error:
            return {"grid_error": str(error)[:300]}
        labels = (scores > 0).astype(np.int64).reshape(len(ys), len(xs))
        return {"grid": {"x": np.round(xs, 4).tolist(), "y": np.round(ys, 4).tolist(),
                         "labels": labels.tolist()}}


TASKS = [ValueMoons()]
