"""Grading a class: one child process per submission, a gradebook that survives interruption.

`python -m grader grade CLASS --batch --jobs N --out OUT` grades every
subfolder of CLASS (its name is the student's id) in a child process of its
own (`python -m grader grade SUBMISSION --out OUT/<id>`), N at a time, so one
submission can never change another's result.

  - The gradebook (gradebook.py) is rewritten atomically each time a student
    finishes: an interrupted batch (Ctrl-C, a reboot) leaves every finished
    student's row and lists the others as pending.
  - A rerun skips each student whose results.json is complete and was made
    from the same submission (a fingerprint of its files) by the same kit
    (a fingerprint of the rubric, the checks and the reference) with the same
    options; --fresh grades everyone again.
  - A child that outlives its own bound (the submission's time budget, plus
    a margin for starting up and for the report) is killed with everything it
    started, and its results.json is completed with the reason: one broken
    grading process cannot hang the class.

With --scheduler tcp://HOST:PORT the same children run on the workers of a
Dask cluster instead (cluster.py); ClassBatch below is what both share.
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .answers import ANSWERS_FILE, MAX_ANSWERS_BYTES
from .class_cache import make_folder as make_cache_folder
from .gradebook import read_results, write_gradebook
from .reading import MAX_FILE_BYTES, MAX_NOTEBOOK_BYTES, Unreadable, read_text, walk
from .rubric import load_rubric

KIT_ROOT = Path(__file__).resolve().parent.parent
# What a grade depends on besides the submission: when one changes, everyone is graded again.
KIT_FILES = ("course.toml", "questions.toml", "grader/**/*.py", "grader/rubric/*.toml",
             "reference/*.py", "course_data/*.py")
START_MARGIN_SECONDS = 120  # a child's bound: its budget, this, and the report's seconds
EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED = 0, 2, 130



def worker_threads(rubric, jobs):
    """BLAS threads each worker gets when `jobs` students are graded at once: the rubric's
    `threads`, but never more than the machine's cores shared among the jobs."""
    return max(1, min(rubric.limits.threads, (os.cpu_count() or 1) // jobs))

def kit_fingerprint(root=KIT_ROOT):
    """sha256 of every file a grade depends on besides the submission."""
    digest = hashlib.sha256()
    for pattern in KIT_FILES:
        for path in sorted(root.glob(pattern)):
            if "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def submission_fingerprint(path):
    """sha256 of what grading reads from a submission (its .py files, notebooks, answers.md)."""
    digest = hashlib.sha256()
    try:
        found = walk(path)
    except Unreadable as error:
        return "unreadable:" + hashlib.sha256(str(error).encode()).hexdigest()
    for source in sorted(found.python + found.notebooks):
        limit = MAX_NOTEBOOK_BYTES if source.suffix == ".ipynb" else MAX_FILE_BYTES
        try:
            text = read_text(source, limit, found)
        except Unreadable as error:
            text = f"unreadable: {error}"
        digest.update(str(source.relative_to(path)).encode() + b"\0" + text.encode() + b"\0")
    try:  # the written answers: a student who adds one is graded again (its report changes)
        answers = read_text(Path(path) / ANSWERS_FILE, MAX_ANSWERS_BYTES, found)
    except Unreadable as error:
        answers = f"unreadable: {error}"
    digest.update(ANSWERS_FILE.encode() + b"\0" + answers.encode())
    return digest.hexdigest()


def students_of(folder):
    """The submission folders of a class folder (never a link, never a hidden folder)."""
    found = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        if entry.is_dir(follow_symlinks=False):
            found.append(Path(entry.path))
    return found


def child_bound(rubric, budget=None, report=False):
    """The wall seconds a student's grading process may take before it is killed."""
    seconds = float(budget or rubric.budget_seconds)
    return seconds * 1.5 + START_MARGIN_SECONDS + (60 if report else 0)


def child_options(args):
    """The options a batch passes on to each student's grading process, as plain data."""
    return {"only": args.only, "keyword": args.keyword, "budget": args.budget,
            "provide": args.provide, "report": bool(args.report),
            "require_sandbox": getattr(args, "require_sandbox", None)}


def child_command(submission, target, slot, threads, fingerprint, options, class_cache=None):
    """The command that grades one student of a batch, in a process of its own.

    Args:
        class_cache: the class's cache folder (class_cache.py): the data sets its
            students share, built by the first that needs them.
    """
    command = [sys.executable, "-m", "grader", "grade", str(submission), "--out", str(target),
               "--quiet", "--slot", str(slot), "--threads", str(threads),
               "--fingerprint", json.dumps(fingerprint)]
    if class_cache is not None:
        command += ["--class-cache", str(class_cache)]
    for flag, key in (("--only", "only"), ("-k", "keyword"), ("--budget", "budget"),
                      ("--provide", "provide")):
        if options.get(key):
            command += [flag, str(options[key])]
    if options.get("report"):
        command += ["--report"]
    if options.get("require_sandbox"):
        command += ["--require-sandbox", options["require_sandbox"]]
    return command


def child_environment(threads):
    return dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))


