"""Assignment 11, the GAN's functions (gan.py): the two losses, gan_step and train_gan.

The losses are plain functions of arrays, checked like assignment 3's: each output on
its own against the reference, against a numerical gradient of the student's own loss,
for large logits, in float32, inputs left unchanged.

gan_step and train_gan take the student's modules: G and D are built in the worker of
the student's assignment 7 classes (Linear, Tanh, Sequential, Optimizer), their weights
set through `params`, and the parameters read back after the call. Every expected value
is computed on this side by the reference from the same parameters and data. The halves
of gan_step are isolated by the learning rates: with G's at 0 the step moves D only, by
the discriminator's update and nothing else; with D's at 0 it moves G only.
"""

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
from ..sandbox.client import Program
from .support import (
    CASES,
    PROPERTY,
    check_signature,
    expected,
    known_mistakes,
    numerical_gradient_of,
)

MODULE = "gan"
FUNCTIONS = ["discriminator_loss", "generator_loss", "gan_step", "train_gan"]
N, M = 6, 5  # reals and fakes: different sizes, so that each mean shows
LATENT, HIDDEN = 3, 4  # the small fixed G (3 -> 4 -> 2) and D (2 -> 4 -> 1)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_signature(student, request, function):
    check_signature(student, request, MODULE, function)


# ---------------------------------------------------------------- the losses


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))


def _bce(z, y):
    """Per-element BCE with logits, stable (trusted side)."""
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def _logits(rng, size, dtype=np.float64):
    return (rng.standard_normal((size, 1)) * 3).astype(dtype)


def _reference_d(R, real, fake):
    loss, dreal, dfake = R.gan.discriminator_loss(real.copy(), fake.copy())
    return float(loss), dreal, dfake


def _reference_g(R, fake):
    loss, dfake = R.gan.generator_loss(fake.copy())
    return float(loss), dfake


def _d_mistakes(real, fake):
    """What the common mistakes of discriminator_loss return: (loss, dreal, dfake)."""
    swapped = (float(np.mean(_bce(real, 0)) + np.mean(_bce(fake, 1))),
               _sigmoid(real) / real.size, (_sigmoid(fake) - 1) / fake.size)
    together = N + M
    one_mean = (float((np.sum(_bce(real, 1)) + np.sum(_bce(fake, 0))) / together),
                (_sigmoid(real) - 1) / together, _sigmoid(fake) / together)
    return {"gan_labels_swapped": swapped, "gan_one_mean_over_both": one_mean}


def _call_d(student, real, fake, return_args=False):
    result = student.call(f"{MODULE}.discriminator_loss", real, fake, return_args=return_args)
    value = result.unwrap() if return_args else result
    out = as_tuple(value, 3, "discriminator_loss")
    return (out, result) if return_args else out


def _call_g(student, fake, return_args=False):
    result = student.call(f"{MODULE}.generator_loss", fake, return_args=return_args)
    value = result.unwrap() if return_args else result
    out = as_tuple(value, 2, "generator_loss")
    return (out, result) if return_args else out


D_OUTPUTS = ["loss", "dreal_logits", "dfake_logits"]


@CASES
@pytest.mark.parametrize("output", D_OUTPUTS)
def test_discriminator_loss(student, request, rng, output, case):
    """Reals labelled 1, fakes 0, a mean over each; every output scored on its own."""
    real, fake = _logits(rng, N), _logits(rng, M)
    want = expected(request, "out", lambda R: _reference_d(R, real, fake))
    got = _call_d(student, real, fake)
    index = D_OUTPUTS.index(output)
    mistakes = known_mistakes({name: values[index]
                               for name, values in _d_mistakes(real, fake).items()})
    context = {"N": N, "size": N + M, **mistakes}
    if output == "loss":
        expect_close_float(got[0], want[0], "discriminator_loss's loss", context=context)
    else:
        expect_array(got[index], want[index], f"discriminator_loss's {output}",
                     dtype=np.float64, context=context)


