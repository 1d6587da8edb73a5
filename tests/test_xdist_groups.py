"""`make test` keeps each xdist group on one worker.

The slowest fixtures (the mutants graded, each assignment's nbgrader round trip, the
garbage batch) are built once per worker; their tests share an `xdist_group` so
that one worker builds each. pytest 9.2 with pytest-xdist 3.8 ignores the groups
without a word (pytest-xdist issue #1386) and every such fixture is built twice.
"""

import os

import pytest


@pytest.mark.xdist_group("probe")
def test_a_group_reaches_the_scheduler(request):
    if os.environ.get("PYTEST_XDIST_WORKER") is None or not request.config.getvalue("loadgroup"):
        pytest.skip("only under `make test` (pytest -n 2 --dist loadgroup)")
    # loadgroup's scheduler reads the group from the node id's suffix.
    assert request.node.nodeid.endswith("@probe"), (
        f"{request.node.nodeid}: the xdist group is lost, so every group's fixture is built "
        "on every worker (pytest-xdist issue #1386: pytest 9.2 with xdist 3.8)")
