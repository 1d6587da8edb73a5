"""The notebook's autograded test cells of a7: batch normalization, RMSprop, the modules, fit."""

from grader.rubric import load_rubric
from grader.tasks.deep import OPTIMIZER

from . import Check

N, D, M = 6, 4, 3


def _bn(rng):
    return {"x": rng.standard_normal((N, D)) * 2 + 1, "gamma": rng.uniform(0.5, 2, D),
            "beta": rng.standard_normal(D), "dout": rng.standard_normal((N, D)),
            "running_mean": rng.standard_normal(D), "running_var": rng.uniform(0.5, 2, D)}


def _linear(rng):
    return {"x": rng.standard_normal((N, D)), "W": rng.standard_normal((D, M)),
            "b": rng.standard_normal(M), "dout": rng.standard_normal((N, M))}


def _activation(rng):
    x = rng.standard_normal((N, D)) * 2
    x[abs(x) < 1e-3] = 0.5
    return {"x": x, "dout": rng.standard_normal((N, D))}


def _update(rng):
    return {"w": rng.standard_normal((2, 3)), "dw": rng.standard_normal((2, 3))}


def _activation_check(name):
    return Check(name, f"""\
module = {name}()
out = module.forward(x)
got = (out, module.backward(dout))""", f"(out, dx) of {name}", inputs=_activation)


def _chain(rng):
    return {"x": rng.standard_normal((N, D)), "W1": rng.standard_normal((D, D)),
            "b1": rng.standard_normal(D), "W2": rng.standard_normal((D, M)),
            "b2": rng.standard_normal(M), "dout": rng.standard_normal((N, M))}


CHECKS = [
    Check("batchnorm_forward", """\
bn_param = {"mode": "train", "momentum": 0.8, "running_mean": running_mean,
            "running_var": running_var}
out, _ = batchnorm_forward(x, gamma, beta, bn_param)
test_out, _ = batchnorm_forward(x, gamma, beta, dict(bn_param, mode="test"))
got = (out, bn_param["running_mean"], bn_param["running_var"], test_out)""",
          "(out, running_mean, running_var, test-mode out) of batchnorm_forward", inputs=_bn),
    Check("batchnorm_backward", """\
_, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
got = batchnorm_backward(dout, cache)""", "(dx, dgamma, dbeta) of batchnorm_backward",
          inputs=_bn, carries=("batchnorm_numerical_gradient[*]", "batchnorm_inputs_unchanged",
                               "batchnorm_float32")),
    Check("rmsprop", """\
config = {"learning_rate": 0.05, "decay_rate": 0.9}
for step in range(3):
    w, config = rmsprop(w, dw * (step + 1), config)
got = (w, config["cache"])""", "(w, cache) after three rmsprop steps", inputs=_update),
    Check("Linear", """\
layer = Linear(4, 3, rng=np.random.default_rng(0))
layer.params["W"], layer.params["b"] = W, b
out = layer.forward(x)
dx = layer.backward(dout)
got = (out, dx, layer.grads["W"], layer.grads["b"])""", "(out, dx, dW, db) of Linear",
          inputs=_linear, carries=("grads_written_not_accumulated",)),
    _activation_check("ReLU"),
    _activation_check("Sigmoid"),
    _activation_check("Tanh"),
    _activation_check("LeakyReLU"),
    Check("BatchNorm1d", """\
module = BatchNorm1d(4)
module.params["gamma"], module.params["beta"] = gamma, beta
out = module.forward(x)
dx = module.backward(dout)
running = (module.running_mean, module.running_var)
module.eval()
got = (out, dx, module.grads["gamma"], running, module.forward(x))""",
          "(out, dx, dgamma, running statistics, eval-mode out) of BatchNorm1d", inputs=_bn),
    Check("Dropout", """\
x = np.ones((200, 50))
module = Dropout(0.3, rng=np.random.default_rng(0))
out = module.forward(x)
assert abs(np.mean(out == 0) - 0.3) < 0.03, "about p of the units are dropped"
assert np.allclose(out[out != 0], 1 / 0.7), "kept units are scaled by 1 / (1 - p)"
assert np.array_equal(module.backward(np.ones_like(x)), out), "the backward uses the forward's mask"
assert not np.array_equal(module.forward(x), out), "each forward draws a new mask"
module.eval()
assert np.array_equal(module.forward(x), x), "after eval() dropout is the identity\""""),
    Check("Sequential", """\
model = Sequential(Linear(4, 4), Tanh(), Linear(4, 3), Sigmoid())
model.layers[0].params["W"], model.layers[0].params["b"] = W1, b1
model.layers[2].params["W"], model.layers[2].params["b"] = W2, b2
out = model.forward(x)
dx = model.backward(dout)
assert sorted(model.params) == ["0.W", "0.b", "2.W", "2.b"], "keys '<index>.<name>'"
model.eval()
assert not any(layer.training for layer in model.layers), "eval() reaches every child"
model.train()
got = (out, dx, model.grads["0.W"])""", "(out, dx, grads['0.W']) of Sequential",
          inputs=_chain, carries=("train_eval_reach_every_child",)),
    Check("Optimizer", """\
model = Sequential(Linear(4, 4), Tanh(), Linear(4, 3))
model.layers[0].params["W"], model.layers[0].params["b"] = W1, b1
model.layers[2].params["W"], model.layers[2].params["b"] = W2, b2
model.forward(x)
model.backward(dout)
optimizer = Optimizer("sgd_momentum", {"learning_rate": 0.1, "momentum": 0.8})
optimizer.step(model)
optimizer.step(model)
got = model.params""", "model.params after two sgd_momentum steps", inputs=_chain),
    Check("fit", """\
rng = np.random.default_rng(0)
y = np.arange(80) % 2
X = rng.standard_normal((80, 2)) * 0.7 + np.where(y[:, None] == 1, 1.5, -1.5)
model = Sequential(Linear(2, 8, rng=rng), BatchNorm1d(8), Tanh(), Linear(8, 2, rng=rng))
history = fit(model, X, y, epochs=8, batch_size=16, optimizer="sgd_momentum",
              optim_config={"learning_rate": 0.1}, X_val=X, y_val=y, rng=rng)
assert len(history["loss"]) == 8 and len(history["val_loss"]) == 8, "one entry per epoch"
assert set(history["grad_norm"]) == set(model.params), "a norm list per key of model.params"
assert history["loss"][-1] < history["loss"][0] / 2, "the loss should fall"
assert model.training, "fit leaves the model in training mode"
model.eval()
assert np.mean(model.forward(X).argmax(axis=1) == y) >= 0.95, "the blobs should be learned\"""",
          hidden=False),
]

