"""Assignment 12: torch_compare.py, the same network in PyTorch.

PyTorch runs in the worker only, in the student's code. The student's
torch.nn.Sequential stays there behind a handle: the checks read its layers
(items of the Sequential, their class names), their weight and bias (brought
back as arrays by the tensor's own `detach().numpy()`), and call it on the
inputs made into a tensor like its own first weight (`weight.new_tensor(X)`).
Every expected value is assignment 5's reference (mlp_forward, mlp_loss, sgd):
the trusted side never needs PyTorch to judge, and the two libraries must agree
within 1e-6 in float64. time_epoch's seconds are judged by their form (the
keys, positive finite floats, no more than the call itself lasted), never by
speed: the report shows them.
"""

import importlib.util
import math

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
from ..plugin import grader_of
from ..sandbox import wire
from ..sandbox.client import StudentError
from .support import (
    CASES,
    PROPERTY,
    check_signature,
    expected,
    is_public,
    known_mistakes,
    numerical_gradient_of,
)

FUNCTIONS = ["torch_compare.to_torch", "torch_compare.torch_mlp_loss",
             "torch_compare.compare_training", "torch_compare.time_epoch"]
ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu"]
# PyTorch's class of each hidden activation, as the Sequential's items are named.
TORCH_CLASSES = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "leaky_relu": "LeakyReLU"}
SIZES = [4, 6, 5, 3]  # D, two hidden layers, C: no square weight, so a transpose shows
LAYERS = len(SIZES) - 1
PARAMS = [f"{kind}{i}" for i in range(1, LAYERS + 1) for kind in "Wb"]
N = 7
L2 = {"no_l2": 0.0, "l2": 0.1}
STEPS = 8
LEARNING_RATE = 0.5  # large enough that a wrong step shows in the curve within 8 steps
# time_epoch: MNIST's shapes (784-128-10, batches of 128) on 4,096 random images.
EPOCH_SIZES = [784, 128, 10]
EPOCH_SAMPLES = 4096
EPOCH_BATCH = 128
# The two timed epochs are most of time_epoch's call: the reference's are 55-65% of it (the
# rest: the data sent and received, init_params, to_torch, the warm-up step). Below 10%,
# the times are not those of the epochs (milliseconds taken for seconds, a part timed).
MIN_TIMED_SHARE = 0.10
MAX_ITEMS = 64  # items of a Sequential read before giving up
TORCH_MISSING = ("PyTorch is not installed where the grader runs, and assignment 12 needs it "
                 "(the CPU build: `make install-torch`, torch==2.13.0); its checks score 0 "
                 "until it is installed")


@pytest.fixture(autouse=True)
def _torch_installed(request):
    """Every check of a12 fails, with that reason, where PyTorch is missing.

    The worker sees the Python environment the grader runs in (its allowed
    packages mounted read-only), so torch missing here is torch missing there:
    say so instead of blaming the student's import.
    """
    if importlib.util.find_spec("torch") is None:
        raise CheckFailed(TORCH_MISSING)


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


def _data(rng, n=N):
    return rng.standard_normal((n, SIZES[0])), rng.integers(0, SIZES[-1], n)


def _call(student, target, *args, **kwargs):
    """student.call, naming the mistake when a gradient is read while it is still None."""
    try:
        return student.call(target, *args, **kwargs)
    except StudentError as error:
        where = f"\n{error.traceback.rstrip()}" if error.traceback else ""
        if "NoneType" in error.message and error.type in ("AttributeError", "TypeError"):
            raise CheckFailed(f"your code raised {error.type}: {error.message}{where}",
                              hint=sentence_of("grad_before_backward")) from None
        if error.type == "RuntimeError" and "dtype" in error.message:  # float32 meets float64
            raise CheckFailed(f"your code raised {error.type}: {error.message}{where}",
                              hint=sentence_of("torch_float32")) from None
        raise


