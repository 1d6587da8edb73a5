"""The notebook's autograded test cells of a6: config.py's MNIST settings."""

from . import Check

CHECKS = [
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
