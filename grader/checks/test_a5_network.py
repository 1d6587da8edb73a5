"""Assignment 5, unit checks: network.py, optim.py and train.py function by function.

(The graded training tasks on XOR, moons, spirals and MNIST are in
test_a5_training.py.) Deterministic results (scores, gradients, update
steps) are compared with the reference; random ones (initial weights, batch
order) are judged by their properties; the training loop by the form of its
history, the parameters it leaves in the caller's dict, and, on full batches
where no randomness is left, by the parameters it reaches.
"""

import copy

import numpy as np
import pytest

from ..compare import (
    CheckFailed,
    as_array,
    as_float,
    as_tuple,
    describe,
    expect_array,
    expect_close_float,
    expect_unchanged,
)
from ..hints import sentence_of
from ..sandbox import wire
from .support import (
    CASES,
    PROPERTY,
    check_signature,
    expected,
    known_mistakes,
    numerical_gradient_of,
)

FUNCTIONS = ["network.init_params", "network.mlp_forward", "network.mlp_backward",
             "network.mlp_loss", "network.predict", "optim.sgd", "optim.sgd_momentum",
             "optim.adam", "train.iterate_minibatches", "train.accuracy", "train.train"]
ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu"]
RULES = ["sgd", "sgd_momentum", "adam"]
SIZES = [4, 6, 5, 3]  # D, two hidden layers, C
PARAMS = ["W1", "b1", "W2", "b2", "W3", "b3"]
N = 7
L2 = 0.1

# Trusted twins of the activations, for the hints' alternatives only.
ACTIVATION_FUNCTIONS = {
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
}


def _params(rng, sizes=SIZES, dtype=np.float64):
    """He-scaled weights and NONZERO biases, so mistakes about biases show."""
    params = {}
    for i in range(1, len(sizes)):
        params[f"W{i}"] = (rng.standard_normal((sizes[i - 1], sizes[i]))
                           * np.sqrt(2 / sizes[i - 1])).astype(dtype)
        params[f"b{i}"] = (0.1 * rng.standard_normal(sizes[i])).astype(dtype)
    return params


def _copy(params):
    return {name: value.copy() for name, value in params.items()}


def _data(rng, n=N, dtype=np.float64):
    return rng.standard_normal((n, SIZES[0])).astype(dtype), rng.integers(0, SIZES[-1], n)


def _plain(value):
    """A decoded value made sendable again: NumPy scalars become Python numbers."""
    if isinstance(value, wire.Scalar):
        return value.array.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _gradients(value, function):
    """The dict of gradients a function returned, with exactly the keys of params."""
    if not isinstance(value, dict):
        raise CheckFailed(f"{function} should return a dict of gradients, returned a "
                          f"{type(value).__name__}")
    if set(value) != set(PARAMS):
        raise CheckFailed(f"{function} returned gradients for {sorted(map(str, value))}, "
                          f"expected the keys of params: {PARAMS}")
    return value


@pytest.mark.parametrize("function", FUNCTIONS)
def test_signature(student, request, function):
    module, name = function.split(".")
    check_signature(student, request, module, name)


# ---------------------------------------------------------------- init_params


def _init(student, sizes, **options):
    params = student.call("network.init_params", sizes, **options)
    if not isinstance(params, dict):
        raise CheckFailed(f"init_params should return a dict, returned a {type(params).__name__}")
    return params


def _expect_spread(params, sizes, init, shown):
    """Each W_i's std is within 15% of the init's: right keys and shapes of noise earn nothing.

    The sizes give every W_i at least 800 entries, so the sample std is within
    2.5% of the true one (one standard error): 15% is 6 of them, never flaky.
    test_init_params_scale measures the spread itself, tightly.
    """
    for i in range(1, len(sizes)):
        W = as_array(params.get(f"W{i}"), f"W{i}").astype(np.float64)
        want = _init_std(init, sizes[i - 1], sizes[i])
        std = float(W.std())
        if not abs(std - want) <= 0.15 * want:
            raise CheckFailed(f'{shown}: W{i} ({sizes[i - 1]} x {sizes[i]}) has std {std:.4g}, '
                              f'expected {want:.4g} for init="{init}"')
        # The sample mean of n zero-mean draws is within 5 standard errors of 0.
        if abs(float(W.mean())) > 5 * want / np.sqrt(W.size):
            raise CheckFailed(f"{shown}: W{i} has mean {float(W.mean()):.4g}; weights are drawn "
                              "around 0")
        b = as_array(params.get(f"b{i}"), f"b{i}")
        if np.any(b != 0):
            raise CheckFailed(f"{shown}: b{i} is not all zeros: biases start at zero")


def test_init_params_layout(student):
    """Keys W1, b1, ..., shapes (sizes[i-1], sizes[i]), float64 by default, zero biases."""
    sizes = [60, 50, 40, 30]
    params = _init(student, sizes, rng=wire.Rng(0))
    names = [f"{kind}{i}" for i in range(1, len(sizes)) for kind in "Wb"]
    if set(params) != set(names):
        raise CheckFailed(f"init_params({sizes}) returned the keys {sorted(map(str, params))}, "
                          f"expected {names}")
    for i in range(1, len(sizes)):
        W = as_array(params[f"W{i}"], f"W{i}")
        b = as_array(params[f"b{i}"], f"b{i}")
        if W.shape != (sizes[i - 1], sizes[i]):
            raise CheckFailed(f"W{i} has shape {W.shape}, expected {(sizes[i - 1], sizes[i])} "
                              "= (sizes[i-1], sizes[i]): inputs by outputs, so that out = x @ W")
        if b.shape != (sizes[i],):
            raise CheckFailed(f"b{i} has shape {b.shape}, expected {(sizes[i],)}")
        for name, array in ((f"W{i}", W), (f"b{i}", b)):
            if array.dtype != np.float64:
                raise CheckFailed(f"{name} is {array.dtype}; the default dtype is float64")
        if np.any(b != 0):
            raise CheckFailed(f"b{i} is not all zeros: biases start at zero")
    _expect_spread(params, sizes, "he", f"init_params({sizes})")