@CASES
@pytest.mark.parametrize("output", ["loss", "dfake_logits"])
def test_generator_loss(student, request, rng, output, case):
    """The non-saturating loss: BCE with logits of the fakes labelled 1."""
    fake = _logits(rng, M)
    want = expected(request, "out", lambda R: _reference_g(R, fake))
    got = _call_g(student, fake)
    saturating = (-float(np.mean(_bce(fake, 0))), -_sigmoid(fake) / fake.size)
    swapped = (float(np.mean(_bce(fake, 0))), _sigmoid(fake) / fake.size)
    index = 0 if output == "loss" else 1
    context = {"N": M, **known_mistakes({
        "gan_saturating_generator_loss": saturating[index],
        "gan_labels_swapped": swapped[index]})}
    if output == "loss":
        expect_close_float(got[0], want[0], "generator_loss's loss", context=context)
    else:
        expect_array(got[1], want[1], "generator_loss's dfake_logits", dtype=np.float64,
                     context=context)


def _expect_right_loss(loss, want_loss, function):
    """A gradient agreeing with a wrong loss's own numerical gradient earns nothing."""
    try:
        expect_close_float(loss, want_loss, f"the loss of {function}")
    except CheckFailed as failure:
        raise CheckFailed("the gradient cannot be credited because the loss is wrong: "
                          + failure.message, hint=failure.hint) from None


@pytest.mark.parametrize("output", ["dreal_logits", "dfake_logits"])
def test_discriminator_loss_numerical_gradient(student, request, rng, output):
    """Each gradient agrees with centred differences of the student's own, right, loss."""
    real, fake = _logits(rng, N), _logits(rng, M)
    want = expected(request, "out", lambda R: _reference_d(R, real, fake))
    got = _call_d(student, real, fake)
    _expect_right_loss(got[0], want[0], "discriminator_loss")
    index = 0 if output == "dreal_logits" else 1
    numeric = numerical_gradient_of(student, f"{MODULE}.discriminator_loss", (real, fake),
                                    index, 1.0, output=0)
    expect_array(got[1 + index], numeric, f"{output} against the numerical gradient of your "
                 "discriminator_loss", rtol=1e-5, atol=1e-7)


def test_generator_loss_numerical_gradient(student, request, rng):
    """dfake_logits agrees with centred differences of the student's own, right, loss."""
    fake = _logits(rng, M)
    want = expected(request, "out", lambda R: _reference_g(R, fake))
    loss, dfake = _call_g(student, fake)
    _expect_right_loss(loss, want[0], "generator_loss")
    numeric = numerical_gradient_of(student, f"{MODULE}.generator_loss", (fake,), 0, 1.0,
                                    output=0)
    expect_array(dfake, numeric, "dfake_logits against the numerical gradient of your "
                 "generator_loss", rtol=1e-5, atol=1e-7)


def _large_logits(rng, size):
    fixed = np.array([1e4, -1e4, 800.0, -800.0, 50.0, -50.0])
    drawn = rng.uniform(60, 1e4, size=size - len(fixed)) * rng.choice([-1.0, 1.0],
                                                                      size=size - len(fixed))
    return rng.permutation(np.concatenate([fixed, drawn]))[:, None]


@pytest.mark.parametrize("function", ["discriminator_loss", "generator_loss"])
def test_losses_stable(student, request, rng, function):
    """|logits| up to 1e4 (a discriminator that wins): finite, right, no NumPy warning."""
    real, fake = _large_logits(rng, 10), _large_logits(rng, 8)
    if function == "discriminator_loss":
        want = expected(request, "out", lambda R: _reference_d(R, real, fake))
        got, result = _call_d(student, real, fake, return_args=True)
    else:
        want = expected(request, "out", lambda R: _reference_g(R, fake))
        got, result = _call_g(student, fake, return_args=True)
    value = as_float(got[0], "the loss")
    if not np.isfinite(value):
        raise CheckFailed(f"{function} gives a loss of {value} for |logits| up to 1e4",
                          hint=sentence_of("not_finite"))
    expect_close_float(value, want[0], f"the loss of {function} for |logits| up to 1e4")
    for index in range(1, len(want)):
        expect_array(got[index], want[index], f"gradient {index} of {function} for |logits| up "
                     "to 1e4", dtype=np.float64)
    warned = [w for w in result.warnings if "overflow" in w or "invalid" in w or "divide" in w]
    if warned:
        raise CheckFailed(f"{function} gives the right values but NumPy warned: {warned[0]}",
                          hint=sentence_of("overflow_warning"))


