"""Assignment 7, the modules (modules.py), through the worker's object protocol; and the deep task.

The modules are built in the worker (a class called with keep=True) and
reached by handle: their weights set through `params` (so a forward that
does not read them shows), forward and backward called as methods, `params`,
`grads`, `training`, `layers` and the running statistics read as data. Every
value is compared on this side with the function the module wraps, computed
by the reference. The deep task (grader/tasks/deep.py) builds its network of
the student's modules and trains it with the student's fit.
"""

import copy

import numpy as np
import pytest

from ..compare import CheckFailed, as_array, as_float, expect_array
from ..course import COURSE
from ..hints import sentence_of
from ..sandbox import wire
from ..sandbox.client import Program, StudentError
from ..tasks.runs import check_task_history, judge_task
from .support import CASES, check_signature, expected, known_mistakes

N, D, M = 6, 4, 3
ACTIVATIONS = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "LeakyReLU": "leaky_relu"}
CLASSES = ["Linear", *ACTIVATIONS, "BatchNorm1d", "Dropout", "Sequential", "Optimizer", "fit"]
RULES = ["sgd", "sgd_momentum", "adam", "rmsprop"]
RULE_CONFIGS = {
    "sgd": {"learning_rate": 0.1},
    "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.8},
    "adam": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.95},
    "rmsprop": {"learning_rate": 0.01, "decay_rate": 0.9},
}


@pytest.mark.parametrize("name", CLASSES)
def test_signature(student, request, name):
    check_signature(student, request, "modules", name)


# ---------------------------------------------------------------- helpers


def _new(student, name, *args, **kwargs):
    """A module built in the worker: its handle."""
    return student.call(f"modules.{name}", *args, keep=True, **kwargs)


def _dict(value, what):
    if not isinstance(value, dict):
        raise CheckFailed(f"{what} should be a dict of arrays, is a {type(value).__name__}")
    return value


def _set_params(student, module, values):
    """Set weights through the module's params dict, as anyone may (module.params[name] = W)."""
    params = student.getattr(module, "params", keep=True)
    for name, value in values.items():
        student.setitem(params, name, value)


def _forward(student, module, x):
    return as_array(student.method(module, "forward", x), "what forward returned")


def _backward(student, module, dout):
    return as_array(student.method(module, "backward", dout), "what backward returned")


def _grads(student, module, names, what):
    grads = _dict(student.getattr(module, "grads"), f"{what}.grads")
    if set(map(str, grads)) != set(names):
        raise CheckFailed(f"{what}.grads has the keys {sorted(map(str, grads))}, expected "
                          f"{sorted(names)} (those of params)")
    return grads


def _linear_values(rng, d=D, m=M):
    return {"W": rng.standard_normal((d, m)), "b": rng.standard_normal(m)}


def _bn_values(rng, d=M):
    return {"gamma": rng.uniform(0.5, 2, d), "beta": rng.standard_normal(d)}


def _reference_linear(R, x, values, dout):
    out, cache = R.layers.linear_forward(x.copy(), values["W"].copy(), values["b"].copy())
    return out, R.layers.linear_backward(dout.copy(), cache)


def _reference_activation(R, kind, x, dout):
    forward = getattr(R.layers, f"{kind}_forward")
    backward = getattr(R.layers, f"{kind}_backward")
    out, cache = forward(x.copy())
    return out, backward(dout.copy(), cache)


def _reference_bn(R, x, values, dout, mode="train", running=None):
    D_ = x.shape[1]
    running_mean, running_var = running if running is not None else (np.zeros(D_), np.ones(D_))
    bn_param = {"mode": mode, "running_mean": running_mean.copy(),
                "running_var": running_var.copy()}
    out, cache = R.layers.batchnorm_forward(x.copy(), values["gamma"].copy(),
                                            values["beta"].copy(), bn_param)
    grads = R.layers.batchnorm_backward(dout.copy(), cache)
    return out, grads, (bn_param["running_mean"], bn_param["running_var"])


# ---------------------------------------------------------------- leaf modules


@CASES
def test_Linear(student, request, rng, case):
    """Weights set through params; forward by linear_forward, backward writes grads W and b."""
    values = _linear_values(rng)
    x, dout = rng.standard_normal((N, D)), rng.standard_normal((N, M))
    want_out, (want_dx, want_dW, want_db) = expected(
        request, "linear", lambda R: _reference_linear(R, x, values, dout))
    layer = _new(student, "Linear", D, M, rng=wire.Rng(0))
    first = _forward(student, layer, x)  # with the drawn weights: a copy taken now shows later
    _set_params(student, layer, values)
    out = _forward(student, layer, x)
    stale = {"params_copied_at_construction": first}
    expect_array(out, want_out, "Linear's forward with W and b set through params",
                 dtype=np.float64, context=known_mistakes(stale))
    dx = _backward(student, layer, dout)
    expect_array(dx, want_dx, "what Linear's backward returned (dx)", dtype=np.float64)
    grads = _grads(student, layer, ["W", "b"], "Linear")
    expect_array(grads["W"], want_dW, 'Linear.grads["W"] after backward', dtype=np.float64,
                 context={"N": N})
    expect_array(grads["b"], want_db, 'Linear.grads["b"] after backward', dtype=np.float64,
                 context={"N": N})