def test_init_params_dtype(student):
    """dtype=np.float32: every parameter float32, with the weights' right spread."""
    sizes = [40, 30, 30]
    params = _init(student, sizes, rng=wire.Rng(0), dtype=wire.DType("float32"))
    for name, value in params.items():
        array = as_array(value, name)
        if array.dtype != np.float32:
            raise CheckFailed(f"with dtype=np.float32, {name} is {array.dtype}: make every "
                              "parameter in the dtype asked for (.astype(dtype))")
    _expect_spread(params, sizes, "he", "with dtype=np.float32")


INIT_SIZES = [500, 300, 100]  # 150,000 and 30,000 weights: the std is known to within 1%


def _init_std(init, fan_in, fan_out):
    return {"he": np.sqrt(2 / fan_in), "xavier": np.sqrt(2 / (fan_in + fan_out)),
            "small": 0.01}[init]


def _init_mistakes(init, fan_in, fan_out):
    """{rule name or sentence: std} of the usual mistakes for this init."""
    right = _init_std(init, fan_in, fan_out)
    mistakes = {sentence_of("init_variance_as_std"): right**2}
    if init == "he":
        mistakes[sentence_of("init_wrong_fan")] = np.sqrt(2 / fan_out)
        mistakes["He's variance is 2 / fan_in: the factor 2 is missing"] = np.sqrt(1 / fan_in)
    elif init == "xavier":
        mistakes[sentence_of("init_wrong_fan")] = np.sqrt(2 / fan_in)
        mistakes["Glorot's variance here is 2 / (fan_in + fan_out): the factor 2 is "
                 "missing"] = np.sqrt(1 / (fan_in + fan_out))
    return mistakes


@pytest.mark.parametrize("init", ["he", "xavier", "small"])
def test_init_params_scale(student, init):
    """The weights' spread by property: mean 0, the right std, a normal distribution."""
    params = _init(student, INIT_SIZES, init=init, rng=wire.Rng(1))
    for i in range(1, len(INIT_SIZES)):
        fan_in, fan_out = INIT_SIZES[i - 1], INIT_SIZES[i]
        W = as_array(params.get(f"W{i}"), f"W{i}").astype(np.float64)
        want = _init_std(init, fan_in, fan_out)
        std = float(W.std())
        # The sample std of n >= 30,000 normal draws is within 0.5% of the true one
        # (one standard error); 3% is 7 standard errors: never flaky, still tight.
        if not abs(std - want) <= 0.03 * want:
            hint = next((sentence for sentence, wrong in _init_mistakes(init, fan_in, fan_out)
                         .items() if abs(std - wrong) <= 0.03 * wrong), None)
            raise CheckFailed(f'init="{init}": W{i} ({fan_in} x {fan_out}) has std {std:.4g}, '
                              f"expected {want:.4g}", hint=hint)
        if abs(float(W.mean())) > 0.05 * want:
            raise CheckFailed(f'init="{init}": W{i} has mean {float(W.mean()):.3g}; the weights '
                              "are drawn around 0")
        # A normal distribution has 68.3% of its mass within one std (a uniform one 57.7%).
        within = float(np.mean(np.abs(W) < want))
        if abs(within - 0.6827) > 0.02:
            raise CheckFailed(f'init="{init}": {within:.1%} of W{i} lies within one std of 0, '
                              "a normal distribution has 68.3% there",
                              hint="draw the weights from a normal distribution "
                                   "(rng.standard_normal or rng.normal), not a uniform one")


def test_init_params_rng(student):
    """The same rng seed gives the same weights, another seed others; rng=None works."""
    sizes = [40, 30, 30]
    first = _init(student, sizes, rng=wire.Rng(3))
    again = _init(student, sizes, rng=wire.Rng(3))
    other = _init(student, sizes, rng=wire.Rng(4))
    fresh = [_init(student, sizes) for _ in range(2)]
    for params, seed in ((first, 3), (other, 4)):
        _expect_spread(params, sizes, "he", f"with the rng seeded {seed}")
    same = all(np.array_equal(as_array(first[k], k), as_array(again[k], k)) for k in first)
    if not same:
        raise CheckFailed("init_params gives different weights for the same rng seed",
                          hint=sentence_of("rng_ignored"))
    if np.array_equal(as_array(first["W1"], "W1"), as_array(other["W1"], "W1")):
        raise CheckFailed("init_params gives the same weights for different rng seeds",
                          hint=sentence_of("rng_ignored"))
    if np.array_equal(as_array(fresh[0]["W1"], "W1"), as_array(fresh[1]["W1"], "W1")):
        raise CheckFailed("init_params with rng=None gives the same weights twice: use a fresh "
                          "np.random.default_rng(), never a fixed seed")


# ---------------------------------------------------------------- mlp_forward


