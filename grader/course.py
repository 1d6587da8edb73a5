"""The course manifest (course.toml): the one place that lists assignments and modules.

    from grader.course import COURSE
    COURSE.ids                      ("a1", ..., "a6")
    COURSE["a5"].modules            ("network", "optim", "train", "config")
    COURSE.modules                  every student module, in dependency order
    COURSE.owner("layers", "batchnorm_forward")   the assignment that asks for it

Run as a command, it prints what the Makefile loops over:

    python -m grader.course ids            a1 a2 ... (one line)
    python -m grader.course modules        activations layers ...

Standard library only: the Makefile calls it before anything is installed.
"""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KIT_ROOT = Path(__file__).resolve().parent.parent
COURSE_FILE = KIT_ROOT / "course.toml"
KEYS = {"id", "title", "notebook", "modules", "functions", "settings", "checks", "builds_on",
        "tasks", "methods", "attributes"}
REQUIRED = ("id", "title", "notebook", "checks")
SETTINGS = "HYPERPARAMS"  # config.py's dict of task settings


class CourseError(ValueError):
    """course.toml is malformed or inconsistent."""


@dataclass(frozen=True)
class Assignment:
    """One assignment as course.toml names it (see the file's header for each field)."""

    id: str
    title: str
    notebook: str
    modules: tuple = ()
    functions: dict = field(default_factory=dict)  # module -> names added to it here
    settings: tuple = ()
    checks: tuple = ()
    builds_on: tuple = ()
    tasks: tuple = ()
    methods: tuple = ()
    attributes: tuple = ()

    @property
    def number(self):
        return int(self.id[1:])

    @property
    def touches(self):
        """Every module the student writes code in for this assignment, in course order."""
        return self.modules + tuple(m for m in self.functions if m not in self.modules) + (
            ("config",) if self.settings and "config" not in self.modules
            and "config" not in self.functions else ())


class Course:
    """The assignments of course.toml, in course order, validated."""

    def __init__(self, assignments):
        self.assignments = {a.id: a for a in assignments}

    def __getitem__(self, assignment_id):
        try:
            return self.assignments[assignment_id]
        except KeyError:
            raise KeyError(f"no assignment {assignment_id!r} in course.toml (it has "
                           f"{', '.join(self.ids)})") from None

    def __iter__(self):
        return iter(self.assignments.values())

    def __contains__(self, assignment_id):
        return assignment_id in self.assignments

    @property
    def ids(self):
        return tuple(self.assignments)

    @property
    def modules(self):
        """Every student module, in dependency order."""
        return tuple(m for a in self for m in a.modules)

    def module_owner(self, module):
        """The assignment in which a module is first written."""
        for assignment in self:
            if module in assignment.modules:
                return assignment
        raise KeyError(f"no assignment of course.toml writes {module}.py")

    def owner(self, module, name):
        """The assignment that asks for `name` of `module` (a later one may add to a module).

        config.py's settings are named like their notebook cells: HYPERPARAMS-mnist is
        the entry HYPERPARAMS["mnist"], written in the assignment that grades it.
        """
        setting = name.removeprefix(f"{SETTINGS}-") if name.startswith(f"{SETTINGS}-") else None
        for assignment in self:
            if name in assignment.functions.get(module, ()):
                return assignment
            if module == "config" and setting in assignment.settings:
                return assignment
        return self.module_owner(module)

    def of_check_module(self, filename):
        """The assignment a check module (test_a2_layers.py) grades, or None."""
        for assignment in self:
            if filename in assignment.checks:
                return assignment
        return None

    def task_owner(self, task):
        for assignment in self:
            if task in assignment.tasks:
                return assignment
        raise KeyError(f"no assignment of course.toml grades the task {task!r}")

    @property
    def tasks(self):
        return tuple(t for a in self for t in a.tasks)

    @property
    def methods(self):
        return frozenset(m for a in self for m in a.methods)

    @property
    def attributes(self):
        return frozenset(m for a in self for m in a.attributes)

    def up_to(self, assignment_id):
        """The assignments from the first to this one, inclusive."""
        ids = self.ids
        return [self[a] for a in ids[:ids.index(assignment_id) + 1]]

    def closure(self, assignment_ids):
        """The assignments named and every one they build on, in course order."""
        wanted, pending = set(), list(assignment_ids)
        while pending:
            current = pending.pop()
            if current not in wanted:
                wanted.add(current)
                pending += self[current].builds_on
        return [a for a in self.ids if a in wanted]