def test_Linear_params(student, request, rng):
    """params "W" (in, out) drawn like init_params, "b" zeros; grads zeros; dtype; rng used."""
    layer = _new(student, "Linear", 300, 200, rng=wire.Rng(1))
    params = _dict(student.getattr(layer, "params"), "Linear.params")
    if set(map(str, params)) != {"W", "b"}:
        raise CheckFailed(f"Linear.params has the keys {sorted(map(str, params))}, expected "
                          "['W', 'b']")
    W, b = as_array(params["W"], 'params["W"]'), as_array(params["b"], 'params["b"]')
    if W.shape != (300, 200) or b.shape != (200,):
        raise CheckFailed(f"Linear(300, 200) has W {W.shape} and b {b.shape}; expected (300, 200) "
                          "= (in_features, out_features) and (200,)")
    if W.dtype != np.float64 or np.any(b != 0):
        raise CheckFailed("Linear's parameters are float64 by default and b starts at zero")
    for init, want in (("he", np.sqrt(2 / 300)), ("xavier", np.sqrt(2 / 500)), ("small", 0.01)):
        drawn = _new(student, "Linear", 300, 200, init=init, rng=wire.Rng(2))
        std = float(as_array(student.getattr(drawn, "params")["W"], "W").std())
        if abs(std - want) > 0.03 * want:  # 60,000 draws: 3% is 7 standard errors
            raise CheckFailed(f'Linear(300, 200, init="{init}") has W with std {std:.4g}, '
                              f"expected {want:.4g} (as init_params draws it)")
    grads = _grads(student, layer, ["W", "b"], "Linear")
    for name, shape in (("W", (300, 200)), ("b", (200,))):
        grad = as_array(grads[name], f'grads["{name}"]')
        if grad.shape != shape or np.any(grad != 0):
            raise CheckFailed(f'before any backward, Linear.grads["{name}"] should be zeros of '
                              f"shape {shape}")
    small = _new(student, "Linear", 5, 4, rng=wire.Rng(3), dtype=wire.DType("float32"))
    for name, value in _dict(student.getattr(small, "params"), "params").items():
        if as_array(value, name).dtype != np.float32:
            raise CheckFailed(f"Linear(5, 4, dtype=np.float32) has {name} of dtype "
                              f"{as_array(value, name).dtype}")
    same = [as_array(student.getattr(_new(student, "Linear", 5, 4, rng=wire.Rng(seed)),
                                     "params")["W"], "W") for seed in (4, 4, 5)]
    if not np.array_equal(same[0], same[1]) or np.array_equal(same[0], same[2]):
        raise CheckFailed("Linear's weights do not follow its rng argument",
                          hint=sentence_of("rng_ignored"))


@CASES
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_module(student, request, rng, name, case):
    """forward and backward by the function pair of layers.py; no params."""
    x = rng.standard_normal((N, D)) * 2
    x[np.abs(x) < 1e-3] = 0.5
    dout = rng.standard_normal((N, D))
    want_out, want_dx = expected(request, "values",
                                 lambda R: _reference_activation(R, ACTIVATIONS[name], x, dout))
    module = _new(student, name)
    expect_array(_forward(student, module, x), want_out, f"{name}'s forward", dtype=np.float64)
    expect_array(_backward(student, module, dout), want_dx, f"{name}'s backward",
                 dtype=np.float64)
    params = _dict(student.getattr(module, "params"), f"{name}.params")
    if params:
        raise CheckFailed(f"{name}.params should be empty, has {sorted(map(str, params))}")


def test_LeakyReLU_alpha(student, request, rng):
    x, dout = rng.standard_normal((N, D)), rng.standard_normal((N, D))
    want = expected(request, "values", lambda R: (
        R.layers.leaky_relu_forward(x, 0.2)[0],
        R.layers.leaky_relu_backward(dout, R.layers.leaky_relu_forward(x, 0.2)[1])))
    module = _new(student, "LeakyReLU", alpha=0.2)
    expect_array(_forward(student, module, x), want[0], "LeakyReLU(alpha=0.2)'s forward")
    expect_array(_backward(student, module, dout), want[1], "LeakyReLU(alpha=0.2)'s backward")


@CASES
def test_BatchNorm1d(student, request, rng, case):
    """Training mode: batchnorm_forward on the batch; running statistics; grads gamma, beta."""
    values = _bn_values(rng, D)
    x = rng.standard_normal((N, D)) * 2 + 1
    dout = rng.standard_normal((N, D))
    want_out, want_grads, want_running = expected(
        request, "bn", lambda R: _reference_bn(R, x, values, dout))
    module = _new(student, "BatchNorm1d", D)
    _set_params(student, module, values)
    out = _forward(student, module, x)
    expect_array(out, want_out, "BatchNorm1d's forward in training mode", dtype=np.float64)
    for key, want in zip(("running_mean", "running_var"), want_running):
        value = as_array(student.getattr(module, key), f"BatchNorm1d.{key}")
        expect_array(value, want, f"BatchNorm1d.{key} after a forward in training mode",
                     dtype=np.float64, context=known_mistakes({
                         "bn_running_not_updated": np.zeros(D) if key == "running_mean"
                         else np.ones(D)}))
    dx = _backward(student, module, dout)
    expect_array(dx, want_grads[0], "what BatchNorm1d's backward returned (dx)", dtype=np.float64)
    grads = _grads(student, module, ["gamma", "beta"], "BatchNorm1d")
    expect_array(grads["gamma"], want_grads[1], 'BatchNorm1d.grads["gamma"]', dtype=np.float64)
    expect_array(grads["beta"], want_grads[2], 'BatchNorm1d.grads["beta"]', dtype=np.float64)