@CASES
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_mlp_forward(student, request, rng, activation, case):
    params = _params(rng)
    X, _ = _data(rng)
    want = expected(request, "scores",
                    lambda R: R.network.mlp_forward(_copy(params), X.copy(), activation)[0])
    got = student.call("network.mlp_forward", params, X, activation=activation, keep_index=1)
    scores, _ = as_tuple(got, 2, "mlp_forward")
    mistakes = {"activation_on_last_layer": ACTIVATION_FUNCTIONS[activation](want)}
    expect_array(scores, want, f"the scores of mlp_forward with {activation} hidden layers",
                 dtype=np.float64, context={"N": N, **known_mistakes(mistakes)})


@PROPERTY
def test_mlp_forward_float32(student, request, rng):
    params = _params(rng, dtype=np.float32)
    X, y = _data(rng, dtype=np.float32)
    want = expected(request, "scores", lambda R: R.network.mlp_forward(
        {k: v.astype(np.float64) for k, v in params.items()}, X.astype(np.float64))[0])
    scores, _ = as_tuple(student.call("network.mlp_forward", params, X, keep_index=1), 2,
                         "mlp_forward")
    expect_array(scores, want, "the scores for float32 parameters and inputs", dtype=np.float32)
    _, want_grads = expected(request, "loss", lambda R: _reference_loss(
        R, {k: v.astype(np.float64) for k, v in params.items()}, X.astype(np.float64), y,
        "relu", L2))
    _, grads = as_tuple(student.call("network.mlp_loss", params, X, y, l2=L2), 2, "mlp_loss")
    for name, value in _gradients(grads, "mlp_loss").items():
        array = as_array(value, f"the gradient of {name}")
        if array.dtype != np.float32:
            raise CheckFailed(f"mlp_loss's gradient of {name} is {array.dtype} for float32 "
                              "parameters: a network computes in the dtype of its parameters")
        expect_array(array, want_grads[name], f"mlp_loss's gradient of {name} for float32 "
                     "parameters", dtype=np.float32)


@PROPERTY
def test_network_inputs_unchanged(student, request, rng):
    """mlp_forward, mlp_loss and predict leave params, X and y as they were; right values."""
    params = _params(rng)
    X, y = _data(rng)
    want_scores = expected(request, "scores",
                           lambda R: R.network.mlp_forward(_copy(params), X.copy())[0])
    want_loss, want_grads = expected(request, "loss",
                                     lambda R: _reference_loss(R, params, X, y, "relu", L2))
    want_labels = expected(request, "labels", lambda R: R.network.predict(_copy(params), X.copy()))
    for target, args in (("network.mlp_forward", (params, X)), ("network.mlp_loss",
                                                               (params, X, y, "relu", L2)),
                         ("network.predict", (params, X))):
        keep = {"keep_index": 1} if target == "network.mlp_forward" else {}
        result = student.call(target, *args, return_args=True, **keep)
        value = result.unwrap()
        after = result.args_after
        for name in PARAMS:
            expect_unchanged(params[name], after[0].get(name), f'params["{name}"]')
        expect_unchanged(X, after[1], "X")
        if len(args) > 2:
            expect_unchanged(y, after[2], "y")
        if target == "network.mlp_forward":
            expect_array(as_tuple(value, 2, "mlp_forward")[0], want_scores,
                         "the scores of mlp_forward", dtype=np.float64)
        elif target == "network.mlp_loss":
            loss, grads = as_tuple(value, 2, "mlp_loss")
            expect_close_float(loss, want_loss, "the loss of mlp_loss")
            for name, gradient in _gradients(grads, "mlp_loss").items():
                expect_array(gradient, want_grads[name], f"mlp_loss's gradient of {name}",
                             dtype=np.float64)
        else:
            expect_array(value, want_labels, "the labels from predict")


# ---------------------------------------------------------------- mlp_backward and mlp_loss


def _reference_backward(R, params, X, dscores, activation):
    _, cache = R.network.mlp_forward(_copy(params), X.copy(), activation)
    return R.network.mlp_backward(dscores.copy(), cache)


@CASES
@pytest.mark.parametrize("name", PARAMS)
def test_mlp_backward(student, request, rng, name, case):
    """Each parameter's gradient on its own, through a given dscores (ReLU hidden layers)."""
    params = _params(rng)
    X, _ = _data(rng)
    dscores = rng.standard_normal((N, SIZES[-1]))
    want = expected(request, "grads", lambda R: _reference_backward(R, params, X, dscores, "relu"))
    _, cache = as_tuple(student.call("network.mlp_forward", params, X, activation="relu",
                                     keep_index=1), 2, "mlp_forward")
    grads = _gradients(student.call("network.mlp_backward", dscores, cache), "mlp_backward")
    expect_array(grads[name], want[name], f"the gradient of {name} from mlp_backward",
                 dtype=np.float64, context={"N": N, "inputs": [X, dscores]})


def _reference_loss(R, params, X, y, activation, l2):
    loss, grads = R.network.mlp_loss(_copy(params), X.copy(), y.copy(), activation, l2)
    return float(loss), grads


