"""Assignment 4: gradient checking (gradcheck.py).

The student's numerical gradients are taken of known test functions built in
the worker (wire.Fn; see DeferredFunction in sandbox/worker.py), whose
trusted twins below give the reference the very same function. Restoring x
is checked bit for bit: x[i] = old, not x[i] += h then x[i] -= h.
"""

import numpy as np
import pytest

from ..compare import CheckFailed, as_array, as_float, expect_array, expect_close_float
from ..hints import sentence_of
from ..sandbox import wire
from .support import CASES, PROPERTY, check_signature, expected, known_mistakes

MODULE = "gradcheck"
FUNCTIONS = ["numerical_gradient", "numerical_gradient_array", "rel_error", "gradient_check"]
DEFAULT_H = 1e-5  # the SPEC's default step
# Entries for which x + h - h != x (and x + h - 2h + h != x) in float64 with the
# default h: restoring x by arithmetic changes them in the last bit.
ROUNDING_TRAPS = (0.499997, 0.999997)


# ------------------------------------------------------- trusted twins of the worker's functions


def cubic_sum(c):
    """Twin of wire.Fn("cubic_sum", c=c): f(x) = sum(c * x**3), gradient 3 c x**2."""
    return lambda x: float(np.sum(c * x**3))


def scaled_sin(c):
    """Twin of wire.Fn("scaled_sin", c=c): f(x) = c * sin(x), array valued."""
    return lambda x: c * np.sin(x)


def matrix_product(A):
    """Twin of wire.Fn("matrix_product", A=A): f(x) = x @ A."""
    return lambda x: x @ A


def params_cubic_sum(params, c):
    """Twin of wire.Fn("params_cubic_sum", params_arg=1, c=c): f() reads the dict params."""
    return lambda: float(sum(np.sum(c[k] * params[k] ** 3) for k in params))


def _array_function(name, coefficients):
    return (scaled_sin if name == "scaled_sin" else matrix_product)(coefficients)


def _forward_difference(f, x, h, dout=None):
    """The mistake (f(x + h e_i) - f(x)) / h, through dout for array-valued f."""
    grad = np.zeros(x.shape)
    base = np.asarray(f(x), dtype=np.float64)
    for i in np.ndindex(x.shape):
        moved = x.copy()
        moved[i] += h
        difference = np.asarray(f(moved), dtype=np.float64) - base
        grad[i] = np.sum(difference if dout is None else dout * difference) / h
    return grad


