"""SPEC conventions the reference must keep: dtypes, untouched inputs, randomness, stability.

Every function of assignments 1-5 that takes arrays is listed once in CALLS, as
a function of (rng, dtype) returning the arguments of one call. The tests run
each call and check one convention of SPEC.md's "Conventions for every function".
"""

import copy
import warnings

import numpy as np
import pytest

from reference import activations, gradcheck, layers, losses, network, optim, train


def _x(rng, dtype, shape=(4, 5)):
    return (rng.standard_normal(shape) * 2).astype(dtype)


def _params(rng, dtype):
    return network.init_params([5, 6, 3], rng=rng, dtype=dtype)


def _cache_of(forward, *args, **kwargs):
    return forward(*args, **kwargs)[1]


LAYER_ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu")


def _activation_forward_call(name):
    forward = getattr(layers, f"{name}_forward")
    return lambda r, d: (forward, (_x(r, d),), {})


def _activation_backward_call(name):
    forward, backward = getattr(layers, f"{name}_forward"), getattr(layers, f"{name}_backward")
    return lambda r, d: (backward, (_x(r, d), _cache_of(forward, _x(r, d))), {})


# name -> function(rng, dtype) -> (callable, args, kwargs). Positional args are what the
# "inputs unchanged" test inspects; the callable is the SPEC function.
CALLS = {
    "activations.neuron": lambda r, d: (activations.neuron, (_x(r, d), _x(r, d, (5,)), 0.5), {}),
    "activations.sigmoid": lambda r, d: (activations.sigmoid, (_x(r, d),), {}),
    "activations.sigmoid_grad": lambda r, d: (activations.sigmoid_grad, (_x(r, d),), {}),
    "activations.relu": lambda r, d: (activations.relu, (_x(r, d),), {}),
    "activations.relu_grad": lambda r, d: (activations.relu_grad, (_x(r, d),), {}),
    "activations.leaky_relu": lambda r, d: (activations.leaky_relu, (_x(r, d),), {}),
    "activations.leaky_relu_grad": lambda r, d: (activations.leaky_relu_grad, (_x(r, d),), {}),
    "activations.tanh": lambda r, d: (activations.tanh, (_x(r, d),), {}),
    "activations.tanh_grad": lambda r, d: (activations.tanh_grad, (_x(r, d),), {}),
    "activations.softmax": lambda r, d: (activations.softmax, (_x(r, d),), {}),
    "activations.log_softmax": lambda r, d: (activations.log_softmax, (_x(r, d),), {}),
    "layers.linear_forward": lambda r, d: (
        layers.linear_forward, (_x(r, d), _x(r, d, (5, 3)), _x(r, d, (3,))), {}),
    "layers.linear_backward": lambda r, d: (layers.linear_backward, (
        _x(r, d, (4, 3)), _cache_of(layers.linear_forward, _x(r, d), _x(r, d, (5, 3)),
                                    _x(r, d, (3,)))), {}),
    **{f"layers.{name}_forward": _activation_forward_call(name) for name in LAYER_ACTIVATIONS},
    **{f"layers.{name}_backward": _activation_backward_call(name) for name in LAYER_ACTIVATIONS},
    "layers.dropout_forward": lambda r, d: (
        layers.dropout_forward, (_x(r, d), 0.4), {"rng": np.random.default_rng(1)}),
    "layers.dropout_backward": lambda r, d: (layers.dropout_backward, (
        _x(r, d), _cache_of(layers.dropout_forward, _x(r, d), 0.4,
                            rng=np.random.default_rng(1))), {}),
    "losses.softmax_cross_entropy": lambda r, d: (
        losses.softmax_cross_entropy, (_x(r, d), r.integers(0, 5, size=4)), {}),
    "losses.softmax_cross_entropy(soft)": lambda r, d: (
        losses.softmax_cross_entropy, (_x(r, d), r.dirichlet(np.ones(5), size=4).astype(d)), {}),
    "losses.mse_loss": lambda r, d: (losses.mse_loss, (_x(r, d), _x(r, d)), {}),
    "losses.binary_cross_entropy": lambda r, d: (
        losses.binary_cross_entropy, (_x(r, d, (6,)), r.uniform(0, 1, 6).astype(d)), {}),
    "losses.binary_cross_entropy(N,1)": lambda r, d: (
        losses.binary_cross_entropy, (_x(r, d, (6, 1)), r.uniform(0, 1, (6, 1)).astype(d)), {}),
    "network.mlp_forward": lambda r, d: (network.mlp_forward, (_params(r, d), _x(r, d)), {}),
    "network.mlp_backward": lambda r, d: (network.mlp_backward, (
        _x(r, d, (4, 3)), _cache_of(network.mlp_forward, _params(r, d), _x(r, d))), {}),
    "network.mlp_loss": lambda r, d: (
        network.mlp_loss, (_params(r, d), _x(r, d), r.integers(0, 3, size=4)), {"l2": 0.1}),
    "network.predict": lambda r, d: (network.predict, (_params(r, d), _x(r, d)), {}),
    "optim.sgd": lambda r, d: (optim.sgd, (_x(r, d), _x(r, d), None), {}),
    "optim.sgd_momentum": lambda r, d: (optim.sgd_momentum, (_x(r, d), _x(r, d), None), {}),
    "optim.adam": lambda r, d: (optim.adam, (_x(r, d), _x(r, d), None), {}),
    "train.iterate_minibatches": lambda r, d: (
        lambda *a, **k: list(train.iterate_minibatches(*a, **k)),
        (_x(r, d, (10, 3)), r.integers(0, 3, size=10), 4), {"rng": np.random.default_rng(2)}),
    "train.accuracy": lambda r, d: (train.accuracy, (_x(r, d, (6, 3)), r.integers(0, 3, 6)), {}),
    "train.train": lambda r, d: (train.train, (_params(r, d), _x(r, d, (12, 5)),
                                               r.integers(0, 3, 12)),
                                 {"epochs": 2, "batch_size": 5, "optimizer": "adam",
                                  "X_val": _x(r, d, (6, 5)), "y_val": r.integers(0, 3, 6),
                                  "rng": np.random.default_rng(3)}),
    "gradcheck.rel_error": lambda r, d: (gradcheck.rel_error, (_x(r, d), _x(r, d)), {}),
}