@CASES
def test_mlp_loss(student, request, rng, case):
    """The loss: softmax cross-entropy + 0.5 * l2 * sum of the squared weights (not biases)."""
    params = _params(rng)
    X, y = _data(rng)
    want, _ = expected(request, "out", lambda R: _reference_loss(R, params, X, y, "tanh", L2))
    loss, _ = as_tuple(student.call("network.mlp_loss", params, X, y, activation="tanh", l2=L2),
                       2, "mlp_loss")
    weights = sum(float(np.sum(params[f"W{i}"] ** 2)) for i in range(1, len(SIZES)))
    biases = sum(float(np.sum(params[f"b{i}"] ** 2)) for i in range(1, len(SIZES)))
    mistakes = {
        "l2_on_biases": want + 0.5 * L2 * biases,
        "l2_without_half": want + 0.5 * L2 * weights,
        "l2_missing_from_loss": (want - 0.5 * L2 * weights,
                                 "the L2 term is missing from the loss: add 0.5 * l2 * sum(W**2) "
                                 "over the weights"),
    }
    expect_close_float(loss, want, f"the loss of mlp_loss with l2={L2}", context={
        "N": N, **known_mistakes(mistakes)})


@CASES
@pytest.mark.parametrize("name", PARAMS)
def test_mlp_loss_gradient(student, request, rng, name, case):
    """Each parameter's gradient on its own, with l2 > 0 (tanh hidden layers)."""
    params = _params(rng)
    X, y = _data(rng)
    _, want = expected(request, "out", lambda R: _reference_loss(R, params, X, y, "tanh", L2))
    _, grads = as_tuple(student.call("network.mlp_loss", params, X, y, activation="tanh", l2=L2),
                        2, "mlp_loss")
    grads = _gradients(grads, "mlp_loss")
    value = params[name]
    if name.startswith("W"):
        mistakes = {"l2_missing_in_gradient": want[name] - L2 * value,
                    "l2_gradient_doubled": want[name] + L2 * value}
    else:
        mistakes = {"l2_on_biases": want[name] + L2 * value}
    expect_array(grads[name], want[name], f"the gradient of {name} from mlp_loss with l2={L2}",
                 dtype=np.float64, context={"N": N, **known_mistakes(mistakes)})


@pytest.mark.parametrize("name", PARAMS)
def test_mlp_loss_numerical_gradient(student, request, rng, name):
    """The gradient agrees with centred differences of the student's own, right, mlp_loss."""
    params = _params(rng)
    X, y = _data(rng, n=5)
    args = (params, X, y, "sigmoid", L2)
    want_loss, _ = expected(request, "out",
                            lambda R: _reference_loss(R, params, X, y, "sigmoid", L2))
    loss, grads = as_tuple(student.call("network.mlp_loss", *args), 2, "mlp_loss")
    try:
        expect_close_float(loss, want_loss, f"the loss of mlp_loss with l2={L2}")
    except CheckFailed as failure:
        # A consistent wrong pair (sum(W**2) and 2 W) agrees with its own numerical gradient.
        raise CheckFailed("the gradient cannot be credited because the loss is wrong: "
                          + failure.message, hint=failure.hint) from None
    numeric = numerical_gradient_of(student, "network.mlp_loss", args, 0, 1.0, output=0, key=name)
    expect_array(_gradients(grads, "mlp_loss")[name], numeric,
                 f"the gradient of {name} against the numerical gradient of your mlp_loss",
                 rtol=1e-5, atol=1e-7, context={"N": 5})


# ---------------------------------------------------------------- predict


def _trusted_scores(params, X, activation="relu"):
    """An MLP's scores, computed here with the trusted twins of the activations."""
    layers = len(params) // 2
    h = X
    for i in range(1, layers + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < layers:
            h = ACTIVATION_FUNCTIONS[activation](h)
    return h


@CASES
def test_predict(student, request, rng, case):
    """Integer labels of shape (N,), the argmax of the scores (sigmoid hidden layers)."""
    params = _params(rng)
    X, _ = _data(rng, n=20)
    # Small random networks often give every point the same class; centring the last
    # bias on these 20 points spreads the labels over the classes (at most 13 of 20 in
    # one class over 2,000 seeds), so a constant answer cannot pass.
    last = f"b{len(SIZES) - 1}"
    params[last] = params[last] - _trusted_scores(params, X, "sigmoid").mean(axis=0)
    want = expected(request, "labels",
                    lambda R: R.network.predict(_copy(params), X.copy(), "sigmoid"))
    got = student.call("network.predict", params, X, activation="sigmoid")
    over_batch = expected(request, "argmax_over_batch", lambda R: np.argmax(
        R.network.mlp_forward(_copy(params), X.copy(), "sigmoid")[0], axis=0))
    labels = expect_array(got, want, "the labels from predict",
                          context={"N": 20, "alternatives": {"wrong_axis": over_batch}})
    if labels.dtype.kind not in "iu":
        raise CheckFailed(f"predict returns {labels.dtype} labels; return integers "
                          "(np.argmax gives them)")


# ---------------------------------------------------------------- update rules

STEPS = 3
CONFIGS = {  # non-default values, so that every hyperparameter is seen to be used
    "sgd": {"learning_rate": 0.05},
    "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.8},
    # epsilon 1e-3 makes "inside or outside the square root" visible
    "adam": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-3},
}
STATE = {"sgd": [], "sgd_momentum": ["velocity"], "adam": ["m", "v", "t"]}


def _reference_steps(R, rule, w, gradients, config):
    """[(next_w, config)] after each of the reference's steps from config (None allowed)."""
    config = copy.deepcopy(config)
    w = w.copy()
    steps = []
    for dw in gradients:
        w, config = getattr(R.optim, rule)(w, dw.copy(), config)
        w = w.copy()
        steps.append((w, copy.deepcopy(config)))
    return steps