def _centred_difference(f, x, h, dout):
    """(f(x + h e_i) - f(x - h e_i)) / 2h through dout, for the hints' alternatives."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += h
        minus[i] -= h
        grad[i] = np.sum(dout * (f(plus) - f(minus))) / (2 * h)
    return grad


def _bitwise_equal(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _expect_restored(before, after, name):
    """x after the call must be x before it, bit for bit."""
    after = as_array(after, name)
    if _bitwise_equal(before, after):
        return
    if after.shape == before.shape and np.allclose(after, before, rtol=1e-12, atol=1e-12):
        raise CheckFailed(f"{name} is not restored exactly: some entries differ in the last "
                          "bits after the call", hint=sentence_of("restored_by_arithmetic"))
    raise CheckFailed(f"{name} is changed by the call; every perturbed entry must be put back",
                      hint=sentence_of("not_restored"))


def _point(rng, shape):
    """An x with entries away from 0, two of which do not survive x + h - h."""
    x = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    x.flat[:len(ROUNDING_TRAPS)] = ROUNDING_TRAPS
    return x


@pytest.mark.parametrize("function", FUNCTIONS)
def test_signature(student, request, function):
    check_signature(student, request, MODULE, function)


# ---------------------------------------------------------------- numerical_gradient


@CASES
def test_numerical_gradient(student, request, rng, case):
    """Centred differences of f(x) = sum(c x**3) at the default step."""
    x, c = _point(rng, (3, 4)), rng.uniform(0.5, 2.0, size=(3, 4))
    want = expected(request, "grad",
                    lambda R: R.gradcheck.numerical_gradient(cubic_sum(c), x.copy()))
    got = student.call(f"{MODULE}.numerical_gradient", wire.Fn("cubic_sum", c=c), x)
    mistakes = {"forward_difference": _forward_difference(cubic_sum(c), x, DEFAULT_H)}
    expect_array(got, want, "numerical_gradient of sum(c * x**3)", dtype=np.float64,
                 rtol=1e-7, atol=1e-9, context={"inputs": [x], **known_mistakes(mistakes)})


def test_numerical_gradient_step(student, request, rng):
    """The step h is the one given: with h = 1e-2 the centred error c h**2 is visible."""
    h = 1e-2
    x, c = _point(rng, (2, 3)), rng.uniform(0.5, 2.0, size=(2, 3))
    want = expected(request, "grad",
                    lambda R: R.gradcheck.numerical_gradient(cubic_sum(c), x.copy(), h=h))
    got = student.call(f"{MODULE}.numerical_gradient", wire.Fn("cubic_sum", c=c), x, h=h)
    mistakes = {
        "step_ignored": (3 * c * x**2, "the result ignores the argument h (a fixed step is used)"),
        "forward_difference": _forward_difference(cubic_sum(c), x, h),
    }
    expect_array(got, want, f"numerical_gradient with h={h}", dtype=np.float64, rtol=1e-7,
                 atol=1e-9, context={"inputs": [x], **known_mistakes(mistakes)})


@pytest.mark.parametrize("shape", [(5,), (2, 3, 2)])
def test_numerical_gradient_shape_dtype(student, request, rng, shape):
    """Any shape of x (every entry visited): a float64 array shaped like x."""
    x, c = _point(rng, shape), rng.uniform(0.5, 2.0, size=shape)
    want = expected(request, "grad",
                    lambda R: R.gradcheck.numerical_gradient(cubic_sum(c), x.copy()))
    got = student.call(f"{MODULE}.numerical_gradient", wire.Fn("cubic_sum", c=c), x)
    expect_array(got, want, f"numerical_gradient for x of shape {shape}", dtype=np.float64,
                 rtol=1e-7, atol=1e-9)


@PROPERTY
def test_numerical_gradient_restores_x(student, request, rng):
    """x is restored bit for bit, by a numerical_gradient that returns the right gradient."""
    x, c = _point(rng, (3, 4)), rng.uniform(0.5, 2.0, size=(3, 4))
    want = expected(request, "grad",
                    lambda R: R.gradcheck.numerical_gradient(cubic_sum(c), x.copy()))
    result = student.call(f"{MODULE}.numerical_gradient", wire.Fn("cubic_sum", c=c), x,
                          return_args=True)
    got = result.unwrap()
    _expect_restored(x, result.args_after[1], "x")
    expect_array(got, want, "numerical_gradient of sum(c * x**3)", dtype=np.float64,
                 rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------- numerical_gradient_array


@CASES
@pytest.mark.parametrize("function", ["scaled_sin", "matrix_product"])
def test_numerical_gradient_array(student, request, rng, function, case):
    """d sum(dout * f(x)) / dx for an elementwise f and for one whose output is not x's shape."""
    x = _point(rng, (3, 4))
    coefficients = rng.uniform(0.5, 2.0, size=(3, 4) if function == "scaled_sin" else (4, 5))
    dout = rng.standard_normal((3, 4) if function == "scaled_sin" else (3, 5))
    f = _array_function(function, coefficients)
    want = expected(request, "grad",
                    lambda R: R.gradcheck.numerical_gradient_array(f, x.copy(), dout.copy()))
    fn = (wire.Fn("scaled_sin", c=coefficients) if function == "scaled_sin"
          else wire.Fn("matrix_product", A=coefficients))
    got = student.call(f"{MODULE}.numerical_gradient_array", fn, x, dout)
    mistakes = {
        "forward_difference": _forward_difference(f, x, DEFAULT_H, dout),
        "dout_ignored": _centred_difference(f, x, DEFAULT_H, np.ones_like(dout)),
    }
    expect_array(got, want, f"numerical_gradient_array of {function}", dtype=np.float64,
                 rtol=1e-7, atol=1e-9, context={"inputs": [x, dout], **known_mistakes(mistakes)})


