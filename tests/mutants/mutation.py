"""Mutants: single-mistake variants of the reference, graded to prove the grader catches them.

Each mutant of corpus/aN.toml is one mistake students make, written as a text
replacement inside one function (or method) of one reference module. `apply`
copies the reference and makes the replacement; it refuses loudly when the text
is not found exactly once in that function, so a mutant never silently turns
into a copy of the reference when the reference changes. `grade_all` grades the
copies with the real grader (tests/grading.py: its CLI, `--only aN`, the
mutated code in the sandbox as always), in child processes that each grade
their share in process, and reads back what a student would see: the points
lost, the checks that failed and the hints shown (by rule name).
"""

import ast
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS.parent) not in sys.path:
    sys.path.insert(0, str(TESTS.parent))
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import grading  # noqa: E402

from grader import hints  # noqa: E402
from grader.course import COURSE  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
REFERENCE = grading.REFERENCE
FIELDS = ("name", "file", "function", "mistake", "find", "replace", "caught_by")


class MutantError(ValueError):
    """A mutant cannot be applied: the corpus and the reference disagree."""


@dataclass(frozen=True)
class Mutant:
    """One mistake: replace `find` by `replace` in `function` of reference/`file`."""

    name: str
    assignment: str  # its corpus file: the assignment whose checks grade it
    file: str
    function: str  # "name" of a top-level function, or "Class.method"
    mistake: str  # one line, what a student did
    find: str
    replace: str
    caught_by: tuple  # rubric-style patterns (* wildcard) of checks of the function changed
    hints: tuple = ()  # names of the hint rules that name this mistake
    select: str | None = None  # a pytest -k expression narrowing the checks graded

    @property
    def module(self):
        return Path(self.file).stem


def load_corpus(folder=CORPUS):
    """The mutants of every corpus file, validated (names unique, fields present, rules known)."""
    mutants, seen = [], set()
    files = sorted(Path(folder).glob("*.toml"), key=lambda p: COURSE.ids.index(p.stem)
                   if p.stem in COURSE else -1)
    for path in files:
        if path.stem not in COURSE:
            raise MutantError(f"{path.name}: no assignment {path.stem} in course.toml")
        with open(path, "rb") as f:
            data = tomllib.load(f)
        unknown = sorted(set(data) - {"mutant", "select"})
        if unknown:
            raise MutantError(f"{path.name}: unknown key(s) {unknown}")
        for entry in data.get("mutant", []):
            missing = [k for k in FIELDS if k not in entry]
            if missing:
                raise MutantError(f"mutant {entry.get('name', '?')}: missing {', '.join(missing)}")
            name = entry["name"]
            if name in seen or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise MutantError(f"mutant name {name!r} is repeated or not a snake_case "
                                  "identifier")
            seen.add(name)
            module = Path(entry["file"]).stem
            if module not in COURSE.modules:
                raise MutantError(f"mutant {name}: {entry['file']} is no module of course.toml")
            unknown = [r for r in entry.get("hints", []) if r not in hints.RULE_NAMES]
            if unknown:
                raise MutantError(f"mutant {name}: no hint rule named {', '.join(unknown)}")
            mutants.append(Mutant(
                name=name, assignment=path.stem, file=entry["file"], function=entry["function"],
                mistake=entry["mistake"], find=entry["find"], replace=entry["replace"],
                caught_by=tuple(entry["caught_by"]), hints=tuple(entry.get("hints", [])),
                select=entry.get("select", data.get("select"))))
    return mutants


# ------------------------------------------------------------ applying


def function_source_span(source, function):
    """(start, end) character offsets of a top-level function's (or Class.method's) source."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    owner, _, method = function.rpartition(".")
    body = tree.body
    if owner:
        classes = [n for n in body if isinstance(n, ast.ClassDef) and n.name == owner]
        if not classes:
            raise MutantError(f"no class {owner} at the top level")
        body, function = classes[0].body, method
    for node in body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return offsets[node.lineno - 1], offsets[node.end_lineno]
    raise MutantError(f"no function {function} " + (f"in class {owner}" if owner else
                                                      "at the top level"))


def mutate_source(source, mutant):
    """The source with the mutant's replacement made inside its function."""
    start, end = function_source_span(source, mutant.function)
    body = source[start:end]
    count = body.count(mutant.find)
    if count != 1:
        raise MutantError(f"mutant {mutant.name}: the text to replace occurs {count} times in "
                          f"{mutant.file}:{mutant.function} (it must occur exactly once); "
                          f"update the corpus to the reference:\n{mutant.find}")
    mutated = source[:start] + body.replace(mutant.find, mutant.replace) + source[end:]
    if mutated == source:
        raise MutantError(f"mutant {mutant.name}: the replacement changes nothing")
    try:
        compile(mutated, mutant.file, "exec")
    except SyntaxError as error:
        raise MutantError(f"mutant {mutant.name}: the mutated file does not compile: "
                          f"{error}") from None
    return mutated