def _floating_arrays(value, path="result"):
    """Every floating ndarray inside a returned value (tuples, lists, dicts), with a path."""
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.floating):
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _floating_arrays(item, f"{path}[{key!r}]")
    elif isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from _floating_arrays(item, f"{path}[{index}]")


# Where SPEC fixes a different dtype: gradient checks work in float64 by definition, and
# the scalar/label results carry no floating array.
DTYPE_EXEMPT = {"gradcheck.rel_error"}


@pytest.mark.parametrize("name", sorted(set(CALLS) - DTYPE_EXEMPT))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(name, dtype):
    function, args, kwargs = CALLS[name](np.random.default_rng(0), dtype)
    result = function(*args, **kwargs)
    if name == "train.train":
        result = args[0]  # train writes the trained values into params
    for path, array in _floating_arrays(result):
        if name.startswith("network.mlp_forward") and "result[1]" in path:
            continue  # the cache is private
        if path.startswith("result[1]") and name.startswith("layers.") and name.endswith("forward"):
            continue  # the cache is private
        assert array.dtype == dtype, f"{name}: {path} is {array.dtype} for {np.dtype(dtype)} inputs"


def test_dtype_test_sees_floating_outputs():
    """Guard: the dtype test only means something if the outputs are found."""
    function, args, kwargs = CALLS["layers.linear_backward"](np.random.default_rng(0), np.float32)
    assert len(list(_floating_arrays(function(*args, **kwargs)))) == 3


