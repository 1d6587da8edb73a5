"""The notebook's autograded test cells of a5: network.py, optim.py, train.py and config.py."""


from . import Check
from .mlp_tasks import task_check


def _small_net(rng):
    params = {"W1": rng.standard_normal((3, 4)) * 0.8, "b1": rng.standard_normal(4) * 0.1,
              "W2": rng.standard_normal((4, 3)) * 0.8, "b2": rng.standard_normal(3) * 0.1}
    return {"params": params, "X": rng.standard_normal((5, 3)), "y": rng.integers(0, 3, size=5)}


def _update(rng):
    return {"w": rng.standard_normal((2, 3)), "dw": rng.standard_normal((2, 3))}


CHECKS = [
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
    # train_full_batch[rule] trains with one rule and compares with the reference's steps:
    # the rule's own cell carries it.
    Check("sgd", "got = sgd(w, dw, {'learning_rate': 0.1})[0]", "next_w of sgd", inputs=_update,
          carries=("train_full_batch[sgd]",)),
    Check("sgd_momentum", """\
config = None
for step in range(3):
    w, config = sgd_momentum(w, dw * (step + 1), config)
got = w""", "w after three sgd_momentum steps", inputs=_update,
          carries=("train_full_batch[sgd_momentum]",)),
    Check("adam", """\
config = {"learning_rate": 0.1}
for step in range(3):
    w, config = adam(w, dw * (step + 1), config)
got = (w, config["t"])""", "(w, t) after three adam steps", inputs=_update,
          carries=("train_full_batch[adam]",)),
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
          hidden=False, carries=("network_inputs_unchanged",)),
]
CHECKS += [task_check("a5", task) for task in ("xor", "moons", "spirals")]
