"""The hostile corpus in CI: every attack earns nothing it did not earn honestly, in bounded time.

Each attack (tests/hostile/corpus.py) is graded with the real command line and
compared, check by check, with its control (the same submission without the
attack). CI runs as root with bubblewrap installed, so the full sandbox is under
test there; `make security-report` prints the same results as a table.
"""

import importlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import course_data
from grader.sandbox.isolation import sandbox_mode
from tests.conftest import REPO_ROOT
from tests.hostile.closed_form import HIDDEN, build_closed_form_submission
from tests.hostile.corpus import ATTACKS
from tests.hostile.runner import run_attack

pytestmark = pytest.mark.slow

# Attacks that only a sandbox stops (a private filesystem, network and PID
# namespace, another uid). Without one the grader says so in every report, and
# these attacks succeed: that is what the warning means.
NEEDS_SANDBOX = {"fake_results_json", "process_storm", "find_the_reference", "read_the_parent",
                 "network", "tamper_shared_files"}


def test_ci_grades_inside_the_sandbox():
    """CI must exercise the sandbox, not silently fall back to running without one."""
    if not os.environ.get("CI"):
        pytest.skip("outside CI, a machine without bubblewrap may run the corpus unsandboxed")
    assert sandbox_mode() != "none", "CI needs bubblewrap (apt-get install bubblewrap)"


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda attack: attack.name)
def test_attack_earns_nothing_unearned(attack, tmp_path):
    if attack.name in NEEDS_SANDBOX and sandbox_mode() == "none" and not os.environ.get("CI"):
        pytest.skip("no sandbox on this machine: this attack is expected to work here")
    outcome = run_attack(attack, tmp_path / attack.name)
    assert outcome.seconds <= attack.bound_seconds
    assert outcome.unearned == 0
    assert outcome.ok, "\n".join(outcome.problems)


def test_reference_still_scores_everything_on_a1_a2(reference_run):
    """The sandbox's limits do not cost an honest solution anything."""
    status, results = reference_run
    assert status == 0
    for assignment in ("a1", "a2"):
        totals = results["extra_data"]["assignments"][assignment]
        assert totals["max_score"] > 0
        assert totals["score"] == totals["max_score"], assignment


def test_the_closed_form_attack_would_earn_points_without_the_update_rule_check(tmp_path):
    """The least-squares network is a real threat: on the public data it reaches the tasks'
    thresholds (so its 0 in the corpus comes from the learning-rate-0 evidence, not from
    an attack too weak to matter)."""
    build_closed_form_submission(Path(REPO_ROOT) / "reference", tmp_path / "closed_form_attack")
    sys.path.insert(0, str(tmp_path))
    try:
        network = importlib.import_module("closed_form_attack.network")
        train = importlib.import_module("closed_form_attack.train")
    finally:
        sys.path.remove(str(tmp_path))

    def fitted_accuracy(task, X, y, X_test, y_test, classes):
        params = network.init_params([X.shape[1], *HIDDEN[task], classes], "he",
                                     np.random.default_rng(0), np.float64)
        train.train(params, X, y, epochs=1, batch_size=32)
        return np.mean(network.predict(params, X_test, "relu") == y_test)

    X, y = course_data.xor_data()
    assert fitted_accuracy("xor", X, y, X, y, 2) == 1.0
    X, y, X_test, y_test = course_data.moons_data(2000, noise=0.2, random_state=0)
    assert fitted_accuracy("moons", X, y, X_test, y_test, 2) >= 0.90  # partial credit
    X, y = course_data.spiral_data(100, 3, seed=0)
    assert fitted_accuracy("spirals", X, y, X, y, 3) >= 0.95  # full credit
