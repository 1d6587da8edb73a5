"""Synthetic results.json contents for the report tests: every section, no grading needed.

The shapes follow what the grader writes (grader/plugin.py results(), the
training checks' extra_data.artifacts, grader/report/experiments.py); the
numbers are made up, so the tests of the pages run in a fraction of a second.
"""

import numpy as np

from grader.course import COURSE
from grader.plugin import HIDDEN_DETAILS

SECRET_INPUT = "[0.123456, -7.654321]"  # must never reach a student's page
SECRET_HINT = "the hidden case's hint: N times too small"


def check(assignment, name, outcome, points=1.0, message="ok", hint=None,
          visibility="visible"):
    """One test of results.json, as the plugin writes it."""
    score = {"passed": points, "partial": points / 2}.get(outcome, 0.0)
    output = message + (f"\nHint: {hint}" if hint else "")
    return {"name": f"{assignment} {name}", "score": score, "max_score": points,
            "status": "passed" if outcome == "passed" else "failed", "output": output,
            "visibility": visibility,
            "extra_data": {"assignment": assignment, "check": name, "outcome": outcome,
                           "hint": hint, "seconds": 0.01}}


def history(epochs, rng, layers=2, start=0.0):
    """A made-up history; accuracies rise from about `start` towards 1."""
    loss = list(1.2 * np.exp(-np.arange(epochs) / (epochs / 4)) + 0.05 * rng.random(epochs))
    accuracy = list(start + (1 - start) * np.clip(1 - np.array(loss) / 1.3, 0, 1))
    norms = {}
    for layer in range(1, layers + 1):
        norms[f"W{layer}"] = list(np.exp(-np.arange(epochs) / epochs) / layer)
        norms[f"b{layer}"] = list(0.1 * np.exp(-np.arange(epochs) / epochs) / layer)
    return {"loss": loss, "train_acc": accuracy, "val_acc": list(np.array(accuracy) * 0.97),
            "grad_norm": norms}


def plane_task(rng, classes, points=200, epochs=30):
    X = rng.standard_normal((points, 2))
    y = (np.arctan2(X[:, 1], X[:, 0]) % (2 * np.pi) * classes / (2 * np.pi)).astype(int)
    xs, ys = np.linspace(-3, 3, 60), np.linspace(-3, 3, 50)
    grid_x, grid_y = np.meshgrid(xs, ys)
    labels = (np.arctan2(grid_y, grid_x) % (2 * np.pi) * classes / (2 * np.pi)).astype(int)
    return {"history": history(epochs, rng), "accuracy": 0.97, "value": 0.97,
            "metric": "accuracy", "measured_on": "test", "threshold": 0.95,
            "partial_threshold": 0.9, "partial_credit": 0.5, "budget_seconds": 20.0,
            "seconds": 1.5, "points": {"X": X.tolist(), "y": y.tolist()},
            "grid": {"x": xs.tolist(), "y": ys.tolist(), "labels": labels.tolist()}}


def mnist_task(rng, count=24):
    samples = []
    for index in range(count):
        image = np.zeros((28, 28))
        image[6 + index % 10: 22, 8:20] = rng.random((16 - index % 10, 12))
        true = index % 10
        predicted = true if index % 7 else (true + 1) % 10  # every 7th is wrong
        samples.append({"index": index, "pixels": image.ravel().tolist(),
                        "predicted": predicted, "true": true})
    return {"history": history(8, rng, start=0.88), "accuracy": 0.93, "value": 0.93,
            "metric": "accuracy", "measured_on": "test", "threshold": 0.95,
            "partial_threshold": 0.9, "partial_credit": 0.5, "budget_seconds": 120.0,
            "seconds": 40.0, "samples": samples}


def experiments(rng, failing=()):
    def run(setting):
        if setting in failing:
            return {"error": f"your code raised ValueError: unknown setting {setting}"}
        curves = history(40, rng)
        return {"loss": curves["loss"], "train_acc": curves["train_acc"]}

    return {"task": "spirals", "description": "3-class spirals (300 points)", "seconds": 2.0,
            "init": {s: run(s) for s in ("small", "xavier", "he")},
            "activation": {s: run(s) for s in ("relu", "tanh", "sigmoid")}}


UNWRITTEN = {"dropout_forward": ["dropout_fraction_and_scaling",
                                 "dropout_backward_uses_forward_mask",
                                 "dropout_test_mode_is_identity", "dropout_float32",
                                 "dropout_rejects_bad_p[p=1]", "dropout_rejects_bad_p[p=-0.1]"],
             "tanh_forward": ["activation_forward[tanh-public]", "activation_float32[tanh]",
                              "activation_inputs_unchanged[tanh]"]}


def results(submission="alice", seed=0, quality=1.0, artifacts=True, unwritten=False):
    """A complete results.json; `quality` in [0, 1] sets how many checks pass; `unwritten`
    adds a2 checks of functions that raise NotImplementedError (UNWRITTEN)."""
    rng = np.random.default_rng(seed)
    tests = []
    for assignment, names in [("a1", ["values[sigmoid-public]", "values[relu-public]",
                                      "stable[softmax]"]),
                              ("a2", ["linear_forward[public]", "linear_backward[db-public]",
                                      "dropout_rng"]),
                              ("a5", ["task_accuracy[moons]", "task_accuracy[spirals]",
                                      "task_accuracy[xor]"]),
                              ("a6", ["task_accuracy[mnist]"])]:
        for position, name in enumerate(names):
            if (position + 1) / len(names) <= quality + 1e-9:
                tests.append(check(assignment, name, "passed"))
            else:
                tests.append(check(assignment, name, "failed",
                                   message=f"{name}: 2 of 4 entries are wrong",
                                   hint="the result is N times too large: divide by N"))
    if unwritten:
        for function, names in UNWRITTEN.items():
            tests += [check("a2", name, "failed", points=0.5,
                            message=f"{function} is not implemented yet (raises "
                                    "NotImplementedError)") for name in names]
    # A hidden case that failed: its message is blanked by the plugin, its hint is not.
    tests.append(check("a2", "linear_backward[db-hidden]", "failed",
                       message=HIDDEN_DETAILS, hint=SECRET_HINT, visibility="after_due_date"))
    # A hidden case whose message was not blanked: the page must still hide it.
    tests.append(check("a1", "values[relu-hidden]", "failed", message=f"got {SECRET_INPUT}",
                       visibility="after_due_date"))
    tests.append(check("a1", "signature[relu]", "passed", points=0.0))
    totals = {}
    titles = {a: COURSE[a].title for a in ("a1", "a2", "a5", "a6")}
    for test in tests:
        entry = totals.setdefault(test["extra_data"]["assignment"],
                                  {"title": titles[test["extra_data"]["assignment"]],
                                   "score": 0.0, "max_score": 0.0})
        entry["score"] += test["score"]
        entry["max_score"] += test["max_score"]
    extra = {"submission": submission, "max_score": sum(t["max_score"] for t in tests),
             "sandbox": "bubblewrap", "assignments": totals, "complete": True}
    if artifacts:
        extra["artifacts"] = {"xor": plane_task(rng, 2, points=4), "moons": plane_task(rng, 2),
                              "spirals": plane_task(rng, 3), "mnist": mnist_task(rng),
                              "experiments": experiments(rng)}
    return {"score": sum(t["score"] for t in tests), "execution_time": 12.5,
            "output": "Sandbox: test", "tests": tests, "extra_data": extra}