def test_BatchNorm1d_eval(student, request, rng):
    """After eval(): the running statistics normalize, nothing is updated; train() goes back."""
    values = _bn_values(rng, D)
    x1 = rng.standard_normal((N, D)) * 2 + 1
    x2 = rng.standard_normal((N, D)) - 1
    dout = rng.standard_normal((N, D))

    def reference(R):
        _, _, running = _reference_bn(R, x1, values, dout)
        out, grads, _ = _reference_bn(R, x2, values, dout, mode="test", running=running)
        return out, grads[0], running

    want_out, want_dx, want_running = expected(request, "bn", reference)
    module = _new(student, "BatchNorm1d", D)
    _set_params(student, module, values)
    _forward(student, module, x1)
    returned = student.method(module, "eval")
    if not isinstance(returned, wire.Ref):
        raise CheckFailed("eval() should return the module itself (return self), returned "
                          f"{type(returned).__name__}")
    if student.getattr(module, "training") is not False:
        raise CheckFailed("after eval(), BatchNorm1d.training should be False")
    out = _forward(student, module, x2)
    expect_array(out, want_out, "BatchNorm1d's forward after eval()", dtype=np.float64,
                 context=known_mistakes({
                     "batchnorm_module_mode_ignored": _reference_like_train(x2, values)}))
    for key, want in zip(("running_mean", "running_var"), want_running):
        value = as_array(student.getattr(module, key), f"BatchNorm1d.{key}")
        if not np.allclose(value, want, rtol=1e-9, atol=1e-12):
            raise CheckFailed(f"a forward after eval() changed BatchNorm1d.{key}: in evaluation "
                              "mode the running statistics are only read",
                              hint=sentence_of("bn_running_updated_in_test"))
    expect_array(_backward(student, module, dout), want_dx,
                 "BatchNorm1d's backward after eval() (the statistics held constant)",
                 dtype=np.float64)
    student.method(module, "train")
    if student.getattr(module, "training") is not True:
        raise CheckFailed("after train(), BatchNorm1d.training should be True")


def _reference_like_train(x, values):
    """What a BatchNorm1d that ignores eval() returns: the batch's own statistics."""
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    return values["gamma"] * x_hat + values["beta"]


def test_BatchNorm1d_params(student, request, rng):
    """gamma ones, beta zeros, running statistics zeros and ones, in the dtype asked for;
    credited beside a right float32 forward (with those parameters: x normalized)."""
    module = _new(student, "BatchNorm1d", 7, dtype=wire.DType("float32"))
    params = _dict(student.getattr(module, "params"), "BatchNorm1d.params")
    if set(map(str, params)) != {"gamma", "beta"}:
        raise CheckFailed(f"BatchNorm1d.params has {sorted(map(str, params))}, expected "
                          "['beta', 'gamma']")
    for name, want in (("gamma", 1.0), ("beta", 0.0)):
        value = as_array(params[name], name)
        if value.shape != (7,) or value.dtype != np.float32 or np.any(value != want):
            raise CheckFailed(f"BatchNorm1d(7, dtype=np.float32).params['{name}'] should be "
                              f"float32 {'ones' if want else 'zeros'} of shape (7,), is "
                              f"{value.dtype} {value.shape}")
    for name, want in (("running_mean", 0.0), ("running_var", 1.0)):
        value = as_array(student.getattr(module, name), name)
        if value.shape != (7,) or np.any(value != want):
            raise CheckFailed(f"BatchNorm1d(7).{name} should start as "
                              f"{'ones' if want else 'zeros'} of shape (7,)")
    grads = _grads(student, module, ["gamma", "beta"], "BatchNorm1d")
    if any(np.any(as_array(g, "grad") != 0) for g in grads.values()):
        raise CheckFailed("before any backward, BatchNorm1d.grads should be zeros")
    if student.getattr(module, "training") is not True:
        raise CheckFailed("a new module is in training mode: training should be True")
    x = (rng.standard_normal((N, 7)) * 3 + 1).astype(np.float32)
    want = expected(request, "out", lambda R: R.layers.batchnorm_forward(
        x.astype(np.float64), np.ones(7), np.zeros(7), {})[0])
    expect_array(_forward(student, module, x), want, "the forward of a new "
                 "BatchNorm1d(7, dtype=np.float32) (x normalized)", dtype=np.float32)