@pytest.mark.parametrize("function", ["discriminator_loss", "generator_loss"])
@PROPERTY
def test_losses_float32(student, request, rng, function):
    """float32 logits give float32 gradients (and a float loss) with the right values."""
    real, fake = _logits(rng, N, np.float32), _logits(rng, M, np.float32)
    if function == "discriminator_loss":
        want = expected(request, "out", lambda R: _reference_d(
            R, real.astype(np.float64), fake.astype(np.float64)))
        got = _call_d(student, real, fake)
    else:
        want = expected(request, "out", lambda R: _reference_g(R, fake.astype(np.float64)))
        got = _call_g(student, fake)
    expect_close_float(got[0], want[0], f"the loss of {function} for float32 logits",
                       rtol=1e-4, atol=1e-6)
    for index in range(1, len(want)):
        array = as_array(got[index], f"gradient {index}")
        if array.dtype != np.float32:
            raise CheckFailed(f"gradient {index} of {function} is {array.dtype} for float32 "
                              "logits; keep the input's dtype (float32 in, float32 out)")
        expect_array(array, want[index], f"gradient {index} of {function} for float32 logits",
                     dtype=np.float32)


@PROPERTY
def test_losses_inputs_unchanged(student, request, rng):
    """Both losses leave the logits as they were, and return the right values."""
    real, fake = _logits(rng, N), _logits(rng, M)
    want_d = expected(request, "d", lambda R: _reference_d(R, real, fake))
    want_g = expected(request, "g", lambda R: _reference_g(R, fake))
    got_d, result_d = _call_d(student, real, fake, return_args=True)
    got_g, result_g = _call_g(student, fake, return_args=True)
    expect_unchanged(real, result_d.args_after[0], "real_logits (discriminator_loss)")
    expect_unchanged(fake, result_d.args_after[1], "fake_logits (discriminator_loss)")
    expect_unchanged(fake, result_g.args_after[0], "fake_logits (generator_loss)")
    expect_close_float(got_d[0], want_d[0], "discriminator_loss's loss")
    expect_close_float(got_g[0], want_g[0], "generator_loss's loss")


# ---------------------------------------------------------------- gan_step

G_KEYS = {"0.W": (LATENT, HIDDEN), "0.b": (HIDDEN,), "2.W": (HIDDEN, 2), "2.b": (2,)}
D_KEYS = {"0.W": (2, HIDDEN), "0.b": (HIDDEN,), "2.W": (HIDDEN, 1), "2.b": (1,)}


def _values(rng, keys):
    return {key: rng.standard_normal(shape) * (0.2 if key.endswith(".b") else 0.8)
            for key, shape in keys.items()}


def _build_pair(student, g_values, d_values):
    """G = Sequential(Linear(3, 4), Tanh(), Linear(4, 2)), D = Sequential(Linear(2, 4), Tanh(),
    Linear(4, 1)) of the student's modules, their weights set through params."""
    program = Program()
    handles = []
    for inputs, outputs in ((LATENT, 2), (2, 1)):
        first = program.call("modules.Linear", inputs, HIDDEN, rng=wire.Rng(1))
        second = program.call("modules.Linear", HIDDEN, outputs, rng=wire.Rng(2))
        handles.append(program.call("modules.Sequential", first, program.call("modules.Tanh"),
                                    second, returns=True, keep=True))
    results = student.run(program)
    G, D = (results[index].unwrap() for index in sorted(results)[-2:])
    for model, values in ((G, g_values), (D, d_values)):
        layers = student.getattr(model, "layers")
        if not isinstance(layers, list) or len(layers) != 3:
            raise CheckFailed("Sequential.layers should be the list of its 3 modules "
                              "(assignment 7)")
        for key, value in values.items():
            index, name = key.split(".")
            params = student.getattr(layers[int(index)], "params", keep=True)
            student.setitem(params, name, value)
    return G, D


def _params(student, model, keys, what):
    params = student.getattr(model, "params")
    if not isinstance(params, dict) or set(map(str, params)) != set(keys):
        raise CheckFailed(f"{what}.params should have the keys {sorted(keys)} (assignment 7's "
                          "Sequential)")
    return {str(key): as_array(value, f"{what}.params[{key!r}]") for key, value in params.items()}


