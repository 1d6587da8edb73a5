"""The reference agrees with PyTorch wherever PyTorch has the same operation (float64).

Values come from torch.nn.functional, gradients from torch's autograd (the
backward of sum(dout * f(x))), update rules from torch.optim. Everything runs in
float64 and must agree to 1e-10.

Locally these tests skip when torch is missing (`make install-torch`); in CI
(environment variable CI set) a missing torch is a failure, never a skip.
"""

import os

import numpy as np
import pytest

from reference import activations, layers, losses, network, optim

pytestmark = pytest.mark.torch

TOLERANCE = 1e-10


def _in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def torch():
    """The torch module; in CI a missing torch must fail these tests, not skip them."""
    if _in_ci():
        import torch  # noqa: PLC0415 - an ImportError here is the intended failure in CI

        return torch
    return pytest.importorskip(
        "torch", reason="PyTorch is not installed; `make install-torch` runs these parity tests")


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def close(actual, expected, name):
    expected = expected.detach().numpy() if hasattr(expected, "detach") else np.asarray(expected)
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} vs torch {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=TOLERANCE, atol=TOLERANCE, err_msg=name)


def leaf(torch, array):
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def torch_backward(torch, function, arrays, dout):
    """Value of function(*tensors) and the gradients of sum(dout * value) for each array."""
    tensors = [leaf(torch, a) for a in arrays]
    out = function(*tensors)
    (out * torch.tensor(dout)).sum().backward()
    return out, [t.grad for t in tensors]


def test_linear(torch, rng):
    x, W, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    dout = rng.standard_normal((5, 3))
    # torch stores W as (out, in); ours is (in, out): F.linear(x, W.T, b) = x @ W + b.
    out, (dx, dW, db) = torch_backward(
        torch, lambda x, W, b: torch.nn.functional.linear(x, W.T, b), (x, W, b), dout)
    ours, cache = layers.linear_forward(x, W, b)
    close(ours, out, "linear_forward")
    for name, mine, theirs in zip(("dx", "dW", "db"), layers.linear_backward(dout, cache),
                                  (dx, dW, db)):
        close(mine, theirs, f"{name} of linear_backward")


def _torch_activation(torch, name, alpha):
    F = torch.nn.functional
    return {"sigmoid": torch.sigmoid, "relu": F.relu, "tanh": torch.tanh,
            "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=alpha)}[name]


@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh", "leaky_relu"])
def test_activations_and_their_gradients(torch, rng, name):
    alpha = 0.07
    kwargs = {"alpha": alpha} if name == "leaky_relu" else {}
    z = rng.standard_normal((6, 5)) * 4
    z[0, :3] = [0.0, -30.0, 30.0]  # ReLU's kink (grad 0 at 0, as torch) and saturation
    dout = rng.standard_normal(z.shape)
    out, (dz,) = torch_backward(torch, _torch_activation(torch, name, alpha), (z,), dout)

    close(getattr(activations, name)(z, **kwargs), out, name)
    close(getattr(activations, f"{name}_grad")(z, **kwargs) * dout, dz, f"{name}_grad")
    layer_out, cache = getattr(layers, f"{name}_forward")(z, **kwargs)
    close(layer_out, out, f"{name}_forward")
    close(getattr(layers, f"{name}_backward")(dout, cache), dz, f"{name}_backward")


def test_softmax_and_log_softmax(torch, rng):
    z = rng.standard_normal((4, 2, 6)) * 5  # along the last axis, any leading shape
    t = torch.tensor(z)
    close(activations.softmax(z), torch.softmax(t, dim=-1), "softmax")
    close(activations.log_softmax(z), torch.log_softmax(t, dim=-1), "log_softmax")


def test_neuron(torch, rng):
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal(3), 0.3
    linear = torch.tensor(x) @ torch.tensor(w) + b
    close(activations.neuron(x, w, b, "sigmoid"), torch.sigmoid(linear), "neuron sigmoid")
    close(activations.neuron(x, w, b, "tanh"), torch.tanh(linear), "neuron tanh")


def test_softmax_cross_entropy_integer_labels(torch, rng):
    logits, y = rng.standard_normal((6, 4)) * 3, rng.integers(0, 4, size=6)
    t = leaf(torch, logits)
    want = torch.nn.functional.cross_entropy(t, torch.tensor(y))
    want.backward()
    loss, dlogits = losses.softmax_cross_entropy(logits, y)
    close(loss, want, "loss")
    close(dlogits, t.grad, "dlogits")


def test_softmax_cross_entropy_probabilities(torch, rng):
    logits, targets = rng.standard_normal((5, 3)) * 3, rng.dirichlet(np.ones(3), size=5)
    t = leaf(torch, logits)
    want = torch.nn.functional.cross_entropy(t, torch.tensor(targets))  # probability targets
    want.backward()
    loss, dlogits = losses.softmax_cross_entropy(logits, targets)
    close(loss, want, "loss")
    close(dlogits, t.grad, "dlogits")


def test_mse_loss(torch, rng):
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    t = leaf(torch, pred)
    want = torch.nn.functional.mse_loss(t, torch.tensor(target))
    want.backward()
    loss, dpred = losses.mse_loss(pred, target)
    close(loss, want, "loss")
    close(dpred, t.grad, "dpred")


@pytest.mark.parametrize("shape", [(8,), (8, 1)])
def test_binary_cross_entropy_with_logits(torch, rng, shape):
    logits, y = rng.standard_normal(shape) * 4, rng.uniform(0, 1, size=shape)
    y.flat[:2] = [0.0, 1.0]
    logits.flat[2:4] = [50.0, -50.0]  # saturated logits
    t = leaf(torch, logits)
    want = torch.nn.functional.binary_cross_entropy_with_logits(t, torch.tensor(y))
    want.backward()
    loss, dlogits = losses.binary_cross_entropy(logits, y)
    close(loss, want, "loss")
    close(dlogits, t.grad, "dlogits")


def test_dropout_eval_mode_is_identity(torch, rng):
    x, dout = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    out, (dx,) = torch_backward(
        torch, lambda v: torch.nn.functional.dropout(v, p=0.5, training=False), (x,), dout)
    ours, cache = layers.dropout_forward(x, 0.5, train=False)
    close(ours, out, "dropout_forward(train=False)")
    close(layers.dropout_backward(dout, cache), dx, "dropout_backward(train=False)")


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu"])
def test_mlp_loss(torch, rng, activation):
    """The whole network: scores, loss with L2 and every parameter's gradient."""
    params = network.init_params([4, 7, 5, 3], rng=rng)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) if k.startswith("b") else v
              for k, v in params.items()}
    X, y, l2 = rng.standard_normal((9, 4)), rng.integers(0, 3, size=9), 0.02
    hidden = _torch_activation(torch, activation, 0.01)  # the reference's default alpha
    tensors = {k: leaf(torch, v) for k, v in params.items()}
    h = torch.tensor(X)
    layer_count = len(params) // 2
    for i in range(1, layer_count + 1):
        h = h @ tensors[f"W{i}"] + tensors[f"b{i}"]
        if i < layer_count:
            h = hidden(h)
    want = torch.nn.functional.cross_entropy(h, torch.tensor(y))
    want = want + 0.5 * l2 * sum((tensors[f"W{i}"] ** 2).sum() for i in range(1, layer_count + 1))
    want.backward()

    scores, _ = network.mlp_forward(params, X, activation)
    close(scores, h, "scores of mlp_forward")
    loss, grads = network.mlp_loss(params, X, y, activation=activation, l2=l2)
    close(loss, want, "loss of mlp_loss")
    for name in params:
        close(grads[name], tensors[name].grad, f"{name} of mlp_loss")