@pytest.mark.parametrize("function", FUNCTIONS)
def test_signature(student, request, function):
    module, name = function.split(".")
    check_signature(student, request, module, name)


# ---------------------------------------------------------------- to_torch


def _network(student, params, activation):
    """The student's to_torch(params, activation), kept in the worker: (handle, its items)."""
    network = student.call("torch_compare.to_torch", params, activation=activation, keep=True)
    if not isinstance(network, wire.Ref) or network.type != "Sequential":
        raise CheckFailed(f"to_torch should return a torch.nn.Sequential, returned "
                          f"{describe(network)}")
    items = []
    for index in range(MAX_ITEMS):
        try:
            items.append(student.getitem(network, index, keep=True))
        except StudentError as error:
            if error.type == "IndexError":
                break
            raise
    return network, items


def _linears(items):
    return [item for item in items if isinstance(item, wire.Ref) and item.type == "Linear"]


def _all_linears(items):
    """The Linear modules of a network of LAYERS layers, or the check fails saying so."""
    linears = _linears(items)
    if len(linears) != LAYERS:
        raise CheckFailed(f"to_torch of a {LAYERS}-layer network holds {len(linears)} Linear "
                          "modules")
    return linears


def _tensor(student, tensor, name):
    """A tensor of the worker as an array: its own detach().numpy()."""
    if not isinstance(tensor, wire.Ref):
        raise CheckFailed(f"{name} should be a torch tensor (a Parameter) but is "
                          f"{describe(tensor)}")
    detached = student.method(tensor, "detach", keep=True)
    return as_array(student.method(detached, "numpy"), name)


def _expect_float64(array, name):
    if array.dtype != np.float64:
        raise CheckFailed(f"{name} is {array.dtype}: the comparison is made in float64, and "
                          "PyTorch's default is float32", hint=sentence_of("torch_float32"),
                          kind="dtype")


@PROPERTY
def test_to_torch_layers(student, request, rng):
    """Linear, activation, ..., Linear: one Linear per layer, the activation between them only.

    The layout pays only when the network computes the right scores too: a
    Sequential of the right modules with any weights is form, not work.
    """
    params = _params(rng)
    X, _ = _data(rng)
    network, items = _network(student, params, "tanh")
    types = [item.type if isinstance(item, wire.Ref) else describe(item) for item in items]
    want = ["Linear" if k % 2 == 0 else TORCH_CLASSES["tanh"] for k in range(2 * LAYERS - 1)]
    if types == want + [TORCH_CLASSES["tanh"]]:
        raise CheckFailed(f"to_torch(params, 'tanh') holds {types}: the last layer has no "
                          "activation", hint=sentence_of("activation_on_last_layer"))
    if types != want:
        raise CheckFailed(f"to_torch(params, 'tanh') of a {LAYERS}-layer network holds {types}, "
                          f"expected {want}: a torch.nn.Linear per layer, the activation "
                          "module between two of them")
    want_scores = expected(request, "scores",
                           lambda R: R.network.mlp_forward(_copy(params), X.copy(), "tanh")[0])
    _expect_scores(student, network, items, X, want_scores, "tanh")


def _expect_scores(student, network, items, X, want, activation):
    """model(X), X made a tensor like the first weight, equals want (float64, 1e-6)."""
    linears = _linears(items)
    if not linears:
        raise CheckFailed("to_torch's Sequential holds no torch.nn.Linear")
    first_weight = student.getattr(linears[0], "weight", keep=True)
    if not isinstance(first_weight, wire.Ref):
        raise CheckFailed(f"the weight of Linear 1 should be a torch tensor but is "
                          f"{describe(first_weight)}")
    inputs = student.method(first_weight, "new_tensor", X, keep=True)  # X in the weight's dtype
    scores = _tensor(student, student.method(network, "__call__", inputs, keep=True),
                     f"model(X) with {activation}")
    _expect_float64(scores, f"model(X) with {activation}")
    expect_array(scores, want, f"to_torch(params, {activation!r})(X) against mlp_forward",
                 rtol=1e-6, atol=1e-9)