def _reference_pair(R, g_values, d_values):
    models = []
    for values, inputs, outputs in ((g_values, LATENT, 2), (d_values, 2, 1)):
        first = R.modules.Linear(inputs, HIDDEN, rng=np.random.default_rng(1))
        second = R.modules.Linear(HIDDEN, outputs, rng=np.random.default_rng(2))
        model = R.modules.Sequential(first, R.modules.Tanh(), second)
        for key, value in values.items():
            index, name = key.split(".")
            model.layers[int(index)].params[name] = value.copy()
        models.append(model)
    return models


def _plain(model):
    return {key: np.array(value) for key, value in model.params.items()}


def _reference_steps(R, g_values, d_values, batches, g_rule, d_rule, mistake=None):
    """The reference's gan_step from these parameters, one per batch of (real, z); with a
    mistake, that mistake made by hand (the hints' evidence): G and D's params after, and
    the losses."""
    G, D = _reference_pair(R, g_values, d_values)
    g_opt, d_opt = R.modules.Optimizer(*g_rule), R.modules.Optimizer(*d_rule)
    losses = {"d_loss": [], "g_loss": []}
    for real, z in batches:
        if mistake is None:
            step = R.gan.gan_step(G, D, real.copy(), z.copy(), g_opt, d_opt)
        else:
            step = _mistaken_step(R, G, D, real, z, g_opt, d_opt, mistake)
        losses["d_loss"].append(step["d_loss"])
        losses["g_loss"].append(step["g_loss"])
    return _plain(G), _plain(D), losses


def _mistaken_step(R, G, D, real, z, g_opt, d_opt, mistake):
    """The reference's gan_step, made to commit one of the mistakes the hints name."""
    if mistake == "gan_discriminator_step_moves_generator":
        return R.gan.gan_step(G, _UndetachedD(D, G, g_opt), real.copy(), z.copy(), g_opt, d_opt)
    if mistake == "gan_g_loss_before_d_update":
        stale = R.gan.generator_loss(D.forward(G.forward(z.copy())))[0]
        step = R.gan.gan_step(G, D, real.copy(), z.copy(), g_opt, d_opt)
        return {"d_loss": step["d_loss"], "g_loss": float(stale)}
    assert mistake == "gan_generator_step_moves_discriminator", mistake
    step = R.gan.gan_step(G, D, real.copy(), z.copy(), g_opt, d_opt)
    d_opt.step(D)  # D's grads are still those of the generator's half
    return step


class _UndetachedD:
    """D whose first backward (that of the fakes, in the discriminator's half) also carries
    its gradient on into G and steps G: a gan_step that forgets to detach the fakes."""

    def __init__(self, D, G, g_opt):
        self._D, self._G, self._g_opt, self._first = D, G, g_opt, True

    def __getattr__(self, name):
        return getattr(self._D, name)

    def backward(self, grad):
        dx = self._D.backward(grad)
        if self._first:
            self._first = False
            self._G.backward(dx)
            self._g_opt.step(self._G)
        return dx


def _batches(rng, count):
    return [(rng.standard_normal((N, 2)) * 1.5, rng.standard_normal((M, LATENT)))
            for _ in range(count)]


def _student_steps(student, g_values, d_values, batches, g_rule, d_rule):
    G, D = _build_pair(student, g_values, d_values)
    g_opt = student.call("modules.Optimizer", *g_rule, keep=True)
    d_opt = student.call("modules.Optimizer", *d_rule, keep=True)
    losses = {"d_loss": [], "g_loss": []}
    for real, z in batches:
        step = student.call(f"{MODULE}.gan_step", G, D, real, z, g_opt, d_opt)
        if not isinstance(step, dict) or not {"d_loss", "g_loss"} <= set(map(str, step)):
            raise CheckFailed("gan_step should return {'d_loss': float, 'g_loss': float}, "
                              f"returned {type(step).__name__}")
        for key in losses:
            losses[key].append(as_float(step[key], f"gan_step's {key}"))
    return _params(student, G, G_KEYS, "G"), _params(student, D, D_KEYS, "D"), losses


def _expect_params(got, want, what, mistakes=None):
    for key in want:
        expect_array(got[key], want[key], f'{what}.params["{key}"]', dtype=np.float64,
                     rtol=1e-6, atol=1e-9,
                     context=known_mistakes({name: values[key]
                                             for name, values in (mistakes or {}).items()}))


