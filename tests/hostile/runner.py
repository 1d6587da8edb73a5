"""Grade one hostile submission and judge the outcome.

For each attack: build the submission (student_stubs + the attack's code), grade
it with the real command line in a child process, grade its control (stubs +
only the honest code) the same way, then compare check by check. On top of the
points, look on the host for what an attack may have left: fake results files,
files created in shared folders, the marker of code run by unpickling, processes
still alive, and the LEAK lines the attack printed when something worked.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import PRELUDE

REPO_ROOT = Path(__file__).resolve().parents[2]
STUBS = REPO_ROOT / "student_stubs"
OUTPUT_BOUND = 20_000  # characters of results.json "output": captured prints are cut


@dataclass
class Outcome:
    """What grading one attack gave, against what it deserved."""

    attack: str
    awarded: float
    deserved: float
    unearned: float  # sum over checks of max(0, awarded - deserved)
    lost: float  # sum over checks of max(0, deserved - awarded): honest points the attack cost
    seconds: float
    bound_seconds: float
    problems: list = field(default_factory=list)  # leaks, tampering, incomplete results
    leaks: list = field(default_factory=list)  # LEAK lines: an attack step that worked

    @property
    def ok(self):
        return not self.problems


def worker_data_dir():
    from grader.datasets import worker_data_dir as data_dir  # noqa: PLC0415

    return data_dir()


def build_submission(attack, folder, token, out_dir, with_attack=True):
    """A copy of the stubs with the honest code (and the attack's) appended."""
    submission = Path(folder) / "submission"
    shutil.copytree(STUBS, submission, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    modules = set(attack.honest) | (set(attack.code) if with_attack else set())
    for module in sorted(modules):
        extra = attack.honest.get(module, "")
        if with_attack and module in attack.code:
            extra += PRELUDE + attack.code[module]
        for placeholder, value in (("__OUT_DIR__", out_dir), ("__REPO__", REPO_ROOT),
                                   ("__WORKER_DATA__", worker_data_dir()),
                                   ("__MARKER_DIR__", Path(folder) / "markers"),
                                   ("__TOKEN__", token)):
            extra = extra.replace(placeholder, str(value))
        with open(submission / f"{module}.py", "a") as f:
            f.write("\n" + extra)
    (Path(folder) / "markers").mkdir(exist_ok=True)
    if with_attack and attack.craft is not None:
        attack.craft(submission, REPO_ROOT)
    return submission


def grade(submission, out_dir, attack, timeout):
    """Run the grader's CLI; (results.json or None, seconds, CompletedProcess or None)."""
    command = [sys.executable, "-m", "grader", "grade", str(submission), "--out", str(out_dir),
               "--only", attack.only, "--quiet"]
    if attack.keyword:
        command += ["-k", attack.keyword]
    if attack.budget:
        command += ["--budget", str(attack.budget)]
    started = time.perf_counter()
    try:
        process = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                                 timeout=timeout)
    except subprocess.TimeoutExpired:
        process = None
    seconds = time.perf_counter() - started
    path = Path(out_dir) / "results.json"
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError):
        results = None
    return results, seconds, process


def scores(results):
    return {test["name"]: float(test["score"]) for test in results.get("tests", [])}


_controls = {}


def control_scores(attack, folder):
    """Check -> points of the honest code alone (cached: many attacks share a control)."""
    key = (attack.only, attack.keyword, tuple(sorted(attack.honest.items())))
    if key not in _controls:
        folder = Path(folder) / "control"
        folder.mkdir(parents=True, exist_ok=True)
        submission = build_submission(attack, folder, "control", folder / "out", with_attack=False)
        results, _, process = grade(submission, folder / "out", attack, timeout=600)
        if results is None:
            log = f"{process.stdout}{process.stderr}" if process else "(timed out)"
            raise RuntimeError(f"the control of {attack.name} was not graded:\n{log}")
        _controls[key] = scores(results)
    return _controls[key]


