"""Grading a class on a Dask cluster: the local batch's children, run on other machines.

`python -m grader grade CLASS --batch --scheduler tcp://HOST:PORT` grades
each student as one Dask task. The client (this machine, which holds the class
folder) reads each submission the way the grader reads one (reading.py: no
link followed, every size and count bounded) and sends its files as bytes, not
a path, so the workers need no shared disk. The task, on a worker, writes them
into a temporary folder and runs there exactly the child a local batch runs
(batch.child_command: the same sandbox, limits and bound), then returns that
child's results.json, feedback.html and log as plain text. The client writes
them into the same OUT/ layout and gradebook as a local batch (batch.ClassBatch).

  - Workers are trusted machines, like the one a local batch runs on: they run
    the grader and the reference. Still, what a worker returns is checked
    before it is written: a results.json that is not JSON, does not follow the
    results schema (grader/schema/) or was made from another submission or
    another kit becomes a grader-fault result for that student, as a child
    that crashes does in a local batch.
  - Each task's key is a hash of the student and of what their grade depends
    on (the fingerprint a local batch's resume compares), so the same work is
    never graded twice at once. A worker that dies mid-class loses nothing:
    the scheduler hands its students to the other workers, and the children it
    had started die with it (the child is killed with its parent).
  - An unreachable scheduler is an error within CONNECT_SECONDS, not a hang.

Nothing else in the grader imports this module, or Dask: the local batch
needs neither.
"""

import atexit
import hashlib
import itertools
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
from pathlib import Path

from .batch import (
    EXIT_OK,
    EXIT_USAGE,
    ClassBatch,
    child_bound,
    child_command,
    kit_fingerprint,
    run_child,
    worker_threads,
)
from .class_cache import make_folder as make_cache_folder
from .reading import (
    MAX_FILE_BYTES,
    MAX_NOTEBOOK_BYTES,
    MAX_TOTAL_BYTES,
    NAME,
    Unreadable,
    walk,
)
from .rubric import load_rubric

CONNECT_SECONDS = 5  # to reach the scheduler
WORKERS_SECONDS = 60  # for the first worker to join it
RETRIES = 2  # a task that raises is tried again (a lost worker is the scheduler's business)
MAX_RESULTS_BYTES = 20 * 2**20  # a results.json a worker returns
MAX_FEEDBACK_BYTES = 50 * 2**20  # a feedback.html (it holds the student's plots)
MAX_LOG_CHARACTERS = 2**20  # the end of a child's log is kept
EXIT_NO_CLUSTER = 3  # the scheduler cannot be reached or has no worker

_SLOTS = itertools.count()
_CACHE_LOCK = threading.Lock()
_SCHEMA = Path(__file__).resolve().parent / "schema" / "results.schema.json"


# ---------------------------------------------------------------- the client's side


