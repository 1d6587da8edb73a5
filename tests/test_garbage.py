"""No points for garbage: a submission whose every value is wrong scores 0.

A "plausible garbage" submission implements every function of assignments
1-5 with the right signature, and returns the right types, shapes and dtypes,
validates its arguments like the SPEC asks (ValueError for an unknown
activation or a bad dropout p), restores x, keeps its inputs unchanged and
keeps the right keys in every config and dict, but computes wrong values.
A check that pays such a submission pays for form, not for work: every
check must also see a right value (or a property garbage cannot fake).

The submissions are built at test time, in tmp_path, from student_stubs/
with a garbage body appended to each module (a later `def` rebinds the
name), in four flavours of wrongness:

    noise   random values from a fixed seed (or from the rng argument when
            one is given, so the rng is "used");
    zeros   zeros everywhere (0.0 for every float);
    input   the input itself where an output has the input's shape (x for
            every activation forward, dout for every backward: a consistent
            identity pair; w unchanged by every update rule);
    scaled  consistent wrong pairs: forwards 2*x with backwards 2*dout,
            losses sum(p**2) with gradients 2*p, numerical gradients 2*x.

They are graded by the real grader in one batch run (a1-a5, training tasks
excluded: seconds). As a control, the reference, graded the same way
(conftest.py's shared run), must keep 100% and the stubs 0.
"""

import json

import pytest
from grader_runs import STUBS, WITHOUT_TRAINING, copy_package, run_grader

# One module-scoped batch run serves every test here: keep them on one xdist worker.
pytestmark = pytest.mark.xdist_group("garbage")

ASSIGNMENTS = ("a1", "a2", "a3", "a4", "a5")
FLAVOURS = ("noise", "zeros", "input", "scaled")

# Checks a garbage submission may legitimately be paid by, as {"aN check": reason}.
# Empty, and it should stay so: an entry is a check that pays for form alone.
# (Signature checks are worth 0 points, so they never show up as paid.)
LEGITIMATE_PASSES = {}


# ---------------------------------------------------------------- the garbage bodies

# The package's helper: what every garbage function returns instead of the right value.
GARBAGE_HELPER = '''
"""Wrong values of the right shape and dtype (tests/test_garbage.py)."""

import numpy as np

FLAVOUR = "{flavour}"
_RNG = np.random.default_rng(12345)


def wrong(like, source=None, rng=None):
    """An array shaped and typed like `like`, with wrong values.

    noise: random numbers (from rng when given); zeros: zeros; input: `source`
    itself when it has the right shape (else zeros); scaled: 2 * source (else
    random numbers).
    """
    like = np.asarray(like)
    same = source is not None and np.shape(source) == like.shape
    if FLAVOUR == "zeros" or (FLAVOUR == "input" and not same):
        return np.zeros(like.shape, dtype=like.dtype)
    if FLAVOUR == "input":
        return np.array(source, dtype=like.dtype)
    if FLAVOUR == "scaled" and same:
        return (2 * np.asarray(source)).astype(like.dtype)
    generator = rng if rng is not None else _RNG
    return generator.standard_normal(like.shape).astype(like.dtype)


def wrong_float(rng=None):
    """A wrong Python float: random, 0.0, or a fixed plausible-looking number."""
    if FLAVOUR == "zeros":
        return 0.0
    if FLAVOUR == "noise":
        return float((rng if rng is not None else _RNG).random())
    return 0.25
'''

