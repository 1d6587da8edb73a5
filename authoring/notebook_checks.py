"""The autograded test cells of the notebooks, as specifications.

A notebook cannot import the reference (nbgrader releases the notebook to the
students, and autograde runs it in their kernel), so every test cell is
self-contained: its inputs and its expected values are literals, computed
from the reference when `make notebooks` runs.

A `Check` is one function's test: `inputs(rng)` draws small arrays, `code`
computes `got` from them with the notebook's functions, and the generator
runs the same `code` with the reference's functions to get `expected`.
Checks of random functions (dropout, initialisation, batch order, training)
have no expected literal: `code` asserts properties instead (`inputs` None).

Each check gives two cells: a visible test and a hidden one (other inputs,
between nbgrader's hidden-test markers), each worth `points`.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Check:
    """One function's autograded test (a visible cell and a hidden cell)."""

    function: str
    code: str  # sets `got` (value checks) or asserts by itself (property checks)
    what: str = ""  # how the failure message names the value
    inputs: object = None  # rng -> dict of name -> array/number, or None
    points: float = 1.0
    hidden: bool = True  # also a hidden cell with other inputs
    rtol: float = 1e-6
    atol: float = 1e-8
    name: str = ""  # grade_id suffix when a function has several checks
    setup: dict = field(default_factory=dict)  # literals shared by both cells

    @property
    def cell_id(self):
        return f"test-{self.function}" + (f"-{self.name}" if self.name else "")


def _z(rng):
    z = rng.standard_normal((3, 4)) * 3
    z[0, 0] = 0.0  # the kink of relu and leaky relu
    return {"z": z}


def _x(rng, shape=(4, 3)):
    return {"x": rng.standard_normal(shape) * 2}


def _activation_layer(rng):
    x = rng.standard_normal((4, 3)) * 2
    x[np.abs(x) < 1e-2] = 0.5
    return {"x": x, "dout": rng.standard_normal((4, 3))}


def _linear(rng):
    return {"x": rng.standard_normal((4, 3)), "W": rng.standard_normal((3, 2)),
            "b": rng.standard_normal(2), "dout": rng.standard_normal((4, 2))}


def _classification(rng):
    return {"logits": rng.standard_normal((5, 3)) * 2, "y": rng.integers(0, 3, size=5)}


def _small_net(rng):
    params = {"W1": rng.standard_normal((3, 4)) * 0.8, "b1": rng.standard_normal(4) * 0.1,
              "W2": rng.standard_normal((4, 3)) * 0.8, "b2": rng.standard_normal(3) * 0.1}
    return {"params": params, "X": rng.standard_normal((5, 3)), "y": rng.integers(0, 3, size=5)}


def _update(rng):
    return {"w": rng.standard_normal((2, 3)), "dw": rng.standard_normal((2, 3))}


_ACTIVATION_CHECKS = [
    Check("neuron", "got = neuron(x, w, b, 'tanh')", "neuron(x, w, b, 'tanh') for a batch",
          inputs=lambda rng: {"x": rng.standard_normal((4, 3)), "w": rng.standard_normal(3),
                              "b": float(rng.standard_normal())}),
    Check("neuron", "got = neuron(x, w, b, 'sigmoid')", "neuron for one example of shape (D,)",
          name="single", hidden=False, points=0.5,
          inputs=lambda rng: {"x": rng.standard_normal(3), "w": rng.standard_normal(3), "b": 0.25}),
    Check("neuron", """\
try:
    neuron(np.ones((2, 3)), np.ones(3), 0.0, activation="swish")
except ValueError:
    pass
else:
    raise AssertionError("neuron(..., activation='swish') should raise ValueError")""",
          name="unknown", hidden=False, points=0.5),
]
for _name in ["sigmoid", "sigmoid_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
              "tanh", "tanh_grad", "softmax", "log_softmax"]:
    _ACTIVATION_CHECKS.append(Check(_name, f"got = {_name}(z)", f"{_name}(z)", inputs=_z))
