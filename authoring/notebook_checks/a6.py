"""The notebook's autograded test cells of a6: config.py's MNIST settings."""

from grader.tasks.settings import ACTIVATIONS, DTYPES, OPTIMIZER_KEYS

from . import Check

CHECKS = [
    Check("HYPERPARAMS-mnist", f"""\
settings = HYPERPARAMS["mnist"]
assert settings["optimizer"] in {tuple(OPTIMIZER_KEYS)!r}, "unknown optimizer"
assert settings["activation"] in {ACTIVATIONS!r}, "unknown activation"
assert settings.get("dtype", "float64") in {DTYPES!r}, "dtype: float32 or float64"
assert all(isinstance(h, int) and h > 0 for h in settings["hidden_sizes"]), "hidden sizes are ints\"""",
          hidden=False),
    Check("HYPERPARAMS-mnist", """\
# Your settings, trained on the notebook's subset of MNIST above, reach 85%.
assert subset_accuracy >= 0.85, f"test accuracy {subset_accuracy:.3f} on the subset run\"""",
          name="subset", hidden=False, points=2),
]