def _unchanged(got, before, what, hint):
    moved = [key for key in before if not np.array_equal(got[key], before[key])]
    if moved:
        raise CheckFailed(f"{what}'s parameters {', '.join(moved)} changed although its "
                          "learning rate was 0", hint=sentence_of(hint))


SGD_D = ("sgd", {"learning_rate": 0.3})
SGD_G = ("sgd", {"learning_rate": 0.2})
FROZEN = ("sgd", {"learning_rate": 0.0})


def test_gan_step_discriminator_half(student, request, rng):
    """G's learning rate 0: D moves by exactly the discriminator's update, G not at all;
    d_loss is the loss before the update."""
    g_values, d_values = _values(rng, G_KEYS), _values(rng, D_KEYS)
    batches = _batches(rng, 1)
    want_g, want_d, want_losses = expected(request, "step", lambda R: _reference_steps(
        R, g_values, d_values, batches, FROZEN, SGD_D))
    moves_d = expected(request, "mistake", lambda R: _reference_steps(
        R, g_values, d_values, batches, FROZEN, SGD_D,
        "gan_generator_step_moves_discriminator")[1])
    got_g, got_d, losses = _student_steps(student, g_values, d_values, batches, FROZEN, SGD_D)
    _unchanged(got_g, g_values, "G", "gan_discriminator_step_moves_generator")
    if all(np.array_equal(got_d[key], d_values[key]) for key in d_values):
        raise CheckFailed("D's parameters are unchanged after gan_step: the discriminator's "
                          "half steps D with d_opt")
    _expect_params(got_d, want_d, "D after one gan_step (G's learning rate 0)",
                   {"gan_generator_step_moves_discriminator": moves_d})
    expect_close_float(losses["d_loss"][0], want_losses["d_loss"][0],
                       "gan_step's d_loss (before D's update)")


def test_gan_step_generator_half(student, request, rng):
    """D's learning rate 0: G moves by exactly the generator's update through D, D not at
    all; g_loss is the generator's loss."""
    g_values, d_values = _values(rng, G_KEYS), _values(rng, D_KEYS)
    batches = _batches(rng, 1)
    want_g, want_d, want_losses = expected(request, "step", lambda R: _reference_steps(
        R, g_values, d_values, batches, SGD_G, FROZEN))
    moves_g = expected(request, "mistake", lambda R: _reference_steps(
        R, g_values, d_values, batches, SGD_G, FROZEN,
        "gan_discriminator_step_moves_generator")[0])
    got_g, got_d, losses = _student_steps(student, g_values, d_values, batches, SGD_G, FROZEN)
    _unchanged(got_d, d_values, "D", "gan_generator_step_moves_discriminator")
    if all(np.array_equal(got_g[key], g_values[key]) for key in g_values):
        raise CheckFailed("G's parameters are unchanged after gan_step: the generator's half "
                          "steps G with g_opt, from the gradient that flows back through D")
    _expect_params(got_g, want_g, "G after one gan_step (D's learning rate 0)",
                   {"gan_discriminator_step_moves_generator": moves_g})
    expect_close_float(losses["g_loss"][0], want_losses["g_loss"][0], "gan_step's g_loss")


@pytest.mark.parametrize("rule", ["sgd", "adam"])
def test_gan_step_updates(student, request, rng, rule):
    """Three steps with both networks learning (each its own Optimizer): every parameter and
    every loss equal the reference's from the same parameters and data."""
    g_values, d_values = _values(rng, G_KEYS), _values(rng, D_KEYS)
    batches = _batches(rng, 3)
    if rule == "sgd":
        g_rule, d_rule = SGD_G, SGD_D
    else:
        g_rule = ("adam", {"learning_rate": 0.05, "beta1": 0.5})
        d_rule = ("adam", {"learning_rate": 0.02, "beta1": 0.5})
    want_g, want_d, want_losses = expected(request, "steps", lambda R: _reference_steps(
        R, g_values, d_values, batches, g_rule, d_rule))
    stale = expected(request, "stale g_loss", lambda R: _reference_steps(
        R, g_values, d_values, batches, g_rule, d_rule, "gan_g_loss_before_d_update")[2])
    got_g, got_d, losses = _student_steps(student, g_values, d_values, batches, g_rule, d_rule)
    _expect_params(got_d, want_d, f"D after three gan_steps ({rule})")
    _expect_params(got_g, want_g, f"G after three gan_steps ({rule})")
    expect_array(np.array(losses["d_loss"]), np.array(want_losses["d_loss"]),
                 "gan_step's d_loss at each of the three steps", rtol=1e-6, atol=1e-9)
    expect_array(np.array(losses["g_loss"]), np.array(want_losses["g_loss"]),
                 "gan_step's g_loss at each of the three steps", rtol=1e-6, atol=1e-9,
                 context=known_mistakes({"gan_g_loss_before_d_update": np.array(stale["g_loss"])}))


