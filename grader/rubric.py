"""The rubric: points, thresholds, budgets and visibility, read from TOML files.

Files in grader/rubric/ (instructors edit these, not code):
    grading.toml   budgets and default limits for the whole submission
    aN.toml        one per assignment: title, limits, points and visibility of
                   its checks, and for training tasks their thresholds
    secrets.toml   the hidden seeds (absent from the student bundle)

A check's rubric name is its pytest name without "test_", e.g.
"linear_backward[dW-hidden]". Entries under [checks] are glob patterns; every
entry that matches applies, in file order, later keys overriding earlier ones.
Every check must receive points from some entry, and every entry must match a
check: tests/test_rubric.py holds the rubric and the checks to that.
"""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .sandbox.isolation import Limits

RUBRIC_DIR = Path(__file__).resolve().parent / "rubric"
ASSIGNMENTS = ("a1", "a2", "a3", "a4", "a5", "a6")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


class RubricError(ValueError):
    """A rubric file is missing, malformed or inconsistent."""


@dataclass
class Assignment:
    id: str
    title: str
    modules: list  # the check modules under grader/checks/
    limits: dict
    checks: dict  # pattern -> {points, visibility, ...}
    tasks: dict = field(default_factory=dict)
    builds_on: list = field(default_factory=list)  # assignments whose functions it calls

    def entry(self, check_name):
        """Merged rubric entry of a check; raises RubricError if no points apply."""
        merged = {}
        for pattern, values in self.checks.items():
            if _matches(pattern, check_name):
                merged.update(values)
        if "points" not in merged:
            raise RubricError(f"{self.id}: no rubric entry gives points to check {check_name!r}")
        merged.setdefault("visibility", "visible")
        if merged["visibility"] not in VISIBILITIES:
            raise RubricError(f"{self.id}: {check_name}: visibility must be one of {VISIBILITIES}")
        return merged


@dataclass
class Rubric:
    budget_seconds: float
    limits: Limits
    assignments: dict
    secrets: dict

    def limits_for(self, assignment_id, task=None):
        """Limits of the workers of an assignment (or of one of its training tasks)."""
        overrides = dict(self.assignments[assignment_id].limits)
        if task is not None:
            overrides.update(self.assignments[assignment_id].tasks[task].get("limits", {}))
        return _limits(overrides, self.limits)

    def assignment_of(self, module_name):
        for assignment in self.assignments.values():
            if module_name in assignment.modules:
                return assignment
        return None


def _matches(pattern, check_name):
    """Glob with * only: brackets in check names ("values[sigmoid-public]") are literal."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, check_name) is not None


def _read(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise RubricError(f"rubric file missing: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"{path}: {error}") from None


def _limits(values, base=None):
    base = Limits() if base is None else base
    mapping = {"wall_seconds": ("wall_seconds", 1), "memory_mb": ("memory_bytes", 2**20),
               "cpu_seconds": ("cpu_seconds", 1), "processes": ("processes", 1),
               "file_mb": ("file_bytes", 2**20), "output_kb": ("output_bytes", 2**10),
               "threads": ("threads", 1)}
    changes = {}
    for key, value in values.items():
        if key not in mapping:
            raise RubricError(f"unknown limit {key!r}; known: {sorted(mapping)}")
        name, scale = mapping[key]
        changes[name] = type(getattr(base, name))(value * scale)
    return base.with_(**changes)


ASSIGNMENT_KEYS = {"title", "modules", "builds_on", "limits", "checks", "tasks"}
CHECK_KEYS = {"points", "visibility", "details"}
TASK_KEYS = {"threshold", "partial_threshold", "partial_credit", "budget_seconds", "limits", "hint"}
GRADING_KEYS = {"submission": {"budget_seconds"}, "limits": None, "visibility": {"default"}}


def _unknown(keys, known, where):
    unknown = sorted(set(keys) - set(known))
    if unknown:
        raise RubricError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
                          f"known: {', '.join(sorted(known))}")


def _fraction(value, where, low_open=True):
    if not isinstance(value, (int, float)) or not (0 < value <= 1 if low_open else 0 <= value <= 1):
        raise RubricError(f"{where} = {value!r}: expected a fraction "
                          f"{'in (0, 1]' if low_open else 'in [0, 1]'} (0.95 for 95%)")


def validate_assignment(assignment_id, data):
    """Refuse a rubric file with a typo before any student is graded with it.

    A misspelt key would otherwise be ignored (partial credit silently gone) or
    turn into a failed check for every student.
    """
    where = f"{assignment_id}.toml"
    _unknown(data, ASSIGNMENT_KEYS, where)
    for pattern, entry in data.get("checks", {}).items():
        if not isinstance(entry, dict):
            raise RubricError(f"{where}: [checks] {pattern!r} must be a table "
                              "like { points = 1 }")
        _unknown(entry, CHECK_KEYS, f"{where}: [checks] {pattern!r}")
        points = entry.get("points", 0)
        if not isinstance(points, (int, float)) or points < 0:
            raise RubricError(f"{where}: [checks] {pattern!r}: points must be a number >= 0")
    for task, table in data.get("tasks", {}).items():
        at = f"{where}: [tasks.{task}]"
        _unknown(table, TASK_KEYS, at)
        for required in ("threshold", "budget_seconds"):
            if required not in table:
                raise RubricError(f"{at}: missing {required!r}")
        _fraction(table["threshold"], f"{at} threshold")
        if "partial_threshold" in table:
            _fraction(table["partial_threshold"], f"{at} partial_threshold")
            _fraction(table.get("partial_credit", 0.5), f"{at} partial_credit", low_open=False)
        if not isinstance(table["budget_seconds"], (int, float)) or table["budget_seconds"] <= 0:
            raise RubricError(f"{at}: budget_seconds must be a positive number of seconds")
        _limits(table.get("limits", {}))


def load_rubric(directory=RUBRIC_DIR):
    directory = Path(directory)
    grading = _read(directory / "grading.toml")
    _unknown(grading, GRADING_KEYS, "grading.toml")
    for section, known in GRADING_KEYS.items():
        if known is not None:
            _unknown(grading.get(section, {}), known, f"grading.toml [{section}]")
    if "budget_seconds" not in grading.get("submission", {}):
        raise RubricError("grading.toml: [submission] needs budget_seconds")
    assignments = {}
    for assignment_id in ASSIGNMENTS:
        data = _read(directory / f"{assignment_id}.toml")
        validate_assignment(assignment_id, data)
        try:
            modules = data["modules"]
            assignments[assignment_id] = Assignment(
                id=assignment_id, title=data["title"],
                modules=[modules] if isinstance(modules, str) else list(modules),
                limits=data.get("limits", {}), checks=data.get("checks", {}),
                tasks=data.get("tasks", {}), builds_on=list(data.get("builds_on", [])))
        except KeyError as missing:
            raise RubricError(f"{assignment_id}.toml: missing key {missing}") from None
    secrets_path = directory / "secrets.toml"
    secrets = _read(secrets_path) if secrets_path.exists() else {}
    return Rubric(budget_seconds=float(grading["submission"]["budget_seconds"]),
                  limits=_limits(grading.get("limits", {})), assignments=assignments,
                  secrets=secrets)