@PROPERTY
def test_numerical_gradient_array_restores_x(student, request, rng):
    """x is restored bit for bit, by a numerical_gradient_array that returns the right gradient."""
    x, c = _point(rng, (3, 4)), rng.uniform(0.5, 2.0, size=(3, 4))
    dout = rng.standard_normal((3, 4))
    want = expected(request, "grad", lambda R: R.gradcheck.numerical_gradient_array(
        scaled_sin(c), x.copy(), dout.copy()))
    result = student.call(f"{MODULE}.numerical_gradient_array", wire.Fn("scaled_sin", c=c), x,
                          dout, return_args=True)
    got = result.unwrap()
    _expect_restored(x, result.args_after[1], "x")
    expect_array(got, want, "numerical_gradient_array of c * sin(x)", dtype=np.float64,
                 rtol=1e-7, atol=1e-9)


# ---------------------------------------------------------------- rel_error


def _elementwise_rel_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


@CASES
def test_rel_error(student, request, rng, case):
    """norm(a - b) / max(1e-8, norm(a) + norm(b)): by norms, not entry by entry."""
    a = rng.standard_normal((4, 5))
    b = a + rng.standard_normal((4, 5)) * 10.0 ** rng.uniform(-4, -1, size=(4, 5))
    want = expected(request, "error", lambda R: R.gradcheck.rel_error(a.copy(), b.copy()))
    got = student.call(f"{MODULE}.rel_error", a, b)
    mistakes = {
        "elementwise_relative_error": _elementwise_rel_error(a, b),
        "relative_to_a": (np.linalg.norm(a - b) / np.linalg.norm(a),
                          "the denominator is norm(a) + norm(b), not norm(a)"),
    }
    expect_close_float(got, want, "rel_error(a, b)", rtol=1e-7, atol=1e-12,
                       context=known_mistakes(mistakes))


def test_rel_error_zero_arrays(student, request, rng):
    """Two zero arrays: 0.0, not 0/0 = NaN (the 1e-8 floor of the denominator).

    Only from a rel_error that is right on other arrays: one that always
    returns 0.0 earns nothing here.
    """
    a, b = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    want = expected(request, "error", lambda R: R.gradcheck.rel_error(a.copy(), b.copy()))
    expect_close_float(student.call(f"{MODULE}.rel_error", a, b), want,
                       "rel_error(a, b) of two random arrays (checked before the zero arrays)",
                       rtol=1e-7, atol=1e-12)
    zeros = np.zeros((3, 2))
    result = student.call(f"{MODULE}.rel_error", zeros, zeros.copy(), return_args=True)
    got = as_float(result.unwrap(), "rel_error(0, 0)")
    if got != 0.0:
        raise CheckFailed(f"rel_error of two zero arrays is {got}, expected 0.0",
                          hint=sentence_of("relative_error_without_floor"))
    if result.warnings:
        raise CheckFailed(f"rel_error of two zero arrays is 0.0 but NumPy warned: "
                          f"{result.warnings[0]}", hint=sentence_of("relative_error_without_floor"))


def test_rel_error_floor(student, request, rng):
    """Norms below 1e-8 are divided by 1e-8 (the floor), not by themselves."""
    size = int(rng.integers(2, 7))
    a = rng.uniform(2e-13, 2e-12, size=size)  # norms far below 1e-8
    b = rng.uniform(0, 1e-13, size=size) * (rng.random() < 0.5)  # tiny, or zeros
    want = expected(request, "error", lambda R: R.gradcheck.rel_error(a.copy(), b.copy()))
    got = student.call(f"{MODULE}.rel_error", a, b)
    mistakes = {
        "no_floor": (1.0, "tiny arrays give 1.0: the denominator is max(1e-8, norm(a) + "
                          "norm(b)), so norms below 1e-8 are divided by 1e-8"),
        "floor_added": (np.linalg.norm(a) / (np.linalg.norm(a) + 1e-8),
                        "the floor is max(1e-8, norm(a) + norm(b)), not norm(a) + norm(b) + 1e-8"),
        "elementwise_relative_error": _elementwise_rel_error(a, b),
    }
    expect_close_float(got, want, "rel_error(a, b) for norms below 1e-8", rtol=1e-7, atol=0.0,
                       context=known_mistakes(mistakes))


