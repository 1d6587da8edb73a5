"""Every gradient the reference computes agrees with a numerical gradient (float64).

The numerical gradients here are written in this file, independently of
reference/gradcheck.py (which is itself checked against them at the end), so a
wrong backward cannot hide behind a wrong gradient check. Inputs stay away
from kinks (ReLU at 0) so that centred differences are exact up to O(h^2).
"""

import numpy as np
import pytest

from reference import activations, gradcheck, layers, losses, network

H = 1e-6
TOLERANCE = 1e-7  # norm-based relative error for smooth functions in float64


def centred_difference(f, x, h=H):
    """d f / d x of a scalar function f, entry by entry, on a copy of x (x is not touched)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        grad[index] = (float(f(plus)) - float(f(minus))) / (2 * h)
    return grad


def centred_difference_through(f, x, dout, h=H):
    """Gradient of sum(dout * f(x)) with respect to x: checks a backward from its forward."""
    return centred_difference(lambda value: np.sum(dout * f(value)), x, h)


def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(1e-12, np.linalg.norm(a) + np.linalg.norm(b)))


def assert_gradient(analytic, numerical, name, tolerance=TOLERANCE):
    assert np.shape(analytic) == np.shape(numerical), (
        f"{name}: shape {np.shape(analytic)}, expected {np.shape(numerical)}")
    error = relative_error(analytic, numerical)
    assert error < tolerance, f"{name}: relative error {error:.3g} against the numerical gradient"


def away_from_zero(rng, shape, scale=2.0, margin=1e-2):
    """Normal samples with no entry within `margin` of 0 (the ReLU kink)."""
    z = rng.standard_normal(shape) * scale
    z[np.abs(z) < margin] = 0.5
    return z


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


# ---------------------------------------------------------------- layers


def test_linear_backward(rng):
    x, W, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    dout = rng.standard_normal((5, 3))
    _, cache = layers.linear_forward(x, W, b)
    dx, dW, db = layers.linear_backward(dout, cache)
    assert_gradient(dx, centred_difference_through(
        lambda v: layers.linear_forward(v, W, b)[0], x, dout), "dx")
    assert_gradient(dW, centred_difference_through(
        lambda v: layers.linear_forward(x, v, b)[0], W, dout), "dW")
    assert_gradient(db, centred_difference_through(
        lambda v: layers.linear_forward(x, W, v)[0], b, dout), "db")


@pytest.mark.parametrize("name, kwargs", [
    ("relu", {}), ("sigmoid", {}), ("tanh", {}), ("leaky_relu", {}), ("leaky_relu", {"alpha": 0.2}),
])
def test_activation_layer_backward(rng, name, kwargs):
    forward = getattr(layers, f"{name}_forward")
    backward = getattr(layers, f"{name}_backward")
    x = away_from_zero(rng, (4, 6))
    dout = rng.standard_normal((4, 6))
    _, cache = forward(x, **kwargs)
    numerical = centred_difference_through(lambda v: forward(v, **kwargs)[0], x, dout)
    assert_gradient(backward(dout, cache), numerical, f"dx of {name}_backward")


@pytest.mark.parametrize("name, kwargs", [
    ("sigmoid", {}), ("relu", {}), ("tanh", {}), ("leaky_relu", {}), ("leaky_relu", {"alpha": 0.3}),
])
def test_elementwise_derivative(rng, name, kwargs):
    """activations.*_grad(z) is the derivative: for an elementwise f, d sum(f) / dz_i = f'(z_i)."""
    function = getattr(activations, name)
    derivative = getattr(activations, f"{name}_grad")
    z = away_from_zero(rng, (3, 7))
    numerical = centred_difference(lambda v: np.sum(function(v, **kwargs)), z)
    assert_gradient(derivative(z, **kwargs), numerical, f"{name}_grad")


@pytest.mark.parametrize("p", [0.25, 0.6])
def test_dropout_backward(rng, p):
    """With the mask fixed (the same seed on every call), dropout is linear in x."""
    x = rng.standard_normal((6, 5))
    dout = rng.standard_normal((6, 5))
    seed = 99

    def forward(value):
        return layers.dropout_forward(value, p, train=True, rng=np.random.default_rng(seed))[0]

    _, cache = layers.dropout_forward(x, p, train=True, rng=np.random.default_rng(seed))
    dx = layers.dropout_backward(dout, cache)
    assert_gradient(dx, centred_difference_through(forward, x, dout), "dx of dropout_backward")
    assert np.any(dx == 0) and np.any(dx != 0), "the test needs both dropped and kept units"


# ---------------------------------------------------------------- losses


def test_softmax_cross_entropy_integer_labels(rng):
    logits = rng.standard_normal((6, 4)) * 3
    y = rng.integers(0, 4, size=6)
    _, dlogits = losses.softmax_cross_entropy(logits, y)
    numerical = centred_difference(lambda v: losses.softmax_cross_entropy(v, y)[0], logits)
    assert_gradient(dlogits, numerical, "dlogits (integer labels)")


