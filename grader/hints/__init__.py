"""Diagnostic hints: name the mistake, not just the mismatch.

When a value is wrong, the student's array is compared with transformations of
the right one (scaled by N, negated, transposed, reduced over another axis,
...) and with the results of known mistakes that a check computed on the
trusted side (the forward-difference gradient, the output-masked ReLU, ...).
Where one matches, the rule's sentence names the likely mistake.

Rules are data, one file per assignment (a1.py ... a5.py: RULES) plus the
rules every check may use (generic.py: FIRST, tried before an assignment's
own rules, and LAST, the generic transformations tried after them); rules.py
defines Rule and its builders. Adding a hint is adding a rule to the file of
its assignment.

Rules are scoped: a check of assignment X is diagnosed with FIRST, the rules of
X, the rules of the assignments X builds on (course.toml), then LAST. So a rule
written for a later assignment never changes the hints of an earlier one. The
plugin sets the scope around every check (`scope`); without one (a script
calling diagnose) every rule applies, in course order.

A hint is a `Hint`: the sentence a student reads (a str) that also knows the
name of its rule, which results.json records ("hint_rule"), so the mutation
corpus checks hints by name, never by their wording.

The context a check passes carries what it knows:
  "N"             the batch size (for the "summed instead of averaged" rules);
  "size"          the number of elements a mean runs over, when not N;
  "start"         the value before an update step (for the sign of a step);
  "inputs"        the arrays given to the function;
  "alternatives"  {rule name: what that mistake would have returned}, computed
                  by the check for its own function;
  "facts"         {rule name: True} for mistakes the check observed directly
                  (a NumPy overflow warning, an rng that was ignored);
  "tolerance"     (rtol, atol) for comparing with candidates, when the values
                  are statistics rather than exact results;
  "extra_rules"   rules a check adds for itself: (name, candidate, sentence).
compare.py adds "dtype_only" when only the dtype is wrong.
"""

import contextlib
import contextvars
import importlib

import numpy as np

from ..course import COURSE
from . import generic
from .rules import Rule, close


class Hint(str):
    """A hint's sentence, which knows the name of the rule that produced it (or None)."""

    rule = None

    def __new__(cls, sentence, rule=None):
        hint = super().__new__(cls, sentence)
        hint.rule = rule
        return hint


def _assignment_rules():
    """{assignment id: its RULES} for every assignment of course.toml with a hints file."""
    rules = {}
    for assignment in COURSE:
        try:
            module = importlib.import_module(f"{__name__}.{assignment.id}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{assignment.id}":
                raise
            continue
        rules[assignment.id] = list(module.RULES)
    return rules


BY_ASSIGNMENT = _assignment_rules()
ALL_RULES = generic.FIRST + [r for rules in BY_ASSIGNMENT.values() for r in rules] + generic.LAST
RULE_NAMES = [rule.name for rule in ALL_RULES]
_BY_NAME = {rule.name: rule for rule in ALL_RULES}
_SCOPE = contextvars.ContextVar("hint_scope", default=None)


def rules_for(assignment_id):
    """The rules, in the order they are tried, for a check of this assignment (None: all)."""
    if assignment_id is None:
        return ALL_RULES
    ids = [assignment_id] + [a for a in reversed(COURSE.closure([assignment_id]))
                             if a != assignment_id]
    return generic.FIRST + [r for a in ids for r in BY_ASSIGNMENT.get(a, [])] + generic.LAST


@contextlib.contextmanager
def scope(assignment_id):
    """Diagnose with the rules of this assignment (and what it builds on) inside the block."""
    token = _SCOPE.set(assignment_id)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def diagnose(actual, expected, context):
    """A Hint naming the likely mistake, or None."""
    found = match(actual, expected, context)
    return Hint(found.sentence, found.name) if found else None


def match(actual, expected, context):
    """The first Rule of the current scope that recognises the student's value, or None."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    extra = [Rule(*rule) for rule in context.get("extra_rules", [])]
    for rule in list(rules_for(_SCOPE.get())) + extra:
        try:
            candidate = rule.candidate(actual, expected, context)
            if candidate is None:
                continue
            if candidate is True or isinstance(candidate, str):
                return rule
            candidate = np.asarray(candidate)
            if candidate.shape == actual.shape and close(actual, candidate, context):
                return rule
        except Exception:  # noqa: BLE001 - a rule must never break a check
            continue
    return None


def sentence_of(name):
    """The Hint of a rule, for checks that observed the mistake themselves."""
    if name not in _BY_NAME:
        raise KeyError(f"no hint rule named {name!r}")
    return Hint(_BY_NAME[name].sentence, name)


def rule_of(hint):
    """The rule name a hint carries (None for a free-text hint)."""
    return getattr(hint, "rule", None)