def _student_steps(student, rule, w, gradients, config, until=None):
    """Run the student's rule, carrying next_w and config; yields (step, start, next_w, config)."""
    for step, dw in enumerate(gradients):
        value = student.call(f"optim.{rule}", w, dw, config)
        next_w, config = as_tuple(value, 2, rule)
        next_w = as_array(next_w, f"next_w of {rule}")
        if not isinstance(config, dict):
            raise CheckFailed(f"{rule} should return (next_w, config) with config a dict, "
                              f"returned a {type(config).__name__} as config")
        config = _plain(config)
        yield step, w, next_w, config
        w = next_w


def _update_mistakes(rule, start, dw, hyper, reference_config):
    """What the usual mistakes would give for this step, from the right state."""
    if rule == "sgd_momentum":
        return {"momentum_state_not_kept": start - hyper["learning_rate"] * dw}
    if rule == "adam":
        m, v = reference_config["m"], reference_config["v"]
        return {"adam_no_bias_correction":
                start - hyper["learning_rate"] * m / (np.sqrt(v) + hyper["epsilon"])}
    return {}


def _update_facts(rule, step, next_w):
    """Mistakes seen directly: Adam's first step is NaN/inf when t is still 0 in it."""
    return {"adam_t_after_use": rule == "adam" and step == 0 and not np.all(np.isfinite(next_w))}


def _gradient_sequence(rng, shape, steps=STEPS, dtype=np.float64):
    return [(0.1 * rng.standard_normal(shape)).astype(dtype) for _ in range(steps)]


@CASES
@pytest.mark.parametrize("rule", RULES)
def test_optim_steps(student, request, rng, rule, case):
    """Several steps with the config carried from call to call: next_w after each."""
    w = rng.standard_normal((5, 4))
    gradients = _gradient_sequence(rng, w.shape)
    config = CONFIGS[rule]
    want = expected(request, "steps", lambda R: _reference_steps(R, rule, w, gradients, config))
    for step, start, next_w, _ in _student_steps(student, rule, w, gradients, dict(config)):
        facts = _update_facts(rule, step, next_w)
        mistakes = _update_mistakes(rule, start, gradients[step], config, want[step][1])
        expect_array(next_w, want[step][0], f"next_w of {rule} at step {step + 1}",
                     dtype=np.float64, context={"start": start, "facts": facts,
                                                **known_mistakes(mistakes)})


@pytest.mark.parametrize("rule", RULES)
def test_optim_state(student, request, rng, rule):
    """The state in config after the steps: velocity; m, v and t (t counts the steps)."""
    w = rng.standard_normal((5, 4))
    gradients = _gradient_sequence(rng, w.shape)
    config = CONFIGS[rule]
    want = expected(request, "steps", lambda R: _reference_steps(R, rule, w, gradients, config))
    steps = list(_student_steps(student, rule, w, gradients, dict(config)))
    for step, _, next_w, _ in steps:  # a state is worth points only beside right steps
        expect_array(next_w, want[step][0], f"next_w of {rule} at step {step + 1}",
                     dtype=np.float64)
    state = steps[-1][3]  # the config after the last step
    for key, value in config.items():
        if key not in state or not isinstance(state[key], (int, float)) or state[key] != value:
            raise CheckFailed(f'{rule} changed or lost config["{key}"] (it was {value}): keep '
                              "the hyperparameters the caller set")
    final = want[-1][1]
    for key in STATE[rule]:
        if key not in state:
            raise CheckFailed(f'{rule} keeps no "{key}" in config; the state lives there '
                              "between calls")
        if key == "t":
            t = as_float(state["t"], 'config["t"]')
            if t != final["t"]:
                raise CheckFailed(f'config["t"] is {t:g} after {STEPS} steps, expected '
                                  f"{final['t']}", hint=sentence_of("adam_t_after_use")
                                  if t == STEPS + 1 else None)
            continue
        mistakes = {}
        if key == "velocity":
            mistakes["velocity_negated"] = (
                -final[key], "the velocity has the wrong sign: the SPEC's is v = momentum * v - "
                             "learning_rate * dw, and next_w = w + v")
        expect_array(state[key], final[key], f'config["{key}"] after {STEPS} steps',
                     context=known_mistakes(mistakes))


@pytest.mark.parametrize("rule", RULES)
def test_optim_defaults(student, request, rng, rule):
    """config=None: a new dict of the defaults; a config without some keys: their defaults."""
    w = rng.standard_normal((4, 3))
    gradients = _gradient_sequence(rng, w.shape, steps=2)
    for start_config in (None, {"learning_rate": 0.05}):
        shown = "config=None" if start_config is None else f"config={start_config}"
        want = expected(request, f"steps {shown}",
                        lambda R, start_config=start_config:
                        _reference_steps(R, rule, w, gradients, start_config))
        for step, start, next_w, state in _student_steps(student, rule, w, gradients,
                                                         copy.deepcopy(start_config)):
            for key, value in want[step][1].items():
                if isinstance(value, float) and key not in STATE[rule]:
                    if not isinstance(state.get(key), (int, float)) or state[key] != value:
                        raise CheckFailed(f'{rule} with {shown}: config["{key}"] is '
                                          f"{state.get(key)!r}, expected the default {value!r}")
            expect_array(next_w, want[step][0], f"next_w of {rule} at step {step + 1} with "
                         f"{shown}", dtype=np.float64,
                         context={"start": start, "facts": _update_facts(rule, step, next_w)})