def test_Dropout(student, rng):
    """Training mode drops about p of the units, scales the others by 1/(1-p); new mask each
    forward; backward uses the forward's mask; eval() makes it the identity."""
    p = 0.3
    x = rng.uniform(1, 2, (200, 50))
    module = _new(student, "Dropout", p, rng=wire.Rng(7))
    out = _forward(student, module, x)
    kept = out != 0
    fraction = 1 - kept.mean()
    if abs(fraction - p) > 0.03:  # 10,000 units: the std of the fraction is 0.0046
        raise CheckFailed(f"Dropout({p}) dropped {fraction:.1%} of the units in training mode, "
                          f"expected about {p:.0%}")
    if not np.allclose(out[kept], x[kept] / (1 - p)):
        raise CheckFailed("Dropout's kept units should be scaled by 1 / (1 - p)")
    dout = rng.standard_normal(x.shape)
    dx = _backward(student, module, dout)
    expect_array(dx, dout * out / x, "Dropout's backward (the forward's mask and scale)")
    again = _forward(student, module, x)
    if np.array_equal(again != 0, kept):
        raise CheckFailed("two forwards of Dropout dropped the same units",
                          hint=sentence_of("dropout_same_mask"))
    student.method(module, "eval")
    expect_array(_forward(student, module, x), x, "Dropout's forward after eval() (identity)")


def test_grads_written_not_accumulated(student, rng):
    """Two backward calls: grads hold the gradients of the last one, not their sum."""
    values = _linear_values(rng)
    x = rng.standard_normal((N, D))
    layer = _new(student, "Linear", D, M, rng=wire.Rng(0))
    _set_params(student, layer, values)
    _forward(student, layer, x)
    first, second = rng.standard_normal((N, M)), rng.standard_normal((N, M))
    _backward(student, layer, first)
    _backward(student, layer, second)
    grads = _grads(student, layer, ["W", "b"], "Linear")
    if np.allclose(as_array(grads["W"], "W"), x.T @ (first + second)):
        raise CheckFailed("after two backward calls, Linear.grads['W'] is the sum of both",
                          hint=sentence_of("grads_accumulated"))
    expect_array(grads["W"], x.T @ second, "Linear.grads['W'] after a second backward")


# ---------------------------------------------------------------- Sequential


def _build_sequential(student):
    """Sequential(Linear(D, D), Tanh(), Linear(D, M), Sigmoid()) built in one program."""
    program = Program()
    first = program.call("modules.Linear", D, D, rng=wire.Rng(1))
    tanh = program.call("modules.Tanh")
    second = program.call("modules.Linear", D, M, rng=wire.Rng(2))
    sigmoid = program.call("modules.Sigmoid")
    program.call("modules.Sequential", first, tanh, second, sigmoid, returns=True, keep=True)
    results = student.run(program)
    return results[max(results)].unwrap()


def _layers(student, model, count, what="Sequential"):
    layers = student.getattr(model, "layers")
    if not isinstance(layers, list) or len(layers) != count or not all(
            isinstance(layer, wire.Ref) for layer in layers):
        raise CheckFailed(f"{what}.layers should be the list of its {count} modules")
    return layers


def _reference_chain(x, first, second, dout):
    """Sequential(Linear, Tanh, Linear, Sigmoid) computed here: out, dx, the grads, and the
    dx of a backward run in forward order (the mistake)."""
    z1 = x @ first["W"] + first["b"]
    t = np.tanh(z1)
    z2 = t @ second["W"] + second["b"]
    s = 1 / (1 + np.exp(-z2))
    dz2 = dout * s * (1 - s)
    dt = dz2 @ second["W"].T
    dz1 = dt * (1 - t * t)
    grads = {"0.W": x.T @ dz1, "0.b": dz1.sum(0), "2.W": t.T @ dz2, "2.b": dz2.sum(0)}
    return s, dz1 @ first["W"].T, grads


@CASES
def test_Sequential(student, request, rng, case):
    """Forward in order, backward in reverse; grads keyed "<index>.<name>"."""
    first, second = _linear_values(rng, D, D), _linear_values(rng, D, M)
    x, dout = rng.standard_normal((N, D)), rng.standard_normal((N, M))
    out_want, dx_want, grads_want = _reference_chain(x, first, second, dout)
    model = _build_sequential(student)
    layers = _layers(student, model, 4)
    _set_params(student, layers[0], first)
    _set_params(student, layers[2], second)
    expect_array(_forward(student, model, x), out_want, "Sequential's forward", dtype=np.float64)
    try:
        dx = _backward(student, model, dout)
    except StudentError as error:
        raise CheckFailed(f"Sequential's backward raised {error.type}: {error.message}",
                          hint=sentence_of("sequential_backward_in_forward_order")) from None
    expect_array(dx, dx_want, "what Sequential's backward returned (dx)", dtype=np.float64)
    grads = _dict(student.getattr(model, "grads"), "Sequential.grads")
    if set(map(str, grads)) != set(grads_want):
        raise CheckFailed(f"Sequential.grads has the keys {sorted(map(str, grads))}, expected "
                          f"{sorted(grads_want)}", hint=sentence_of("sequential_keys"))
    for key, want in grads_want.items():
        expect_array(grads[key], want, f'Sequential.grads["{key}"]', dtype=np.float64)