def run_child(command, threads, bound, started=None):
    """Run one grading child to its end or its bound; (exit status, log, over_bound).

    The child is killed when this process dies: a batch killed mid-class (kill -9, the
    OOM killer, a Dask worker lost) must not leave a student's grader running, which would
    finish that student's results.json behind the back of the batch that resumes it.

    Args:
        started: called with the Popen once it runs (so that Ctrl-C can kill it).
    """
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=child_environment(threads),
                               start_new_session=True, preexec_fn=_die_with_parent)
    if started is not None:
        started(process)
    over_bound = False
    try:
        log, _ = process.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        over_bound = True
        _kill(process)
        log, _ = process.communicate()
    except BaseException:
        _kill(process)
        raise
    return process.returncode, log or "", over_bound


def _die_with_parent():
    from .sandbox.isolation import _PR_SET_PDEATHSIG, _prctl  # noqa: PLC0415

    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class ClassBatch:
    """What a batch shares between its students: the gradebook, resume, recording a result.

    The local pool (below) and the Dask cluster (cluster.py) differ only in where each
    student's grading process runs; both record its outcome here.
    """

    def __init__(self, folder, out, only, args, jobs):
        self.folder, self.students = folder, students_of(folder)
        self.out, self.only, self.args = out, only, args
        self.names = [s.name for s in self.students]
        self.rubric = load_rubric()
        self.threads = worker_threads(self.rubric, jobs)
        self.bound = child_bound(self.rubric, args.budget, args.report)
        self.kit = kit_fingerprint()
        self.options = child_options(args)
        self.statuses, self.seconds, self.lock = {}, {}, threading.Lock()
        self._scratch = None

    def class_cache(self):
        """The class's cache folder (class_cache.py), made on first use, removed by close()."""
        with self.lock:
            if self._scratch is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="nnkit-class-")
            return make_cache_folder(self._scratch.name)

    def close(self):
        if self._scratch is not None:
            self._scratch.cleanup()

    def fingerprint(self, student):
        """What the student's results are made from (resume compares it)."""
        fingerprint = {"submission": submission_fingerprint(student), "kit": self.kit,
                       "only": self.only, "keyword": self.args.keyword,
                       "budget": self.args.budget}
        if self.args.provide:
            fingerprint["provide"] = self.args.provide
        return fingerprint

    def keep_unchanged(self, student, fingerprint):
        """True (and the student's row written) when their results need no new grading."""
        previous = read_results(self.out / student.name / "results.json")
        if self.args.fresh or not _unchanged(previous, fingerprint):
            return False
        self.finish(student.name, previous["extra_data"].get("status", "complete"),
                    float(previous.get("execution_time") or 0.0), kept=True)
        return True

    def record(self, name, returncode, log, over_bound, bound, took):
        """A finished child's outcome: its log, its results.json completed, its row."""
        target = self.out / name
        target.mkdir(parents=True, exist_ok=True)
        (target / "grading.log").write_text(log or "")
        status = complete_results(target / "results.json", returncode, log or "",
                                  over_bound=over_bound, bound=bound)
        self.finish(name, status, took)

    def finish(self, name, status, took, kept=False):
        with self.lock:
            self.statuses[name], self.seconds[name] = status, took
            self.write_gradebook()
        print(f"  {name:<24} {status:<16} {took:6.1f} s"
              + ("  (kept: unchanged since it was graded)" if kept else ""), flush=True)

    def write_gradebook(self):
        write_gradebook(self.out, self.names, self.statuses, self.only, self.seconds)

    def interrupted(self):
        self.write_gradebook()
        print(f"interrupted: {len(self.statuses)} of {len(self.names)} graded; run the same "
              "command again to grade the rest (finished students are kept)", file=sys.stderr)
        return EXIT_INTERRUPTED

    def done(self, started):
        if self.args.report:
            from .report import write_class_report  # noqa: PLC0415

            write_class_report(self.out, self.names, class_folder=self.folder)
        print(f"graded {len(self.students)} submissions in "
              f"{time.perf_counter() - started:.1f} s; gradebook: {self.out / 'gradebook.csv'}")
        return EXIT_OK


