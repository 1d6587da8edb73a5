"""The notebook's autograded test cells of a4: gradcheck.py."""


from . import Check

CHECKS = [
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
""", name="zeros", hidden=False, carries=("rel_error_zero_arrays", "rel_error_floor")),
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
