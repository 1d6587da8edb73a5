"""Assignment 12's reference against centred differences and assignment 5, and a12 without torch.

reference/torch_compare.py must agree with reference/network.py (itself checked
against centred differences in test_reference_gradients.py) far inside the
checks' 1e-6, and its autograd gradients with centred differences of its own
loss. Locally these tests skip when torch is missing (`make install-torch`);
in CI (environment variable CI set) a missing torch is a failure, never a skip.

Without PyTorch the grader still grades a12: every check scores 0 and says
that PyTorch is missing where the grader runs, instead of blaming the
student's import or crashing.
"""

import importlib
import importlib.util
import os

import numpy as np
import pytest
from grading import REFERENCE, grade_in_process
from test_reference_gradients import assert_gradient, centred_difference

from reference import network

pytestmark = pytest.mark.torch

TOLERANCE = 1e-10
ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu"]
SIZES = [5, 7, 6, 4]


def _in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def torch_compare():
    """reference.torch_compare; in CI a missing torch must fail these tests, not skip them."""
    if not _in_ci():
        pytest.importorskip("torch", reason="PyTorch is not installed; `make install-torch` "
                                            "runs these tests")
    return importlib.import_module("reference.torch_compare")


@pytest.fixture
def rng():
    return np.random.default_rng(12)


def _params(rng):
    params = network.init_params(SIZES, rng=rng)
    return {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}


def _data(rng, n=9):
    return rng.standard_normal((n, SIZES[0])), rng.integers(0, SIZES[-1], n)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_to_torch_computes_mlp_forward(torch_compare, rng, activation):
    import torch  # noqa: PLC0415 - present once the fixture has run

    params, (X, _) = _params(rng), _data(rng)
    model = torch_compare.to_torch(params, activation)
    assert [type(m).__name__ for m in model][::2] == ["Linear"] * 3
    assert model[0].weight.shape == (SIZES[1], SIZES[0]) and model[0].weight.dtype == torch.float64
    scores = model(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(scores, network.mlp_forward(params, X, activation)[0],
                               rtol=TOLERANCE, atol=TOLERANCE)


@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_torch_mlp_loss_equals_mlp_loss(torch_compare, rng, activation, l2):
    params, (X, y) = _params(rng), _data(rng)
    loss, grads = torch_compare.torch_mlp_loss(params, X, y, activation, l2)
    want_loss, want_grads = network.mlp_loss(params, X, y, activation, l2)
    assert isinstance(loss, float) and abs(loss - want_loss) < TOLERANCE
    assert set(grads) == set(params)
    for name in params:
        assert grads[name].dtype == np.float64 and grads[name].shape == params[name].shape
        np.testing.assert_allclose(grads[name], want_grads[name], rtol=1e-8, atol=TOLERANCE,
                                   err_msg=name)


@pytest.mark.parametrize("name", ["W1", "b1", "W3", "b3"])
def test_autograd_agrees_with_centred_differences(torch_compare, rng, name):
    params, (X, y) = _params(rng), _data(rng)
    _, grads = torch_compare.torch_mlp_loss(params, X, y, "tanh", 0.2)

    def loss_of(value):
        return torch_compare.torch_mlp_loss(dict(params, **{name: value}), X, y, "tanh", 0.2)[0]

    assert_gradient(grads[name], centred_difference(loss_of, params[name]), name)


def test_compare_training_curves_agree_and_leave_params(torch_compare, rng):
    params, (X, y) = _params(rng), _data(rng, n=30)
    before = {k: v.copy() for k, v in params.items()}
    curves = torch_compare.compare_training(params, X, y, steps=12, learning_rate=0.3)
    assert set(curves) == {"numpy", "torch"} and len(curves["numpy"]) == 12
    np.testing.assert_allclose(curves["torch"], curves["numpy"], rtol=1e-9, atol=TOLERANCE)
    assert curves["numpy"][0] == pytest.approx(network.mlp_loss(params, X, y)[0], abs=1e-12)
    assert curves["numpy"][-1] < curves["numpy"][0]
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_time_epoch_gives_two_positive_times(torch_compare, rng):
    X, y = rng.random((600, 20), dtype=np.float32), rng.integers(0, 3, 600)
    seconds = torch_compare.time_epoch([20, 16, 3], X, y, batch_size=64)
    assert set(seconds) == {"numpy", "torch"}
    assert all(isinstance(s, float) and 0 < s < 60 for s in seconds.values())


def test_without_pytorch_a12_says_so_in_every_check(tmp_path, monkeypatch):
    """The grader, with torch invisible, grades a12 to 0 with the reason, and does not crash."""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args, **kwargs: None if name.split(".")[0] == "torch"
                        else real(name, *args, **kwargs))
    results = grade_in_process(REFERENCE, tmp_path, ["a12"])
    tests = [t for t in results["tests"] if t["extra_data"]["assignment"] == "a12"]
    assert tests and results["score"] == 0
    shown = [t for t in tests if "hidden]" not in t["name"]]  # hidden cases show no details
    assert len(shown) > len(tests) / 2
    for test in shown:
        assert "PyTorch is not installed where the grader runs" in test["output"], test["name"]
    assert results["extra_data"]["complete"]


