"""The benchmark (`make bench`) keeps working: a smoke run at tiny size, and its arithmetic.

No assertion here is about speed (timings on a shared machine are noise); they
check that every section runs, reports what it measured, and that what it
measures is the right thing: the FLOP count of an epoch, the split of grading
time, the epochs train() really made, and the BLAS threads the batch grader
gives its workers (the rubric's threads, at most cores // jobs: two jobs must not
oversubscribe two cores).
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from benchmarks import grading, training
from grader.batch import worker_threads
from grader.rubric import load_rubric
from tests.conftest import REPO_ROOT


def _torch_required():
    """In CI PyTorch is installed (make install-torch): its absence is a failure there."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return True
    try:
        import torch  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def test_epoch_flops_counts_forward_weight_gradients_and_hidden_input_gradients():
    # 784-128-10 on 60,000 images: the issue's 24.5 GFLOP, without the images' gradient.
    per_sample = 2 * (784 * 128 + 128 * 10) * 2 + 2 * 128 * 10
    assert training.epoch_flops([784, 128, 10], 60000) == 60000 * per_sample
    assert training.epoch_flops([784, 128, 10], 60000) == pytest.approx(24.5e9, rel=0.01)


def test_epoch_clock_sees_every_epoch_of_the_reference_train():
    from reference import network  # noqa: PLC0415
    from reference import train as train_module  # noqa: PLC0415

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    params = network.init_params([5, 4, 3], rng=rng, dtype=np.float32)
    original = train_module.iterate_minibatches
    with training.epoch_clock() as passes:
        train_module.train(params, X, y, epochs=3, batch_size=16, rng=rng)
    assert len(passes) == 3
    assert all(end >= start for start, end in passes)
    assert [p[0] for p in passes] == sorted(p[0] for p in passes)
    assert train_module.iterate_minibatches is original  # the wrapper is removed afterwards


def test_grading_time_split_adds_up_to_the_wall_time():
    timing = {"student_seconds": 2.0, "call_seconds": 3.0, "start_seconds": 0.5}
    split = grading.split_grading_time(10.0, timing)
    assert split == {"student": 2.0, "isolation": 1.5, "grader": 6.5}
    assert sum(split.values()) == pytest.approx(10.0)


def test_throughput_limit_is_the_cores_divided_by_the_students_cpu_seconds():
    assert grading.throughput_limit(0.5, 2) == pytest.approx(240.0)  # 4 a second, 240 a minute
    assert grading.throughput_limit(3.0, 1) == pytest.approx(20.0)
    assert grading.throughput_limit(0.0, 2) == float("inf")  # no student code: no such limit
    # 1,000 students at 10 a minute on 2 machines: 50 minutes.
    assert grading.class_hours(10.0, 1000, 2) == pytest.approx(50 / 60)


def _run(per_minute, cpu_seconds):
    return {"per_minute": per_minute, "cpu_seconds": cpu_seconds}


def test_the_batch_section_measures_each_run_against_the_limit_and_estimates_a_class():
    from benchmarks import bench  # noqa: PLC0415

    runs = {1: _run(10.0, 1.0), 2: _run(18.0, 1.2)}
    section = bench.throughput_against_limit(runs, _run(16.0, 0.8), cores=2)
    assert section["cpu_seconds"] == pytest.approx(1.0)  # the mean over the three runs
    assert section["limit_per_minute"] == pytest.approx(120.0)
    assert section["share_of_limit"] == pytest.approx({"1": 10 / 120, "2": 18 / 120,
                                                       "dask": 16 / 120})
    assert section["dask_to_local"] == pytest.approx(16 / 18)  # against the most jobs
    assert section["best_per_minute"] == 18.0
    hours = section["class_hours"]
    assert hours["1"] == pytest.approx(1000 / 18 / 60)
    assert hours["10"] == pytest.approx(hours["1"] / 10)
    assert section["class_hours_at_limit"]["1"] == pytest.approx(1000 / 120 / 60)

    without_dask = bench.throughput_against_limit(runs, {"error": "no Dask"}, cores=2)
    assert without_dask["dask_to_local"] is None and "dask" not in without_dask["share_of_limit"]
    assert without_dask["cpu_seconds"] == pytest.approx(1.1)