GARBAGE = {
    "activations": '''
from ._garbage import FLAVOUR, wrong, wrong_float


def neuron(x, w, b, activation="sigmoid"):
    if activation not in ("sigmoid", "relu", "tanh", "linear"):
        raise ValueError(f"unknown activation {activation!r}")
    x = np.asarray(x)
    if x.ndim == 1:
        return wrong_float()
    return wrong(np.zeros(x.shape[0], dtype=x.dtype), x @ w)


def sigmoid(z):
    return wrong(z, z)


def sigmoid_grad(z):
    return wrong(z, z)


def relu(z):
    return wrong(z, z)


def relu_grad(z):
    return wrong(z, z)


def leaky_relu(z, alpha=0.01):
    return wrong(z, z)


def leaky_relu_grad(z, alpha=0.01):
    return wrong(z, z)


def tanh(z):
    return wrong(z, z)


def tanh_grad(z):
    return wrong(z, z)


def softmax(z):
    return wrong(z, z)


def log_softmax(z):
    return wrong(z, z)
''',
    "layers": '''
from ._garbage import FLAVOUR, wrong


def linear_forward(x, W, b):
    out = np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype)
    if FLAVOUR == "scaled":  # a consistent pair with linear_backward: 2 * (x @ W + b)
        return (2 * (x @ W + b)).astype(x.dtype), (x, W, b)
    return wrong(out), (x, W, b)


def linear_backward(dout, cache):
    x, W, b = cache
    if FLAVOUR == "scaled":
        return 2 * dout @ W.T, 2 * x.T @ dout, 2 * dout.sum(axis=0)
    return wrong(x), wrong(W), wrong(b)


def _forward(x):
    return wrong(x, x), x


def _backward(dout, cache):
    return wrong(dout, dout)


relu_forward = sigmoid_forward = tanh_forward = _forward
relu_backward = sigmoid_backward = tanh_backward = leaky_relu_backward = _backward


def leaky_relu_forward(x, alpha=0.01):
    return wrong(x, x), x


def dropout_forward(x, p, train=True, rng=None):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    return wrong(x, x, rng=rng), x


def dropout_backward(dout, cache):
    return wrong(dout, dout)
''',
    "losses": '''
from ._garbage import FLAVOUR, wrong, wrong_float


def _loss(prediction):
    if FLAVOUR == "scaled":  # a consistent pair: sum(p**2) and its gradient 2 p
        return float(np.sum(prediction.astype(np.float64) ** 2)), wrong(prediction, prediction)
    return wrong_float(), wrong(prediction, prediction)


def softmax_cross_entropy(logits, y):
    return _loss(logits)


def mse_loss(pred, target):
    return _loss(pred)


def binary_cross_entropy(logits, y):
    return _loss(logits)
''',
    "gradcheck": '''
from ._garbage import wrong, wrong_float


def numerical_gradient(f, x, h=1e-5):
    f(x)  # x is never changed, so it is "restored" exactly
    return wrong(np.zeros(x.shape), x)


def numerical_gradient_array(f, x, dout, h=1e-5):
    f(x)
    return wrong(np.zeros(x.shape), x)


def rel_error(a, b):
    return wrong_float()


def gradient_check(f, params, grads, h=1e-5, num_checks=None, rng=None):
    f()
    return {name: wrong_float(rng) for name in params}
''',
    "network": '''
from ._garbage import FLAVOUR, wrong


def init_params(layer_sizes, init="he", rng=None, dtype=np.float64):
    if init not in ("he", "xavier", "small"):
        raise ValueError(f"unknown init {init!r}")
    rng = np.random.default_rng() if rng is None else rng
    params = {}
    for i in range(1, len(layer_sizes)):
        shape = (layer_sizes[i - 1], layer_sizes[i])
        # standard normal weights: the right layout, random, the wrong spread
        params[f"W{i}"] = wrong(np.zeros(shape, dtype=dtype), rng.standard_normal(shape), rng)
        params[f"b{i}"] = np.zeros(layer_sizes[i], dtype=dtype)
    return params


def _last_size(params):
    return params[f"b{len(params) // 2}"].shape[0]


def mlp_forward(params, X, activation="relu"):
    dtype = params["W1"].dtype
    scores = np.zeros((X.shape[0], _last_size(params)), dtype=dtype)
    return wrong(scores), (dict(params), X)


def mlp_backward(dscores, cache):
    params, X = cache
    return {name: wrong(value, value) for name, value in params.items()}


def mlp_loss(params, X, y, activation="relu", l2=0.0):
    if FLAVOUR == "scaled":  # a consistent pair: sum of squares, gradients 2 * value
        loss = float(sum(np.sum(v.astype(np.float64) ** 2) for v in params.values()))
    else:
        loss = float(np.abs(wrong(np.zeros(()))))
    return loss, {name: wrong(value, value) for name, value in params.items()}


def predict(params, X, activation="relu"):
    if FLAVOUR == "zeros":
        return np.zeros(X.shape[0], dtype=np.int64)
    return np.random.default_rng(0).integers(0, _last_size(params), X.shape[0])
''',
    "optim": '''
from ._garbage import wrong

DEFAULTS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}


def _config(rule, config):
    return dict(DEFAULTS[rule], **(config or {}))


def sgd(w, dw, config=None):
    return wrong(w, w), _config("sgd", config)


def sgd_momentum(w, dw, config=None):
    config = _config("sgd_momentum", config)
    config["velocity"] = wrong(w, dw)
    return wrong(w, w), config


def adam(w, dw, config=None):
    config = _config("adam", config)
    config["m"], config["v"] = wrong(w, dw), wrong(w, dw)
    config["t"] = config.get("t", 0) + 1  # the right count of steps
    return wrong(w, w), config
''',
    "train": '''
from ._garbage import FLAVOUR, wrong, wrong_float


def iterate_minibatches(X, y, batch_size, shuffle=True, rng=None):
    """The right batch sizes, of rows drawn with replacement (rows and labels together)."""
    rng = np.random.default_rng() if rng is None else rng
    n = X.shape[0]
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        rows = (np.zeros(size, dtype=int) if FLAVOUR == "zeros"
                else rng.integers(0, n, size))
        yield X[rows], y[rows]


def accuracy(scores_or_labels, y):
    return wrong_float()


def train(params, X, y, *, epochs, batch_size, optimizer="sgd", optim_config=None,
          activation="relu", l2=0.0, X_val=None, y_val=None, rng=None):
    """A history of the right form with made-up, plausible numbers."""
    for name, value in params.items():
        params[name] = wrong(value, value, rng)
    falling = [float(2.0 * 0.7**epoch) for epoch in range(epochs)]
    rising = [float(v) for v in np.linspace(0.5, 1.0, epochs)]
    history = {"loss": falling, "train_acc": rising,
               "grad_norm": {name: [1.0] * epochs for name in params}}
    if X_val is not None:
        history["val_acc"] = list(rising)
    return history
''',
}


