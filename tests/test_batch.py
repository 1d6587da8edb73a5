"""Grading a class: a gradebook a spreadsheet can open, that says who needs help, and survives.

A batch grades each student in a child process of its own. These tests grade
small classes (assignment 1 only, seconds each) and interrupt them: the
gradebook must hold every finished student at every moment, a rerun must
grade only what is left or changed, and a child that hangs must be killed at
its bound without hanging the class.
"""

import csv
import json
import signal
import subprocess
import sys
import time

import pytest
from grading import REFERENCE, REPO_ROOT, STUBS, copy_package, replace_once, run_grader

from grader.gradebook import read_results, safe_cell

pytestmark = pytest.mark.xdist_group("batch")


def gradebook(out):
    with open(out / "gradebook.csv", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def test_cells_a_spreadsheet_would_run_are_written_as_text():
    for formula in ("=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(formula) == "'" + formula
    assert safe_cell("alice") == "alice" and safe_cell(3.5) == 3.5 and safe_cell(None) == ""


def small_class(folder, names=("alice", "bob")):
    for name in names:
        copy_package(REFERENCE if name.startswith("a") else STUBS, folder / name)
    return folder


def test_a_class_gradebook_is_safe_and_says_who_needs_help(tmp_path):
    folder = tmp_path / "class"
    answered = copy_package(REFERENCE, folder / "=HYPERLINK(\"x\")")
    (answered / "answers.md").write_text((STUBS / "answers.md").read_text().replace(
        "\nYOUR ANSWER HERE\n", "\nMy own words.\n"))
    copy_package(STUBS, folder / "bob_not_started")  # its answers.md is blank
    broken = copy_package(REFERENCE, folder / "cyd_syntax_error")
    replace_once(broken / "activations.py", "def relu(z):", "def relu(z:")
    copy_package(REFERENCE, folder / "dan_no_activations")
    (folder / "dan_no_activations" / "activations.py").unlink()
    (folder / "eve_link").symlink_to(folder / "bob_not_started")  # never graded twice
    out = tmp_path / "out"
    process = run_grader("grade", folder, "--batch", "--jobs", "2", "--only", "a1",
                         "--out", out, "--report")
    assert process.returncode == 0, process.stdout + process.stderr
    raw = (out / "gradebook.csv").read_text()
    assert "'=HYPERLINK" in raw and "\n=HYPERLINK" not in raw
    rows = gradebook(out)
    assert sorted(rows) == sorted(["'=HYPERLINK(\"x\")", "bob_not_started", "cyd_syntax_error",
                                   "dan_no_activations"])
    assert rows["bob_not_started"]["trouble"] == "not-started"
    assert rows["cyd_syntax_error"]["trouble"] == "does-not-import"
    assert rows["dan_no_activations"]["trouble"] == "missing-module"
    assert all(row["status"] == "complete" for row in rows.values())
    # Which written answers each answers.md lacks (none, blank, absent), for a TA to chase.
    assert rows["'=HYPERLINK(\"x\")"]["answers missing"] == ""
    assert rows["bob_not_started"]["answers missing"] == "a1.q1;a1.q2"
    assert rows["cyd_syntax_error"]["answers missing"] == "a1.q1;a1.q2"
    page = (out / "index.html").read_text()
    assert "Who needs a look" in page and "does not import" in page
    assert "Slowest to grade" in page

    # The same points in Canvas's import layout, as safe for a spreadsheet.
    with open(out / "gradebook-canvas.csv", newline="") as f:
        canvas = list(csv.reader(f))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         "a1 Neurons and activations"]
    assert canvas[1][0] == "Points Possible" and float(canvas[1][5]) > 0
    by_login = {row[3]: row for row in canvas[2:]}
    assert "'=HYPERLINK(\"x\")" in by_login and by_login["'=HYPERLINK(\"x\")"][0].startswith("'")
    assert float(by_login["'=HYPERLINK(\"x\")"][5]) == float(canvas[1][5])
    assert float(by_login["bob_not_started"][5]) == 0
    assert float(rows["cyd_syntax_error"]["a1"]) == float(by_login["cyd_syntax_error"][5])


def test_a_rerun_grades_only_what_changed(tmp_path):
    folder = small_class(tmp_path / "class", ("alice", "bob"))
    out = tmp_path / "out"
    first = run_grader("grade", folder, "--batch", "--only", "a1", "--out", out)
    assert first.returncode == 0, first.stderr
    before = (out / "alice" / "results.json").read_text()
    (folder / "bob" / "activations.py").write_text(
        (REFERENCE / "activations.py").read_text())  # bob finishes assignment 1
    second = run_grader("grade", folder, "--batch", "--only", "a1", "--out", out)
    assert second.returncode == 0, second.stderr
    assert "alice" in second.stdout and "kept: unchanged" in second.stdout.split("alice")[1][:80]
    assert (out / "alice" / "results.json").read_text() == before
    rows = gradebook(out)
    assert float(rows["bob"]["total"]) == float(rows["bob"]["max"]) > 0
    third = run_grader("grade", folder, "--batch", "--only", "a1", "--out", out, "--fresh")
    assert "kept" not in third.stdout


@pytest.mark.slow
def test_an_interrupted_batch_keeps_its_finished_students_and_resumes(tmp_path):
    """Kill a batch midway (as a reboot would): the gradebook holds whoever finished,
    and the same command again grades the others only."""
    names = [f"student{k:02d}" for k in range(6)]
    folder = tmp_path / "class"
    for name in names:
        copy_package(REFERENCE, folder / name)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "grade", str(folder), "--batch", "--jobs", "1",
               "--only", "a1", "--out", str(out)]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline:
        rows = gradebook(out) if (out / "gradebook.csv").exists() else {}
        if sum(row["status"] == "complete" for row in rows.values()) >= 2:
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)  # no chance to clean up
    process.wait()
    rows = gradebook(out)
    in_gradebook = {n for n, row in rows.items() if row["status"] == "complete"}
    assert 2 <= len(in_gradebook) < len(names), rows
    assert all(rows[n]["status"] in ("complete", "pending") for n in names)
    # A student is finished when their results.json is complete; the kill may land between
    # that write and the gradebook's, so the gradebook may lag one student behind it.
    finished = {n for n in names
                if ((read_results(out / n / "results.json") or {}).get("extra_data") or {})
                .get("complete")}
    assert in_gradebook <= finished < set(names), (in_gradebook, finished)
    again = run_grader("grade", folder, "--batch", "--jobs", "2", "--only", "a1", "--out", out)
    assert again.returncode == 0, again.stderr
    kept = {n for n in names if f"{n}" in again.stdout and "kept" in
            again.stdout.split(n)[1].splitlines()[0]}
    assert kept == finished
    rows = gradebook(out)
    assert all(rows[n]["status"] == "complete" and float(rows[n]["total"]) > 0 for n in names)