def test_Sequential_params(student, rng):
    """params keyed "<index>.<name>" (nested: "1.0.W"), the children's arrays; a new dict."""
    program = Program()
    a = program.call("modules.Linear", D, D, rng=wire.Rng(1))
    relu = program.call("modules.ReLU")
    b = program.call("modules.Linear", D, M, rng=wire.Rng(2))
    bn = program.call("modules.BatchNorm1d", M)
    inner = program.call("modules.Sequential", b, bn)
    program.call("modules.Sequential", a, relu, inner, returns=True, keep=True)
    results = student.run(program)
    model = results[max(results)].unwrap()
    params = _dict(student.getattr(model, "params"), "Sequential.params")
    want = {"0.W": (D, D), "0.b": (D,), "2.0.W": (D, M), "2.0.b": (M,), "2.1.gamma": (M,),
            "2.1.beta": (M,)}
    if set(map(str, params)) != set(want):
        raise CheckFailed(f"Sequential.params has the keys {sorted(map(str, params))}, expected "
                          f"{sorted(want)}", hint=sentence_of("sequential_keys"))
    for key, shape in want.items():
        if as_array(params[key], key).shape != shape:
            raise CheckFailed(f'Sequential.params["{key}"] has shape '
                              f"{as_array(params[key], key).shape}, expected {shape}")
    layers = _layers(student, model, 3)
    W = rng.standard_normal((D, D))
    _set_params(student, layers[0], {"W": W})
    seen = as_array(_dict(student.getattr(model, "params"), "params")["0.W"], "0.W")
    if not np.array_equal(seen, W):
        raise CheckFailed("a weight set in a child's params is not in Sequential.params: build "
                          "it from the children's dicts at every access")
    view = student.getattr(model, "params", keep=True)
    student.setitem(view, "0.W", np.zeros((D, D)))
    child = as_array(_dict(student.getattr(layers[0], "params"), "params")["W"], "W")
    if not np.array_equal(child, W):
        raise CheckFailed("assigning into Sequential.params changed the child's weight: "
                          "Sequential.params is a new dict at every access (set a child's "
                          "dict to change a weight)")
    # Credited beside a right forward of the nested model, with the weights it reports
    # (the inner ones set here too, so that no layer's output is constant).
    inner = _layers(student, layers[2], 2, "the inner Sequential")
    _set_params(student, inner[0], _linear_values(rng, D, M))
    _set_params(student, inner[1], _bn_values(rng, M))
    p = {key: as_array(value, key) for key, value in
         _dict(student.getattr(model, "params"), "params").items()}
    x = rng.standard_normal((N, D))
    z = np.maximum(x @ p["0.W"] + p["0.b"], 0) @ p["2.0.W"] + p["2.0.b"]
    want = (p["2.1.gamma"] * (z - z.mean(axis=0)) / np.sqrt(z.var(axis=0) + 1e-5)
            + p["2.1.beta"])
    expect_array(_forward(student, model, x), want, "the forward of Sequential(Linear, ReLU, "
                 "Sequential(Linear, BatchNorm1d))", dtype=np.float64)


def test_train_eval_reach_every_child(student, request, rng):
    """eval() and train() set training on the model and every child (nested too), return the
    module; credited beside a right forward in evaluation mode (dropout off, running
    statistics on)."""
    program = Program()
    lin = program.call("modules.Linear", D, D, rng=wire.Rng(1))
    bn = program.call("modules.BatchNorm1d", D)
    drop = program.call("modules.Dropout", 0.5, rng=wire.Rng(2))
    relu = program.call("modules.ReLU")
    inner = program.call("modules.Sequential", drop, relu)
    program.call("modules.Sequential", lin, bn, inner, returns=True, keep=True)
    results = student.run(program)
    model = results[max(results)].unwrap()
    layers = _layers(student, model, 3)
    inner_layers = _layers(student, layers[2], 2, "the inner Sequential")
    everything = [model, *layers, *inner_layers]
    for mode, method in ((False, "eval"), (True, "train")):
        returned = student.method(model, method)
        if not isinstance(returned, wire.Ref):
            raise CheckFailed(f"{method}() should return the module itself (return self)")
        flags = [student.getattr(module, "training") for module in everything]
        if any(flag is not mode for flag in flags):
            raise CheckFailed(f"after {method}() on the outer Sequential, training is {flags} "
                              "over the model and its children (outer, layers, inner layers)",
                              hint=sentence_of("mode_not_propagated"))
    student.method(model, "train", False)
    if student.getattr(inner_layers[0], "training") is not False:
        raise CheckFailed("train(False) should set evaluation mode everywhere, like eval()",
                          hint=sentence_of("mode_not_propagated"))
    values = _linear_values(rng, D, D)
    _set_params(student, layers[0], values)
    x = rng.standard_normal((N, D))
    want = expected(request, "out", lambda R: np.maximum(R.layers.batchnorm_forward(
        x @ values["W"] + values["b"], np.ones(D), np.zeros(D), {"mode": "test"})[0], 0))
    expect_array(_forward(student, model, x), want, "the model's forward in evaluation mode "
                 "(Linear, BatchNorm1d with its first running statistics, no dropout, ReLU)",
                 dtype=np.float64)


# ---------------------------------------------------------------- Optimizer


def _reference_updates(R, rule, config, values, grads, steps):
    """{key: value after `steps` updates}, each parameter with its own copy of config."""
    out = {}
    for key, value in values.items():
        own = copy.deepcopy(config)
        for _ in range(steps):
            value, own = getattr(R.optim, rule)(value.copy(), grads[key].copy(), own)
        out[key] = value
    return out


