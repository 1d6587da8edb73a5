"""The notebook's autograded test cells of a2: layers.py."""

import numpy as np

from . import Check


def _activation_layer(rng):
    x = rng.standard_normal((4, 3)) * 2
    x[np.abs(x) < 1e-2] = 0.5
    return {"x": x, "dout": rng.standard_normal((4, 3))}


def _linear(rng):
    return {"x": rng.standard_normal((4, 3)), "W": rng.standard_normal((3, 2)),
            "b": rng.standard_normal(2), "dout": rng.standard_normal((4, 2))}


CHECKS = [
    Check("linear_forward", "got = linear_forward(x, W, b)[0]", "out of linear_forward",
          inputs=_linear),
] + [
    # One cell per output, as the grader scores each gradient on its own.
    Check("linear_backward", f"got = linear_backward(dout, linear_forward(x, W, b)[1])[{index}]",
          f"{output} of linear_backward", inputs=_linear, name=output,
          carries=(f"linear_numerical_gradient[{output}]",)
          # The float32 and inputs-unchanged checks need the forward and every gradient
          # right: the first gradient's cell carries them.
          + (("signature[linear_backward]", "linear_float32", "linear_inputs_unchanged")
             if output == "dx" else ()))
    for index, output in enumerate(["dx", "dW", "db"])
]
for _name in ["relu", "sigmoid", "tanh", "leaky_relu"]:
    CHECKS.append(Check(f"{_name}_forward", f"got = {_name}_forward(x)[0]",
                        f"out of {_name}_forward", inputs=_activation_layer,
                        carries=(f"activation_forward[{_name}-*]", f"activation_float32[{_name}]",
                                 f"activation_inputs_unchanged[{_name}]")))
    CHECKS.append(Check(f"{_name}_backward",
                        f"got = {_name}_backward(dout, {_name}_forward(x)[1])",
                        f"dx of {_name}_backward", inputs=_activation_layer,
                        carries=(f"activation_backward[{_name}-*]",
                                 f"activation_numerical_gradient[{_name}]")))
CHECKS += [
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
    raise AssertionError("p = 1 should raise ValueError")""", carries=("dropout_*",)),
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