def grade_batch(folder, out, only, args):
    """Grade every subfolder of `folder`; out/<id>/results.json and out/gradebook.csv.

    With args.scheduler, the students are graded on that Dask cluster (cluster.py);
    otherwise here, args.jobs at a time.
    """
    if not students_of(folder):
        print(f"error: {folder} holds no submission folders", file=sys.stderr)
        return EXIT_USAGE
    scheduler = getattr(args, "scheduler", None)
    if scheduler:
        from .cluster import grade_on_cluster  # noqa: PLC0415 - Dask only when asked for

        return grade_on_cluster(folder, out, only, args, scheduler)
    out.mkdir(parents=True, exist_ok=True)
    jobs = max(1, args.jobs)
    batch = ClassBatch(folder, out, only, args, jobs)
    running, interrupted = {}, threading.Event()
    started = time.perf_counter()

    def run(index_and_student):
        index, student = index_and_student
        if interrupted.is_set():
            return
        fingerprint = batch.fingerprint(student)
        if batch.keep_unchanged(student, fingerprint):
            return
        command = child_command(student, out / student.name, index % jobs, batch.threads,
                                fingerprint, batch.options, class_cache=batch.class_cache())

        def register(process):
            with batch.lock:
                running[student.name] = process

        t = time.perf_counter()
        try:
            returncode, log, over_bound = run_child(command, batch.threads, batch.bound,
                                                    started=register)
        finally:
            with batch.lock:
                running.pop(student.name, None)
        if interrupted.is_set():
            return
        batch.record(student.name, returncode, log, over_bound, batch.bound,
                     time.perf_counter() - t)

    batch.write_gradebook()
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(run, (i, s)) for i, s in enumerate(batch.students)]
        for future in futures:
            while not future.done():
                time.sleep(0.2)
            future.result()
    except KeyboardInterrupt:
        interrupted.set()
        with batch.lock:
            for process in running.values():
                _kill(process)
        pool.shutdown(wait=True, cancel_futures=True)
        batch.close()
        return batch.interrupted()
    pool.shutdown(wait=True)
    batch.close()
    return batch.done(started)


def _unchanged(results, fingerprint):
    extra = (results or {}).get("extra_data") or {}
    return bool(extra.get("complete")) and extra.get("fingerprint") == fingerprint


def _kill(process):
    """Kill a grading child and everything in its session (its workers die with it)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def complete_results(path, returncode, log, over_bound=False, bound=None):
    """The status of one batch child; makes its results.json complete if it died midway."""
    data = read_results(path)
    if over_bound:
        reason = (f"the grading process took more than its bound of {bound:.0f} s and was "
                  "killed; unfinished checks score 0")
    elif data is None:
        reason = "the grading process stopped before it wrote any result: see grading.log"
    else:
        reason = None
    if data is None:
        data = {"score": 0.0, "execution_time": 0.0, "output": reason, "tests": [],
                "extra_data": {"complete": False, "failure": reason}}
        _write(path, data)
        return "over-bound" if over_bound else "crashed"
    extra = data.setdefault("extra_data", {})
    if extra.get("status") in ("unreadable", "no-sandbox"):
        return extra["status"]
    if returncode == 3 or not data.get("tests"):
        # The grader, not the student, failed (a check module that does not import, say).
        extra["failure"] = extra.get("failure") or "the grader itself failed: see grading.log"
        extra["status"] = "grader-fault"
        _write(path, data)
        return "grader-fault"
    if not extra.get("complete") or over_bound:
        reason = reason or (f"the grading process stopped early (exit {returncode}); "
                            "unfinished checks score 0")
        for test in data.get("tests", []):
            if (test.get("extra_data") or {}).get("outcome") == "not run":
                test["output"] = "not run: " + reason
        extra["failure"], extra["status"] = reason, "over-bound" if over_bound else "incomplete"
        extra["complete"] = True  # every check now has its verdict, some "not run"
        _write(path, data)
        return extra["status"]
    return extra.get("status", "complete")


def _write(path, data):
    temporary = Path(path).with_suffix(".json.tmp")
    temporary.write_text(json.dumps(data, separators=(",", ":")))
    os.replace(temporary, path)