# ---------------------------------------------------------------- the report


class _Check:
    assignment = "a12"


ARTIFACT = {"curves": {"numpy": [1.3, 1.1, 1.0], "torch": [1.3, 1.1, 1.0], "steps": 3,
                       "learning_rate": 0.5, "network": "4-6-5-3", "samples": 40},
            "timing": {"numpy": 0.06, "torch": 0.04, "samples": 4096, "network": "784-128-10",
                      "batch_size": 128, "limit": 0.02, "limit_threads": "1 BLAS thread",
                      "reference": {"numpy": 0.05, "torch": 0.03}}}


def test_the_report_shows_the_speed_table_and_the_two_curves():
    from grader.report.torch_compare import section  # noqa: PLC0415

    html = section({"torch_compare": ARTIFACT}, [_Check()])
    assert "<table" in html and "0.060 s" in html and "0.020 s" in html
    assert "3.0 &times;" in html  # the student's NumPy epoch against the limit
    assert "PyTorch is 1.5 times faster" in html
    assert html.count("data:image/png;base64,") == 1


@pytest.mark.parametrize("broken", [
    {"timing": {"numpy": "fast", "torch": None, "network": "x"}, "curves": {"numpy": "a"}},
    {"timing": "nothing", "curves": {"numpy": [1.0], "torch": [float("nan"), "b"]}},
    {}])
def test_the_report_survives_what_a_student_run_left(broken):
    from grader.report.torch_compare import section  # noqa: PLC0415

    html = section({"torch_compare": broken}, [_Check()])
    assert "<h2>" in html and ("not measured" in html or "gave no times" in html)


def test_the_matrix_product_limit_is_measured(torch_compare):
    from grader.report.torch_compare import products_seconds  # noqa: PLC0415

    seconds, threads = products_seconds([784, 128, 10], 1024, 128, repeats=1)
    assert 0 < seconds < 5 and threads


# ---------------------------------------------------------------- a12's workers


def test_only_a12_workers_may_import_torch_and_write_a_scratch():
    from grader.rubric import load_rubric  # noqa: PLC0415

    rubric = load_rubric()
    for assignment in rubric.assignments:
        limits = rubric.limits_for(assignment)
        if assignment == "a12":
            assert "torch" in limits.imports and limits.scratch_bytes > 0
            assert limits.memory_bytes == rubric.limits.memory_bytes  # measured to fit
        else:
            assert "torch" not in limits.imports, assignment
            assert limits.scratch_bytes == 0, assignment


SCRATCH_PROBE = '''
def write(megabytes):
    import os
    try:
        with open("/tmp/probe.bin", "wb") as f:
            f.write(b"x" * int(megabytes * 2**20))
        return "written"
    except OSError as error:
        return type(error).__name__
    finally:
        if os.path.exists("/tmp/probe.bin"):
            os.remove("/tmp/probe.bin")
'''


def test_the_scratch_is_writable_up_to_its_size_only(tmp_path):
    from grader.sandbox.client import Session  # noqa: PLC0415
    from grader.sandbox.isolation import Limits, sandbox_mode  # noqa: PLC0415

    if not sandbox_mode().startswith("bwrap"):
        pytest.skip("the scratch is the sandbox's /tmp")
    package = tmp_path / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(SCRATCH_PROBE)
    with Session(package, limits=Limits(scratch_bytes=2 * 2**20)) as worker:
        assert worker.call("mod.write", 1) == "written"
        assert worker.call("mod.write", 4) == "OSError"  # no space left on the tmpfs
    if sandbox_mode() == "bwrap-root":  # without a scratch, /tmp stays root's
        with Session(package, limits=Limits()) as worker:
            assert worker.call("mod.write", 0.001) == "PermissionError"