@pytest.mark.slow
def test_ctrl_c_writes_the_gradebook_and_says_how_to_resume(tmp_path):
    folder = small_class(tmp_path / "class", [f"a{k}" for k in range(4)])
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "grader", "grade", str(folder), "--batch",
                                "--only", "a1", "--out", str(out)], cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while time.time() < deadline and not (out / "a0" / "results.json").exists():
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stdout + stderr
    assert "interrupted" in stderr and "again" in stderr
    assert (out / "gradebook.csv").exists()


def test_a_grading_child_past_its_bound_is_killed_and_reported(tmp_path, monkeypatch):
    """A child that hangs on the grader's own side (here: its budget is enormous and the
    bound is not) costs the class its bound, no more, and its row says so."""
    folder = tmp_path / "class"
    slow = copy_package(REFERENCE, folder / "zed_slow")
    replace_once(slow / "activations.py", "def sigmoid(z):\n",
                 "def sigmoid(z):\n    import time\n    time.sleep(3600)\n")
    out = tmp_path / "out"
    code = ("import sys; import grader.batch as b; b.START_MARGIN_SECONDS = 6; "
            "b.child_bound = lambda rubric, budget=None, report=False: 8.0; "
            "from grader import cli; sys.exit(cli.main(sys.argv[1:]))")
    started = time.perf_counter()
    process = subprocess.run([sys.executable, "-c", code, "grade", str(folder), "--batch",
                              "--only", "a1", "--out", str(out), "--budget", "3000"],
                             cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert time.perf_counter() - started < 60
    assert process.returncode == 0, process.stdout + process.stderr
    row = gradebook(out)["zed_slow"]
    assert row["status"] == "over-bound"
    results = json.loads((out / "zed_slow" / "results.json").read_text())
    assert "more than its bound" in results["extra_data"]["failure"]
    assert results["tests"], "every check is still listed"
