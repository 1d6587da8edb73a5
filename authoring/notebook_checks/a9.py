"""The notebook's autograded test cells of a9: one RNN step, BPTT, clipping, the modules, tasks."""

from grader.rubric import load_rubric

from . import Check

N, T, D, H = 3, 4, 5, 6


def _step(rng):
    return {"x": rng.standard_normal((N, D)), "h_prev": 0.5 * rng.standard_normal((N, H)),
            "Wx": rng.standard_normal((D, H)) / D ** 0.5,
            "Wh": rng.standard_normal((H, H)) / H ** 0.5, "b": 0.2 * rng.standard_normal(H),
            "dh": rng.standard_normal((N, H))}


def _sequence(rng):
    return {"x": rng.standard_normal((N, T, D)), "h0": 0.5 * rng.standard_normal((N, H)),
            "Wx": rng.standard_normal((D, H)) / D ** 0.5,
            "Wh": rng.standard_normal((H, H)) / H ** 0.5, "b": 0.2 * rng.standard_normal(H),
            "dh": rng.standard_normal((N, T, H))}


def _grads(rng):
    return {"gW": rng.standard_normal((3, 4)), "gb": rng.standard_normal(4)}


CHECKS = [
    Check("rnn_step_forward", """\
h, _ = rnn_step_forward(x, h_prev, Wx, Wh, b)
got = h""", "h of rnn_step_forward", inputs=_step),
    Check("rnn_step_backward", """\
_, cache = rnn_step_forward(x, h_prev, Wx, Wh, b)
got = rnn_step_backward(dh, cache)""", "(dx, dh_prev, dWx, dWh, db) of rnn_step_backward",
          inputs=_step, carries=("rnn_step_backward[*]", "rnn_step_numerical_gradient[*]",
                                 "rnn_step_float32")),
    Check("rnn_forward", """\
h, _ = rnn_forward(x, h0, Wx, Wh, b)
got = h""", "h of rnn_forward", inputs=_sequence, carries=("rnn_forward[*]",
                                                            "rnn_forward_one_step")),
    Check("rnn_backward", """\
_, cache = rnn_forward(x, h0, Wx, Wh, b)
got = rnn_backward(dh, cache)""", "(dx, dh0, dWx, dWh, db) of rnn_backward",
          inputs=_sequence, carries=("rnn_backward*", "rnn_inputs_unchanged", "rnn_float32")),
    Check("clip_grad_norm", """\
grads = {"W": gW, "b": gb}
clipped, total = clip_grad_norm(grads, 0.5)
kept, _ = clip_grad_norm(grads, 100.0)
got = (clipped["W"], clipped["b"], total, kept["W"])""",
          "(clipped W, clipped b, total, W kept below the threshold) of clip_grad_norm",
          inputs=_grads, carries=("clip_grad_norm*",)),
    Check("RNN", """\
layer = RNN(5, 6, rng=np.random.default_rng(0))
layer.params["Wx"], layer.params["Wh"], layer.params["b"] = Wx, Wh, b
out = layer.forward(x)
dx = layer.backward(dh)
got = (out, dx, layer.grads["Wx"], layer.grads["Wh"], layer.grads["b"])""",
          "(out, dx, dWx, dWh, db) of RNN", inputs=_sequence, carries=("RNN*",)),
    Check("LastTimeStep", """\
module = LastTimeStep()
out = module.forward(x)
got = (out, module.backward(2 * x[:, 0]))""", "(out, dx) of LastTimeStep", inputs=_sequence,
          carries=("LastTimeStep", "rnn_fit_clip_norm")),
]

TASK_CODE = '''\
# Graded task {task}: your build_rnn and HYPERPARAMS["{task}"] trained as the grader trains them,
# measured on test sequences. {rule}
settings = HYPERPARAMS["{task}"]
dtype = np.dtype(settings.get("dtype", "float64"))
X_train, y_train, X_test, y_test = {loader}(seed=0, dtype=dtype)
model = build_rnn("{task}", rng=np.random.default_rng(0), dtype=dtype)
assert any(key.endswith("Wh") for key in model.params), "the model contains your RNN"
history = fit(model, X_train, y_train, epochs=settings["epochs"],
              batch_size=settings["batch_size"], optimizer=settings["optimizer"],
              optim_config=settings["optim_config"], loss="{loss}",
              clip_norm=settings.get("clip_norm"), rng=np.random.default_rng(1))
model.eval()
out = model.forward(X_test)
{metric_line}
history_ok = (len(history["loss"]) == settings["epochs"]
              and bool(np.all(np.isfinite(history["loss"])))
              and set(history["grad_norm"]) == set(model.params))
credit = {credit}
print(f"{task}: {metric} {{task_value:.4f}} ({rule_short}); history "
      + ("in the SPEC's form" if history_ok else "not in the SPEC's form"))
# The points earned (nbgrader's partial credit): the last line's value.
round(({metric_points!r} * credit + {history_points!r} * history_ok) if credit else 0.0, 4)'''


def _task_check(task):
    rubric = load_rubric().assignments["a9"]
    table = rubric.tasks[task]
    threshold, partial = float(table["threshold"]), float(table["partial_threshold"])
    fraction = float(table.get("partial_credit", 0.5))
    if task == "sine":
        metric_line = ("task_value = float(np.mean((out - y_test) ** 2) / np.var(y_test))"
                       "  # NMSE")
        credit = (f"1.0 if task_value <= {threshold!r} else ({fraction!r} if task_value <= "
                  f"{partial!r} else 0.0)")
        rule_short = f"full credit <= {threshold:g}"
    else:
        metric_line = "task_value = float(np.mean(out.argmax(axis=1) == y_test))  # accuracy"
        credit = (f"1.0 if task_value >= {threshold!r} else ({fraction!r} if task_value >= "
                  f"{partial!r} else 0.0)")
        rule_short = f"full credit from {threshold:g}"
    sign = "at most" if task == "sine" else "from"
    rule = (f"Full credit {sign} {threshold:g}, {fraction:g} of the points {sign} {partial:g} "
            "(the rubric's; the grader also grades it on hidden data).")
    code = TASK_CODE.format(
        task=task, rule=rule, rule_short=rule_short, credit=credit, metric_line=metric_line,
        loader="sine_data" if task == "sine" else "memory_data",
        loss="mse" if task == "sine" else "softmax_cross_entropy",
        metric="NMSE" if task == "sine" else "accuracy",
        metric_points=float(rubric.entry(f"task_metric[{task}]")["points"]),
        history_points=float(rubric.entry(f"task_history[{task}]")["points"]))
    return Check(f"HYPERPARAMS-{task}", code, hidden=False)


CHECKS += [_task_check("sine"), _task_check("memory")]