@pytest.mark.parametrize("rule", RULES)
@PROPERTY
def test_optim_float32(student, request, rng, rule):
    w = rng.standard_normal((4, 3)).astype(np.float32)
    gradients = _gradient_sequence(rng, w.shape, steps=2, dtype=np.float32)
    want = expected(request, "steps", lambda R: _reference_steps(
        R, rule, w.astype(np.float64), [g.astype(np.float64) for g in gradients], CONFIGS[rule]))
    for step, start, next_w, _ in _student_steps(student, rule, w, gradients,
                                                 dict(CONFIGS[rule])):
        expect_array(next_w, want[step][0], f"next_w of {rule} for a float32 w at step "
                     f"{step + 1}", dtype=np.float32,
                     context={"start": start, "facts": _update_facts(rule, step, next_w)})


# ---------------------------------------------------------------- iterate_minibatches


def _indexed_data(rng, n=None):
    """X's first column and y both hold the sample's index, to trace every sample.

    N and the second column come from the check's rng (on hidden inputs in a full grade).
    """
    # Never a multiple of the batch sizes the checks use (4, 5): the last batch is smaller.
    n = int(rng.choice([21, 22, 23, 26, 27, 29])) if n is None else n
    X = np.stack([np.arange(n), rng.standard_normal(n)], axis=1).astype(np.float64)
    return X, np.arange(n)


def _batches(student, X, y, batch_size, **options):
    items = student.call("train.iterate_minibatches", X, y, batch_size, iterate=1000, **options)
    if not isinstance(items, list):
        raise CheckFailed("iterate_minibatches should yield (X_batch, y_batch) pairs")
    batches = []
    for number, item in enumerate(items):
        X_batch, y_batch = as_tuple(item, 2, f"batch {number}")
        X_batch, y_batch = as_array(X_batch, "X_batch"), as_array(y_batch, "y_batch")
        if (X_batch.ndim != 2 or X_batch.shape[1] != X.shape[1]
                or y_batch.shape != X_batch.shape[:1]):
            raise CheckFailed(f"batch {number} has X_batch of shape {X_batch.shape} and y_batch "
                              f"{y_batch.shape}; expected (B, {X.shape[1]}) and (B,)")
        if not np.array_equal(X_batch[:, 0], y_batch):
            raise CheckFailed(f"in batch {number} the rows of X_batch and y_batch do not belong "
                              "together: index X and y with the same indices")
        batches.append(y_batch)
    return batches


def _expect_one_epoch(batches, n, batch_size, shown):
    """Every sample exactly once, full batches and a smaller last one."""
    sizes = [len(b) for b in batches]
    seen = np.concatenate(batches) if batches else np.array([], dtype=int)
    want_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if len(seen) < n and len(np.unique(seen)) == len(seen):
        raise CheckFailed(f"{shown}: the epoch covers {len(seen)} of the {n} samples "
                          f"(batch sizes {sizes})", hint=sentence_of("minibatch_drops_last"))
    if len(np.unique(seen)) != len(seen):
        repeated = len(seen) - len(np.unique(seen))
        hint = (sentence_of("minibatch_repeats_batch") if len(batches) > 1 and
                all(np.array_equal(b, batches[0]) for b in batches[1:-1])
                else sentence_of("minibatch_with_replacement"))
        raise CheckFailed(f"{shown}: {repeated} samples come more than once in an epoch",
                          hint=hint)
    if sorted(seen.tolist()) != list(range(n)):
        raise CheckFailed(f"{shown}: the batches hold {len(seen)} samples, not each of the {n} "
                          "once")
    if sizes != want_sizes:
        raise CheckFailed(f"{shown}: batch sizes {sizes}, expected {want_sizes} (full batches, "
                          "then a smaller last one)")
    return seen


def test_iterate_minibatches_in_order(student, rng):
    X, y = _indexed_data(rng)
    seen = _expect_one_epoch(_batches(student, X, y, 5, shuffle=False), len(y), 5, "shuffle=False")
    if not np.array_equal(seen, np.arange(len(y))):
        raise CheckFailed("with shuffle=False the samples should come in their order")
    seen = _expect_one_epoch(_batches(student, X, y, 50, shuffle=False), len(y), 50,
                             "batch_size larger than N")


def test_iterate_minibatches_shuffled(student, rng):
    X, y = _indexed_data(rng)
    seen = _expect_one_epoch(_batches(student, X, y, 5, rng=wire.Rng(2)), len(y), 5,
                             "shuffle=True")
    if np.array_equal(seen, np.arange(len(y))):
        raise CheckFailed("with shuffle=True (the default) the samples come in their order: "
                          "visit them in a random permutation")
    _expect_one_epoch(_batches(student, X, y, 4, rng=None), len(y), 4, "rng=None")


def test_iterate_minibatches_rng(student, rng):
    """The order comes from rng: the same seed, the same order; another seed, another."""
    X, y = _indexed_data(rng)
    first, again, other = (
        _expect_one_epoch(_batches(student, X, y, 5, rng=wire.Rng(seed)), len(y), 5,
                          f"rng seeded {seed}") for seed in (2, 2, 3))
    if not np.array_equal(first, again) or np.array_equal(first, other):
        raise CheckFailed("the order of the samples does not follow the rng argument",
                          hint=sentence_of("rng_ignored"))


# ---------------------------------------------------------------- accuracy