def test_scalars_are_python_floats():
    rng = np.random.default_rng(0)
    for name in ("losses.softmax_cross_entropy", "losses.mse_loss", "losses.binary_cross_entropy",
                 "network.mlp_loss", "train.accuracy", "gradcheck.rel_error"):
        function, args, kwargs = CALLS[name](rng, np.float32)
        result = function(*args, **kwargs)
        scalar = result[0] if isinstance(result, tuple) else result
        assert isinstance(scalar, float), f"{name} returns {type(scalar).__name__}"


def test_neuron_of_one_example_is_a_float():
    assert isinstance(activations.neuron(np.ones(3), np.ones(3), 0.0, "tanh"), float)


# SPEC allows the update rules to change w in place and train to change params.
MAY_CHANGE = {"optim.sgd": {0}, "optim.sgd_momentum": {0}, "optim.adam": {0}, "train.train": {0}}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_inputs_are_left_unchanged(name):
    function, args, kwargs = CALLS[name](np.random.default_rng(0), np.float64)
    before = copy.deepcopy((args, {k: v for k, v in kwargs.items() if k != "rng"}))
    function(*args, **kwargs)
    for index, (old, new) in enumerate(zip(before[0], args)):
        if index not in MAY_CHANGE.get(name, set()):
            _assert_same(old, new, f"{name}: argument {index}")
    for key, old in before[1].items():
        _assert_same(old, kwargs[key], f"{name}: argument {key}")


def _assert_same(old, new, where):
    if isinstance(old, np.ndarray):
        assert np.array_equal(old, new), f"{where} was changed"
    elif isinstance(old, dict):
        assert old.keys() == new.keys(), f"{where}: keys changed"
        for key in old:
            _assert_same(old[key], new[key], f"{where}[{key!r}]")
    elif isinstance(old, (tuple, list)):
        for index, (a, b) in enumerate(zip(old, new)):
            _assert_same(a, b, f"{where}[{index}]")


def test_numerical_gradients_restore_x_exactly():
    x = np.random.default_rng(0).standard_normal((3, 3)) * 1e3  # large: x + h - h != x
    before = x.copy()
    gradcheck.numerical_gradient(lambda v: np.sum(v**2), x)
    assert np.array_equal(x, before)
    gradcheck.numerical_gradient_array(lambda v: v**2, x, np.ones_like(x))
    assert np.array_equal(x, before)
    params = {"w": x}
    gradcheck.gradient_check(lambda: np.sum(params["w"] ** 3), params, {"w": 3 * before**2},
                             num_checks=5, rng=np.random.default_rng(0))
    assert np.array_equal(params["w"], before)


# ---------------------------------------------------------------- randomness


def _random_results(seed):
    """Every rng-driven result of the reference for one seed, as plain arrays."""
    X = np.arange(40, dtype=np.float64).reshape(20, 2) / 40
    y = np.arange(20) % 2
    results = {"init_params": network.init_params([2, 5, 2], rng=np.random.default_rng(seed))}
    results["dropout"] = layers.dropout_forward(np.ones((8, 8)), 0.5,
                                                rng=np.random.default_rng(seed))[0]
    results["minibatches"] = [b for batch in train.iterate_minibatches(
        X, y, 6, rng=np.random.default_rng(seed)) for b in batch]
    params = network.init_params([2, 4, 2], rng=np.random.default_rng(0))
    history = train.train(params, X, y, epochs=3, batch_size=5, optimizer="sgd_momentum",
                          rng=np.random.default_rng(seed))
    results["train"] = (params, history)
    results["gradient_check"] = gradcheck.gradient_check(
        lambda: float(np.sum(np.sin(params["W1"]))), params,
        {name: np.cos(value) for name, value in params.items()}, num_checks=3,
        rng=np.random.default_rng(seed))
    return results


def _flatten(value):
    if isinstance(value, dict):
        return [x for key in sorted(value) for x in _flatten(value[key])]
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _flatten(item)]
    return [np.asarray(value)]