def test_softmax_cross_entropy_soft_labels(rng):
    logits = rng.standard_normal((5, 3)) * 3
    targets = rng.dirichlet(np.ones(3), size=5)  # rows sum to 1, no entry 0 or 1
    _, dlogits = losses.softmax_cross_entropy(logits, targets)
    numerical = centred_difference(lambda v: losses.softmax_cross_entropy(v, targets)[0], logits)
    assert_gradient(dlogits, numerical, "dlogits (soft labels)")


def test_mse_loss(rng):
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    _, dpred = losses.mse_loss(pred, target)
    numerical = centred_difference(lambda v: losses.mse_loss(v, target)[0], pred)
    assert_gradient(dpred, numerical, "dpred of mse_loss")


@pytest.mark.parametrize("shape", [(7,), (7, 1)])
def test_binary_cross_entropy(rng, shape):
    logits = rng.standard_normal(shape) * 3
    y = rng.uniform(0, 1, size=shape)
    y.flat[:3] = [0.0, 1.0, 0.0]  # hard labels too
    _, dlogits = losses.binary_cross_entropy(logits, y)
    numerical = centred_difference(lambda v: losses.binary_cross_entropy(v, y)[0], logits)
    assert_gradient(dlogits, numerical, f"dlogits of binary_cross_entropy {shape}")


# ---------------------------------------------------------------- the network


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
def test_mlp_loss(rng, activation):
    params = network.init_params([4, 6, 5, 3], init="xavier", rng=rng)
    for name in params:
        if name.startswith("b"):  # nonzero biases, so db and the kinks' positions are generic
            params[name] = rng.standard_normal(params[name].shape) * 0.1
    X = rng.standard_normal((8, 4))
    y = rng.integers(0, 3, size=8)
    l2 = 0.05
    _, grads = network.mlp_loss(params, X, y, activation=activation, l2=l2)
    assert sorted(grads) == sorted(params)
    for name in params:
        def loss_of(value, name=name):
            return network.mlp_loss({**params, name: value}, X, y, activation=activation, l2=l2)[0]

        assert_gradient(grads[name], centred_difference(loss_of, params[name]),
                        f"{name} of mlp_loss ({activation}, l2={l2})")


def test_mlp_loss_l2_adds_only_to_weights(rng):
    """The l2 term's gradient is l2 * W for weights and nothing for biases."""
    params = network.init_params([3, 4, 2], rng=rng)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, size=5)
    _, plain = network.mlp_loss(params, X, y, l2=0.0)
    _, regularised = network.mlp_loss(params, X, y, l2=0.3)
    for name in params:
        extra = 0.3 * params[name] if name.startswith("W") else 0.0
        np.testing.assert_allclose(regularised[name], plain[name] + extra, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------ the reference's gradient checks


def smooth_scalar(x):
    return float(np.sum(np.sin(x) * x**2) + np.prod(np.cos(x[..., :2])))


def smooth_array(x):
    return np.tanh(x) * x + x**3 / 7


def test_numerical_gradient_agrees_with_independent_differences(rng):
    x = rng.standard_normal((3, 4))
    before = x.copy()
    got = gradcheck.numerical_gradient(smooth_scalar, x)
    assert got.dtype == np.float64 and got.shape == x.shape
    assert np.array_equal(x, before), "numerical_gradient must restore x exactly"
    want = centred_difference(smooth_scalar, before, h=1e-5)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def test_numerical_gradient_array_agrees_with_independent_differences(rng):
    x = rng.standard_normal((4, 3))
    dout = rng.standard_normal((4, 3))
    before = x.copy()
    got = gradcheck.numerical_gradient_array(smooth_array, x, dout)
    assert got.dtype == np.float64 and got.shape == x.shape
    assert np.array_equal(x, before), "numerical_gradient_array must restore x exactly"
    want = centred_difference_through(smooth_array, before, dout, h=1e-5)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def test_rel_error_matches_its_definition(rng):
    a, b = rng.standard_normal(10), rng.standard_normal(10)
    want = np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))
    assert gradcheck.rel_error(a, b) == pytest.approx(want, rel=1e-14)
    assert gradcheck.rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.rel_error(np.zeros(3), np.full(3, 1e-12)) == pytest.approx(
        np.sqrt(3) * 1e-12 / 1e-8)  # the 1e-8 floor of the denominator


def test_gradient_check_accepts_right_and_rejects_wrong_gradients(rng):
    params = network.init_params([3, 5, 2], init="xavier", rng=rng)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 2, size=6)
    _, grads = network.mlp_loss(params, X, y, activation="tanh")
    saved = {name: value.copy() for name, value in params.items()}

    errors = gradcheck.gradient_check(lambda: network.mlp_loss(params, X, y, "tanh")[0],
                                      params, grads)
    assert sorted(errors) == sorted(params)
    assert max(errors.values()) < TOLERANCE, errors
    for name in params:
        assert np.array_equal(params[name], saved[name]), f"{name} not restored"

    wrong = {**grads, "W1": grads["W1"] * 1.01}
    errors = gradcheck.gradient_check(lambda: network.mlp_loss(params, X, y, "tanh")[0],
                                      params, wrong, num_checks=20, rng=np.random.default_rng(0))
    assert errors["W1"] > 1e-3, "a 1% error in W1's gradient must be visible"
    assert errors["W2"] < TOLERANCE