def _shared_state_updates(R, rule, config, values, grads, steps):
    """What one config shared by every parameter would give (the shapes agree here)."""
    out, shared = {k: v.copy() for k, v in values.items()}, copy.deepcopy(config)
    for _ in range(steps):
        for key in values:
            out[key], shared = getattr(R.optim, rule)(out[key], grads[key].copy(), shared)
    return out


@pytest.mark.parametrize("rule", RULES)
def test_Optimizer_step(student, request, rng, rule):
    """Two steps of every parameter of every leaf, each with its own state (same shapes here)."""
    program = Program()
    bn1 = program.call("modules.BatchNorm1d", D)
    bn2 = program.call("modules.BatchNorm1d", D)
    program.call("modules.Sequential", bn1, program.call("modules.Tanh"), bn2, returns=True,
                 keep=True)
    results = student.run(program)
    model = results[max(results)].unwrap()
    layers = _layers(student, model, 3)
    values = {"0": _bn_values(rng, D), "2": _bn_values(rng, D)}
    for index, layer_values in values.items():
        _set_params(student, layers[int(index)], layer_values)
    x = rng.standard_normal((N, D)) * 2
    _forward(student, model, x)
    _backward(student, model, rng.standard_normal((N, D)))
    grads = _dict(student.getattr(model, "grads"), "Sequential.grads")
    grads = {str(k): as_array(v, str(k)) for k, v in grads.items()}
    flat = {f"{i}.{name}": v for i, layer_values in values.items()
            for name, v in layer_values.items()}
    if set(grads) != set(flat):
        raise CheckFailed(f"Sequential.grads has the keys {sorted(grads)}, expected "
                          f"{sorted(flat)}", hint=sentence_of("sequential_keys"))
    config = RULE_CONFIGS[rule]
    want = expected(request, "params", lambda R: _reference_updates(R, rule, config, flat,
                                                                    grads, 2))
    optimizer = _new(student, "Optimizer", rule, config)
    student.method(optimizer, "step", model)
    student.method(optimizer, "step", model)
    after = _dict(student.getattr(model, "params"), "Sequential.params")
    mistakes = {}
    if rule != "sgd":
        shared = expected(request, "shared state", lambda R: _shared_state_updates(
            R, rule, config, flat, grads, 2))
        mistakes = {"optimizer_shared_state": shared}
    for key in flat:
        value = as_array(after.get(key), f'params["{key}"] after two steps')
        if np.array_equal(value, flat[key]):
            raise CheckFailed(f'params["{key}"] is unchanged after two Optimizer steps',
                              hint=sentence_of("optimizer_stale_params"))
        expect_array(value, want[key], f'params["{key}"] after two steps of '
                     f'Optimizer("{rule}")', dtype=np.float64,
                     context=known_mistakes({k: v[key] for k, v in mistakes.items()}))


def test_Optimizer_each_leaf_once(student, rng):
    """A module that appears twice in a model is updated once per step."""
    program = Program()
    shared = program.call("modules.Linear", D, D, rng=wire.Rng(1))
    program.call("modules.Sequential", shared, program.call("modules.Tanh"), shared,
                 returns=True, keep=True)
    results = student.run(program)
    model = results[max(results)].unwrap()
    layer = _layers(student, model, 3)[0]
    values = _linear_values(rng, D, D)
    _set_params(student, layer, values)
    _forward(student, model, rng.standard_normal((N, D)))
    _backward(student, model, rng.standard_normal((N, D)))
    grads = _dict(student.getattr(layer, "grads"), "Linear.grads")
    optimizer = _new(student, "Optimizer", "sgd", {"learning_rate": 0.1})
    student.method(optimizer, "step", model)
    after = _dict(student.getattr(layer, "params"), "Linear.params")
    for name in ("W", "b"):
        want = values[name] - 0.1 * as_array(grads[name], name)
        twice = values[name] - 0.2 * as_array(grads[name], name)
        if np.allclose(as_array(after[name], name), twice):
            raise CheckFailed("a layer used twice in a Sequential was updated twice in one step: "
                              "update each leaf once")
        expect_array(after[name], want, f"the shared layer's {name} after one sgd step")


def test_Optimizer_unknown_rule(student, rng):
    """An unknown rule raises ValueError; credited beside a known rule that steps right."""
    values = _linear_values(rng, 2, 2)
    layer = _new(student, "Linear", 2, 2, rng=wire.Rng(0))
    _set_params(student, layer, values)
    x, dout = rng.standard_normal((N, 2)), rng.standard_normal((N, 2))
    _forward(student, layer, x)
    _backward(student, layer, dout)
    student.method(_new(student, "Optimizer", "sgd", {"learning_rate": 0.5}), "step", layer)
    after = _dict(student.getattr(layer, "params"), "Linear.params")
    expect_array(after.get("W"), values["W"] - 0.5 * x.T @ dout,
                 'W after one step of Optimizer("sgd", {"learning_rate": 0.5})')
    try:
        optimizer = _new(student, "Optimizer", "nesterov")
        layer = _new(student, "Linear", 2, 2, rng=wire.Rng(0))
        student.method(optimizer, "step", layer)
    except StudentError as error:
        if error.type != "ValueError":
            raise CheckFailed(f'Optimizer("nesterov") raised {error.type}; an unknown rule '
                              "should raise ValueError") from None
        return
    raise CheckFailed('Optimizer("nesterov") raised nothing: an unknown rule should raise '
                      "ValueError")


