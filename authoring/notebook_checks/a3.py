"""The notebook's autograded test cells of a3: losses.py."""


from . import Check


def _classification(rng):
    return {"logits": rng.standard_normal((5, 3)) * 2, "y": rng.integers(0, 3, size=5)}


CHECKS = [
    Check("softmax_cross_entropy", "got = softmax_cross_entropy(logits, y)",
          "(loss, dlogits) of softmax_cross_entropy with integer labels", inputs=_classification),
    Check("softmax_cross_entropy", "got = softmax_cross_entropy(logits, np.eye(3)[y])",
          "(loss, dlogits) of softmax_cross_entropy with one-hot targets", name="onehot",
          inputs=_classification, hidden=False, carries=("softmax_cross_entropy[*-onehot-*]",)),
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
