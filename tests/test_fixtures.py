"""grader/fixtures/public.npz: recorded from the current reference and checks."""

import numpy as np
import pytest

from authoring import fixtures
from grader.oracle import FIXTURES, load_fixtures


def test_fixtures_are_not_stale():
    assert FIXTURES.exists(), "run `make fixtures`"
    assert fixtures.stored_fingerprint() == fixtures.fingerprint(), \
        "reference/ or grader/checks/ changed since the fixtures were recorded: run `make fixtures`"


def test_a_changed_check_changes_the_fingerprint(tmp_path):
    checks = tmp_path / "checks"
    checks.mkdir()
    for path in fixtures.CHECKS.glob("*.py"):
        (checks / path.name).write_text(path.read_text())
    before = fixtures.fingerprint(checks=checks)
    changed = checks / "test_a1_activations.py"
    changed.write_text(changed.read_text() + "\n#")
    assert fixtures.fingerprint(checks=checks) != before


def test_no_hidden_case_is_recorded():
    stored = load_fixtures()
    assert stored, "no values recorded"
    assert not [key for key in stored if "hidden" in key]


def _same(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.kind == "f" and b.dtype == a.dtype and a.shape == b.shape:
            # np.exp and friends round differently on other CPUs (a few units in the last
            # place between an Intel and an AMD machine): that is not staleness. A changed
            # reference or check moves values far more than 64 ulps.
            eps = np.finfo(a.dtype).eps
            return bool(np.allclose(a, b, rtol=64 * eps, atol=64 * eps, equal_nan=True))
        return np.array_equal(a, b)
    return a == b


@pytest.mark.slow
def test_recorded_values_equal_a_fresh_recording_of_assignment_1():
    recorded, results = fixtures.record(modules=[fixtures.CHECKS / "test_a1_activations.py"])
    assert recorded
    stored = load_fixtures()
    different = [key for key, value in recorded.items()
                 if key not in stored or not _same(value, stored[key])]
    assert not different, f"stale fixtures (run `make fixtures`): {different[:5]}"
