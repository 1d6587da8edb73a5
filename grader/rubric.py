"""The rubric: points, thresholds, budgets and visibility, read from TOML files.

Files in grader/rubric/ (instructors edit these, not code):
    grading.toml   budgets and default limits for the whole submission
    aN.toml        one per assignment of course.toml: limits, points and
                   visibility of its checks, and for graded tasks their
                   thresholds and budgets
    secrets.toml   the hidden seeds (absent from the student bundle)

An assignment's [questions] gives each of its written questions (questions.toml)
its points, graded by hand: nbgrader's manual grading counts them, the isolated
grader only reports which answers are missing.

What the course is (titles, modules, check modules, what builds on what)
comes from the course manifest (grader/course.py); a rubric file holds only
what instructors tune.

A check's rubric name is its pytest name without "test_", e.g.
"linear_backward[dW-hidden]". Entries under [checks] are glob patterns; every
entry that matches applies, in file order, later keys overriding earlier ones.
Every check must receive points from some entry, and every entry must match a
check: tests/test_rubric.py holds the rubric and the checks to that.
"""

import datetime
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .course import COURSE, CourseError
from .questions import questions_of
from .sandbox.isolation import Limits

RUBRIC_DIR = Path(__file__).resolve().parent / "rubric"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


class RubricError(ValueError):
    """A rubric file is missing, malformed or inconsistent."""


@dataclass
class Assignment:
    """One assignment's rubric file; what the assignment is comes from course.toml."""

    id: str
    limits: dict
    checks: dict  # pattern -> {points, visibility, ...}
    tasks: dict = field(default_factory=dict)  # task -> thresholds, budget, limits, hint
    imports: list = None  # the import policy: packages its students' code may import
    questions: dict = field(default_factory=dict)  # written question id -> points (by hand)

    @property
    def course(self):
        return COURSE[self.id]

    @property
    def title(self):
        return self.course.title

    @property
    def check_modules(self):
        """Its check modules under grader/checks/."""
        return list(self.course.checks)

    @property
    def builds_on(self):
        """The assignments whose functions it calls."""
        return list(self.course.builds_on)

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
    late: dict = field(default_factory=lambda: dict(LATE_DEFAULTS))  # the late policy
    due: dict = field(default_factory=dict)  # assignment -> its due date (aware datetime)
    gradescope: dict = field(default_factory=lambda: dict(GRADESCOPE_DEFAULTS))
    similarity: dict = field(default_factory=lambda: dict(SIMILARITY_DEFAULTS))  # the report

    def limits_for(self, assignment_id, task=None):
        """Limits of the workers of an assignment (or of one of its training tasks)."""
        overrides = dict(self.assignments[assignment_id].limits)
        if self.assignments[assignment_id].imports is not None:
            overrides["imports"] = list(self.assignments[assignment_id].imports)
        if task is not None:
            overrides.update(self.assignments[assignment_id].tasks[task].get("limits", {}))
        return _limits(overrides, self.limits)

    def assignment_of(self, check_module):
        """The rubric of the assignment a check module (test_a2_layers.py) grades, or None."""
        assignment = COURSE.of_check_module(check_module)
        return self.assignments.get(assignment.id) if assignment else None


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
    mapping = {"call_seconds": ("call_seconds", 1), "wall_factor": ("wall_factor", 1),
               "memory_mb": ("memory_bytes", 2**20),
               "cpu_seconds": ("cpu_seconds", 1), "processes": ("processes", 1),
               "file_mb": ("file_bytes", 2**20), "output_kb": ("output_bytes", 2**10),
               "threads": ("threads", 1), "imports": ("imports", None),
               "scratch_mb": ("scratch_bytes", 2**20)}
    changes = {}
    for key, value in values.items():
        if key not in mapping:
            raise RubricError(f"unknown limit {key!r}; known: {sorted(mapping)}")
        name, scale = mapping[key]
        if scale is None:  # the import policy: a list of distribution names
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RubricError(f"imports = {value!r}: expected a list of package names "
                                  'such as ["numpy"]')
            changes[name] = tuple(value)
            continue
        changes[name] = type(getattr(base, name))(value * scale)
    return base.with_(**changes)


