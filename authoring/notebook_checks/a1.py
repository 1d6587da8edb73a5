"""The notebook's autograded test cells of a1: activations.py."""


from . import Check


def _z(rng):
    z = rng.standard_normal((3, 4)) * 3
    z[0, 0] = 0.0  # the kink of relu and leaky relu
    return {"z": z}


CHECKS = [
    Check("neuron", "got = neuron(x, w, b, 'tanh')", "neuron(x, w, b, 'tanh') for a batch",
          inputs=lambda rng: {"x": rng.standard_normal((4, 3)), "w": rng.standard_normal(3),
                              "b": float(rng.standard_normal())}),
    Check("neuron", "got = neuron(x, w, b, 'sigmoid')", "neuron for one example of shape (D,)",
          name="single", hidden=False,
          inputs=lambda rng: {"x": rng.standard_normal(3), "w": rng.standard_normal(3), "b": 0.25}),
    Check("neuron", """\
try:
    neuron(np.ones((2, 3)), np.ones(3), 0.0, activation="swish")
except ValueError:
    pass
else:
    raise AssertionError("neuron(..., activation='swish') should raise ValueError")""",
          name="unknown", hidden=False),
]
for _name in ["sigmoid", "sigmoid_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad",
              "tanh", "tanh_grad", "softmax", "log_softmax"]:
    CHECKS.append(Check(_name, f"got = {_name}(z)", f"{_name}(z)", inputs=_z,
                        # leaky_relu_alpha[leaky_relu_grad-...] checks the derivative
                        carries=(f"leaky_relu_alpha[{_name}-*]",) if _name == "leaky_relu_grad" else ()))
CHECKS.append(Check("softmax", """\
# |z| up to 1e4: no overflow warning (turned into an error here), no NaN.
z = np.array([[-1e4, 0.0, 1e4], [800.0, 799.0, -800.0]])
with warnings.catch_warnings():
    warnings.simplefilter("error")
    for function in (sigmoid, sigmoid_grad, softmax, log_softmax):
        assert np.all(np.isfinite(function(z))), f"{function.__name__} gives inf or NaN for |z| = 1e4"
assert_close(softmax(z), np.array([[0.0, 0.0, 1.0], [0.7310585786300049, 0.2689414213699951, 0.0]]),
             "softmax(z) for large z")""", name="stable", hidden=False,
                    carries=("stable[sigmoid]", "stable[sigmoid_grad]", "stable[log_softmax]")))