@CASES
def test_to_torch_weights(student, rng, case):
    """Linear i's weight is W_i transposed, (out, in), in float64."""
    params = _params(rng)
    _, items = _network(student, params, "relu")
    linears = _all_linears(items)
    for i, linear in enumerate(linears, start=1):
        name = f"the weight of Linear {i}"
        weight = _tensor(student, student.getattr(linear, "weight", keep=True), name)
        W = params[f"W{i}"]
        _expect_float64(weight, name)
        expect_array(weight, W.T, f"{name} (W{i} is {W.shape})", rtol=1e-12, atol=0,
                     context=known_mistakes({"weight_not_transposed": W}))


@CASES
def test_to_torch_biases(student, rng, case):
    """Linear i's bias is b_i, of shape (out,), in float64."""
    params = _params(rng)
    _, items = _network(student, params, "relu")
    linears = _all_linears(items)
    for i, linear in enumerate(linears, start=1):
        name = f"the bias of Linear {i}"
        bias = _tensor(student, student.getattr(linear, "bias", keep=True), name)
        b = params[f"b{i}"]
        if bias.shape != b.shape and bias.size == b.size:
            raise CheckFailed(f"{name} has shape {bias.shape}, expected {b.shape}",
                              hint=sentence_of("bias_wrong_shape"), kind="value")
        _expect_float64(bias, name)
        expect_array(bias, b, name, rtol=1e-12, atol=0)


@CASES
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_to_torch_outputs(student, request, rng, activation, case):
    """model(X) equals assignment 5's mlp_forward scores for the same params, within 1e-6."""
    params = _params(rng)
    X, _ = _data(rng)
    want = expected(request, "scores",
                    lambda R: R.network.mlp_forward(_copy(params), X.copy(), activation)[0])
    network, items = _network(student, params, activation)
    _expect_scores(student, network, items, X, want, activation)


# ---------------------------------------------------------------- torch_mlp_loss


def _gradients(value):
    if not isinstance(value, dict):
        raise CheckFailed(f"torch_mlp_loss should return a dict of gradients, returned "
                          f"{describe(value)}")
    if set(value) != set(PARAMS):
        raise CheckFailed(f"torch_mlp_loss returned gradients for {sorted(map(str, value))}, "
                          f"expected the keys of params: {PARAMS}")
    return value


def _reference_loss(R, params, X, y, activation, l2):
    return R.network.mlp_loss(_copy(params), X.copy(), y.copy(), activation, l2)


@CASES
@pytest.mark.parametrize("l2", list(L2))
def test_torch_mlp_loss(student, request, rng, l2, case):
    """The loss equals mlp_loss's within 1e-6 (sigmoid hidden layers)."""
    strength = L2[l2]
    params = _params(rng)
    X, y = _data(rng)
    want, _ = expected(request, "out",
                       lambda R: _reference_loss(R, params, X, y, "sigmoid", strength))
    loss, _ = as_tuple(_call(student, "torch_compare.torch_mlp_loss", params, X, y,
                             activation="sigmoid", l2=strength), 2, "torch_mlp_loss")
    weights = sum(float(np.sum(params[f"W{i}"] ** 2)) for i in range(1, LAYERS + 1))
    biases = sum(float(np.sum(params[f"b{i}"] ** 2)) for i in range(1, LAYERS + 1))
    mistakes = {"l2_on_biases": want + 0.5 * strength * biases,
                "l2_without_half": want + 0.5 * strength * weights} if strength else {}
    expect_close_float(loss, want, f"the loss of torch_mlp_loss with l2={strength}",
                       rtol=1e-6, atol=1e-9, context=known_mistakes(mistakes))