_ACTIVATION_CHECKS.append(Check("softmax", """\
# |z| up to 1e4: no overflow warning (turned into an error here), no NaN.
z = np.array([[-1e4, 0.0, 1e4], [800.0, 799.0, -800.0]])
with warnings.catch_warnings():
    warnings.simplefilter("error")
    for function in (sigmoid, sigmoid_grad, softmax, log_softmax):
        assert np.all(np.isfinite(function(z))), f"{function.__name__} gives inf or NaN for |z| = 1e4"
assert_close(softmax(z), np.array([[0.0, 0.0, 1.0], [0.7310585786300049, 0.2689414213699951, 0.0]]),
             "softmax(z) for large z")""", name="stable", hidden=False))

_LAYER_CHECKS = [
    Check("linear_forward", "got = linear_forward(x, W, b)[0]", "out of linear_forward", inputs=_linear),
    Check("linear_backward", "got = linear_backward(dout, linear_forward(x, W, b)[1])",
          "(dx, dW, db) of linear_backward", inputs=_linear),
]
for _name in ["relu", "sigmoid", "tanh", "leaky_relu"]:
    _LAYER_CHECKS.append(Check(f"{_name}_forward", f"got = {_name}_forward(x)[0]",
                               f"out of {_name}_forward", inputs=_activation_layer))
    _LAYER_CHECKS.append(Check(f"{_name}_backward",
                               f"got = {_name}_backward(dout, {_name}_forward(x)[1])",
                               f"dx of {_name}_backward", inputs=_activation_layer))
_LAYER_CHECKS += [
    Check("dropout_forward", """\
x = np.ones((200, 50))
out, cache = dropout_forward(x, 0.3, train=True, rng=np.random.default_rng(0))
kept = out != 0
assert abs(kept.mean() - 0.7) < 0.02, f"kept {kept.mean():.3f} of the units, expected about 0.7 (p drops)"
assert np.allclose(out[kept], 1 / 0.7), "kept units should be scaled by 1 / (1 - p)"
assert np.array_equal(dropout_forward(x, 0.3, train=False)[0], x), "with train=False the output is x"
assert np.array_equal(dropout_forward(x, 0.0)[0], x), "with p == 0 the output is x"
try:
    dropout_forward(x, 1.0)
except ValueError:
    pass
else:
    raise AssertionError("p = 1 should raise ValueError")"""),
    Check("dropout_backward", """\
x = np.random.default_rng(1).standard_normal((30, 20))
dout = np.random.default_rng(2).standard_normal((30, 20))
out, cache = dropout_forward(x, 0.5, rng=np.random.default_rng(3))
dx = dropout_backward(dout, cache)
kept = out != 0
assert np.allclose(dx[~kept], 0), "dropped units pass no gradient"
assert np.allclose(dx[kept], 2 * dout[kept]), "kept units pass dout scaled by 1 / (1 - p)"
out, cache = dropout_forward(x, 0.5, train=False)
assert np.allclose(dropout_backward(dout, cache), dout), "in test mode the backward passes dout"
"""),
]

_LOSS_CHECKS = [
    Check("softmax_cross_entropy", "got = softmax_cross_entropy(logits, y)",
          "(loss, dlogits) of softmax_cross_entropy with integer labels", inputs=_classification),
    Check("softmax_cross_entropy", "got = softmax_cross_entropy(logits, np.eye(3)[y])",
          "(loss, dlogits) of softmax_cross_entropy with one-hot targets", name="onehot",
          inputs=_classification, hidden=False, points=0.5),
    Check("mse_loss", "got = mse_loss(pred, target)", "(loss, dpred) of mse_loss",
          inputs=lambda rng: {"pred": rng.standard_normal((4, 2)),
                              "target": rng.standard_normal((4, 2))}),
    Check("binary_cross_entropy", "got = binary_cross_entropy(logits, y)",
          "(loss, dlogits) of binary_cross_entropy",
          inputs=lambda rng: {"logits": rng.standard_normal(6) * 3,
                              "y": rng.integers(0, 2, size=6).astype(float)}),
    Check("binary_cross_entropy", """\
# Logits up to 1e4: the loss stays finite and no warning is raised.
logits = np.array([1e4, -1e4, 30.0, -30.0])
y = np.array([0.0, 1.0, 1.0, 0.0])
with warnings.catch_warnings():
    warnings.simplefilter("error")
    loss, dlogits = binary_cross_entropy(logits, y)
    big_logits = np.array([[1e4, 0.0, -1e4]])
    ce_loss, _ = softmax_cross_entropy(big_logits, np.array([2]))
assert np.isclose(loss, (1e4 + 1e4) / 4, rtol=1e-9), f"BCE for huge logits is {loss}, expected 5000"
assert np.isclose(ce_loss, 2e4), f"cross-entropy for huge logits is {ce_loss}, expected 2e4"
""", name="stable", hidden=False),
]