def apply(mutant, dest):
    """Copy the reference to dest and make the mutant's mistake there; returns dest."""
    dest = grading.copy_reference(dest)
    path = dest / mutant.file
    path.write_text(mutate_source(path.read_text(), mutant))
    return dest


# ------------------------------------------------------------ verdicts


@dataclass
class Verdict:
    """What grading a mutant showed."""

    mutant: Mutant
    max_points: float = 0.0
    points_lost: float = 0.0
    failed: list = field(default_factory=list)  # checks that lost points
    hints: list = field(default_factory=list)  # (check, rule name or None, sentence)
    seconds: float = 0.0
    error: str | None = None  # the mutant could not be applied or graded

    @property
    def killed(self):
        return self.error is None and self.points_lost > 0

    @property
    def caught_by_own_check(self):
        """Lost points on a check of the function it changed, not only downstream."""
        return any(grading.check_matches(p, c) for p in self.mutant.caught_by
                   for c in self.failed)

    @property
    def hint_rules(self):
        return [rule for _, rule, _ in self.hints if rule]

    @property
    def named(self):
        """A hint shown to the student names this mutant's actual mistake."""
        return any(rule in self.mutant.hints for rule in self.hint_rules)

    def best_hint(self):
        """(rule, sentence) of the hint that names the mistake, else the first shown."""
        for _, rule, sentence in self.hints:
            if rule in self.mutant.hints:
                return rule, sentence
        return (self.hints[0][1], self.hints[0][2]) if self.hints else (None, None)


def read_verdict(mutant, results, seconds=0.0):
    verdict = Verdict(mutant, seconds=seconds, max_points=results["extra_data"]["max_score"])
    verdict.points_lost = round(verdict.max_points - results["score"], 4)
    for test in results["tests"]:
        if test["score"] < test["max_score"]:
            check = test["extra_data"]["check"]
            verdict.failed.append(check)
            sentence = test["extra_data"].get("hint")
            if sentence:
                verdict.hints.append((check, test["extra_data"].get("hint_rule"), sentence))
    return verdict


# ------------------------------------------------------------ grading


def available_assignments():
    """Assignments whose check modules exist now."""
    return set(grading.gradable_assignments())


def _mutant_dir(workdir, mutant):
    return Path(workdir) / mutant.name


def grade_mutant(mutant, workdir, slot=0):
    """Apply and grade one mutant (in this process) under workdir/NAME; returns its Verdict."""
    started = time.perf_counter()
    folder = _mutant_dir(workdir, mutant)
    try:
        submission = apply(mutant, folder / mutant.name)
        results = grading.grade_in_process(submission, folder / "out", [mutant.assignment],
                                           keyword=mutant.select, slot=slot)
    except (MutantError, RuntimeError) as error:
        return Verdict(mutant, error=str(error), seconds=time.perf_counter() - started)
    return read_verdict(mutant, results, time.perf_counter() - started)


def grade_all(mutants, workdir, jobs=2):
    """Verdicts of all mutants, graded by `jobs` child processes side by side.

    Each child grades its share of the mutants one after the other, in
    process, and writes each verdict to workdir/NAME/verdict.json; a child
    that dies leaves its unfinished mutants with an error, never a verdict.
    """
    jobs = max(1, min(jobs, len(mutants)))
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    shares = [mutants[k::jobs] for k in range(jobs)]
    env = dict(os.environ, **grading.ONE_THREAD)

    def run(slot):
        names = [m.name for m in shares[slot]]
        command = [sys.executable, str(Path(__file__).resolve()), "--workdir", str(workdir),
                   "--slot", str(slot), *names]
        return subprocess.run(command, capture_output=True, text=True, cwd=grading.REPO_ROOT,
                              env=env)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        processes = list(pool.map(run, range(jobs)))
    logs = "\n".join((p.stdout or "") + (p.stderr or "") for p in processes)
    return [_read_verdict_file(mutant, workdir, logs) for mutant in mutants]


def _verdict_record(verdict):
    return {"max_points": verdict.max_points, "points_lost": verdict.points_lost,
            "failed": verdict.failed, "hints": verdict.hints, "seconds": verdict.seconds,
            "error": verdict.error}


def _read_verdict_file(mutant, workdir, logs):
    path = _mutant_dir(workdir, mutant) / "verdict.json"
    if not path.exists():
        return Verdict(mutant, error=f"not graded: the grading process stopped\n{logs[-3000:]}")
    record = json.loads(path.read_text())
    record["hints"] = [tuple(h) for h in record["hints"]]
    return Verdict(mutant, **record)


def _grade_share(argv=None):
    """Child of grade_all: grade the named mutants in this process, one verdict.json each."""
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=_grade_share.__doc__)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--slot", type=int, default=0)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    by_name = {m.name: m for m in load_corpus()}
    for name in args.names:
        verdict = grade_mutant(by_name[name], args.workdir, slot=args.slot)
        path = _mutant_dir(args.workdir, by_name[name]) / "verdict.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_verdict_record(verdict)))
    return 0


if __name__ == "__main__":
    sys.exit(_grade_share())