def _strings(value, where):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CourseError(f"course.toml: {where} must be a list of strings")
    return tuple(value)


def parse_course(data, where="course.toml"):
    """A Course from the parsed TOML, with every cross-reference checked."""
    entries = data.get("assignment")
    if not isinstance(entries, list) or not entries:
        raise CourseError(f"{where}: no [[assignment]] tables")
    unknown_top = sorted(set(data) - {"assignment"})
    if unknown_top:
        raise CourseError(f"{where}: unknown top-level key(s) {unknown_top}")
    assignments, seen_modules, seen_checks, seen_tasks = [], {}, {}, {}
    last_number = 0
    for position, entry in enumerate(entries, start=1):
        unknown = sorted(set(entry) - KEYS)
        if unknown:
            raise CourseError(f"{where}: assignment {position}: unknown key(s) {unknown}; "
                              f"known: {sorted(KEYS)}")
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            raise CourseError(f"{where}: assignment {position}: missing {missing}")
        assignment_id = entry["id"]
        number = re.fullmatch(r"a([1-9][0-9]*)", str(assignment_id))
        if number is None or int(number.group(1)) <= last_number:
            raise CourseError(f"{where}: assignment {position} has id {assignment_id!r}; ids "
                              f"are a1, a2, ... in course order (increasing)")
        last_number = int(number.group(1))
        at = f"{where}: {assignment_id}"
        functions = entry.get("functions", {})
        if not isinstance(functions, dict):
            raise CourseError(f"{at}: functions must be a table {{ module = [names] }}")
        assignment = Assignment(
            id=assignment_id, title=str(entry["title"]), notebook=str(entry["notebook"]),
            modules=_strings(entry.get("modules", []), f"{at} modules"),
            functions={m: _strings(v, f"{at} functions.{m}") for m, v in functions.items()},
            settings=_strings(entry.get("settings", []), f"{at} settings"),
            checks=_strings(entry["checks"], f"{at} checks"),
            builds_on=_strings(entry.get("builds_on", []), f"{at} builds_on"),
            tasks=_strings(entry.get("tasks", []), f"{at} tasks"),
            methods=_strings(entry.get("methods", []), f"{at} methods"),
            attributes=_strings(entry.get("attributes", []), f"{at} attributes"))
        for module in assignment.modules:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", module):
                raise CourseError(f"{at}: module name {module!r} is not a Python module name")
            if module in seen_modules:
                raise CourseError(f"{at}: {module}.py is already written in {seen_modules[module]}")
            seen_modules[module] = assignment_id
        for module in assignment.functions:
            if module not in seen_modules or seen_modules[module] == assignment_id:
                raise CourseError(f"{at}: functions.{module}: {module}.py must be written in an "
                                  "earlier assignment")
        if assignment.settings and "config" not in seen_modules:
            raise CourseError(f"{at}: settings need config.py, written in this or an earlier "
                              "assignment")
        for check in assignment.checks:
            if not re.fullmatch(rf"test_{assignment_id}_[a-z0-9_]+\.py", check):
                raise CourseError(f"{at}: check module {check!r} must be named "
                                  f"test_{assignment_id}_<what>.py")
            if check in seen_checks:
                raise CourseError(f"{at}: {check} already grades {seen_checks[check]}")
            seen_checks[check] = assignment_id
        for task in assignment.tasks:
            if task in seen_tasks:
                raise CourseError(f"{at}: the task {task!r} is already graded in "
                                  f"{seen_tasks[task]}")
            seen_tasks[task] = assignment_id
        earlier = {a.id for a in assignments}
        for other in assignment.builds_on:
            if other not in earlier:
                raise CourseError(f"{at}: builds_on {other!r} is not an earlier assignment")
        assignments.append(assignment)
    return Course(assignments)


def read_toml(path, what):
    """The TOML file at `path` as a dict; a CourseError naming `what` if it is missing or broken."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise CourseError(f"{what} is missing: {path}") from None
    except tomllib.TOMLDecodeError as error:
        raise CourseError(f"{path}: {error}") from None


def load_course(path=COURSE_FILE):
    path = Path(path)
    return parse_course(read_toml(path, "the course manifest"), where=path.name)


COURSE = load_course()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    what = argv[0] if argv else "ids"
    if what == "ids":
        print(" ".join(COURSE.ids))
    elif what == "modules":
        print(" ".join(COURSE.modules))
    else:
        print(f"usage: python -m grader.course [ids|modules]; not {what!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