# ---------------------------------------------------------------- train_gan
#
# train_gan draws its batches and noise from its own rng, in an order the SPEC leaves
# free: nothing of it can be replayed here, except what does not depend on the draws.
# With every data point the same and G's first weights 0, G's samples do not depend on
# z at the first step: the first step's losses, D after it, and all of G but its first
# weights are then the reference's gan_step's, whatever was drawn.

BATCH = 8


def _fixed_first_step(rng):
    g_values, d_values = _values(rng, G_KEYS), _values(rng, D_KEYS)
    g_values["0.W"] = np.zeros_like(g_values["0.W"])
    point = rng.standard_normal(2) * 1.5
    return g_values, d_values, np.tile(point, (40, 1))


def _first_step(R, g_values, d_values, data, g_rule, d_rule):
    z = np.random.default_rng(0).standard_normal((BATCH, LATENT))
    return _reference_steps(R, g_values, d_values, [(data[:BATCH], z)], g_rule, d_rule)


def _train(student, g_values, d_values, data, steps, dtype=None, **options):
    G, D = _build_pair(student, g_values, d_values)
    if dtype is not None:  # the same weights in float32: set again, cast
        for model, values in ((G, g_values), (D, d_values)):
            layers = student.getattr(model, "layers")
            for key, value in values.items():
                index, name = key.split(".")
                params = student.getattr(layers[int(index)], "params", keep=True)
                student.setitem(params, name, value.astype(dtype))
        data = data.astype(dtype)
    student.method(G, "eval")
    student.method(D, "eval")
    history = student.call(f"{MODULE}.train_gan", G, D, data, steps=steps, batch_size=BATCH,
                           latent_dim=LATENT, rng=wire.Rng(5), **options)
    return G, D, history


def _losses(history, steps, what="train_gan"):
    if not isinstance(history, dict) or set(map(str, history)) != {"d_loss", "g_loss"}:
        shown = sorted(map(str, history)) if isinstance(history, dict) else describe(history)
        raise CheckFailed(f"{what} should return {{'d_loss': [...], 'g_loss': [...]}}, returned "
                          f"{shown}")
    out = {}
    for key in ("d_loss", "g_loss"):
        values = history[key]
        if not isinstance(values, list) or len(values) != steps:
            raise CheckFailed(f"history['{key}'] should be a list of {steps} numbers (one per "
                              "step)")
        out[key] = np.array([as_float(v, f"history['{key}']") for v in values])
        if not np.all(np.isfinite(out[key])) or np.any(out[key] < 0):
            raise CheckFailed(f"history['{key}'] should hold finite losses >= 0, holds "
                              f"{out[key]}")
    return out


ADAM = ("adam", {"learning_rate": 0.01, "beta1": 0.5})


def test_train_gan_history(student, request, rng):
    """{"d_loss", "g_loss"}: one float per step, the first step's equal to the reference's
    gan_step's; G and D left in training mode."""
    g_values, d_values, data = _fixed_first_step(rng)
    steps = 6
    _, _, want = expected(request, "first step", lambda R: _first_step(
        R, g_values, d_values, data, ADAM, ADAM))
    G, D, history = _train(student, g_values, d_values, data, steps, optimizer="adam",
                           g_config=ADAM[1], d_config=ADAM[1])
    losses = _losses(history, steps)
    for model, what in ((G, "G"), (D, "D")):
        if student.getattr(model, "training") is not True:
            raise CheckFailed(f"{what}.training is False after train_gan: it calls G.train() and "
                              "D.train() first")
    for key in ("d_loss", "g_loss"):
        expect_close_float(float(losses[key][0]), want[key][0], f"history['{key}'][0] (every data "
                           "point the same, and G's samples independent of z at the first step)")