@pytest.mark.parametrize("form", ["scores", "labels"])
def test_accuracy(student, request, rng, form):
    y = rng.integers(0, 4, 30)
    if form == "scores":
        predictions = rng.standard_normal((30, 4))
    else:
        predictions = np.where(rng.random(30) < 0.6, y, rng.integers(0, 4, 30))
    want = expected(request, "accuracy",
                    lambda R: R.train.accuracy(predictions.copy(), y.copy()))
    got = student.call("train.accuracy", predictions, y)
    expect_close_float(got, want, f"accuracy of {form} of shape {predictions.shape}",
                       rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- train


def _blobs(rng, n):
    """Two well separated Gaussian blobs in 2-D: an easy problem."""
    y = np.arange(n) % 2
    X = rng.standard_normal((n, 2)) * 0.7 + np.where(y[:, None] == 1, 1.5, -1.5)
    return X, y


def _trusted_predict(params, X):
    """A ReLU MLP's labels, computed here from the parameters the student's train left."""
    return np.argmax(_trusted_scores(params, X, "relu"), axis=1)


TRAINED_ACCURACY = 0.95  # what SGD reaches on the blobs in EPOCHS epochs (the reference: 100%)


def _expect_trained(params, after, data):
    """The caller's params were trained: changed, and they separate the blobs (measured here).

    A history of the right form is worth nothing beside parameters that were
    not trained: the checks of train judge the history only together with this.
    """
    X, y, Xv, yv = data
    if not isinstance(after, dict) or set(after) != set(params):
        raise CheckFailed("after train, the caller's params dict should keep its keys")
    arrays = {}
    for name, before in params.items():
        array = as_array(after[name], f'params["{name}"] after train')
        if array.shape != before.shape or array.dtype != before.dtype:
            raise CheckFailed(f'params["{name}"] changed from {before.shape} {before.dtype} to '
                              f"{array.shape} {array.dtype} in train")
        arrays[name] = array
    if all(np.array_equal(arrays[name], before) for name, before in params.items()):
        raise CheckFailed("params are unchanged after train: write the trained values into the "
                          "dict given (params[name] = next_w), not into a copy")
    for shown, inputs, labels in (("training", X, y), ("validation", Xv, yv)):
        measured = float(np.mean(_trusted_predict(arrays, inputs) == labels))
        if not measured >= TRAINED_ACCURACY:
            raise CheckFailed(f"the parameters train left have a {shown} accuracy of "
                              f"{measured:.1%} on two well separated blobs after {EPOCHS} epochs "
                              f"(measured by the grader); expected at least "
                              f"{TRAINED_ACCURACY:.0%}")


def _series(history, key, epochs, shown="history"):
    """history[key] as a float array with one entry per epoch."""
    if key not in history:
        raise CheckFailed(f'{shown} has no "{key}" (it has {sorted(map(str, history))})')
    value = _plain(history[key])
    try:
        values = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f'{shown}["{key}"] should be a list of numbers') from None
    if values.shape != (epochs,):
        raise CheckFailed(f'{shown}["{key}"] has {values.size} entries for {epochs} epochs; '
                          "expected one per epoch")
    if not np.all(np.isfinite(values)):
        raise CheckFailed(f'{shown}["{key}"] holds NaN or inf: {values}')
    return values


EPOCHS = 15


def _train(student, rng, *, X_val=True, **options):
    params = _params(rng, [2, 16, 2])
    X, y = _blobs(rng, 80)
    Xv, yv = _blobs(rng, 40)
    settings = dict(epochs=EPOCHS, batch_size=16, optimizer="sgd",
                    optim_config={"learning_rate": 0.1}, rng=wire.Rng(0))
    settings.update(options)
    if X_val:
        settings.update(X_val=Xv, y_val=yv)
    result = student.call("train.train", params, X, y, return_args=True, **settings)
    history = result.unwrap()
    if not isinstance(history, dict):
        raise CheckFailed(f"train should return the history dict, returned a "
                          f"{type(history).__name__}")
    return params, (X, y, Xv, yv), history, result.args_after[0]


def test_train_history(student, rng):
    """Keys and lengths: loss, train_acc, val_acc (with X_val), grad_norm per parameter.

    Beside parameters that were really trained (see _expect_trained).
    """
    params, data, history, after = _train(student, rng)
    for key in ("loss", "train_acc", "val_acc"):
        values = _series(history, key, EPOCHS)
        if key.endswith("acc") and not np.all((values >= 0) & (values <= 1)):
            raise CheckFailed(f'history["{key}"] holds values outside [0, 1]: accuracies are '
                              "fractions")
    norms = history.get("grad_norm")
    if not isinstance(norms, dict) or set(norms) != set(params):
        shown = sorted(map(str, norms)) if isinstance(norms, dict) else type(norms).__name__
        raise CheckFailed(f'history["grad_norm"] should be a dict with the keys of params '
                          f"{sorted(params)}, is {shown}")
    for name in params:
        values = _series(norms, name, EPOCHS, 'history["grad_norm"]')
        if np.any(values < 0):
            raise CheckFailed(f'history["grad_norm"]["{name}"] holds negative norms')
    _expect_trained(params, after, data)
    _, _, history, _ = _train(student, rng, X_val=False)
    for key in ("loss", "train_acc"):
        _series(history, key, EPOCHS, "history without X_val")