@CASES
@pytest.mark.parametrize("l2", list(L2))
@pytest.mark.parametrize("name", PARAMS)
def test_torch_mlp_loss_gradient(student, request, rng, name, l2, case):
    """Each gradient equals mlp_loss's within 1e-6, as a float64 array shaped like params."""
    strength = L2[l2]
    params = _params(rng)
    X, y = _data(rng)
    _, want = expected(request, "out",
                       lambda R: _reference_loss(R, params, X, y, "tanh", strength))
    _, grads = as_tuple(_call(student, "torch_compare.torch_mlp_loss", params, X, y,
                              activation="tanh", l2=strength), 2, "torch_mlp_loss")
    grads = _gradients(grads)
    value = params[name]
    mistakes = {"grad_not_transposed": want[name].T} if name.startswith("W") else {}
    if strength and name.startswith("W"):
        mistakes.update(l2_missing_in_gradient=want[name] - strength * value,
                        l2_gradient_doubled=want[name] + strength * value)
    elif strength:
        mistakes["l2_on_biases"] = want[name] + strength * value
    got = as_array(grads[name], f"the gradient of {name}")
    _expect_float64(got, f"the gradient of {name}")
    expect_array(got, want[name], f"the gradient of {name} from torch_mlp_loss with "
                 f"l2={strength}", rtol=1e-6, atol=1e-9,
                 context={"N": N, **known_mistakes(mistakes)})


@pytest.mark.parametrize("name", PARAMS)
def test_torch_mlp_loss_numerical_gradient(student, request, rng, name):
    """Autograd's gradient agrees with centred differences of the student's own loss."""
    params = _params(rng)
    X, y = _data(rng, n=5)
    args = (params, X, y, "tanh", 0.1)
    want_loss, _ = expected(request, "out", lambda R: _reference_loss(R, params, X, y, "tanh",
                                                                     0.1))
    loss, grads = as_tuple(_call(student, "torch_compare.torch_mlp_loss", *args), 2,
                           "torch_mlp_loss")
    try:
        expect_close_float(loss, want_loss, "the loss of torch_mlp_loss with l2=0.1")
    except CheckFailed as failure:
        # A consistent wrong pair (sum(W**2) and 2 W) agrees with its own numerical gradient.
        raise CheckFailed("the gradient cannot be credited because the loss is wrong: "
                          + failure.message, hint=failure.hint) from None
    numeric = numerical_gradient_of(student, "torch_compare.torch_mlp_loss", args, 0, 1.0,
                                    output=0, key=name)
    expect_array(_gradients(grads)[name], numeric,
                 f"the gradient of {name} against the numerical gradient of your "
                 "torch_mlp_loss", rtol=1e-5, atol=1e-7, context={"N": 5})


@PROPERTY
def test_torch_inputs_unchanged(student, request, rng):
    """to_torch copies: torch_mlp_loss and compare_training leave params, X and y as they were.

    torch.from_numpy shares the array's memory: an optimizer step on such a
    tensor would train the caller's params too. Pays only with right results.
    """
    params = _params(rng)
    X, y = _data(rng)
    before = (_copy(params), X.copy(), y.copy())
    want_loss, _ = expected(request, "loss",
                            lambda R: _reference_loss(R, params, X, y, "relu", 0.1))
    want_curve = expected(request, "curve",
                          lambda R: _reference_curve(R, params, X, y, 3, learning_rate=0.1))
    for target, kwargs in (("torch_compare.torch_mlp_loss", {"activation": "relu", "l2": 0.1}),
                           ("torch_compare.compare_training", {"steps": 3})):
        result = student.call(target, _copy(params), X.copy(), y.copy(), return_args=True,
                              **kwargs)
        value = result.unwrap()
        short = target.split(".")[1]
        if short == "torch_mlp_loss":
            expect_close_float(as_tuple(value, 2, short)[0], want_loss,
                               "the loss of torch_mlp_loss with l2=0.1")
        else:
            if not isinstance(value, dict) or "torch" not in value:
                raise CheckFailed(f'compare_training should return {{"numpy": [...], '
                                  f'"torch": [...]}}, returned {describe(value)}', kind="value")
            expect_array(np.array([as_float(v, "a loss") for v in value["torch"]]), want_curve,
                         'compare_training(..., steps=3)["torch"]', rtol=1e-6, atol=1e-9)
        args = result.args_after
        for key in PARAMS:
            try:
                expect_unchanged(before[0][key], as_array(args[0].get(key), key),
                                 f"params[{key!r}] (by {short})")
            except CheckFailed as failure:
                raise CheckFailed(failure.message,
                                  hint=sentence_of("tensor_shares_memory")) from None
        expect_unchanged(before[1], args[1], f"X (by {short})")
        expect_unchanged(before[2], args[2], f"y (by {short})")