@pytest.mark.parametrize("part", ["init_params", "dropout", "minibatches", "train"])
def test_same_rng_same_results_and_different_rng_different_results(part):
    first, again, other = (_random_results(s)[part] for s in (5, 5, 6))
    assert all(np.array_equal(a, b) for a, b in zip(_flatten(first), _flatten(again))), \
        f"{part} differs between two runs with the same seed"
    assert not all(np.array_equal(a, b) for a, b in zip(_flatten(first), _flatten(other))), \
        f"{part} is the same for different seeds: the rng argument is ignored"


def test_global_numpy_random_is_never_used():
    """Seeding np.random and reading its state around every call: nothing may touch it."""
    np.random.seed(1234)
    state_before = np.random.get_state()
    _random_results(3)
    for name in sorted(CALLS):
        function, args, kwargs = CALLS[name](np.random.default_rng(0), np.float64)
        function(*args, **kwargs)
    # rng=None means a fresh default_rng(), which must not draw from np.random either.
    network.init_params([3, 2])
    layers.dropout_forward(np.ones((3, 3)), 0.5)
    list(train.iterate_minibatches(np.ones((5, 2)), np.zeros(5), 2))
    state_after = np.random.get_state()
    assert state_before[0] == state_after[0]
    assert np.array_equal(state_before[1], state_after[1]), "the global np.random state changed"
    assert state_before[2:] == state_after[2:], "the global np.random state changed"


# ---------------------------------------------------------------- numerical stability


def _extreme(dtype):
    z = np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, -1e4, -1e4, 1e4], [5e3, -5e3, 1e4, -20.0]])
    return z.astype(dtype)


def _quietly(function, *args):
    """Run with every floating-point warning an error, except underflow (SPEC: expected)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            return function(*args)


STABLE = {
    "sigmoid": lambda z: activations.sigmoid(z),
    "sigmoid_grad": lambda z: activations.sigmoid_grad(z),
    "tanh": lambda z: activations.tanh(z),
    "tanh_grad": lambda z: activations.tanh_grad(z),
    "softmax": lambda z: activations.softmax(z),
    "log_softmax": lambda z: activations.log_softmax(z),
    "neuron": lambda z: activations.neuron(z, np.ones(z.shape[1], z.dtype), 0.0, "sigmoid"),
    "sigmoid_layer": lambda z: layers.sigmoid_backward(np.ones_like(z),
                                                       layers.sigmoid_forward(z)[1]),
    "cross_entropy": lambda z: losses.softmax_cross_entropy(z, np.array([1, 0, 3])),
    "cross_entropy(soft)": lambda z: losses.softmax_cross_entropy(
        z, np.full(z.shape, 1 / z.shape[1], z.dtype)),
    "binary_cross_entropy": lambda z: losses.binary_cross_entropy(
        z.ravel(), (np.arange(z.size) % 2).astype(z.dtype)),
}


@pytest.mark.parametrize("name", sorted(STABLE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_large_inputs(name, dtype):
    result = _quietly(STABLE[name], _extreme(dtype))
    for value in _flatten(result):
        assert np.all(np.isfinite(value)), f"{name} is not finite at |z| = 1e4"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_at_large_inputs(dtype):
    z = _extreme(dtype)
    s = _quietly(activations.sigmoid, z)
    assert s[0, 0] == 1 and s[0, 1] == 0 and s[0, 2] == 0.5
    log_p = _quietly(activations.log_softmax, z)
    np.testing.assert_allclose(log_p[0, :2], [0.0, -2e4], rtol=1e-6)
    loss, dlogits = _quietly(losses.softmax_cross_entropy, z, np.array([1, 0, 3]))
    # -log_softmax picks: row 0 label 1: 2e4; row 1 label 0: 2e4; row 2 label 3: 1e4 + 20.
    assert loss == pytest.approx((2e4 + 2e4 + 1e4 + 20) / 3, rel=1e-6)
    assert np.all(np.abs(dlogits) <= 1 / 3 + 1e-6)
    bce, _ = _quietly(losses.binary_cross_entropy, np.array([1e4, -1e4], dtype),
                      np.array([0.0, 1.0]))
    assert bce == pytest.approx(1e4, rel=1e-6)
