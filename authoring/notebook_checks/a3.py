"""The notebook's autograded test cells of a3: losses.py."""


from . import Check


def _classification(rng):
    return {"logits": rng.standard_normal((5, 3)) * 2, "y": rng.integers(0, 3, size=5)}


def _mse(rng):
    return {"pred": rng.standard_normal((4, 2)), "target": rng.standard_normal((4, 2))}


def _binary(rng):
    return {"logits": rng.standard_normal(6) * 3, "y": rng.integers(0, 2, size=6).astype(float)}


def _loss_and_gradient(function, call, gradient, inputs, what, properties, **options):
    """Two cells, as the grader scores the loss and its gradient on their own; the checks of
    properties (dtype kept, inputs unchanged, the numerical gradient) need both right, so
    the gradient's cell carries them."""
    return [
        Check(function, f"got = {call}[0]", f"loss of {function}{what}", inputs=inputs,
              name="loss", carries=(f"signature[{function}]",), **options),
        Check(function, f"got = {call}[1]", f"{gradient} of {function}{what}", inputs=inputs,
              name=gradient, carries=properties, **options),
    ]


CHECKS = [
    *_loss_and_gradient(
        "softmax_cross_entropy", "softmax_cross_entropy(logits, y)", "dlogits", _classification,
        " with integer labels",
        ("softmax_cross_entropy_numerical_gradient[*]", "float32[softmax_cross_entropy]",
         "inputs_unchanged[softmax_cross_entropy]", "stable[softmax_cross_entropy]")),
    Check("softmax_cross_entropy", "got = softmax_cross_entropy(logits, np.eye(3)[y])[0]",
          "loss of softmax_cross_entropy with one-hot targets", name="onehot_loss",
          inputs=_classification, hidden=False, carries=("softmax_cross_entropy[loss-onehot-*]",)),
    Check("softmax_cross_entropy", "got = softmax_cross_entropy(logits, np.eye(3)[y])[1]",
          "dlogits of softmax_cross_entropy with one-hot targets", name="onehot_dlogits",
          inputs=_classification, hidden=False,
          carries=("softmax_cross_entropy[dlogits-onehot-*]",)),
    *_loss_and_gradient(
        "mse_loss", "mse_loss(pred, target)", "dpred", _mse, "",
        ("numerical_gradient[mse_loss]", "float32[mse_loss]", "inputs_unchanged[mse_loss]")),
    *_loss_and_gradient(
        "binary_cross_entropy", "binary_cross_entropy(logits, y)", "dlogits", _binary, "",
        ("numerical_gradient[binary_cross_entropy]", "float32[binary_cross_entropy]",
         "inputs_unchanged[binary_cross_entropy]")),
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