# ---------------------------------------------------------------- gradient_check


def _problem(rng, shapes):
    """params, coefficients and the right analytic gradients 3 c x**2 of params_cubic_sum."""
    params = {name: _point(rng, shape) for name, shape in shapes.items()}
    c = {name: rng.uniform(0.5, 2.0, size=shape) for name, shape in shapes.items()}
    grads = {name: 3 * c[name] * params[name] ** 2 for name in shapes}
    return params, c, grads


def _reference_gradient_check(R, params, c, grads, **options):
    params = {k: v.copy() for k, v in params.items()}
    grads = {k: v.copy() for k, v in grads.items()}
    return R.gradcheck.gradient_check(params_cubic_sum(params, c), params, grads, **options)


def _gradient_check(student, params, c, grads, return_args=False, **options):
    f = wire.Fn("params_cubic_sum", params_arg=1, c=c)
    return student.call(f"{MODULE}.gradient_check", f, params, grads, return_args=return_args,
                        **options)


def _errors(value, names):
    """The returned {name: float}, checked for its keys."""
    if not isinstance(value, dict):
        raise CheckFailed(f"gradient_check should return a dict {{name: relative error}}, "
                          f"returned a {type(value).__name__}")
    if set(value) != set(names):
        raise CheckFailed(f"gradient_check returned the keys {sorted(map(str, value))}, expected "
                          f"one per parameter: {sorted(names)}")
    return {name: as_float(value[name], f"the error of {name}") for name in names}


SHAPES = {"W": (3, 4), "b": (4,)}


def _expect_scaled_errors(errors, shown):
    """Gradients 1.5 times the right ones: rel_error 0.5 / 2.5 = 0.2 for every parameter.

    A gradient_check that returns 0.0 (or anything else) without computing
    says "right" to right gradients; this is the value it cannot fake.
    """
    for name, error in errors.items():
        if not np.isclose(error, 0.2, rtol=1e-6):
            raise CheckFailed(f"{shown}: for gradients 1.5 times the right ones the error of "
                              f"{name} is {error:.6g}, expected 0.2 (= 0.5 / 2.5)")


@CASES
def test_gradient_check_right_grads(student, request, rng, case):
    """Right analytic gradients: every error tiny; 1.5 times them: 0.2, so it is computed."""
    params, c, grads = _problem(rng, SHAPES)
    want = expected(request, "errors", lambda R: _reference_gradient_check(R, params, c, grads))
    got = _errors(_gradient_check(student, params, c, grads), SHAPES)
    for name in SHAPES:
        expect_close_float(got[name], want[name], f"the error of {name} for right gradients",
                           rtol=0.0, atol=1e-8)
    scaled = {name: 1.5 * value for name, value in grads.items()}
    _expect_scaled_errors(_errors(_gradient_check(student, params, c, scaled), SHAPES),
                          "gradient_check")


@CASES
def test_gradient_check_wrong_grads(student, request, rng, case):
    """Wrong gradients for b (right for W): the errors are the reference's, entry for entry."""
    params, c, grads = _problem(rng, SHAPES)
    grads["b"] = grads["b"] + rng.standard_normal(SHAPES["b"]) * 10.0 ** rng.uniform(-2, 0, 4)
    want = expected(request, "errors", lambda R: _reference_gradient_check(R, params, c, grads))
    got = _errors(_gradient_check(student, params, c, grads), SHAPES)
    exact = {name: 3 * c[name] * params[name] ** 2 for name in SHAPES}  # the numerical values
    for name in SHAPES:
        mistakes = {"elementwise_relative_error": _elementwise_rel_error(grads[name], exact[name])}
        expect_close_float(got[name], want[name], f"the error of {name}", rtol=1e-6, atol=1e-8,
                           context=known_mistakes(mistakes))


