"""The hostile corpus in CI: every attack earns nothing it did not earn honestly, in bounded time.

Each attack (tests/hostile/corpus.py) is graded with the real command line and
compared, check by check, with its control (the same submission without the
attack). CI runs as root with bubblewrap installed, so the full sandbox is under
test there; `make security-report` prints the same results as a table.
"""

import os

import pytest

from grader.sandbox.isolation import sandbox_mode
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