@pytest.mark.parametrize("frozen", ["G", "D"])
def test_train_gan_own_optimizers(student, request, rng, frozen):
    """g_config is G's and d_config D's: with one learning rate 0, that network stays, and
    the other moves as the reference's gan_step moves it (one Optimizer or one config for
    both shows here)."""
    g_values, d_values, data = _fixed_first_step(rng)
    zero, some = {"learning_rate": 0.0}, {"learning_rate": 0.05}
    g_config, d_config = (zero, some) if frozen == "G" else (some, zero)
    want_g, want_d, _ = expected(request, "first step", lambda R: _first_step(
        R, g_values, d_values, data, ("sgd", g_config), ("sgd", d_config)))
    G, D, _ = _train(student, g_values, d_values, data, 1, optimizer="sgd", g_config=g_config,
                     d_config=d_config)
    models = {"G": (G, G_KEYS, g_values), "D": (D, D_KEYS, d_values)}
    model, keys, values = models[frozen]
    after = _params(student, model, keys, frozen)
    if not all(np.array_equal(after[key], values[key]) for key in keys):
        raise CheckFailed(f"{frozen} changed although its config's learning rate was 0",
                          hint=sentence_of("gan_shared_optimizer"))
    if frozen == "G":
        _expect_params(_params(student, D, D_KEYS, "D"), want_d,
                       "D after one step of train_gan (G's learning rate 0)")
    else:
        got = _params(student, G, G_KEYS, "G")
        if np.array_equal(got["2.W"], g_values["2.W"]):
            raise CheckFailed("G did not change although its learning rate was 0.05",
                              hint=sentence_of("gan_shared_optimizer"))
        # G's first weights moved by z, drawn by train_gan: not replayable here.
        _expect_params({k: v for k, v in got.items() if k != "0.W"},
                       {k: v for k, v in want_g.items() if k != "0.W"},
                       "G after one step of train_gan (D's learning rate 0)")


def test_train_gan_dtype(student, request, rng):
    """A float32 G gets float32 data and noise: its parameters stay float32, the first
    step's losses are right."""
    g_values, d_values, data = _fixed_first_step(rng)
    program = Program()
    for inputs, outputs in ((LATENT, 2), (2, 1)):
        first = program.call("modules.Linear", inputs, HIDDEN, rng=wire.Rng(1),
                             dtype=wire.DType("float32"))
        second = program.call("modules.Linear", HIDDEN, outputs, rng=wire.Rng(2),
                              dtype=wire.DType("float32"))
        program.call("modules.Sequential", first, program.call("modules.Tanh"), second,
                     returns=True, keep=True)
    results = student.run(program)
    G, D = (results[index].unwrap() for index in sorted(results)[-2:])
    for model, values in ((G, g_values), (D, d_values)):
        layers = student.getattr(model, "layers")
        for key, value in values.items():
            index, name = key.split(".")
            params = student.getattr(layers[int(index)], "params", keep=True)
            student.setitem(params, name, value.astype(np.float32))
    g32 = {k: v.astype(np.float32).astype(np.float64) for k, v in g_values.items()}
    d32 = {k: v.astype(np.float32).astype(np.float64) for k, v in d_values.items()}
    _, _, want = expected(request, "first step", lambda R: _first_step(
        R, g32, d32, data.astype(np.float32).astype(np.float64), ADAM, ADAM))
    history = student.call(f"{MODULE}.train_gan", G, D, data.astype(np.float32), steps=3,
                           batch_size=BATCH, latent_dim=LATENT, rng=wire.Rng(5),
                           optimizer="adam", g_config=ADAM[1], d_config=ADAM[1])
    for model, keys, what in ((G, G_KEYS, "G"), (D, D_KEYS, "D")):
        for key, value in _params(student, model, keys, what).items():
            if value.dtype != np.float32:
                raise CheckFailed(f"{what}.params[{key!r}] is {value.dtype} after train_gan on "
                                  "float32 networks: draw the minibatches and z in G's dtype")
    losses = _losses(history, 3)
    for key in ("d_loss", "g_loss"):
        expect_close_float(float(losses[key][0]), want[key][0], f"history['{key}'][0] with float32 "
                           "networks", rtol=1e-4, atol=1e-6)
