"""Authoring tools: everything derived from `reference/` (stubs, notebooks, fixtures, bundle).

Nothing here is edited by hand downstream: each generated file is rebuilt by a
make target and a test fails when a committed copy is stale.
"""