def test_train_updates_params(student, rng):
    """The trained values are in the caller's dict; the accuracies are those of these values."""
    params, (X, y, Xv, yv), history, after = _train(student, rng)
    if not isinstance(after, dict) or set(after) != set(params):
        raise CheckFailed("after train, the caller's params dict should keep its keys")
    for name, before in params.items():
        array = as_array(after[name], f'params["{name}"] after train')
        if array.shape != before.shape or array.dtype != before.dtype:
            raise CheckFailed(f'params["{name}"] changed from {before.shape} {before.dtype} to '
                              f"{array.shape} {array.dtype} in train")
        if np.array_equal(array, before):
            raise CheckFailed(f'params["{name}"] is unchanged after train: write the trained '
                              "values into the dict given (params[name] = next_w), not into "
                              "a copy")
    for key, (inputs, labels) in (("train_acc", (X, y)), ("val_acc", (Xv, yv))):
        reported = _series(history, key, EPOCHS)[-1]
        actual = float(np.mean(_trusted_predict(after, inputs) == labels))
        if abs(reported - actual) > 1e-9:
            raise CheckFailed(f'the last history["{key}"] is {reported:.4f}, but the trained '
                              f"parameters have an accuracy of {actual:.4f} on that data: "
                              "measure it after the epoch's updates, on all of the data")
    _expect_trained(params, after, (X, y, Xv, yv))


def test_train_loss_decreases(student, rng):
    """On two well separated blobs, SGD brings the loss down and the accuracy up.

    In the history, and in the parameters train leaves (measured by the grader).
    """
    params, data, history, after = _train(student, rng)
    loss = _series(history, "loss", EPOCHS)
    accuracy = _series(history, "train_acc", EPOCHS)
    if not loss[-1] < 0.5 * loss[0]:
        raise CheckFailed(f"the loss goes from {loss[0]:.4f} to {loss[-1]:.4f} in {EPOCHS} "
                          "epochs on an easy problem; expected it to fall by half at least")
    if not accuracy[-1] >= 0.95:
        raise CheckFailed(f"the training accuracy after {EPOCHS} epochs on two well separated "
                          f"blobs is {accuracy[-1]:.1%}, expected at least 95%")
    _expect_trained(params, after, data)


FULL_BATCH = {  # optimizer -> (optim_config, activation, l2)
    "sgd": ({"learning_rate": 0.2}, "relu", 0.01),
    "sgd_momentum": ({"learning_rate": 0.05, "momentum": 0.8}, "tanh", 0.0),
    "adam": ({"learning_rate": 0.01, "beta2": 0.99}, "relu", 0.0),
}


def _reference_train(R, params, X, y, optimizer, config, activation, l2, epochs):
    params = _copy(params)
    R.train.train(params, X.copy(), y.copy(), epochs=epochs, batch_size=len(X),
                  optimizer=optimizer, optim_config=copy.deepcopy(config),
                  activation=activation, l2=l2, rng=np.random.default_rng(0))
    return params


@pytest.mark.parametrize("optimizer", RULES)
def test_train_full_batch(student, request, rng, optimizer):
    """One batch per epoch leaves nothing random: the parameters reached are the reference's.

    This sees the update rule named by `optimizer`, its own optim_config copy
    (and state) for each parameter, the activation and l2 passed on to mlp_loss.
    """
    config, activation, l2 = FULL_BATCH[optimizer]
    epochs = 4
    params = _params(rng, [3, 5, 4, 2])
    X = rng.standard_normal((12, 3))
    y = rng.integers(0, 2, 12)
    want = expected(request, "params", lambda R: _reference_train(
        R, params, X, y, optimizer, config, activation, l2, epochs))
    mistakes_of = {}
    if l2:
        mistakes_of["l2_ignored"] = (expected(request, "params without l2", lambda R:
                                              _reference_train(R, params, X, y, optimizer,
                                                               config, activation, 0.0, epochs)),
                                     "train does not pass l2 on to mlp_loss")
    if activation != "relu":
        mistakes_of["activation_ignored"] = (expected(request, "params with relu", lambda R:
                                                      _reference_train(R, params, X, y, optimizer,
                                                                       config, "relu", l2,
                                                                       epochs)),
                                             "train does not pass activation on to mlp_loss")
    result = student.call("train.train", params, X, y, epochs=epochs, batch_size=len(X),
                          optimizer=optimizer, optim_config=config, activation=activation,
                          l2=l2, rng=wire.Rng(0), return_args=True)
    result.unwrap()
    after = result.args_after[0]
    for name in params:
        mistakes = {key: (values[name], sentence) for key, (values, sentence)
                    in mistakes_of.items()}
        expect_array(after.get(name) if isinstance(after, dict) else after,
                     want[name], f'params["{name}"] after {epochs} full-batch epochs of '
                     f'"{optimizer}"', dtype=np.float64, rtol=1e-6, atol=1e-9,
                     context=known_mistakes(mistakes))


def test_train_loss_is_the_epoch_mean(student, request, rng):
    """history["loss"] is the mean of the epoch's minibatch losses, not their sum.

    With learning_rate 0 the parameters never move, so each of the 5 equal
    minibatches' mean losses averages to mlp_loss on all of X: a number the
    grader knows. A sum would be 5 times it.
    """
    params = _params(rng, [2, 6, 3])
    X = rng.standard_normal((80, 2))
    y = rng.integers(0, 3, 80)
    want = expected(request, "loss", lambda R: R.network.mlp_loss(params, X, y, "relu", 0.0)[0])
    history = student.call("train.train", params, X, y, epochs=1, batch_size=16,
                           optimizer="sgd", optim_config={"learning_rate": 0.0},
                           rng=wire.Rng(0))
    if not isinstance(history, dict):
        raise CheckFailed(f"train should return the history dict, returned {describe(history)}")
    losses = _series(history, "loss", 1)
    expect_close_float(float(losses[0]), want, 'history["loss"][0] with learning_rate 0',
                       rtol=1e-6, context={"N": 5})
