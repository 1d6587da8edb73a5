"""Helpers shared by the graded checks: seeds, cases, signatures, numerical gradients.

Every helper runs on the trusted side. Student code is reached only through
the `student` fixture (a sandbox Session); expected values only through the
`oracle` fixture (the reference, or recorded fixtures in the student bundle).
"""

import zlib

import numpy as np
import pytest

from ..compare import CheckFailed, as_array, as_float, as_tuple
from ..plugin import grader_of
from ..sandbox.wire import describe_signature

# Every value check runs twice: on public inputs (also in the student bundle,
# expected values from fixtures) and on hidden ones (seeded by secrets.toml).
CASES = pytest.mark.parametrize("case", ["public", "hidden"])

# A property check (inputs left unchanged, dtype kept, x restored) pays only when the
# results are right too; the plugin says so when it is the results that are wrong.
PROPERTY = pytest.mark.property_check


def check_name(request):
    name = request.node.name
    return name[len("test_"):] if name.startswith("test_") else name


def seed_for(request, label=""):
    """A deterministic seed for this check; unknowable where the hidden seeds are known.

    Public cases are seeded by the check's name alone (the student bundle replays
    their expected values). Hidden cases, and every check without a public/hidden
    pair, are seeded by the secret too when the grader has secrets.toml: points
    are earned on inputs no student has seen (the public case of a pair pays only
    when its hidden counterpart passes, plugin.py).
    """
    name = check_name(request) + "/" + label
    seed = zlib.crc32(name.encode())
    case = getattr(request.node, "callspec", None) and request.node.callspec.params.get("case")
    secrets = grader_of(request.config).rubric.secrets
    if case == "hidden" or (case is None and secrets):
        seed = zlib.crc32(f"{secrets.get('inputs', 0)}:{name}".encode())
    return seed


def is_public(request):
    case = getattr(request.node, "callspec", None) and request.node.callspec.params.get("case")
    return case != "hidden"


def expected(request, label, compute):
    """The oracle's value for this check (recorded as a fixture when public)."""
    oracle = grader_of(request.config).oracle
    return oracle(f"{check_name(request)}/{label}", compute, public=is_public(request))


def signature_of(function):
    return describe_signature(function)


def check_signature(student, request, module, function):
    """The student's function exists with the SPEC's parameters and defaults."""
    want = expected(request, "signature",
                    lambda R: signature_of(getattr(getattr(R, module), function)))
    got = student.signature(f"{module}.{function}")
    want_names = [p["name"] for p in want]
    got_names = [p.get("name") for p in got] if isinstance(got, list) else None
    if got_names != want_names:
        raise CheckFailed(f"{function} should take ({', '.join(want_names)}) but takes "
                          f"({', '.join(map(str, got_names or []))})")
    for w, g in zip(want, got):
        default_differs = w["has_default"] and w["default"] != g.get("default")
        if w["has_default"] != g.get("has_default") or default_differs:
            shown = w["default"] if w["has_default"] else "no default"
            raise CheckFailed(f"{function}: parameter {w['name']} should have default {shown!r}, "
                              f"has {g.get('default')!r}")
        if w["kind"] != g.get("kind"):
            raise CheckFailed(f"{function}: parameter {w['name']} should be {w['kind'].lower()}")


def numerical_gradient_of(student, target, args, index, dout, h=1e-6, output=None, key=None):
    """Centred differences of the student's own function, on the trusted side.

    Calls target(*args) with args[index] perturbed entry by entry (all in one
    batch round trip) and returns d sum(dout * out) / d args[index] in float64.
    `output` picks the item of a returned tuple (0 for a forward's out, or a
    loss's scalar: then pass dout=1.0). `key` perturbs args[index][key]
    instead, for an array inside a dict argument (a params dict).
    """
    x = np.asarray(args[index] if key is None else args[index][key], dtype=np.float64)
    calls = []
    for i in np.ndindex(x.shape):
        for sign in (1, -1):
            moved = x.copy()
            moved[i] += sign * h
            if key is not None:
                moved = dict(args[index], **{key: moved})
            calls.append(tuple(moved if k == index else a for k, a in enumerate(args)))
    results = student.batch(target, calls)
    grad = np.zeros(x.shape)
    for n, i in enumerate(np.ndindex(x.shape)):
        plus, minus = results[2 * n].unwrap(), results[2 * n + 1].unwrap()
        if output is not None:
            plus, minus = plus[output], minus[output]
        plus = _array_or_scalar(plus, "the function's output")
        minus = _array_or_scalar(minus, "the function's output")
        grad[i] = np.sum(dout * (plus.astype(np.float64) - minus.astype(np.float64))) / (2 * h)
    return grad


def _array_or_scalar(value, name):
    """An array output as it is, a scalar one (a loss) as a 0-d float64 array."""
    if isinstance(value, np.ndarray):
        return as_array(value, name)
    return np.asarray(as_float(value, name))


def known_mistakes(mistakes):
    """Hint context for mistakes a check can compute itself.

    Args:
        mistakes: {rule name: what the mistake would return}. For a rule of
            grader/hints/ (e.g. "forward_difference") the value alone; for a
            mistake only this check knows, (value, the sentence naming it).

    Returns:
        context entries for expect_array / expect_close_float: the values as
        "alternatives" (matched by the rules of grader/hints/) and a rule for each
        check-specific mistake as "extra_rules".
    """
    alternatives, rules = {}, []
    for name, value in mistakes.items():
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
            value, sentence = value
            rules.append((name, lambda actual, expected, context, wrong=value: wrong, sentence))
        alternatives[name] = value
    return {"alternatives": alternatives, "extra_rules": rules}


def forward_output(value, name):
    """`out` of a forward's (out, cache) where the cache was kept in the worker."""
    out, _cache = as_tuple(value, 2, name)
    return out