_GRADCHECK_CHECKS = [
    Check("numerical_gradient", """\
x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
before = x.copy()
grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
assert_close(grad, 3 * before ** 2, "numerical gradient of sum(x**3)", rtol=1e-6)
assert np.array_equal(x, before), "x must be restored exactly"
assert grad.dtype == np.float64, "the gradient is float64\""""),
    Check("numerical_gradient_array", """\
x = np.array([[0.5, -1.0], [2.0, 0.3]])
dout = np.array([[1.0, -2.0], [0.5, 3.0]])
before = x.copy()
grad = numerical_gradient_array(np.sin, x, dout)
assert_close(grad, dout * np.cos(before), "numerical_gradient_array of sin(x)", rtol=1e-6)
assert np.array_equal(x, before), "x must be restored exactly\""""),
    Check("rel_error", "got = rel_error(a, b)", "rel_error(a, b)",
          inputs=lambda rng: {"a": rng.standard_normal(5), "b": rng.standard_normal(5)}),
    Check("rel_error", """\
assert rel_error(np.zeros(3), np.zeros(3)) == 0.0, "two zero arrays have relative error 0"
""", name="zeros", hidden=False, points=0.5),
    Check("gradient_check", """\
A = np.array([[2.0, 0.5], [0.5, 1.0]])
params = {"w": np.array([0.3, -0.7]), "v": np.array([[1.0, 2.0]])}
def loss():
    w, v = params["w"], params["v"]
    return 0.5 * w @ A @ w + np.sum(v ** 2)
right = {"w": A @ params["w"], "v": 2 * params["v"]}
wrong = {"w": A @ params["w"], "v": params["v"]}
errors = gradient_check(loss, params, right)
assert set(errors) == {"w", "v"}, f"one error per parameter, got {sorted(errors)}"
assert max(errors.values()) < 1e-7, f"right gradients should agree, got {errors}"
assert gradient_check(loss, params, wrong)["v"] > 0.1, "a wrong gradient must show a large error"
assert gradient_check(loss, params, right, num_checks=3, rng=np.random.default_rng(0))["w"] < 1e-7
"""),
]

