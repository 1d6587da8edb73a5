"""Grading a class on a Dask cluster: the same gradebook as a local batch, and no student lost.

A real cluster on this machine: a scheduler and two worker processes on
loopback (distributed.LocalCluster), reached by the grader's command line as
a remote cluster would be. A class graded through it must give the local
batch's gradebook; a worker killed in the middle of a class must lose no
student; an unreachable scheduler must be an error within seconds. What a
worker returns is checked before it is written (the unit tests at the end).
"""

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time

import jsonschema
import pytest
from distributed import Client, LocalCluster
from grading import REFERENCE, REPO_ROOT, STUBS, copy_package, replace_once, run_grader

from grader import cluster as dask_cluster
from grader.batch import ClassBatch
from grader.reading import MAX_FILE_BYTES

pytestmark = pytest.mark.xdist_group("cluster")
SCHEMA = REPO_ROOT / "grader" / "schema" / "results.schema.json"


def gradebook(out, columns_of_the_grade=True):
    """{student: row} of out/gradebook.csv; without the seconds (they are measured)."""
    with open(out / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    if columns_of_the_grade:
        for row in rows.values():
            row.pop("seconds")
    return rows


def a_class(folder, copies=3):
    """`copies` copies of the reference, one blank student, one whose a1 does not import."""
    for k in range(copies):
        copy_package(REFERENCE, folder / f"ref{k}")
    copy_package(STUBS, folder / "blank")
    broken = copy_package(REFERENCE, folder / "broken")
    replace_once(broken / "activations.py", "def relu(z):", "def relu(z:")
    return folder


@pytest.fixture(scope="module")
def cluster():
    """A scheduler and two single-threaded worker processes on loopback, and a client."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as local, \
            Client(local) as client:
        yield local.scheduler_address, client


def scores_of(out, name):
    results = json.loads((out / name / "results.json").read_text())
    return {test["name"]: test["score"] for test in results["tests"]}


@pytest.mark.slow
def test_a_class_graded_on_the_cluster_gets_the_local_batchs_gradebook(tmp_path, cluster):
    address, _ = cluster
    folder = a_class(tmp_path / "class")
    local, remote = tmp_path / "local", tmp_path / "remote"
    graded = run_grader("grade", folder, "--batch", "--jobs", "2", "--only", "a1", "--report",
                        "--out", local)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    graded = run_grader("grade", folder, "--batch", "--scheduler", address, "--only", "a1",
                        "--report", "--out", remote)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "Dask worker" in graded.stdout
    rows = gradebook(remote)
    assert rows == gradebook(local)
    assert rows["broken"]["trouble"] == "does-not-import"
    assert float(rows["ref0"]["total"]) == float(rows["ref0"]["max"]) > 0
    assert float(rows["blank"]["total"]) == 0
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    for name in rows:
        assert scores_of(remote, name) == scores_of(local, name), name
        results = json.loads((remote / name / "results.json").read_text())
        validator.validate(results)
        assert results["extra_data"]["submission"] == name
        assert (remote / name / "feedback.html").exists()
        assert (remote / name / "grading.log").exists()
    assert "Who needs a look" in (remote / "index.html").read_text()

    # The cluster's results resume like the local batch's: nothing changed, nothing regraded.
    again = run_grader("grade", folder, "--batch", "--scheduler", address, "--only", "a1",
                       "--out", remote)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("kept: unchanged") == len(rows), again.stdout


def _graders_started_by(pid):
    """Pids of the grading processes a Dask worker process started (its tasks' children)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read()
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid and b"nnkit-cluster-" in command:
            found.append(int(entry))
    return found


def _alive(pids):
    """The pids among `pids` still running (not gone, not a zombie)."""
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(pid)
        except OSError:
            pass
    return alive


@pytest.mark.slow
def test_a_worker_killed_mid_class_loses_no_student(tmp_path, cluster):
    address, client = cluster
    names = [f"student{k}" for k in range(6)]
    for name in names:
        copy_package(REFERENCE, tmp_path / "class" / name)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "grade", str(tmp_path / "class"), "--batch",
         "--scheduler", address, "--only", "a1", "--out", str(out)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        killed = None
        deadline = time.time() + 300
        while time.time() < deadline and killed is None and process.poll() is None:
            rows = gradebook(out) if (out / "gradebook.csv").exists() else {}
            if any(row["status"] == "complete" for row in rows.values()):
                for worker, keys in client.processing().items():
                    pid = client.run(os.getpid, workers=[worker])[worker]
                    graders = _graders_started_by(pid)
                    if keys and graders:  # a worker in the middle of grading a student
                        os.kill(pid, signal.SIGKILL)
                        killed = worker, keys[0], graders
                        break
            time.sleep(0.05)
        assert killed is not None, "no worker was busy grading after the first result"
        worker, key, graders = killed
        # Its grading process dies with it, instead of grading on for nobody.
        deadline = time.time() + 3
        while _alive(graders) and time.time() < deadline:
            time.sleep(0.05)
        assert not _alive(graders), "the killed worker's grading process outlived it"
        stdout, _ = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stdout
    rows = gradebook(out)
    assert sorted(rows) == names
    for name in names:
        assert rows[name]["status"] == "complete", (name, rows[name], stdout)
        assert float(rows[name]["total"]) == float(rows[name]["max"]) > 0, rows[name]
    # The student it was grading was graded again, elsewhere.
    lost = next(n for n in names if key.startswith(f"grade-{n}-"))
    log = (out / lost / "grading.log").read_text()
    assert log.startswith("graded on the Dask worker ") and worker not in log.splitlines()[0]


@pytest.mark.slow
def test_an_unreachable_scheduler_is_a_clear_error_within_seconds(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    copy_package(REFERENCE, tmp_path / "class" / "alice")
    started = time.perf_counter()
    graded = run_grader("grade", tmp_path / "class", "--batch", "--scheduler",
                        f"tcp://127.0.0.1:{port}", "--only", "a1", "--out", tmp_path / "out",
                        timeout=120)
    took = time.perf_counter() - started
    assert graded.returncode == dask_cluster.EXIT_NO_CLUSTER, graded.stdout + graded.stderr
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in graded.stderr
    assert "dask scheduler" in graded.stderr
    assert took < dask_cluster.CONNECT_SECONDS + 20


def test_the_scheduler_option_grades_a_class_only():
    graded = run_grader("grade", REFERENCE, "--scheduler", "tcp://127.0.0.1:1", "--only", "a1")
    assert graded.returncode == 2 and "--batch" in graded.stderr


def test_grading_without_a_scheduler_imports_no_dask():
    code = ("import sys; import grader.cli, grader.batch; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    shown = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                           text=True, check=True)
    assert shown.stdout.strip() == "[]", shown.stdout


# ---------------------------------------------------------------- what crosses the wire


def test_a_packed_submission_is_read_as_the_grader_reads_one(tmp_path):
    student = copy_package(REFERENCE, tmp_path / "student")
    (student / "losses.py").unlink()
    (student / "losses.py").symlink_to(REFERENCE / "losses.py")  # a link is never followed
    (student / "huge.py").write_bytes(b"#" * (MAX_FILE_BYTES + 5000))
    (student / "notes.txt").write_text("not read")
    files = dask_cluster.pack_submission(student)
    assert "losses.py" not in files and "notes.txt" not in files
    assert files["layers.py"] == (REFERENCE / "layers.py").read_bytes()
    assert len(files["huge.py"]) == MAX_FILE_BYTES + 1  # still refused, with a note, there

    written = tmp_path / "written"
    dask_cluster.write_submission(written, files)
    assert (written / "layers.py").read_bytes() == files["layers.py"]
    for bad in ("../escape.py", "/etc/passwd", "a//b.py", "sub/../../x.py"):
        with pytest.raises(ValueError):
            dask_cluster.write_submission(tmp_path / f"bad{len(bad)}", {bad: b""})


def _batch(tmp_path):
    copy_package(REFERENCE, tmp_path / "class" / "alice")
    args = argparse.Namespace(only="a1", keyword=None, budget=None, provide=None, report=False,
                              require_sandbox=None, fresh=False)
    batch = ClassBatch(tmp_path / "class", tmp_path / "out", ["a1"], args, jobs=1)
    batch.out.mkdir()
    return batch, batch.fingerprint(batch.students[0])


def _valid_results(fingerprint):
    return {"score": 1.0, "execution_time": 1.0, "output": "", "tests": [
        {"name": "a1 sigmoid[public]", "number": "1.1", "score": 1.0, "max_score": 1.0,
         "status": "passed", "output": "", "visibility": "visible",
         "extra_data": {"assignment": "a1", "check": "sigmoid[public]", "outcome": "passed",
                        "seconds": 0.1}}],
        "extra_data": {"complete": True, "status": "complete", "fingerprint": fingerprint,
                       "submission": "alice", "max_score": 1.0, "internal_errors": 0,
                       "assignments": {"a1": {"title": "t", "score": 1.0, "max_score": 1.0}}}}


@pytest.mark.parametrize("returned", [
    "not json {",
    json.dumps({"score": "all of them", "tests": []}),  # not the schema
    "forged",  # valid, but made from another submission (below)
])
def test_results_a_worker_returns_that_are_not_sound_are_a_grader_fault(tmp_path, returned):
    batch, fingerprint = _batch(tmp_path)
    if returned == "forged":
        returned = json.dumps(_valid_results({**fingerprint, "submission": "someone else"}))
    outcome = {"results": returned, "log": "worker log", "returncode": 0, "over_bound": False,
               "bound": 100.0, "seconds": 1.0}
    dask_cluster.record(batch, "alice", fingerprint, outcome)
    row = gradebook(batch.out)["alice"]
    assert row["status"] == "grader-fault" and float(row["total"]) == 0
    written = json.loads((batch.out / "alice" / "results.json").read_text())
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(written)
    assert "Dask worker" in written["extra_data"]["failure"]
    assert "worker log" in (batch.out / "alice" / "grading.log").read_text()


def test_sound_results_a_worker_returns_are_written_as_they_are(tmp_path):
    batch, fingerprint = _batch(tmp_path)
    text = json.dumps(_valid_results(fingerprint))
    dask_cluster.record(batch, "alice", fingerprint, {"results": text, "log": "", "returncode": 0,
                                                      "over_bound": False, "bound": 100.0,
                                                      "seconds": 1.0})
    assert (batch.out / "alice" / "results.json").read_text() == text
    assert gradebook(batch.out)["alice"]["status"] == "complete"


def test_a_task_the_cluster_lost_is_a_grader_fault_for_that_student(tmp_path):
    batch, fingerprint = _batch(tmp_path)
    dask_cluster.record(batch, "alice", fingerprint,
                        {"error": "the Dask cluster could not grade it (KilledWorker: ...)"})
    row = gradebook(batch.out)["alice"]
    assert row["status"] == "grader-fault"
    assert "KilledWorker" in json.loads(
        (batch.out / "alice" / "results.json").read_text())["extra_data"]["failure"]