# ---------------------------------------------------------------- fit


def _blobs(rng, n):
    y = np.arange(n) % 2
    X = rng.standard_normal((n, 2)) * 0.7 + np.where(y[:, None] == 1, 1.5, -1.5)
    return X, y


def _small_model(student, batchnorm=False, classes=2):
    """Sequential(Linear(2, 8), [BatchNorm1d(8)], Tanh(), Linear(8, classes)) in the worker."""
    program = Program()
    parts = [program.call("modules.Linear", 2, 8, rng=wire.Rng(3))]
    if batchnorm:
        parts.append(program.call("modules.BatchNorm1d", 8))
    parts += [program.call("modules.Tanh"),
              program.call("modules.Linear", 8, classes, rng=wire.Rng(4))]
    program.call("modules.Sequential", *parts, returns=True, keep=True)
    results = student.run(program)
    return results[max(results)].unwrap()


def _series(history, key, epochs, where="history"):
    if key not in history:
        raise CheckFailed(f'{where} has no "{key}" (it has {sorted(map(str, history))})')
    try:
        values = np.asarray([as_float(v, f"{where}[{key!r}]") for v in history[key]])
    except TypeError:
        raise CheckFailed(f'{where}["{key}"] should be a list of numbers') from None
    if values.shape != (epochs,) or not np.all(np.isfinite(values)):
        raise CheckFailed(f'{where}["{key}"] should hold {epochs} finite numbers (one per '
                          f"epoch), holds {values.size}")
    return values


def test_fit_history(student, rng):
    """The history's form: loss, val_loss (with validation data), grad_norm per params key;
    the model trained (measured here) and left in training mode."""
    X, y = _blobs(rng, 80)
    Xv, yv = _blobs(rng, 40)
    model = _small_model(student, batchnorm=True)
    keys = sorted(map(str, _dict(student.getattr(model, "params"), "params")))
    epochs = 8
    history = student.call("modules.fit", model, X, y, epochs=epochs, batch_size=16,
                           optimizer="sgd_momentum",
                           optim_config={"learning_rate": 0.1, "momentum": 0.9},
                           X_val=Xv, y_val=yv, rng=wire.Rng(0))
    history = _dict(history, "fit's history")
    loss = _series(history, "loss", epochs)
    val = _series(history, "val_loss", epochs)
    if np.any(loss < 0) or np.any(val < 0):
        raise CheckFailed("a cross-entropy loss is >= 0")
    norms = _dict(history.get("grad_norm"), 'history["grad_norm"]')
    if sorted(map(str, norms)) != keys:
        raise CheckFailed(f'history["grad_norm"] has the keys {sorted(map(str, norms))}, '
                          f"expected those of model.params: {keys}")
    for key in keys:
        if np.any(_series(norms, key, epochs, 'history["grad_norm"]') < 0):
            raise CheckFailed("a norm is >= 0")
    if student.getattr(model, "training") is not True:
        raise CheckFailed("fit should leave the model in training mode (callers call eval())")
    if not loss[-1] < 0.5 * loss[0]:
        raise CheckFailed(f"the loss goes from {loss[0]:.4f} to {loss[-1]:.4f} on two well "
                          "separated blobs; expected it to fall by half at least")
    student.method(model, "eval")
    scores = _forward(student, model, Xv)
    accuracy = float(np.mean(np.argmax(scores, axis=1) == yv))
    if accuracy < 0.95:
        raise CheckFailed(f"after fit, the model's validation accuracy (measured by the grader) "
                          f"is {accuracy:.1%} on two well separated blobs; expected >= 95%")
    plain = student.call("modules.fit", _small_model(student), X, y, epochs=2, batch_size=16,
                         rng=wire.Rng(0))
    if _dict(plain, "fit's history").get("val_loss") not in (None, []):
        raise CheckFailed('without X_val and y_val, the history has no "val_loss" entries')


def test_fit_loss_is_the_epoch_mean(student, request, rng):
    """history["loss"] is the plain mean of the epoch's minibatch losses, not their sum.

    With learning_rate 0 (and no batch normalization) nothing moves, so the mean of
    the 5 equal minibatches' mean losses is the loss on all of X: a number the grader
    knows. A sum would be 5 times it.
    """
    X, y = _blobs(rng, 80)
    model = _small_model(student)
    values = _dict(student.getattr(model, "params"), "model.params")
    want = expected(request, "loss", lambda R: _reference_loss_of(R, values, X, y))
    history = _dict(student.call("modules.fit", model, X, y, epochs=1, batch_size=16,
                                 optimizer="sgd", optim_config={"learning_rate": 0.0},
                                 rng=wire.Rng(0)), "fit's history")
    loss = _series(history, "loss", 1)
    if not np.isclose(loss[0], want, rtol=1e-6):
        summed = bool(np.isclose(loss[0], 5 * want, rtol=1e-6))
        raise CheckFailed(f'history["loss"][0] with learning_rate 0 is {loss[0]:.6g}; the mean '
                          f"of the minibatch losses is the loss on all of X, {want:.6g}",
                          hint=sentence_of("epoch_loss_summed") if summed else None)