_MLP_CHECKS = [
    Check("init_params", """\
params = init_params([400, 300, 10], init="he", rng=np.random.default_rng(0))
assert sorted(params) == ["W1", "W2", "b1", "b2"], f"keys: {sorted(params)}"
assert params["W1"].shape == (400, 300) and params["b2"].shape == (10,), "W_i is (sizes[i-1], sizes[i])"
assert np.all(params["b1"] == 0), "biases start at zero"
assert abs(params["W1"].std() - np.sqrt(2 / 400)) < 0.01 * np.sqrt(2 / 400) * 5, "He: std sqrt(2 / fan_in)"
xavier = init_params([400, 300], init="xavier", rng=np.random.default_rng(1))["W1"]
assert abs(xavier.std() - np.sqrt(2 / 700)) < 0.05 * np.sqrt(2 / 700), "Xavier: std sqrt(2 / (fan_in + fan_out))"
small = init_params([400, 300], init="small", rng=np.random.default_rng(2))["W1"]
assert abs(small.std() - 0.01) < 0.0005, "small: std 0.01"
assert init_params([3, 2], dtype=np.float32)["W1"].dtype == np.float32, "dtype is respected\""""),
    Check("mlp_forward", "got = mlp_forward(params, X, 'tanh')[0]", "scores of mlp_forward",
          inputs=_small_net),
    Check("mlp_backward", """\
scores, cache = mlp_forward(params, X, "relu")
got = mlp_backward(np.ones_like(scores) / len(X), cache)""", "gradients of mlp_backward",
          inputs=_small_net),
    Check("mlp_loss", "got = mlp_loss(params, X, y, 'relu', l2=0.1)", "(loss, grads) of mlp_loss",
          inputs=_small_net),
    Check("predict", "got = predict(params, X, 'relu')", "predict(params, X)", inputs=_small_net),
    Check("sgd", "got = sgd(w, dw, {'learning_rate': 0.1})[0]", "next_w of sgd", inputs=_update),
    Check("sgd_momentum", """\
config = None
for step in range(3):
    w, config = sgd_momentum(w, dw * (step + 1), config)
got = w""", "w after three sgd_momentum steps", inputs=_update),
    Check("adam", """\
config = {"learning_rate": 0.1}
for step in range(3):
    w, config = adam(w, dw * (step + 1), config)
got = (w, config["t"])""", "(w, t) after three adam steps", inputs=_update),
    Check("iterate_minibatches", """\
X = np.arange(20).reshape(10, 2).astype(float)
y = np.arange(10)
batches = list(iterate_minibatches(X, y, 4, rng=np.random.default_rng(0)))
assert [len(b[1]) for b in batches] == [4, 4, 2], "batches of 4, 4 and the last 2"
seen = np.concatenate([b[1] for b in batches])
assert sorted(seen) == list(range(10)), "every sample exactly once per epoch"
assert all(np.array_equal(bx[:, 0] / 2, by) for bx, by in batches), "X and y stay paired"
ordered = np.concatenate([b[1] for b in iterate_minibatches(X, y, 3, shuffle=False)])
assert list(ordered) == list(range(10)), "shuffle=False keeps the order\""""),
    Check("accuracy", "got = (accuracy(scores, y), accuracy(scores.argmax(axis=1), y))",
          "accuracy from scores and from labels",
          inputs=lambda rng: {"scores": rng.standard_normal((8, 3)), "y": rng.integers(0, 3, 8)}),
    Check("train", """\
X, y = xor_data()
params = init_params([2, 8, 2], init="xavier", rng=np.random.default_rng(0))
history = train(params, X, y, epochs=300, batch_size=4, optimizer="adam",
                optim_config={"learning_rate": 0.05}, activation="tanh",
                rng=np.random.default_rng(1))
assert len(history["loss"]) == 300 and len(history["train_acc"]) == 300, "one entry per epoch"
assert set(history["grad_norm"]) == set(params), "a gradient norm list per parameter"
assert history["loss"][-1] < history["loss"][0] / 5, "the loss should fall"
assert accuracy(predict(params, X, "tanh"), y) == 1.0, "XOR should be learned (params updated)\"""",
          hidden=False, points=2),
    Check("HYPERPARAMS", """\
REQUIRED = {"hidden_sizes", "activation", "init", "epochs", "batch_size", "optimizer",
            "optim_config", "l2"}
assert set(HYPERPARAMS) >= {"xor", "moons", "spirals", "mnist"}, "one entry per task"
for task, settings in HYPERPARAMS.items():
    assert REQUIRED <= set(settings), f"{task}: missing {sorted(REQUIRED - set(settings))}"
    assert settings["optimizer"] in ("sgd", "sgd_momentum", "adam"), f"{task}: unknown optimizer"
    assert settings["init"] in ("he", "xavier", "small"), f"{task}: unknown init\"""",
          hidden=False),
]

_MNIST_CHECKS = [
    Check("HYPERPARAMS", """\
settings = HYPERPARAMS["mnist"]
assert settings["optimizer"] in ("sgd", "sgd_momentum", "adam"), "unknown optimizer"
assert settings["activation"] in ("relu", "sigmoid", "tanh", "leaky_relu"), "unknown activation"
assert settings.get("dtype", "float64") in ("float32", "float64"), "dtype: float32 or float64"
assert all(isinstance(h, int) and h > 0 for h in settings["hidden_sizes"]), "hidden sizes are ints\"""",
          hidden=False),
    Check("HYPERPARAMS", """\
# Your settings, trained on the notebook's subset of MNIST above, reach 85%.
assert subset_accuracy >= 0.85, f"test accuracy {subset_accuracy:.3f} on the subset run\"""",
          name="subset", hidden=False, points=2),
]

CHECKS = {
    "a1": _ACTIVATION_CHECKS,
    "a2": _LAYER_CHECKS,
    "a3": _LOSS_CHECKS,
    "a4": _GRADCHECK_CHECKS,
    "a5": _MLP_CHECKS,
    "a6": _MNIST_CHECKS,
}