TASK_CODE = '''\
# Graded task {title}: HYPERPARAMS["deep"] trained as the grader trains it, measured on the
# test images. {rule}
settings = HYPERPARAMS["deep"]
dtype = np.dtype(settings.get("dtype", "float64"))
X_train, y_train, X_eval, y_eval = load_mnist()
X_train, X_eval = X_train.astype(dtype), X_eval.astype(dtype)
rng = np.random.default_rng(0)
activation = {{"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU}}
layers, width = [], 784
for size in settings["hidden_sizes"]:
    layers.append(Linear(width, size, init=settings["init"], rng=rng, dtype=dtype))
    if settings["batchnorm"]:
        layers.append(BatchNorm1d(size, dtype=dtype))
    layers.append(activation[settings["activation"]]())
    if settings["dropout"] > 0:
        layers.append(Dropout(settings["dropout"], rng=rng))
    width = size
layers.append(Linear(width, 10, init=settings["init"], rng=rng, dtype=dtype))
model = Sequential(*layers)
history = fit(model, X_train, y_train, epochs=settings["epochs"],
              batch_size=settings["batch_size"], optimizer="{optimizer}",
              optim_config=settings["optim_config"], rng=np.random.default_rng(1))
model.eval()
task_accuracy = float(np.mean(model.forward(X_eval).argmax(axis=1) == y_eval))
history_ok = (len(settings["hidden_sizes"]) >= 6 and len(history["loss"]) == settings["epochs"]
              and bool(np.all(np.isfinite(history["loss"])))
              and set(history["grad_norm"]) == set(model.params))
credit = {credit}
print(f"{title}: accuracy {{task_accuracy:.4f}} (full credit from {threshold:g}); history "
      + ("in the SPEC's form" if history_ok else "not in the SPEC's form"))
# The points earned (nbgrader's partial credit): the last line's value.
round(({accuracy_points!r} * credit + {history_points!r} * history_ok) if credit else 0.0, 4)'''


def _task_check():
    rubric = load_rubric().assignments["a7"]
    table = rubric.tasks["deep"]
    threshold, partial = float(table["threshold"]), float(table["partial_threshold"])
    fraction = float(table.get("partial_credit", 0.5))
    credit = (f"1.0 if task_accuracy >= {threshold!r} else ({fraction!r} if task_accuracy >= "
              f"{partial!r} else 0.0)")
    rule = (f"Full credit from an accuracy of {threshold:g}, {fraction:g} of the points from "
            f"{partial:g} (the rubric's; the grader also grades it on hidden data).")
    code = TASK_CODE.format(
        title="deep MNIST", rule=rule, optimizer=OPTIMIZER, credit=credit,
        threshold=threshold,
        accuracy_points=float(rubric.entry("task_accuracy[deep]")["points"]),
        history_points=float(rubric.entry("task_history[deep]")["points"]))
    return Check("HYPERPARAMS-deep", code, hidden=False)


CHECKS.append(_task_check())