def _reference_loss_of(R, values, X, y):
    """The softmax cross-entropy of Linear -> Tanh -> Linear with these params, on all of X."""
    h = np.tanh(X @ values["0.W"] + values["0.b"]) @ values["2.W"] + values["2.b"]
    return float(R.losses.softmax_cross_entropy(h, y)[0])


def _reference_fit(R, values, X, y, options, batchnorm):
    """Params and history of the reference's fit on the same model, weights and data."""
    rng = np.random.default_rng(0)
    parts = [R.modules.Linear(2, 8, rng=rng)]
    if batchnorm:
        parts.append(R.modules.BatchNorm1d(8))
    parts += [R.modules.Tanh(), R.modules.Linear(8, values["last.W"].shape[1], rng=rng)]
    model = R.modules.Sequential(*parts)
    for key, value in values.items():
        index, name = key.split(".")
        position = 0 if index == "first" else len(parts) - 1
        if index == "bn":
            position = 1
        model.layers[position].params[name] = value.copy()
    history = R.modules.fit(model, X.copy(), y.copy(), rng=np.random.default_rng(0),
                            **copy.deepcopy(options))
    return model.params, history


FULL_BATCH = {  # (optimizer, optim_config, loss, batchnorm, classes)
    "sgd_momentum": ("sgd_momentum", {"learning_rate": 0.1, "momentum": 0.8},
                     "softmax_cross_entropy", True, 2),
    "adam": ("adam", {"learning_rate": 0.01}, "softmax_cross_entropy", False, 2),
    "rmsprop": ("rmsprop", {"learning_rate": 0.01}, "softmax_cross_entropy", True, 2),
    "mse": ("sgd", {"learning_rate": 0.1}, "mse", False, 1),
    "binary_cross_entropy": ("sgd", {"learning_rate": 0.5}, "binary_cross_entropy", False, 1),
}


@pytest.mark.parametrize("setting", list(FULL_BATCH))
def test_fit_full_batch(student, request, rng, setting):
    """One batch per epoch leaves nothing random: the params and the losses are the reference's.

    This sees the Optimizer and its rule, the loss named, y reshaped for mse and BCE, and
    val_loss computed in evaluation mode (with BatchNorm1d's running statistics).
    """
    optimizer, config, loss, batchnorm, classes = FULL_BATCH[setting]
    X, y = _blobs(rng, 12)
    Xv, yv = _blobs(rng, 6)
    if loss == "mse":
        y, yv = X[:, 0] - 0.5 * X[:, 1], Xv[:, 0] - 0.5 * Xv[:, 1]
    values = {"first.W": rng.standard_normal((2, 8)), "first.b": 0.1 * rng.standard_normal(8),
              "last.W": rng.standard_normal((8, classes)) * 0.5,
              "last.b": 0.1 * rng.standard_normal(classes)}
    if batchnorm:
        values.update({"bn.gamma": rng.uniform(0.5, 1.5, 8), "bn.beta": rng.standard_normal(8)})
    epochs = 4
    options = dict(epochs=epochs, batch_size=len(X), optimizer=optimizer, optim_config=config,
                   loss=loss, X_val=Xv, y_val=yv)
    want_params, want_history = expected(request, "fit", lambda R: _reference_fit(
        R, values, X, y, options, batchnorm))
    model = _small_model(student, batchnorm, classes)
    layers = _layers(student, model, 4 if batchnorm else 3)
    for key, value in values.items():
        index, name = key.split(".")
        position = {"first": 0, "bn": 1, "last": len(layers) - 1}[index]
        _set_params(student, layers[position], {name: value})
    history = _dict(student.call("modules.fit", model, X, y, rng=wire.Rng(0), **options),
                    "fit's history")
    after = _dict(student.getattr(model, "params"), "model.params")
    for key, want in want_params.items():
        expect_array(after.get(key), want, f'params["{key}"] after {epochs} full-batch epochs '
                     f'of fit ({optimizer}, {loss})', dtype=np.float64, rtol=1e-6, atol=1e-9)
    for key in ("loss", "val_loss"):
        expect_array(_series(history, key, epochs), np.asarray(want_history[key]),
                     f'history["{key}"] of {epochs} full-batch epochs ({loss})', rtol=1e-6,
                     atol=1e-9)


# fit's clip_norm is graded with assignment 9 (test_a9_rnn.py's rnn_fit_clip_norm): it calls
# the student's clip_grad_norm of rnn.py, and a check here would make a7's grade depend on a9.


# ---------------------------------------------------------------- the deep task

TASKS = COURSE["a7"].tasks


@pytest.mark.parametrize("task", TASKS)
def test_task_accuracy(request, task):
    """Test accuracy of the deep network of your modules, trained by your fit."""
    judge_task(request, task)


@pytest.mark.parametrize("task", TASKS)
def test_task_history(request, task):
    """The history fit returned: the SPEC's keys, one finite entry per epoch."""
    check_task_history(request, task)
