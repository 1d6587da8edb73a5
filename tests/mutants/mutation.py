"""Mutants: single-mistake variants of the reference, graded to prove the grader catches them.

Each mutant in corpus.toml is one mistake students make, written as a text
replacement inside one function of one reference module. `apply` copies the
reference and makes the replacement; it refuses loudly when the text is not
found exactly once in that function, so a mutant never silently turns into a
copy of the reference when the reference changes. `grade_all` grades the
copies with the real grader (its CLI, `grade --only aN`, the mutated code in
the sandbox as always), in two child processes that each grade their share in
process, and reads back what a student would see: the points lost, the checks
that failed and the hints shown.

The same machinery overlays the alternative correct implementations of
tests/alternatives/ on a copy of the reference (`overlay`).
"""

import ast
import contextlib
import io
import json
import os
import re
import shutil
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

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = REPO_ROOT / "reference"
CORPUS = Path(__file__).resolve().with_name("corpus.toml")
ALTERNATIVES = REPO_ROOT / "tests" / "alternatives"
CHECKS_DIR = REPO_ROOT / "grader" / "checks"

# The assignment whose checks grade each module (SPEC.md).
ASSIGNMENT_OF_MODULE = {"activations": "a1", "layers": "a2", "losses": "a3", "gradcheck": "a4",
                        "network": "a5", "optim": "a5", "train": "a5", "config": "a6"}

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
from grader import hints  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402


class MutantError(ValueError):
    """A mutant cannot be applied: the corpus and the reference disagree."""


@dataclass(frozen=True)
class Mutant:
    """One mistake: replace `find` by `replace` in `function` of reference/`file`."""

    name: str
    file: str
    function: str
    mistake: str  # one line, what a student did
    find: str
    replace: str
    caught_by: tuple  # rubric-style patterns (* wildcard) of checks of the function changed
    hints: tuple = ()  # names of the hint rules that name this mistake
    select: str | None = None  # a pytest -k expression narrowing the checks graded

    @property
    def module(self):
        return Path(self.file).stem

    @property
    def assignment(self):
        return ASSIGNMENT_OF_MODULE[self.module]


def load_corpus(path=CORPUS):
    """The mutants of corpus.toml, validated (names unique, fields present, rules known)."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    defaults = data.get("select", {})
    mutants, seen = [], set()
    for entry in data.get("mutant", []):
        missing = [k for k in ("name", "file", "function", "mistake", "find", "replace",
                               "caught_by") if k not in entry]
        if missing:
            raise MutantError(f"mutant {entry.get('name', '?')}: missing {', '.join(missing)}")
        name = entry["name"]
        if name in seen or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise MutantError(f"mutant name {name!r} is repeated or not a snake_case identifier")
        seen.add(name)
        if Path(entry["file"]).stem not in ASSIGNMENT_OF_MODULE:
            raise MutantError(f"mutant {name}: unknown module {entry['file']}")
        unknown = [r for r in entry.get("hints", []) if r not in hints.RULE_NAMES]
        if unknown:
            raise MutantError(f"mutant {name}: no hint rule named {', '.join(unknown)}")
        module = Path(entry["file"]).stem
        mutants.append(Mutant(
            name=name, file=entry["file"], function=entry["function"], mistake=entry["mistake"],
            find=entry["find"], replace=entry["replace"], caught_by=tuple(entry["caught_by"]),
            hints=tuple(entry.get("hints", [])),
            select=entry.get("select", defaults.get(ASSIGNMENT_OF_MODULE[module]))))
    return mutants


# ------------------------------------------------------------ applying


def copy_reference(dest):
    """A fresh copy of the reference package at dest (a valid package name)."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(REFERENCE, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def function_source_span(source, function):
    """(start, end) character offsets of a top-level function's definition in source."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return offsets[node.lineno - 1], offsets[node.end_lineno]
    raise MutantError(f"no function {function} at the top level")


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
    dest = copy_reference(dest)
    path = dest / mutant.file
    path.write_text(mutate_source(path.read_text(), mutant))
    return dest


def overlay(alternative_dir, dest):
    """Copy the reference to dest and replace its modules by those of an alternative."""
    dest = copy_reference(dest)
    modules = sorted(Path(alternative_dir).glob("*.py"))
    if not modules:
        raise MutantError(f"{alternative_dir} holds no module")
    for module in modules:
        if not (dest / module.name).exists():
            raise MutantError(f"{module.name} of {alternative_dir} is not a reference module")
        shutil.copyfile(module, dest / module.name)
    return dest


# ------------------------------------------------------------ grading


def available_assignments():
    """Assignments whose check modules exist now (others are being written)."""
    rubric = load_rubric()
    return {a for a, assignment in rubric.assignments.items()
            if all((CHECKS_DIR / m).exists() for m in assignment.check_modules)}


def grade(submission, out, only, keyword=None, slot=0):
    """Grade a submission with the real grader in a child process; returns results.json."""
    command = [sys.executable, "-m", "grader", "grade", str(submission), "--out", str(out),
               "--only", ",".join(only), "--quiet", "--slot", str(slot), "--threads", "1"]
    if keyword:
        command += ["-k", keyword]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    process = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=env)
    results = Path(out) / "results.json"
    if process.returncode != 0 or not results.exists():
        raise RuntimeError(f"grading {submission} failed (exit {process.returncode}):\n"
                           f"{process.stdout[-2000:]}\n{process.stderr[-2000:]}")
    return json.loads(results.read_text())


def check_matches(pattern, check):
    """Rubric-style pattern match: * is the only wildcard, [ and ] are literal."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, check) is not None


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
        return any(check_matches(p, c) for p in self.mutant.caught_by for c in self.failed)

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


