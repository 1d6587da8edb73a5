"""The notebooks' graded task cells of assignments 5 and 6: the student's settings, trained.

A task's cell trains the network of HYPERPARAMS[task] as the grader does
(grader/tasks/mlp.py: init_params, train, predict, on the task's public data),
measures the accuracy and answers the points it earns, as a number nbgrader
reads as partial credit: the rubric's thresholds and partial credit for the
accuracy, and the history's points when the history has the SPEC's form and
the accuracy earned something (the grader's rule). The numbers are the
rubric's, written in when `make notebooks` runs.
"""

from grader.rubric import load_rubric
from grader.tasks import TASKS
from grader.tasks.mlp import PUBLIC_MOONS_RANDOM_STATE, PUBLIC_SPIRALS_SEED

from . import Check

DATA = {  # the public data of each task, as grader/tasks/mlp.py loads it without the secrets
    "xor": "X_train, y_train = xor_data(dtype=dtype)\nX_eval, y_eval = X_train, y_train",
    "moons": ("X_train, y_train, X_eval, y_eval = moons_data(2000, noise=0.2, random_state="
              f"{PUBLIC_MOONS_RANDOM_STATE}, dtype=dtype)"),
    "spirals": ("X_train, y_train = spiral_data(points_per_class=100, num_classes=3, seed="
                f"{PUBLIC_SPIRALS_SEED}, dtype=dtype)\nX_eval, y_eval = X_train, y_train"),
    "mnist": ("X_train, y_train, X_eval, y_eval = load_mnist()\n"
              "X_train, X_eval = X_train.astype(dtype), X_eval.astype(dtype)"),
}

CODE = '''\
# Graded task {title}: HYPERPARAMS["{name}"] trained as the grader trains it, {measured}.
# {rule}
settings = HYPERPARAMS["{name}"]
dtype = np.dtype(settings.get("dtype", "float64"))
{data}
params = init_params([{inputs}, *settings["hidden_sizes"], {classes}], init=settings["init"],
                     rng=np.random.default_rng(0), dtype=dtype)
history = train(params, X_train, y_train, epochs=settings["epochs"],
                batch_size=settings["batch_size"], optimizer=settings["optimizer"],
                optim_config=settings["optim_config"], activation=settings["activation"],
                l2=settings["l2"], rng=np.random.default_rng(1))
task_accuracy = accuracy(predict(params, X_eval, settings["activation"]), y_eval)
history_ok = (len(history["loss"]) == settings["epochs"] and bool(np.all(np.isfinite(history["loss"])))
              and abs(history["train_acc"][-1]
                      - accuracy(predict(params, X_train, settings["activation"]), y_train)) < 1e-6)
credit = {credit}
print(f"{title}: accuracy {{task_accuracy:.4f}} (full credit from {threshold:g}); history "
      + ("in the SPEC's form" if history_ok else "not in the SPEC's form"))
# The points earned (nbgrader's partial credit): the last line's value.
round(({accuracy_points!r} * credit + {history_points!r} * history_ok) if credit else 0.0, 4)'''


def task_check(assignment, name):
    """The graded cell HYPERPARAMS-<name> of a task of assignment 5 or 6."""
    rubric = load_rubric().assignments[assignment]
    table, task = rubric.tasks[name], TASKS[name]
    threshold = float(table["threshold"])
    credit = f"1.0 if task_accuracy >= {threshold!r} else "
    rule = f"Full credit from an accuracy of {threshold:g}"
    if table.get("partial_threshold") is not None:
        partial, fraction = float(table["partial_threshold"]), float(table.get("partial_credit", 0.5))
        credit += f"({fraction!r} if task_accuracy >= {partial!r} else 0.0)"
        rule += f", {fraction:g} of the points from {partial:g}"
    else:
        credit += "0.0"
    code = CODE.format(
        title=task.title, name=name, inputs=task.inputs, classes=task.classes, data=DATA[name],
        measured=f"measured on the {task.measured_on} data", threshold=threshold,
        rule=rule + " (the rubric's; the grader also grades it on hidden data).", credit=credit,
        accuracy_points=float(rubric.entry(f"task_accuracy[{name}]")["points"]),
        history_points=float(rubric.entry(f"task_history[{name}]")["points"]))
    return Check(f"HYPERPARAMS-{name}", code, hidden=False)
