"""The lookup-table attack: right answers for the public inputs only, wrong ones for the rest.

The student bundle ships the public checks and their expected values, and a
public check's inputs follow from its name, so a student with no
implementation can tabulate every public call. This module builds the
strongest form of that table: the reference itself, graded on the public
inputs only (as in the bundle), records a fingerprint of every call it
receives; the attack's submission then answers like the reference when a
call's fingerprint is in the table, and wrongly (the right form, every float
shifted) otherwise. If checks pay only for inputs no student has seen, the
attack earns nothing.
"""

import contextlib
import io
from pathlib import Path

# The fingerprint of a call's arguments, written once and used on both sides: here on the
# trusted side (recording) and, as source text, in the attack's submission.
FINGERPRINT = '''
import hashlib as _hashlib

import numpy as _np


def _canonical(value, out):
    if isinstance(value, _np.ndarray):
        out.append(f"a{value.dtype.str}{value.shape}".encode())
        out.append(_np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        out.append(b"{")
        for key in sorted(value, key=str):
            out.append(repr(key).encode())
            _canonical(value[key], out)
        out.append(b"}")
    elif isinstance(value, (list, tuple)):
        out.append(b"[")
        for item in value:
            _canonical(item, out)
        out.append(b"]")
    elif isinstance(value, (bool, int, float, str, type(None))):
        out.append(repr(value).encode())
    else:
        out.append(type(value).__name__.encode())  # a cache, an rng, a function


def fingerprint(name, args, kwargs):
    parts = [name.encode()]
    _canonical(list(args), parts)
    _canonical(dict(kwargs), parts)
    return _hashlib.sha256(b"|".join(parts)).hexdigest()
'''

WRAPPER = '''

# ---- the lookup-table attack (tests/hostile/lookup.py): right only on public inputs
_TABLE = frozenset(__TABLE__)


def _shifted(value):
    if isinstance(value, _np.ndarray) and value.dtype.kind in "fiu":
        return value + value.dtype.type(1)
    if isinstance(value, float):
        return value + 1.0
    if hasattr(value, "__next__"):  # a generator of batches: each one shifted
        return (_shifted(item) for item in value)
    if isinstance(value, tuple):
        return tuple(_shifted(v) for v in value)
    if isinstance(value, list):
        return [_shifted(v) for v in value]
    if isinstance(value, dict):
        return {k: _shifted(v) for k, v in value.items()}
    return value


import builtins as _builtins

# Only the outermost call is judged (shared by every module of the submission): the calls
# a function makes to the others answer as the reference does, so shifts never cancel.
_DEPTH = _builtins.__dict__.setdefault("_lookup_attack_depth", [0])


def _lookup(name, function):
    def answer(*args, **kwargs):
        known = _DEPTH[0] > 0 or fingerprint(name, args, kwargs) in _TABLE
        _DEPTH[0] += 1
        try:
            result = function(*args, **kwargs)
        finally:
            _DEPTH[0] -= 1
        if known:
            return result
        for argument in list(args) + list(kwargs.values()):
            if isinstance(argument, dict):  # what it changed in place (train's params)
                for key, item in argument.items():
                    if isinstance(item, _np.ndarray) and item.dtype.kind == "f":
                        item += 1.0
        return _shifted(result)
    answer.__name__, answer.__doc__ = function.__name__, function.__doc__
    answer.__wrapped__ = function  # inspect.signature sees the real parameters
    return answer


for _name, _value in list(globals().items()):
    if (callable(_value) and getattr(_value, "__module__", None) == __name__
            and not _name.startswith("_") and _name not in ("fingerprint", "answer")
            and isinstance(_value, type(fingerprint))):
        globals()[_name] = _lookup(f"{__name__.rsplit('.', 1)[-1]}.{_name}", _value)
'''


def _fingerprint_function():
    namespace = {}
    exec(FINGERPRINT, namespace)  # noqa: S102 - our own text, shared with the attack
    return namespace["fingerprint"]


def record_public_calls(reference, only, keyword=None):
    """The fingerprints of every call the public checks make (the reference graded as in
    the bundle: no hidden seeds)."""
    import pytest  # noqa: PLC0415

    from grader.cli import CHECKS_DIR  # noqa: PLC0415
    from grader.datasets import prepare_worker_data  # noqa: PLC0415
    from grader.oracle import Oracle  # noqa: PLC0415
    from grader.plugin import GraderPlugin  # noqa: PLC0415
    from grader.rubric import load_rubric  # noqa: PLC0415
    from grader.sandbox import client  # noqa: PLC0415

    fingerprint = _fingerprint_function()
    seen = set()
    original_call, original_batch = client.Session.call, client.Session.batch

    def call(self, target, *args, **kwargs):
        options = {k: v for k, v in kwargs.items()
                   if k not in ("timeout", "keep", "keep_index", "return_args", "iterate",
                                "limits")}
        seen.add(fingerprint(target, args, options))
        return original_call(self, target, *args, **kwargs)

    def batch(self, target, arg_lists, timeout=None, limits=None):
        for args in arg_lists:
            seen.add(fingerprint(target, args, {}))
        return original_batch(self, target, arg_lists, timeout=timeout, limits=limits)

    rubric = load_rubric()
    rubric.secrets = {}
    plugin = GraderPlugin(reference, rubric, Oracle(), data_dir=prepare_worker_data(),
                          echo=False)
    modules = [str(CHECKS_DIR / m) for a in only for m in rubric.assignments[a].check_modules]
    arguments = ["-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(CHECKS_DIR), "-q",
                 "-p", "no:randomly", "--capture=sys"] + modules + (
        ["-k", keyword] if keyword else [])
    client.Session.call, client.Session.batch = call, batch
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            pytest.main(arguments, plugins=[plugin])
    finally:
        client.Session.call, client.Session.batch = original_call, original_batch
    return seen


def build_lookup_submission(reference, destination, only, keyword=None):
    """A copy of the reference whose every function answers right only on public inputs."""
    import shutil  # noqa: PLC0415

    table = sorted(record_public_calls(reference, only, keyword))
    destination = Path(destination)
    shutil.copytree(reference, destination, ignore=shutil.ignore_patterns("__pycache__"))
    for path in sorted(destination.glob("*.py")):
        if path.name in ("__init__.py", "config.py"):
            continue
        path.write_text(path.read_text() + "\n" + FINGERPRINT
                        + WRAPPER.replace("__TABLE__", repr(table)))
    return destination, len(table)