ASSIGNMENT_KEYS = {"imports", "limits", "checks", "tasks", "questions"}
CHECK_KEYS = {"points", "visibility", "details"}
# max_parameters: a model-size limit (a8's cnn); speed_factor: how many times the reference's
# CPU time a timed check allows (a8's vectorisation check, which the cnn task relies on).
TASK_KEYS = {"threshold", "partial_threshold", "partial_credit", "budget_seconds", "limits", "hint",
             "max_parameters", "speed_factor",
             # the ring task's (a11) terms: its quality thresholds and what "near" and "covered" are
             "quality_threshold", "partial_quality_threshold", "near_sigmas", "mode_share"}
GRADING_KEYS = {"submission": {"budget_seconds"}, "limits": None, "visibility": {"default"},
                "late": {"penalty_per_day", "max_days"}, "due": None,
                "gradescope": {"provide", "require_sandbox", "leaderboard"},
                "similarity": {"threshold", "noise_tokens", "guarantee_tokens"}}
LATE_DEFAULTS = {"penalty_per_day": 0.0, "max_days": 0}
GRADESCOPE_DEFAULTS = {"provide": "reference", "require_sandbox": "uid", "leaderboard": []}
SIMILARITY_DEFAULTS = {"threshold": 0.5, "noise_tokens": 25, "guarantee_tokens": 30}


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
    if "imports" in data:
        _limits({"imports": data["imports"]})  # a list of names, or a RubricError
    moved = sorted({"title", "modules", "builds_on"} & set(data))
    if moved:
        raise RubricError(f"{where}: {', '.join(moved)} belong in course.toml, not the rubric")
    _unknown(data, ASSIGNMENT_KEYS, where)
    for pattern, entry in data.get("checks", {}).items():
        if not isinstance(entry, dict):
            raise RubricError(f"{where}: [checks] {pattern!r} must be a table "
                              "like { points = 1 }")
        _unknown(entry, CHECK_KEYS, f"{where}: [checks] {pattern!r}")
        points = entry.get("points", 0)
        if not isinstance(points, (int, float)) or points < 0:
            raise RubricError(f"{where}: [checks] {pattern!r}: points must be a number >= 0")
    from .tasks import TASKS  # noqa: PLC0415 - the tasks import the rubric's error

    for task, table in data.get("tasks", {}).items():
        at = f"{where}: [tasks.{task}]"
        if task not in TASKS:
            raise RubricError(f"{at}: no such task (the tasks are {', '.join(sorted(TASKS))})")
        _unknown(table, TASK_KEYS, at)
        for required in ("threshold", "budget_seconds"):
            if required not in table:
                raise RubricError(f"{at}: missing {required!r}")
        TASKS[task].validate_table(table, at)
        if "partial_threshold" in table:
            _fraction(table.get("partial_credit", 0.5), f"{at} partial_credit", low_open=False)
        if not isinstance(table["budget_seconds"], (int, float)) or table["budget_seconds"] <= 0:
            raise RubricError(f"{at}: budget_seconds must be a positive number of seconds")
        _limits(table.get("limits", {}))
    _validate_questions(assignment_id, data.get("questions", {}), where)


def _validate_questions(assignment_id, table, where):
    """[questions]: exactly the written questions questions.toml asks in this assignment."""
    try:
        asked = [q.id for q in questions_of(assignment_id)]
    except CourseError as error:
        raise RubricError(str(error)) from None
    for question_id, points in table.items():
        if isinstance(points, dict):  # a1.q1 = 1 unquoted: TOML reads a table a1 = {q1 = 1}
            raise RubricError(f"{where}: [questions] {question_id!r}: write each id in quotes, "
                              f'"{assignment_id}.q1" = 1 (unquoted, the dot makes a table)')
        if question_id not in asked:
            raise RubricError(f"{where}: [questions] {question_id!r}: no such question of "
                              f"{assignment_id} in questions.toml (it asks "
                              f"{', '.join(asked) or 'none'})")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise RubricError(f"{where}: [questions] {question_id!r}: points must be a number "
                              ">= 0")
    missing = [q for q in asked if q not in table]
    if missing:
        raise RubricError(f"{where}: [questions] gives no points to {', '.join(missing)} "
                          "(questions.toml asks them)")