def grade_in_process(submission, out, only, keyword=None, slot=0):
    """Grade with the grader's CLI in this process (no start-up cost); returns results.json.

    The student's code still runs only in the sandboxed worker; what this
    saves is starting Python, importing NumPy, pytest and the reference for
    every mutant.
    """
    from grader import cli  # noqa: PLC0415

    argv = ["grade", str(submission), "--out", str(out), "--only", ",".join(only), "--quiet",
            "--slot", str(slot), "--threads", "1"] + (["-k", keyword] if keyword else [])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        status = cli.main(argv)
    results = Path(out) / "results.json"
    if status != 0 or not results.exists():
        raise RuntimeError(f"grading {submission} failed (exit {status}):\n"
                           f"{printed.getvalue()[-3000:]}")
    return json.loads(results.read_text())


def _mutant_dir(workdir, mutant):
    return Path(workdir) / mutant.name


def grade_mutant(mutant, workdir, slot=0, in_process=False):
    """Apply and grade one mutant under workdir/NAME; returns its Verdict."""
    started = time.perf_counter()
    folder = _mutant_dir(workdir, mutant)
    try:
        submission = apply(mutant, folder / mutant.name)
        grader = grade_in_process if in_process else grade
        results = grader(submission, folder / "out", [mutant.assignment],
                         keyword=mutant.select, slot=slot)
    except (MutantError, RuntimeError) as error:
        return Verdict(mutant, error=str(error), seconds=time.perf_counter() - started)
    return read_verdict(mutant, results, time.perf_counter() - started)


def grade_all(mutants, workdir, jobs=2):
    """Verdicts of all mutants, graded by `jobs` child processes side by side.

    Each child grades its share of the mutants one after the other, in
    process (see grade_in_process), and writes each verdict to
    workdir/NAME/verdict.json; a child that dies leaves its unfinished
    mutants with an error, never a verdict.
    """
    jobs = max(1, min(jobs, len(mutants)))
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    shares = [mutants[k::jobs] for k in range(jobs)]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")

    def run(slot):
        names = [m.name for m in shares[slot]]
        command = [sys.executable, str(Path(__file__).resolve()), "--workdir", str(workdir),
                   "--slot", str(slot), *names]
        return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=env)

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
        verdict = grade_mutant(by_name[name], args.workdir, slot=args.slot, in_process=True)
        path = _mutant_dir(args.workdir, by_name[name]) / "verdict.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_verdict_record(verdict)))
    return 0


if __name__ == "__main__":
    sys.exit(_grade_share())