def run_attack(attack, folder):
    """Grade one attack in `folder` (a fresh directory); returns an Outcome."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:10]
    out_dir = folder / "out"
    submission = build_submission(attack, folder, token, out_dir)
    deserved = control_scores(attack, folder)
    results, seconds, process = grade(submission, out_dir, attack,
                                      timeout=attack.bound_seconds + 120)
    watched = _watched_folders(out_dir)
    problems = []
    if process is None:
        problems.append(f"grading did not finish within {attack.bound_seconds + 120:.0f} s")
    elif process.returncode != attack.exit_status:
        problems.append(f"the grader exited with status {process.returncode} (expected "
                        f"{attack.exit_status}): {(process.stderr or '').strip()[-300:]}")
    if seconds > attack.bound_seconds:
        problems.append(f"took {seconds:.1f} s, over its bound of {attack.bound_seconds:.0f} s")
    awarded = scores(results) if results else {}
    if results is None:
        problems.append("no results.json")
    elif not results.get("extra_data", {}).get("complete"):
        problems.append("results.json is not complete")
    if results is not None and set(awarded) != set(deserved):
        problems.append("results.json does not list the same checks as the control: "
                        f"{sorted(set(awarded) ^ set(deserved))[:5]}")
    unearned = sum(max(0.0, awarded.get(c, 0.0) - d) for c, d in deserved.items())
    unearned += sum(s for c, s in awarded.items() if c not in deserved)
    lost = sum(max(0.0, d - awarded.get(c, 0.0)) for c, d in deserved.items())
    if unearned > 0:
        problems.append(f"{unearned:g} unearned points")
    if attack.exact and lost > 0:
        problems.append(f"cost {lost:g} honest points of checks it did not attack")
    output = (results or {}).get("output", "")
    if len(output) > OUTPUT_BOUND:
        problems.append(f"results.json output is {len(output)} characters long")
    leaks = sorted({line.strip() for line in output.splitlines() if line.startswith("LEAK:")})
    problems += [f"attack step worked: {line}" for line in leaks]
    problems += _host_evidence(folder, token, watched)
    return Outcome(attack.name, round(sum(awarded.values()), 4), round(sum(deserved.values()), 4),
                   round(unearned, 4), round(lost, 4), round(seconds, 1), attack.bound_seconds,
                   problems, leaks)


def _watched_folders(out_dir):
    """Host folders an attack might write to; the files it leaves there are evidence."""
    import glob  # noqa: PLC0415

    import numpy  # noqa: PLC0415

    folders = [Path(out_dir), Path(out_dir).parent, Path("/tmp"), Path.home(), REPO_ROOT,
               REPO_ROOT / "grader", REPO_ROOT / "grader" / "sandbox", REPO_ROOT / "reference",
               worker_data_dir(), Path(sys.prefix), Path(numpy.__file__).parent,
               Path(os.getcwd()), Path("/opt/worker"), Path("/work")]
    folders += [Path(p) for p in sys.path if p]  # the worker's sys.path without a sandbox
    folders += [Path(p) for p in glob.glob("/tmp/grader-submission-*")]  # its cwd then
    return list(dict.fromkeys(folders))


def _host_evidence(folder, token, watched):
    """Problems found on the host after grading; removes what the attack left."""
    problems = []
    time.sleep(0.5)  # a process that outlived the worker would have written by now
    for directory in watched:
        for name in (f"hostile-tamper-{token}", "results.json"):
            path = directory / name
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            if name == "results.json" and f"HOSTILE-FAKE {token}" not in text:
                continue
            problems.append(f"left a file on the host: {path}")
            path.unlink()
    if (folder / "markers" / f"pickle-ran-{token}").exists():
        problems.append("the grader unpickled data from the worker (the payload ran)")
    survivors = _processes_named(f"hx-{token}"[:15])
    if survivors:
        problems.append(f"{len(survivors)} of its processes outlived grading")
        for pid in survivors:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return problems


def _processes_named(comm):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == comm:
                        found.append(int(entry))
            except OSError:
                pass
    return found