# ---------------------------------------------------------------- compare_training


def _reference_curve(R, params, X, y, steps, accumulate=False, learning_rate=LEARNING_RATE):
    """Assignment 5's full-batch SGD losses; accumulate=True: without zero_grad, as the hint."""
    current, total, losses = _copy(params), None, []
    for _ in range(steps):
        loss, grads = R.network.mlp_loss(current, X, y, "relu")
        losses.append(float(loss))
        total = grads if total is None or not accumulate else \
            {k: total[k] + grads[k] for k in grads}
        for k in current:
            current[k], _ = R.optim.sgd(current[k], total[k], {"learning_rate": learning_rate})
    return np.array(losses)


def _curves(student, params, X, y):
    curves = _call(student, "torch_compare.compare_training", params, X, y, steps=STEPS,
                   learning_rate=LEARNING_RATE, activation="relu")
    if not isinstance(curves, dict) or set(curves) != {"numpy", "torch"}:
        keys = sorted(map(str, curves)) if isinstance(curves, dict) else None
        raise CheckFailed(f'compare_training should return {{"numpy": [...], "torch": [...]}}, '
                          f"returned {describe(curves) if keys is None else keys}")
    out = {}
    for key, curve in curves.items():
        if not isinstance(curve, (list, tuple)) or len(curve) != STEPS:
            raise CheckFailed(f'compare_training(steps={STEPS})["{key}"] should be a list of '
                              f"{STEPS} losses, is {describe(curve)}"
                              + (f" of {len(curve)}" if isinstance(curve, (list, tuple)) else ""))
        out[key] = np.array([as_float(v, f'a loss of ["{key}"]') for v in curve])
    return out


def _curve_data(rng):
    params = _params(rng)
    X, y = rng.standard_normal((40, SIZES[0])), rng.integers(0, SIZES[-1], 40)
    return params, X, y


def _expect_curve(curve, request, params, X, y, library):
    want = expected(request, "curve", lambda R: _reference_curve(R, params, X, y, STEPS))
    later = expected(request, "after_update",
                     lambda R: _reference_curve(R, params, X, y, STEPS + 1)[1:])
    accumulated = expected(request, "accumulated",
                           lambda R: _reference_curve(R, params, X, y, STEPS, accumulate=True))
    mistakes = {"loss_after_update": later}
    if library == "torch":
        mistakes["gradients_accumulated"] = accumulated
    expect_array(curve, want, f'compare_training(...)["{library}"], the loss of each step',
                 rtol=1e-6, atol=1e-9, context=known_mistakes(mistakes))


@CASES
def test_compare_training_numpy(student, request, rng, case):
    """The NumPy curve: assignment 5's full-batch SGD, each loss before its step's update."""
    params, X, y = _curve_data(rng)
    curves = _curves(student, params, X, y)
    _expect_curve(curves["numpy"], request, params, X, y, "numpy")