def load_rubric(directory=None):
    """The rubric of grader/rubric/, or of the folder $GRADER_RUBRIC names (a course's own)."""
    directory = Path(directory or os.environ.get("GRADER_RUBRIC") or RUBRIC_DIR)
    grading = _read(directory / "grading.toml")
    _unknown(grading, GRADING_KEYS, "grading.toml")
    for section, known in GRADING_KEYS.items():
        if known is not None:
            _unknown(grading.get(section, {}), known, f"grading.toml [{section}]")
    if "budget_seconds" not in grading.get("submission", {}):
        raise RubricError("grading.toml: [submission] needs budget_seconds")
    assignments = {}
    for course_assignment in COURSE:
        data = _read(directory / f"{course_assignment.id}.toml")
        validate_assignment(course_assignment.id, data)
        tasks = data.get("tasks", {})
        extra = sorted(set(tasks) - set(course_assignment.tasks))
        missing = sorted(set(course_assignment.tasks) - set(tasks))
        if extra or missing:
            raise RubricError(
                f"{course_assignment.id}.toml: [tasks.*] must be the tasks course.toml gives "
                f"{course_assignment.id} ({', '.join(course_assignment.tasks) or 'none'})"
                + (f"; unknown: {', '.join(extra)}" if extra else "")
                + (f"; missing: {', '.join(missing)}" if missing else ""))
        assignments[course_assignment.id] = Assignment(
            id=course_assignment.id, limits=data.get("limits", {}),
            checks=data.get("checks", {}), tasks=tasks, imports=data.get("imports"),
            questions={k: float(v) for k, v in data.get("questions", {}).items()})
    strays = sorted(p.stem for p in directory.glob("a*.toml") if p.stem not in COURSE)
    if strays:
        raise RubricError(f"rubric file(s) {', '.join(s + '.toml' for s in strays)} match no "
                          "assignment of course.toml")
    secrets_path = directory / "secrets.toml"
    secrets = _read(secrets_path) if secrets_path.exists() else {}
    late = dict(LATE_DEFAULTS, **grading.get("late", {}))
    penalty = late["penalty_per_day"]
    if not (isinstance(penalty, (int, float)) and 0 <= penalty <= 1):
        raise RubricError("grading.toml [late] penalty_per_day: a fraction of the score per day "
                          "late, in [0, 1] (0.1 for 10%)")
    if not (isinstance(late["max_days"], int) and late["max_days"] >= 0):
        raise RubricError("grading.toml [late] max_days: a whole number of days >= 0 (0: no limit)")
    due = grading.get("due", {})
    for assignment_id, when in due.items():
        if assignment_id not in COURSE:
            raise RubricError(f"grading.toml [due] {assignment_id}: no such assignment; the "
                              f"assignments are {', '.join(COURSE.ids)}")
        if not isinstance(when, datetime.datetime) or when.tzinfo is None:
            raise RubricError(f"grading.toml [due] {assignment_id}: a date and time with its "
                              "zone, such as 2027-01-15T23:59:00-05:00")
    gradescope = dict(GRADESCOPE_DEFAULTS, **grading.get("gradescope", {}))
    unknown_tasks = sorted(set(gradescope["leaderboard"]) - set(COURSE.tasks))
    if unknown_tasks:
        raise RubricError(f"grading.toml [gradescope] leaderboard: no task {unknown_tasks}; the "
                          f"tasks are {', '.join(COURSE.tasks)}")
    if gradescope["require_sandbox"] not in ("bwrap", "uid", "none"):
        raise RubricError("grading.toml [gradescope] require_sandbox: bwrap, uid or none")
    similarity = dict(SIMILARITY_DEFAULTS, **grading.get("similarity", {}))
    _fraction(similarity["threshold"], "grading.toml [similarity] threshold")
    noise, guarantee = similarity["noise_tokens"], similarity["guarantee_tokens"]
    if not (isinstance(noise, int) and isinstance(guarantee, int) and 1 <= noise <= guarantee):
        raise RubricError("grading.toml [similarity]: noise_tokens and guarantee_tokens are "
                          "whole numbers with 1 <= noise_tokens <= guarantee_tokens")
    return Rubric(budget_seconds=float(grading["submission"]["budget_seconds"]),
                  limits=_limits(grading.get("limits", {})), assignments=assignments,
                  secrets=secrets, late=late, due=due, gradescope=gradescope,
                  similarity=similarity)


def main(argv=None):
    """`python -m grader.rubric due a2`: the due date nbgrader registers (empty if none)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] != "due":
        print("usage: python -m grader.rubric due ASSIGNMENT", file=sys.stderr)
        return 2
    due = load_rubric().due.get(args[1])
    print(due.isoformat() if due else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