def test_every_task_a_grading_ran_is_set_against_its_threshold_and_budget():
    from benchmarks import bench  # noqa: PLC0415

    artifacts = {  # results.json's artifacts, as grader/tasks/runs.py writes them
        "moons": {"metric": "accuracy", "value": 0.96, "lower_is_better": False,
                  "threshold": 0.95, "budget_seconds": 20.0, "seconds": 0.3, "wall_seconds": 2},
        "mnist": {"metric": "accuracy", "value": 0.97, "lower_is_better": False,
                  "threshold": 0.95, "budget_seconds": 120.0, "seconds": 130.0},
        "xor": {"error": "train failed", "metric": "accuracy", "threshold": 1.0,
                "budget_seconds": 10.0, "seconds": 0.1},
        "no_such_task": {"value": 1.0},  # not a task of the course: not a row
    }
    rows = {row["task"]: row for row in grading.task_rows(artifacts)}
    assert set(rows) == {"moons", "mnist", "xor"} and rows["moons"]["assignment"] == "a5"
    verdicts = {name: bench._task_within(row) for name, row in rows.items()}
    assert verdicts == {"moons": True, "mnist": False, "xor": False}  # over budget; failed
    lower = {**rows["moons"], "lower_is_better": True, "value": 0.005, "threshold": 0.01}
    assert bench._task_within(lower) and not bench._task_within({**lower, "value": 0.02})
    lines = "\n".join(bench._assignment_lines({"assignments": {}, "tasks": list(rows.values())}))
    assert "| mnist | a6 | accuracy 0.97 | >= 0.95 | 130.0 / 120 |" in lines
    assert "failed: train failed" in lines


@pytest.mark.slow
@pytest.mark.xdist_group("grader_runs")
def test_quick_benchmark_runs_every_section_and_writes_its_report(tmp_path):
    report_path, json_path = tmp_path / "RESULTS.md", tmp_path / "results.json"
    process = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", "--quick", "--out", str(report_path),
         "--json", str(json_path), "--note", "test run"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    report = report_path.read_text()
    for heading in ("## Targets", "## 1-2. One MNIST epoch", "## 3. MNIST", "## 4. Grading",
                    "## 5. Batch grading"):
        assert heading in report
    assert f"- machine: {os.cpu_count()} cores" in report
    assert "conditions: test run" in report
    results = json.loads(json_path.read_text())

    epoch = results["epoch"]
    assert epoch["reference"]["steps_best"] > 0 and epoch["matmul_rate"] > 0
    assert epoch["limit_seconds"] == pytest.approx(epoch["flops"] / epoch["matmul_rate"])
    if _torch_required():
        assert "error" not in epoch["torch"], epoch["torch"]
        assert epoch["torch"]["threads"] == results["threads"]
        assert epoch["torch"]["steps_best"] > 0

    mnist = results["mnist"]
    assert 0.0 <= mnist["test_acc"] <= 1.0 and mnist["task_seconds"] > 0
    assert len(mnist["epoch_test_acc"]) == mnist["epochs"] == 1

    grade = results["grade"]
    assert grade["score"] == grade["max_score"] > 0  # the reference scores every point
    assert grade["student"] + grade["isolation"] + grade["grader"] == pytest.approx(grade["wall"])
    assert "### Each assignment, and its graded tasks against their budgets" in report
    graded = grade["assignments"]  # the quick run grades the first assignment only
    assert list(graded) == [grade["only"]] and graded[grade["only"]]["score"] == grade["score"]

    rubric = load_rubric()
    for jobs, run in results["batch"]["runs"].items():
        assert run["all_complete"] and run["all_full_marks"], run
        workers = run["workers"]
        assert workers["workers_seen"] > 0, f"no worker seen with --jobs {jobs}"
        # The batch runner's thread choice (the rubric's, shared among the jobs) reaches the
        # sandboxed worker's environment.
        assert workers["blas_env"] == [str(worker_threads(rubric, int(jobs)))], (jobs, workers)
    assert grade["process_startup"] > 0
    again = grade["in_batch"]  # the same grading with the class's data sets already built
    assert again["score"] == grade["score"]
    assert again["student"] + again["isolation"] + again["grader"] == pytest.approx(again["wall"])
    assert "Graded again as a batch's later students are" in report

    # Section 5 against its limit: the students' own CPU seconds, divided into the cores.
    batch = results["batch"]
    assert "### Against the limit the students' own code sets" in report
    assert "**A class of 1,000**" in report
    assert batch["cores"] == os.cpu_count()
    measured = [*batch["runs"].values()] + ([batch["dask"]] if "error" not in batch["dask"]
                                            else [])
    assert all(run["cpu_seconds"] > 0 for run in measured)
    assert batch["limit_per_minute"] == pytest.approx(60 * batch["cores"] / batch["cpu_seconds"])
    for jobs, run in batch["runs"].items():
        assert batch["share_of_limit"][jobs] == pytest.approx(
            run["per_minute"] / batch["limit_per_minute"])
    assert batch["class_hours"]["1"] == pytest.approx(1000 / batch["best_per_minute"] / 60)
    if "error" in batch["dask"]:
        assert "local Dask cluster | not measured" in report
    else:  # the cluster extra is installed: the same copies, graded through the cluster
        assert batch["dask"]["all_complete"] and batch["dask"]["all_full_marks"], batch["dask"]
        assert batch["dask"]["per_minute"] > 0
    assert [row["ok"] for row in results["targets"]] == [None] * len(results["targets"])