@CASES
def test_compare_training_torch(student, request, rng, case):
    """The PyTorch curve equals the NumPy one (the reference's) within 1e-6, step by step."""
    params, X, y = _curve_data(rng)
    curves = _curves(student, params, X, y)
    if is_public(request):  # the report draws the two curves on top of each other
        grader_of(request.config).artifacts.setdefault("torch_compare", {})["curves"] = {
            "numpy": [float(v) for v in curves["numpy"]],
            "torch": [float(v) for v in curves["torch"]],
            "steps": STEPS, "learning_rate": LEARNING_RATE,
            "network": "-".join(map(str, SIZES)), "samples": len(y)}
    _expect_curve(curves["torch"], request, params, X, y, "torch")


# ---------------------------------------------------------------- time_epoch


def test_time_epoch(student, request, rng):
    """{"numpy": s, "torch": s}: positive finite seconds, together no longer than the call.

    Timing, so only its form is judged: the two epochs happen inside the call,
    so their sum cannot exceed the call's own wall time as the grader measured
    it. How fast each is goes to the report, not to the score.
    """
    X = rng.random((EPOCH_SAMPLES, EPOCH_SIZES[0]), dtype=np.float32)
    y = rng.integers(0, EPOCH_SIZES[-1], EPOCH_SAMPLES)
    # A first, small call pays for importing torch and torch.optim's first optimizer, which
    # would otherwise be in the call's time and not in its epochs.
    student.call("torch_compare.time_epoch", EPOCH_SIZES, X[:EPOCH_BATCH], y[:EPOCH_BATCH],
                 batch_size=EPOCH_BATCH, dtype=wire.DType("float32"))
    wall_before = student.wall_spent
    seconds = student.call("torch_compare.time_epoch", EPOCH_SIZES, X, y,
                           batch_size=EPOCH_BATCH, dtype=wire.DType("float32"))
    call_wall = student.wall_spent - wall_before
    if not isinstance(seconds, dict) or set(seconds) != {"numpy", "torch"}:
        keys = sorted(map(str, seconds)) if isinstance(seconds, dict) else None
        raise CheckFailed(f'time_epoch should return {{"numpy": seconds, "torch": seconds}}, '
                          f"returned {describe(seconds) if keys is None else keys}")
    times = {}
    for key in ("numpy", "torch"):
        value = seconds[key]
        if type(value) is not float and not isinstance(value, wire.Scalar):
            raise CheckFailed(f'time_epoch(...)["{key}"] should be a float (seconds), is '
                              f"{describe(value)}", hint=sentence_of("time_not_seconds"))
        times[key] = as_float(value, f'time_epoch(...)["{key}"]')
        if not (math.isfinite(times[key]) and times[key] > 0):
            raise CheckFailed(f'time_epoch(...)["{key}"] is {times[key]!r}: seconds are positive '
                              "and finite (time.perf_counter() after minus before)",
                              hint=sentence_of("time_not_seconds"))
    grader_of(request.config).artifacts.setdefault("torch_compare", {})["timing"] = {
        **times, "samples": EPOCH_SAMPLES, "network": "-".join(map(str, EPOCH_SIZES)),
        "batch_size": EPOCH_BATCH, "call_seconds": call_wall}
    total = times["numpy"] + times["torch"]
    if total > call_wall * 1.05 + 0.01:
        raise CheckFailed(f"time_epoch says {times['numpy']:.3g} s + {times['torch']:.3g} s, "
                          f"but the whole call took {call_wall:.3g} s: time the epochs "
                          "themselves (time.perf_counter() before and after each), in seconds",
                          hint=sentence_of("time_not_seconds"))
    if total < MIN_TIMED_SHARE * call_wall:
        raise CheckFailed(f"time_epoch says {times['numpy']:.3g} s + {times['torch']:.3g} s, "
                          f"{total / call_wall:.0%} of the {call_wall:.3g} s the call took: the "
                          "two epochs are most of the call's work, time them whole "
                          "(time.perf_counter() before and after each), in seconds",
                          hint=sentence_of("time_not_seconds"))