def build_garbage(flavour, destination):
    """A copy of student_stubs/ with every exercise replaced by a garbage body."""
    package = copy_package(STUBS, destination)
    (package / "_garbage.py").write_text(GARBAGE_HELPER.format(flavour=flavour))
    for module, body in GARBAGE.items():
        path = package / f"{module}.py"
        assert path.exists(), f"student_stubs has no {module}.py"
        path.write_text(path.read_text() + "\n\n# ---- garbage (tests/test_garbage.py)\n" + body)
    return package


# ---------------------------------------------------------------- grading


def _grade_batch(folder, out):
    """Grade every subfolder of `folder` (a1-a5, no training task); {name: results.json}."""
    process = run_grader("grade", folder, "--batch", "--jobs", "2", "--out", out,
                         "--only", ",".join(ASSIGNMENTS), "-k", WITHOUT_TRAINING, timeout=600)
    assert process.returncode == 0, process.stdout + process.stderr
    results = {}
    for submission in sorted(p.name for p in folder.iterdir() if p.is_dir()):
        path = out / submission / "results.json"
        assert path.exists(), f"no results for {submission}:\n{process.stdout}"
        results[submission] = json.loads(path.read_text())
    return results


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{flavour: results.json} of the four garbage submissions, graded in one batch."""
    folder = tmp_path_factory.mktemp("garbage")
    for flavour in FLAVOURS:
        build_garbage(flavour, folder / flavour)
    return _grade_batch(folder, tmp_path_factory.mktemp("graded"))


def _only_graded_assignments(results):
    """results.json restricted to the checks of ASSIGNMENTS (the shared runs grade a6 too)."""
    tests = [t for t in results["tests"] if t["extra_data"]["assignment"] in ASSIGNMENTS]
    assert {t["extra_data"]["assignment"] for t in tests} == set(ASSIGNMENTS)
    return tests


def _paid(results):
    """{check name: (score, first line of its output)} of the checks that paid anything."""
    return {test["name"]: (test["score"], (test.get("output") or "").split("\n")[0])
            for test in results["tests"] if test["score"] > 0}


def _every_assignment_graded(results):
    assert results["extra_data"]["complete"]
    assert set(results["extra_data"]["assignments"]) == set(ASSIGNMENTS)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_garbage_scores_nothing(graded, flavour):
    results = graded[flavour]
    _every_assignment_graded(results)
    paid = {name: why for name, why in _paid(results).items() if name not in LEGITIMATE_PASSES}
    shown = "\n".join(f"  {name}: {score} ({line})" for name, (score, line) in sorted(paid.items()))
    assert not paid, f"garbage ({flavour}) earned points on {len(paid)} checks:\n{shown}"


def test_garbage_passes_the_signature_checks(graded):
    """The garbage is plausible: its functions exist with the SPEC's parameters."""
    for flavour in FLAVOURS:
        failed = [t["name"] for t in graded[flavour]["tests"]
                  if "signature[" in t["name"] and t["extra_data"].get("outcome") != "passed"]
        assert not failed, f"garbage ({flavour}) fails signature checks: {failed}"


def test_reference_keeps_full_marks(reference_run):
    """The checks that refuse garbage still give the reference every point."""
    tests = _only_graded_assignments(reference_run[1])
    lost = [t["name"] for t in tests if t["score"] < t["max_score"]]
    assert not lost, f"the reference lost points on {lost}"
    assert sum(t["max_score"] for t in tests) > 0


def test_stubs_score_nothing(stubs_run):
    paid = [t["name"] for t in _only_graded_assignments(stubs_run[1]) if t["score"] > 0]
    assert paid == []