def grade_on_cluster(folder, out, only, args, scheduler):
    """Grade every subfolder of `folder` on the Dask cluster of `scheduler`; the exit status."""
    try:
        from distributed import Client, as_completed  # noqa: PLC0415
    except ImportError:
        print("error: --scheduler needs Dask distributed: pip install -e '.[cluster]'",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        client = Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        print(f"error: cannot reach the Dask scheduler at {scheduler} within "
              f"{CONNECT_SECONDS} s ({type(error).__name__}: {error}). Start one with "
              f"`dask scheduler` and a worker on each machine with `dask worker {scheduler}`",
              file=sys.stderr)
        return EXIT_NO_CLUSTER
    try:
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except TimeoutError:
            print(f"error: no Dask worker joined the scheduler at {scheduler} within "
                  f"{WORKERS_SECONDS} s: start one on each machine with "
                  f"`dask worker {scheduler}`", file=sys.stderr)
            return EXIT_NO_CLUSTER
        return _grade(client, as_completed, folder, out, only, args)
    finally:
        client.close()


def _grade(client, as_completed, folder, out, only, args):
    out.mkdir(parents=True, exist_ok=True)
    batch = ClassBatch(folder, out, only, args, jobs=1)
    started = time.perf_counter()
    batch.write_gradebook()
    cores = sum(client.nthreads().values()) or 1
    queue = iter(batch.students)
    names, fingerprints, live = {}, {}, {}
    submitted = as_completed(loop=client.loop)
    print(f"grading {len(batch.students)} submissions on {len(client.nthreads())} Dask "
          f"worker(s), {cores} at a time", flush=True)

    def submit_next():
        """Send the next student who needs grading; False when none is left."""
        for student in queue:
            fingerprint = batch.fingerprint(student)
            if batch.keep_unchanged(student, fingerprint):
                continue
            key = task_key(student.name, fingerprint)
            future = client.submit(grade_submission, student.name, pack_submission(student),
                                   fingerprint, batch.options, key=key, pure=True,
                                   retries=RETRIES)
            names[future.key], fingerprints[future.key] = student.name, fingerprint
            live[future.key] = future
            submitted.add(future)
            return True
        return False

    try:
        # A few tasks per core in flight: the class's files are read as the cluster needs them.
        for _ in range(2 * cores):
            if not submit_next():
                break
        for future in submitted:
            try:
                outcome = future.result()
            except Exception as error:  # noqa: BLE001 - a lost task costs its student only
                outcome = {"error": f"the Dask cluster could not grade it "
                                    f"({type(error).__name__}: {error})"}
            record(batch, names[future.key], fingerprints[future.key], outcome)
            live.pop(future.key, None)
            future.release()
            submit_next()
    except KeyboardInterrupt:
        client.cancel(list(live.values()))
        return batch.interrupted()
    batch.done(started)
    return EXIT_OK


def task_key(name, fingerprint):
    """The Dask key of a student's grading: the same student and inputs, the same key."""
    digest = hashlib.sha256(json.dumps([name, fingerprint], sort_keys=True).encode())
    return f"grade-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)[:40]}-{digest.hexdigest()[:24]}"


def pack_submission(folder):
    """{relative path: bytes} of what grading reads in a submission, bounded as reading.py is.

    The files walk() finds (top-level .py files, notebooks), no link followed,
    each opened without following links and required to be regular. A file
    larger than its limit is sent cut at limit + 1 bytes, so that the grading
    process refuses it with a note as it would the original; past
    MAX_TOTAL_BYTES in all, no further file is sent.
    """
    try:
        found = walk(folder)
    except Unreadable:
        return {}
    files, total = {}, 0
    for path in sorted(found.python + found.notebooks):
        limit = MAX_NOTEBOOK_BYTES if path.suffix == ".ipynb" else MAX_FILE_BYTES
        content = _read_bounded(path, limit + 1)
        if content is None:
            continue
        total += len(content)
        if total > MAX_TOTAL_BYTES:
            break
        files[path.relative_to(folder).as_posix()] = content
    return files


def _read_bounded(path, limit):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, size = [], 0
        while size < limit:
            chunk = os.read(fd, min(1 << 20, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def record(batch, name, fingerprint, outcome):
    """Write what a worker returned for one student into OUT/<name>/, checked; their row."""
    target = batch.out / name
    target.mkdir(parents=True, exist_ok=True)
    path = target / "results.json"
    log = str(outcome.get("log") or "")
    if outcome.get("worker"):
        log = f"graded on the Dask worker {outcome['worker']}\n{log}"
    problem = outcome.get("error")
    text = outcome.get("results")
    if problem is None and text is not None:
        problem = results_problem(text, fingerprint)
    if problem is not None:
        failure = f"the grader itself failed on a Dask worker: {problem}"
        _write_text(path, json.dumps({"score": 0.0, "execution_time": 0.0, "output": failure,
                                      "tests": [], "extra_data": {"complete": False,
                                                                  "failure": failure}}))
        log = (log + "\n" if log else "") + failure
        batch.record(name, 3, log, False, batch.bound, float(outcome.get("seconds") or 0.0))
        return
    if text is None:
        path.unlink(missing_ok=True)  # the child wrote nothing: a crash, not an old result
    else:
        _write_text(path, text)
    feedback = outcome.get("feedback")
    if isinstance(feedback, str) and len(feedback) <= MAX_FEEDBACK_BYTES:
        _write_text(target / "feedback.html", feedback)
    batch.record(name, int(outcome.get("returncode", 3)), log, bool(outcome.get("over_bound")),
                 float(outcome.get("bound") or batch.bound), float(outcome.get("seconds") or 0.0))


def results_problem(text, fingerprint):
    """Why a results.json a worker returned is not written as it is (None: it is sound)."""
    if not isinstance(text, str) or len(text) > MAX_RESULTS_BYTES:
        return f"its results.json is not text of at most {MAX_RESULTS_BYTES:,} characters"
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return "its results.json is not valid JSON"
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(map(str, errors[0].absolute_path)) or "the document"
        return (f"its results.json does not follow the results schema ({len(errors)} "
                f"error(s); at {where}: {errors[0].message[:200]})")
    made_from = data["extra_data"].get("fingerprint")
    if data["tests"] and made_from != fingerprint:
        return "its results.json was made from another submission, kit or set of options"
    return None


def _validator():
    import jsonschema  # noqa: PLC0415

    return jsonschema.Draft202012Validator(json.loads(_SCHEMA.read_text()))


def _write_text(path, text):
    temporary = Path(path).with_name(f".{Path(path).name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# ---------------------------------------------------------------- the worker's side


def grade_submission(name, files, fingerprint, options):
    """The Dask task: grade one student's files as a local batch grades a folder.

    Args:
        name: the student's id (the folder name; the results say it).
        files: {relative path: bytes} (pack_submission).
        fingerprint: what the grade depends on, as the client computed it; its
            "kit" must be this worker's kit, or nothing is graded.
        options: batch.child_options of the client's command line.

    Returns:
        {"results": results.json's text or None, "feedback": feedback.html's text or
        None, "log", "returncode", "over_bound", "bound", "seconds", "worker"}, or
        {"error": why nothing was graded}: plain data only.
    """
    worker = _worker()
    here = getattr(worker, "address", "this worker")
    if kit_fingerprint() != fingerprint.get("kit"):
        return {"error": f"the kit installed on {here} differs from the client's (its "
                         "rubric, checks or reference): install the same version on every "
                         "worker"}
    if not _plain_name(name):
        return {"error": f"{name!r} is not a folder name"}
    with tempfile.TemporaryDirectory(prefix="nnkit-cluster-") as scratch:
        submission = Path(scratch) / "submissions" / name
        try:
            write_submission(submission, files)
        except ValueError as error:
            return {"error": str(error)}
        target = Path(scratch) / "results" / name
        rubric = load_rubric()
        cores = max(1, getattr(worker, "nthreads", 1) or 1)
        threads = worker_threads(rubric, cores)
        bound = child_bound(rubric, options.get("budget"), options.get("report"))
        command = child_command(submission, target, next(_SLOTS) % cores, threads,
                                fingerprint, options, class_cache=_worker_class_cache())
        started = time.perf_counter()
        returncode, log, over_bound = run_child(command, threads, bound)
        return {"results": _read_optional(target / "results.json", MAX_RESULTS_BYTES),
                "feedback": _read_optional(target / "feedback.html", MAX_FEEDBACK_BYTES),
                "log": log[-MAX_LOG_CHARACTERS:], "returncode": returncode,
                "over_bound": over_bound, "bound": bound,
                "seconds": time.perf_counter() - started, "worker": here}


def write_submission(folder, files):
    """Write a packed submission into `folder`; every path checked to stay inside it."""
    folder.mkdir(parents=True)
    if not isinstance(files, dict) or len(files) > 2_000:
        raise ValueError("the submission's files are not a mapping of at most 2,000 paths")
    for relative, content in files.items():
        parts = relative.split("/") if isinstance(relative, str) else []
        if not parts or not all(NAME.fullmatch(p) and p not in (".", "..") for p in parts):
            raise ValueError(f"{relative!r} is not a plain relative path")
        if not isinstance(content, bytes):
            raise ValueError(f"{relative}: its content is not bytes")
        path = folder.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _plain_name(name):
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name \
        and "\0" not in name and len(name.encode()) <= 255


def _read_optional(path, limit):
    try:
        if path.stat().st_size > limit:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


_CLASS_CACHE = []


def _worker_class_cache():
    """This worker process's class cache folder (class_cache.py): made on its first student,
    shared by every student it grades (entries are keyed by the kit and the hidden seeds),
    removed when the worker exits."""
    with _CACHE_LOCK:
        if not _CLASS_CACHE:
            scratch = tempfile.mkdtemp(prefix="nnkit-class-worker-")
            atexit.register(shutil.rmtree, scratch, ignore_errors=True)
            _CLASS_CACHE.append(make_cache_folder(scratch))
        return _CLASS_CACHE[0]


def _worker():
    try:
        from distributed import get_worker  # noqa: PLC0415

        return get_worker()
    except (ImportError, ValueError):
        return None

