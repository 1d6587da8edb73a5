"""Benchmark sections 4-5: grading the reference, and batch grading throughput.

Both run the real command line (`python -m grader grade ...`) in a child
process, exactly as an instructor would, and read the timing the grader
writes into results.json (extra_data.timing). While a grading runs, a sampler
looks at the sandboxed workers in /proc to confirm that their BLAS thread
count is the one the batch runner chose (the rubric's `threads`, at most
cores // jobs): two jobs with two BLAS threads each would oversubscribe a
2-core machine.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from grader.batch import worker_threads
from grader.rubric import load_rubric

REPO_ROOT = Path(__file__).resolve().parent.parent


class WorkerThreadSampler:
    """Watches the grader's sandboxed workers while a command runs.

    A worker is a descendant of the grading process whose command line runs
    worker.py with Python (not the bwrap wrapper, whose own environment is the
    grader's). For each one seen it records the OPENBLAS_NUM_THREADS of its
    environment and the most threads it had at once.
    """

    def __init__(self, root_pid, interval=0.05):
        self.root_pid = root_pid
        self.interval = interval
        self.workers = {}  # pid -> {"blas_env": str or None, "max_threads": int}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def summary(self):
        return {"workers_seen": len(self.workers),
                "blas_env": sorted({w["blas_env"] or "unset" for w in self.workers.values()}),
                "max_threads": max((w["max_threads"] for w in self.workers.values()), default=0)}

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def _sample(self):
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        # the field after the ")" that closes the command name: state, then ppid
                        parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    pass
        for pid in parents:
            ancestor, depth = parents.get(pid), 0
            while ancestor and ancestor != self.root_pid and depth < 20:
                ancestor, depth = parents.get(ancestor), depth + 1
            if ancestor == self.root_pid:
                self._look_at(pid)

    def _look_at(self, pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            if not any(arg.endswith(b"worker.py") for arg in argv) or b"bwrap" in argv[0]:
                return
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
            threads = len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            return  # gone between two reads
        record = self.workers.setdefault(pid, {"blas_env": None, "max_threads": 0})
        value = env.get(b"OPENBLAS_NUM_THREADS")
        record["blas_env"] = value.decode() if value is not None else None
        record["max_threads"] = max(record["max_threads"], threads)


def _run_grader(arguments):
    """Run `python -m grader ARGUMENTS`; (wall seconds, worker sampler summary, output)."""
    command = [sys.executable, "-m", "grader", *arguments]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    with WorkerThreadSampler(process.pid) as sampler:
        output, _ = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{output[-2000:]}")
    return wall, sampler.summary(), output


def gradable_assignments():
    """(assignments whose check modules all exist, the others): grading needs every module."""
    from grader.cli import CHECKS_DIR  # noqa: PLC0415
    from grader.rubric import load_rubric  # noqa: PLC0415

    present, missing = [], []
    for assignment_id, assignment in load_rubric().assignments.items():
        exists = all((CHECKS_DIR / module).exists() for module in assignment.check_modules)
        (present if exists else missing).append(assignment_id)
    return present, missing


def grade_reference(only=None):
    """Grade the reference completely (or only the given assignments), as the first student
    of a class and then as every other one.

    Both gradings get one class cache folder (grader/class_cache.py), as a batch's
    children do: the first builds the data sets every student shares (as a single
    grading does), the second reads them.

    Returns:
        dict: "wall" (seconds, process start to exit), "score", "max_score",
        "student", "isolation", "grader" (seconds, see split_grading_time) of the
        first, the raw "timing" of its results.json and the "workers" sampler
        summary; "in_batch", the same split of the second grading.
    """
    from grader.class_cache import make_folder  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="nnkit-bench-") as scratch:
        cache = make_folder(scratch)
        first = _grade_reference_once(only, Path(scratch) / "first", cache)
        second = _grade_reference_once(only, Path(scratch) / "second", cache)
    return {**first, "in_batch": {key: second[key] for key in
                                  ("wall", "score", "student", "isolation", "grader")}}


def _grade_reference_once(only, out, cache):
    arguments = ["grade", "reference", "--out", str(out), "--quiet", "--class-cache", str(cache)]
    if only:
        arguments += ["--only", only]
    wall, workers, _ = _run_grader(arguments)
    results = json.loads((out / "results.json").read_text())
    timing = results["extra_data"].get("timing", {})
    slowest = sorted(results["tests"], key=lambda test: -test["extra_data"]["seconds"])[:5]
    return {"wall": wall, "score": results["score"], "startup": startup_seconds(),
            "assignments": per_assignment(results["tests"]),
            "tasks": task_rows(results["extra_data"].get("artifacts", {})),
            "process_startup": grading_startup_seconds(),
            "slowest_checks": [(test["name"], test["extra_data"]["seconds"]) for test in slowest],
            "max_score": results["extra_data"]["max_score"], "timing": timing,
            "workers": workers, **split_grading_time(wall, timing)}


def per_assignment(tests):
    """{assignment: {"seconds": its checks' own seconds, "score", "max_score"}}, course order."""
    rows = {}
    for test in tests:
        row = rows.setdefault(test["extra_data"].get("assignment", "?"),
                              {"seconds": 0.0, "score": 0.0, "max_score": 0.0})
        row["seconds"] += float(test["extra_data"].get("seconds", 0.0))
        row["score"] += float(test.get("score", 0.0))
        row["max_score"] += float(test.get("max_score", 0.0))
    return rows


def task_rows(artifacts):
    """Every graded task the grading ran, from results.json's artifacts: its metric and value,
    the rubric's threshold and budget, and the CPU seconds it computed for (the budget's own
    measure) beside its wall seconds. Tasks come from the course, not from a list here."""
    from grader.course import COURSE  # noqa: PLC0415

    rows = []
    for name in COURSE.tasks:
        artifact = artifacts.get(name)
        if not isinstance(artifact, dict):
            continue
        rows.append({"task": name, "assignment": COURSE.task_owner(name).id,
                     **{key: artifact.get(key) for key in (
                         "metric", "value", "lower_is_better", "threshold", "budget_seconds",
                         "seconds", "wall_seconds", "error")}})
    return rows


def grading_startup_seconds(repeats=3):
    """Wall seconds of a whole grading process that grades no check (best of `repeats`):
    Python, the grader, pytest's configuration and collection of one assignment, the
    sandbox check and results.json. Every student of a batch pays it once."""
    from grader.course import COURSE  # noqa: PLC0415

    best = float("inf")
    with tempfile.TemporaryDirectory(prefix="nnkit-bench-start-") as out:
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "grader", "grade", "reference", "--out", out,
                            "--quiet", "--only", COURSE.ids[0], "-k", "no_check_has_this_name"],
                           cwd=REPO_ROOT, check=True, capture_output=True)
            best = min(best, time.perf_counter() - started)
    return best


def startup_seconds(repeats=3):
    """Seconds for a fresh Python to import the grader (best of `repeats`): a fixed cost of
    every grading, inside the grader's share of the split below."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import grader.cli, grader.datasets, grader.plugin"],
                       cwd=REPO_ROOT, check=True)
        best = min(best, time.perf_counter() - started)
    return best


def split_grading_time(wall, timing):
    """Split a grading's wall time into student code, isolation overhead and the grader's own.

    student: time in the student's functions, as the worker measured it.
    isolation: starting workers plus, for every call, the wall time seen from
        the grader beyond the student's time (encoding, pipes, decoding, and the
        worker's own start-up when a call is the first of a fresh worker).
    grader: the rest: Python and pytest start-up, the checks' own arithmetic
        (expected values from the reference, comparisons), writing results.

    Returns:
        dict of seconds: "student", "isolation", "grader".
    """
    student = float(timing.get("student_seconds", 0.0))
    calls = float(timing.get("call_seconds", 0.0))
    starts = float(timing.get("start_seconds", 0.0))
    isolation = max(calls - student, 0.0) + starts
    return {"student": student, "isolation": isolation,
            "grader": max(wall - calls - starts, 0.0)}


def batch_throughput(copies, jobs_list=(1, 2), only=None, dask_workers=2):
    """Grade a folder holding `copies` copies of the reference with --batch, for each --jobs,
    and through a local Dask cluster of `dask_workers` single-threaded worker processes.

    Returns:
        {jobs: run} for the local pool and, under "dask", the cluster's run (or its
        "error" when Dask is not installed). A run has "wall", "per_minute",
        "threads_expected", "workers", "all_complete", "all_full_marks" and the students'
        own compute per submission ("cpu_seconds", "student_seconds": means of
        results.json's extra_data.timing).
    """
    results = {}
    with tempfile.TemporaryDirectory(prefix="nnkit-bench-batch-") as scratch:
        folder = Path(scratch) / "submissions"
        for index in range(copies):
            shutil.copytree(REPO_ROOT / "reference", folder / f"student{index + 1:02d}",
                            ignore=shutil.ignore_patterns("__pycache__"))
        for jobs in jobs_list:
            out = Path(scratch) / f"out-jobs{jobs}"
            results[jobs] = _batch_run(folder, out, ["--jobs", str(jobs)], only, copies)
            results[jobs]["threads_expected"] = worker_threads(load_rubric(), jobs)
        results["dask"] = _dask_run(folder, Path(scratch) / "out-dask", only, copies,
                                    dask_workers)
    return results


def _batch_run(folder, out, options, only, copies):
    arguments = ["grade", str(folder), "--batch", "--out", str(out), *options]
    if only:
        arguments += ["--only", only]
    wall, workers, output = _run_grader(arguments)
    statuses = [line.split()[1] for line in output.splitlines() if line.startswith("  student")]
    scores = [_score(out / submission.name / "results.json")
              for submission in sorted(folder.iterdir())]
    timings = [_timing(out / submission.name / "results.json")
               for submission in sorted(folder.iterdir())]
    return {"wall": wall, "per_minute": 60.0 * copies / wall, "workers": workers,
            "all_complete": statuses == ["complete"] * copies,
            # a copy of the reference must score every point of a real rubric:
            # otherwise the run measured something else (a broken checkout)
            "all_full_marks": all(0 < got == best for got, best in scores),
            "cpu_seconds": sum(t.get("cpu_seconds", 0.0) for t in timings) / copies,
            "student_seconds": sum(t.get("student_seconds", 0.0) for t in timings) / copies}


def _dask_run(folder, out, only, copies, workers):
    """The same batch through `--scheduler` on a LocalCluster (its start-up not counted)."""
    try:
        from distributed import LocalCluster  # noqa: PLC0415
    except ImportError as error:
        return {"error": f"Dask is not installed (the cluster extra): {error}"}
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None, silence_logs=40) as cluster:
        run = _batch_run(folder, out, ["--scheduler", cluster.scheduler_address], only, copies)
    run["dask_workers"] = workers
    return run


def throughput_limit(cpu_seconds, cores):
    """Submissions per minute when the cores do nothing but the students' own code:
    the CPU seconds of the worker processes per submission, divided into the cores."""
    return 60.0 * cores / cpu_seconds if cpu_seconds > 0 else float("inf")


def class_hours(per_minute, students=1000, machines=1):
    """Hours to grade `students` on `machines` machines that each grade `per_minute`
    (machines of the size measured; assumes they add up, as a Dask cluster's workers do
    when the scheduler is not the bottleneck)."""
    return students / (per_minute * machines) / 60.0


def _timing(path):
    """extra_data.timing of a results.json ({} if unreadable)."""
    try:
        return json.loads(path.read_text())["extra_data"].get("timing") or {}
    except (OSError, ValueError, KeyError):
        return {}


def _score(path):
    """(score, max_score) of a results.json, (0, 0) if unreadable."""
    try:
        data = json.loads(path.read_text())
        return data["score"], data["extra_data"]["max_score"]
    except (OSError, ValueError, KeyError):
        return 0.0, 0.0
