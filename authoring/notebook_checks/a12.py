"""The notebook's autograded test cells of a12: torch_compare.py.

A Sequential is no literal: the cells compare what it computes (its scores,
its parameters in the course's layout) with the reference's.
"""

from . import Check


def _small_net(rng):
    params = {"W1": rng.standard_normal((3, 4)) * 0.8, "b1": rng.standard_normal(4) * 0.1,
              "W2": rng.standard_normal((4, 3)) * 0.8, "b2": rng.standard_normal(3) * 0.1}
    return {"params": params, "X": rng.standard_normal((5, 3)), "y": rng.integers(0, 3, size=5)}


def _curve_net(rng):
    inputs = _small_net(rng)
    inputs["X"], inputs["y"] = rng.standard_normal((20, 3)), rng.integers(0, 3, size=20)
    return inputs


CHECKS = [
    Check("to_torch", """\
model = to_torch(params, "tanh")
assert isinstance(model, torch.nn.Sequential), "to_torch returns a torch.nn.Sequential"
assert model[0].weight.dtype == torch.float64, "the parameters are float64"
got = (model(torch.tensor(X)).detach().numpy(), model[0].weight.detach().numpy(),
       model[2].bias.detach().numpy())""",
          "(scores, first weight, last bias) of to_torch's network", inputs=_small_net,
          carries=("to_torch*",)),
    Check("torch_mlp_loss", "got = torch_mlp_loss(params, X, y, 'relu', l2=0.1)",
          "(loss, grads) of torch_mlp_loss", inputs=_small_net,
          carries=("torch_mlp_loss*", "torch_inputs_unchanged")),
    Check("compare_training", """\
curves = compare_training(params, X, y, steps=5, learning_rate=0.5)
got = (curves["numpy"], curves["torch"])""", "the two curves of compare_training",
          inputs=_curve_net),
    Check("time_epoch", """\
rng = np.random.default_rng(0)
seconds = time_epoch([784, 128, 10], rng.random((1024, 784), dtype=np.float32),
                     rng.integers(0, 10, 1024))
assert set(seconds) == {"numpy", "torch"}, f"keys {sorted(seconds)}"
assert all(isinstance(s, float) and 0 < s < float("inf") for s in seconds.values()), \\
    "positive finite seconds\"""", hidden=False),
]
