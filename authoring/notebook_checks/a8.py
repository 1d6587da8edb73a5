"""The notebook's autograded test cells of a8: im2col, col2im, convolution, pooling, modules."""

from grader.rubric import load_rubric

from . import Check


def _images(rng):
    return {"x": rng.standard_normal((2, 2, 7, 6)), "w": rng.standard_normal((3, 2, 3, 3)),
            "b": rng.standard_normal(3), "dout": rng.standard_normal((2, 3, 4, 3)),
            "cols": rng.standard_normal((2 * 4 * 3, 2 * 3 * 3))}


def _pool(rng):
    return {"x": rng.standard_normal((2, 3, 7, 8)), "dout": rng.standard_normal((2, 3, 3, 3))}


def _cnn(rng):
    return {"x": rng.standard_normal((3, 1, 8, 8)), "w": rng.standard_normal((2, 1, 3, 3)),
            "b": rng.standard_normal(2), "W": rng.standard_normal((18, 4)),
            "bl": rng.standard_normal(4), "dout": rng.standard_normal((3, 4))}


CHECKS = [
    Check("im2col", """\
got = (im2col(x, 3, 3, stride=2, pad=1), im2col(x, 2, 3), im2col(x.astype(np.float32), 3, 2, 3, 2))""",
          "im2col with stride 2 and pad 1, a 2x3 kernel, and float32 with stride 3 and pad 2",
          inputs=_images),
    Check("col2im", """\
back = col2im(cols, x.shape, 3, 3, stride=2, pad=1)
assert np.isclose(np.sum(im2col(x, 3, 3, 2, 1) * cols), np.sum(x * back)), "col2im is the adjoint of im2col"
got = back""", "col2im(cols, x.shape, 3, 3, stride=2, pad=1)", inputs=_images),
    Check("conv_forward", """\
got = conv_forward(x, w, b, stride=2, pad=1)[0]""", "out of conv_forward(stride=2, pad=1)",
          inputs=_images, carries=("conv_inputs_unchanged", "conv_vectorised")),
    Check("conv_backward", """\
_, cache = conv_forward(x, w, b, stride=2, pad=1)
got = conv_backward(dout, cache)""", "(dx, dw, db) of conv_backward", inputs=_images,
          carries=("conv_numerical_gradient[*]",)),
    Check("maxpool_forward", """\
got = (maxpool_forward(x, 2, 2)[0], maxpool_forward(x, 3, 2)[0], maxpool_forward(x, 2, 3)[0])""",
          "maxpool_forward with 2x2, overlapping 3 (stride 2) and 2 (stride 3) windows",
          inputs=_pool),
    Check("maxpool_backward", """\
_, cache = maxpool_forward(x, 3, 2)
ties = np.zeros((1, 1, 2, 2)); ties_dx = maxpool_backward(np.ones((1, 1, 1, 1)), maxpool_forward(ties, 2, 2)[1])
assert ties_dx[0, 0, 0, 0] == 1 and ties_dx.sum() == 1, "ties: the first maximum gets the gradient"
got = maxpool_backward(dout, cache)""", "dx of maxpool_backward with overlapping windows",
          inputs=_pool, carries=("maxpool_numerical_gradient", "maxpool_ties")),
    Check("Conv2d", """\
layer = Conv2d(2, 3, 3, stride=2, pad=1, rng=np.random.default_rng(0))
assert layer.params["w"].shape == (3, 2, 3, 3) and not layer.params["b"].any()
layer.params["w"], layer.params["b"] = w, b
out = layer.forward(x)
dx = layer.backward(dout)
got = (out, dx, layer.grads["w"], layer.grads["b"])""", "(out, dx, dw, db) of Conv2d",
          inputs=_images),
    Check("MaxPool2d", """\
pool, flatten = MaxPool2d(3, 2), Flatten()
out = flatten.forward(pool.forward(x))
dx = pool.backward(flatten.backward(np.ones_like(out)))
got = (out, dx)""", "MaxPool2d(3, 2) then Flatten, forward and backward", inputs=_pool,
          carries=("signature[Flatten]",)),
    Check("cnn_Sequential", """\
model = Sequential(Conv2d(1, 2, 3), MaxPool2d(2, 2), ReLU(), Flatten(), Linear(18, 4))
model.layers[0].params["w"], model.layers[0].params["b"] = w, b
model.layers[4].params["W"], model.layers[4].params["b"] = W, bl
out = model.forward(x)
got = (out, model.backward(dout), model.grads["0.w"])""", "(out, dx, grads['0.w']) of a CNN",
          inputs=_cnn, hidden=False),
]

TASK_CODE = '''\
# Graded task {title}: build_cnn and HYPERPARAMS["cnn"] trained as the grader trains it
# (upright digits here; the grader turns them and hides the labels), measured on the test
# images. {rule}
settings = HYPERPARAMS["cnn"]
X_train, y_train, X_eval, y_eval = load_mnist()
X_train, X_eval = X_train.reshape(-1, 1, 28, 28), X_eval.reshape(-1, 1, 28, 28)
model = build_cnn(rng=np.random.default_rng(0), dtype=np.float32)
parameters = sum(value.size for value in model.params.values())
history = fit(model, X_train, y_train, epochs=settings["epochs"],
              batch_size=settings["batch_size"], optimizer=settings["optimizer"],
              optim_config=settings["optim_config"], rng=np.random.default_rng(1))
model.eval()
scores = np.concatenate([model.forward(X_eval[i:i + 1000]) for i in range(0, 10000, 1000)])
task_accuracy = float(np.mean(scores.argmax(axis=1) == y_eval))
history_ok = (len(history["loss"]) == settings["epochs"]
              and bool(np.all(np.isfinite(history["loss"])))
              and set(history["grad_norm"]) == set(model.params))
credit = {credit} if parameters <= {limit} else 0.0
print(f"{title}: {{parameters}} parameters (at most {limit}), accuracy {{task_accuracy:.4f}} "
      f"(full credit from {threshold:g}); history "
      + ("in the SPEC's form" if history_ok else "not in the SPEC's form"))
# The points earned (nbgrader's partial credit): the last line's value.
round(({accuracy_points!r} * credit + {history_points!r} * history_ok) if credit else 0.0, 4)'''


def _task_check():
    rubric = load_rubric().assignments["a8"]
    table = rubric.tasks["cnn"]
    threshold, partial = float(table["threshold"]), float(table["partial_threshold"])
    fraction = float(table.get("partial_credit", 0.5))
    credit = (f"(1.0 if task_accuracy >= {threshold!r} else ({fraction!r} if task_accuracy >= "
              f"{partial!r} else 0.0))")
    rule = (f"Full credit from an accuracy of {threshold:g}, {fraction:g} of the points from "
            f"{partial:g}, with at most {int(table['max_parameters'])} parameters (the "
            "rubric's; the grader also grades it on hidden data).")
    code = TASK_CODE.format(
        title="the CNN on MNIST", rule=rule, credit=credit, threshold=threshold,
        limit=int(table["max_parameters"]),
        accuracy_points=float(rubric.entry("task_accuracy[cnn]")["points"]),
        history_points=float(rubric.entry("task_history[cnn]")["points"]))
    return Check("HYPERPARAMS-cnn", code, hidden=False)


CHECKS.append(_task_check())