# ---------------------------------------------------------------- update rules


def _quadratic_gradient(A, c):
    """Gradient of 0.5 w.A.w - c.w: depends on w, so any divergence compounds over steps."""
    return lambda w: A @ w - c


def _compare_with_torch_optim(torch, rng, update, config, make_optimizer, steps=12):
    D = 6
    M = rng.standard_normal((D, D))
    gradient = _quadratic_gradient(M @ M.T / D + np.eye(D), rng.standard_normal(D))
    w = rng.standard_normal(D)
    parameter = torch.nn.Parameter(torch.tensor(w.copy()))
    optimizer = make_optimizer([parameter])
    for step in range(steps):
        w, config = update(w, gradient(w), config)
        parameter.grad = torch.tensor(gradient(parameter.detach().numpy()))
        optimizer.step()
        close(w, parameter.detach(), f"weights after step {step + 1}")


def test_sgd_matches_torch(torch, rng):
    _compare_with_torch_optim(torch, rng, optim.sgd, {"learning_rate": 0.05},
                              lambda p: torch.optim.SGD(p, lr=0.05))


def test_sgd_momentum_matches_torch(torch, rng):
    """torch keeps v = mu*v + g and steps w -= lr*v; CS231n keeps v = mu*v - lr*g and steps
    w += v. The velocities differ by the factor -lr, the weights agree (constant lr)."""
    _compare_with_torch_optim(torch, rng, optim.sgd_momentum,
                              {"learning_rate": 0.03, "momentum": 0.8},
                              lambda p: torch.optim.SGD(p, lr=0.03, momentum=0.8))


def test_adam_matches_torch(torch, rng):
    _compare_with_torch_optim(torch, rng, optim.adam,
                              {"learning_rate": 0.02, "beta1": 0.85, "beta2": 0.99,
                               "epsilon": 1e-6},
                              lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.85, 0.99), eps=1e-6))


def test_adam_defaults_match_torch(torch, rng):
    _compare_with_torch_optim(torch, rng, optim.adam, None, lambda p: torch.optim.Adam(p))


def test_sgd_defaults_match_torch(torch, rng):
    _compare_with_torch_optim(torch, rng, optim.sgd_momentum, None,
                              lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9))