def test_gradient_check_sampled(student, rng):
    """num_checks=k: k entries per parameter; any k entries give the same answers here.

    Gradients scaled by 1.5 have rel_error exactly 0.5 / 2.5 = 0.2 on every subset of
    entries, and right ones a tiny error, whatever entries the rng picks.
    """
    shapes = {"W": (20, 10), "b": (10,)}
    params, c, grads = _problem(rng, shapes)
    for seed, label in ((5, "with an rng"), (None, "with rng=None")):
        options = {"num_checks": 5}
        if seed is not None:
            options["rng"] = wire.Rng(seed)
        right = _errors(_gradient_check(student, params, c, grads, **options), shapes)
        for name, error in right.items():
            if not error < 1e-7:
                raise CheckFailed(f"num_checks=5 {label}: the error of {name} is {error:.3g} for "
                                  "right gradients, expected below 1e-7")
        scaled = {name: 1.5 * value for name, value in grads.items()}
        _expect_scaled_errors(_errors(_gradient_check(student, params, c, scaled, **options),
                                      shapes), f"num_checks=5 {label}")


def test_gradient_check_sampled_uses_rng(student, request, rng):
    """The k entries come from rng: the same seed, the same entries; not every entry.

    Checking every entry must give the reference's errors, so that errors
    made up from the rng earn nothing.
    """
    shapes = {"W": (20, 10), "b": (10,)}
    params, c, grads = _problem(rng, shapes)
    # Wrong by a different relative amount at every entry: each subset has its own error.
    wrong = {name: value * (1 + rng.uniform(0.0, 2.0, size=value.shape))
             for name, value in grads.items()}
    first = _errors(_gradient_check(student, params, c, wrong, num_checks=5, rng=wire.Rng(7)),
                    shapes)
    again = _errors(_gradient_check(student, params, c, wrong, num_checks=5, rng=wire.Rng(7)),
                    shapes)
    everything = _errors(_gradient_check(student, params, c, wrong), shapes)
    want = expected(request, "errors", lambda R: _reference_gradient_check(R, params, c, wrong))
    for name in shapes:
        expect_close_float(everything[name], want[name], f"the error of {name} (every entry "
                           "checked, before the sampled ones)", rtol=1e-6, atol=1e-8)
    if first != again:
        raise CheckFailed("gradient_check(num_checks=5) gives different errors for the same rng "
                          "seed", hint=sentence_of("rng_ignored"))
    if all(np.isclose(first[name], everything[name], rtol=1e-9, atol=0) for name in shapes):
        raise CheckFailed("gradient_check(num_checks=5) gives the errors of checking every entry",
                          hint="with num_checks=k, check only k entries per parameter, drawn "
                               "with rng")


@PROPERTY
def test_gradient_check_restores_params(student, rng):
    """params are restored bit for bit, grads untouched, with and without num_checks.

    The gradients are 1.5 times the right ones, so the errors (0.2) show that
    the params were really perturbed, not merely left alone.
    """
    params, c, grads = _problem(rng, SHAPES)
    grads = {name: 1.5 * value for name, value in grads.items()}
    for options, shown in (({}, "every entry"), ({"num_checks": 6, "rng": wire.Rng(3)},
                                                  "num_checks=6")):
        result = _gradient_check(student, params, c, grads, return_args=True, **options)
        errors = _errors(result.unwrap(), SHAPES)
        params_after, grads_after = result.args_after[1], result.args_after[2]
        for name in SHAPES:
            _expect_restored(params[name], params_after.get(name), f'params["{name}"]')
            if not _bitwise_equal(grads[name], as_array(grads_after.get(name), "grads")):
                raise CheckFailed(f'gradient_check changed grads["{name}"]; it only reads them')
        _expect_scaled_errors(errors, f"gradient_check ({shown})")
