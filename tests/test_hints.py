"""Hint rules are data, scoped to their assignment, and identified by name."""

import numpy as np

from grader import hints
from grader.course import COURSE
from grader.hints import generic


def test_every_rule_has_a_unique_name_and_a_sentence():
    assert len(hints.RULE_NAMES) == len(set(hints.RULE_NAMES))
    for rule in hints.ALL_RULES:
        assert rule.name.isidentifier() and len(rule.sentence) > 20, rule.name


def test_hint_files_belong_to_assignments_of_the_course():
    assert set(hints.BY_ASSIGNMENT) <= set(COURSE.ids)


def test_a_check_sees_its_own_rules_and_those_it_builds_on_never_later_ones():
    for assignment in COURSE:
        seen = {rule.name for rule in hints.rules_for(assignment.id)}
        for other, rules in hints.BY_ASSIGNMENT.items():
            names = {rule.name for rule in rules}
            visible = other in COURSE.closure([assignment.id])
            assert (names <= seen) == visible or not names, (assignment.id, other)
        assert {r.name for r in generic.FIRST + generic.LAST} <= seen


def test_a_rule_of_a_later_assignment_does_not_change_an_earlier_hint(monkeypatch):
    """An a5 rule that would match everything is invisible to a check of a1."""
    swallow_all = hints.Rule("swallows_everything", lambda a, e, c: True, "a sentence of a5 " * 3)
    monkeypatch.setitem(hints.BY_ASSIGNMENT, "a5", [swallow_all] + hints.BY_ASSIGNMENT["a5"])
    wrong, right = np.full(3, 2.0), np.ones(3)
    with hints.scope("a1"):
        assert hints.diagnose(wrong, right, {}).rule == "times_2"
    with hints.scope("a5"):
        assert hints.diagnose(wrong, right, {}).rule == "swallows_everything"


def test_a_hint_is_a_sentence_that_knows_its_rule():
    hint = hints.sentence_of("forward_difference")
    assert isinstance(hint, str) and hint.rule == "forward_difference"
    assert hints.rule_of("a free-text hint") is None
    with hints.scope("a2"):
        found = hints.diagnose(np.full(4, 3.0) * 7, np.full(4, 3.0), {"N": 7})
    assert found.rule == "times_N" and found == hints.sentence_of("times_N")


def test_a_kept_axis_of_size_one_is_named_not_taken_for_a_missing_sum():
    """db = dout.sum(axis=0, keepdims=True): the sum is right, its shape (1, M) is not."""
    dout = np.arange(12.0).reshape(3, 4)
    with hints.scope("a2"):
        kept = hints.diagnose(dout.sum(axis=0, keepdims=True), dout.sum(axis=0), {"N": 3})
        per_row = hints.diagnose(dout, dout.sum(axis=0), {"N": 3})
    assert kept.rule == "size_one_axis_kept"
    assert per_row.rule == "batch_axis_kept"  # one row per example: the sum is missing
