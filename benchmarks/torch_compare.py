"""Assignment 12 in the worker: what PyTorch costs there, and the calibration of its checks.

    python -m benchmarks.torch_compare [--runs 3] [--json FILE]

Run with one BLAS thread (OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1), as the
grader's workers are. Four measurements, each repeated `--runs` times:

  1. importing torch in a worker with a12's limits (the sandbox and its import
     policy as the grader starts it): CPU and wall seconds, the address space
     mapped (VmPeak, what the memory limit counts) and resident (VmHWM), open
     file descriptors and threads; then torch.optim's first optimizer, which
     imports torch._dynamo (and needs the writable scratch of `scratch_mb`);
  2. the whole of a12's work in one worker, on a copy of the reference: the
     calls the checks make, at their sizes, then the same figures: what
     `memory_mb` and `call_seconds` must leave room for;
  3. time_epoch's calibration: the reference's two epochs as a share of its
     call's wall time (the check requires at least MIN_TIMED_SHARE and at most
     all of it), and its epochs against the matrix-product limit;
  4. grading the reference and the stubs on a12 (`python -m grader grade
     --only a12`): total seconds, against the submission's budget.

Nothing here is judged: it prints the numbers (and writes them as JSON) for
the comments of grader/rubric/a12.toml and for the report of the assignment.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from grader.checks.test_a12_torch import (
    EPOCH_BATCH,
    EPOCH_SAMPLES,
    EPOCH_SIZES,
    MIN_TIMED_SHARE,
)
from grader.report.torch_compare import products_seconds
from grader.rubric import load_rubric
from grader.sandbox import wire
from grader.sandbox.client import Session

REPO_ROOT = Path(__file__).resolve().parent.parent

PROBE = '''
    import os
    import time


    def status():
        """The worker's address space, resident memory, descriptors and threads, now."""
        fields = {}
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmPeak", "VmSize", "VmHWM", "Threads"):
                    fields[key] = int(value.split()[0])
        fields["fds"] = len(os.listdir("/proc/self/fd"))
        return fields


    def import_torch():
        started, cpu = time.perf_counter(), time.process_time()
        import torch  # noqa: F401
        return {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                **status()}


    def first_optimizer():
        import torch
        started, cpu = time.perf_counter(), time.process_time()
        model = torch.nn.Linear(3, 2)
        torch.optim.SGD(model.parameters(), lr=0.1)
        return {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                **status()}
'''


def _probe_package(folder, with_reference=False):
    """A submission holding the probe (and a copy of the reference's modules, if asked)."""
    package = Path(folder) / "probe"
    if with_reference:
        shutil.copytree(REPO_ROOT / "reference", package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    else:
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
    (package / "_probe.py").write_text(textwrap.dedent(PROBE))
    return package


def _limits():
    return load_rubric().limits_for("a12")


def torch_in_the_worker(folder):
    """Section 1: importing torch, then the first optimizer, in a fresh a12 worker."""
    with Session(_probe_package(folder), limits=_limits()) as worker:
        before = worker.call("_probe.status")
        imported = worker.call("_probe.import_torch")
        optimizer = worker.call("_probe.first_optimizer")
        cpu = worker.spent
    return {"before": before, "import": imported, "first_optimizer": optimizer,
            "cpu_seconds_of_the_worker": cpu}


def a12_workload(folder):
    """Section 2: the calls a12's checks make, on the reference, in one worker."""
    rng = np.random.default_rng(0)
    params = {f"W{i}": rng.standard_normal((a, b)) for i, (a, b) in
              enumerate(zip([4, 6, 5], [6, 5, 3]), start=1)}
    params.update({f"b{i}": rng.standard_normal(n) for i, n in enumerate([6, 5, 3], start=1)})
    X, y = rng.standard_normal((40, 4)), rng.integers(0, 3, 40)
    X_epoch = rng.random((EPOCH_SAMPLES, EPOCH_SIZES[0]), dtype=np.float32)
    y_epoch = rng.integers(0, EPOCH_SIZES[-1], EPOCH_SAMPLES)
    calls = []
    with Session(_probe_package(folder, with_reference=True), limits=_limits()) as worker:
        for target, args, kwargs in (
                ("torch_compare.to_torch", (params,), {"keep": True}),
                ("torch_compare.torch_mlp_loss", (params, X, y), {"l2": 0.1}),
                ("torch_compare.compare_training", (params, X, y), {"steps": 8}),
                ("torch_compare.time_epoch", (EPOCH_SIZES, X_epoch, y_epoch),
                 {"dtype": wire.DType("float32")})):
            cpu = worker.spent
            worker.call(target, *args, **kwargs)
            calls.append({"call": target.split(".")[1], "cpu": worker.spent - cpu})
        after = worker.call("_probe.status")
    return {"calls": calls, "after": after}


def time_epoch_calibration(folder, runs):
    """Section 3: the reference's timed share of its call, and its epochs against the limit."""
    rng = np.random.default_rng(1)
    X = rng.random((EPOCH_SAMPLES, EPOCH_SIZES[0]), dtype=np.float32)
    y = rng.integers(0, EPOCH_SIZES[-1], EPOCH_SAMPLES)
    rows = []
    with Session(REPO_ROOT / "reference", limits=_limits()) as worker:
        worker.call("torch_compare.time_epoch", EPOCH_SIZES, X[:EPOCH_BATCH], y[:EPOCH_BATCH],
                    dtype=wire.DType("float32"))  # the imports, as the check's warm-up call
        for _ in range(runs):
            wall = worker.wall_spent
            seconds = worker.call("torch_compare.time_epoch", EPOCH_SIZES, X, y,
                                  batch_size=EPOCH_BATCH, dtype=wire.DType("float32"))
            call = worker.wall_spent - wall
            rows.append({"numpy": seconds["numpy"], "torch": seconds["torch"], "call": call,
                         "share": (seconds["numpy"] + seconds["torch"]) / call})
    limit, threads = products_seconds(EPOCH_SIZES, EPOCH_SAMPLES, EPOCH_BATCH)
    return {"runs": rows, "min_timed_share": MIN_TIMED_SHARE, "limit": limit,
            "limit_threads": threads}


def grading_time(runs):
    """Section 4: `python -m grader grade SUBMISSION --only a12`, the reference and the stubs."""
    out = {}
    for name in ("reference", "student_stubs"):
        seconds, scores = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as results:
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "grader", "grade", name, "--only", "a12",
                                "--out", results, "--quiet"], cwd=REPO_ROOT, check=True,
                               capture_output=True)
                seconds.append(time.perf_counter() - started)
                data = json.loads((Path(results) / "results.json").read_text())
                scores.append(f"{data['score']:g}/{data['extra_data']['max_score']:g}")
        out[name] = {"seconds": seconds, "scores": scores}
    out["budget_seconds"] = load_rubric().budget_seconds
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", default=None, help="write the numbers to this file")
    args = parser.parse_args(argv)
    limits = _limits()
    results = {"limits": {"memory_mb": limits.memory_bytes / 2**20,
                          "call_seconds": limits.call_seconds,
                          "scratch_mb": limits.scratch_bytes / 2**20,
                          "imports": list(limits.imports)}}
    with tempfile.TemporaryDirectory() as folder:
        results["torch"] = [torch_in_the_worker(Path(folder) / f"t{k}") for k in range(args.runs)]
        results["workload"] = a12_workload(Path(folder) / "w")
        results["time_epoch"] = time_epoch_calibration(folder, args.runs)
    results["grading"] = grading_time(args.runs)
    print(_summary(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


def _summary(r):
    mb = 1 / 1024
    lines = [f"a12's worker limits: {r['limits']}"]
    for k, run in enumerate(r["torch"]):
        imported, optimizer = run["import"], run["first_optimizer"]
        lines.append(f"run {k}: import torch {imported['cpu']:.2f} CPU s ({imported['wall']:.2f} "
                     f"wall), VmPeak {imported['VmPeak'] * mb:.0f} MB, VmHWM "
                     f"{imported['VmHWM'] * mb:.0f} MB, {imported['fds']} fds, "
                     f"{imported['Threads']} threads; first optimizer {optimizer['cpu']:.2f} "
                     f"CPU s, VmPeak {optimizer['VmPeak'] * mb:.0f} MB, "
                     f"{optimizer['Threads']} threads")
    after = r["workload"]["after"]
    lines.append("a12's calls on the reference: " + ", ".join(
        f"{c['call']} {c['cpu']:.2f} CPU s" for c in r["workload"]["calls"])
        + f"; then VmPeak {after['VmPeak'] * mb:.0f} MB, VmHWM {after['VmHWM'] * mb:.0f} MB, "
        f"{after['fds']} fds, {after['Threads']} threads")
    epoch = r["time_epoch"]
    for run in epoch["runs"]:
        lines.append(f"time_epoch: numpy {run['numpy']:.3f} s, torch {run['torch']:.3f} s, "
                     f"call {run['call']:.3f} s: timed share {run['share']:.0%} "
                     f"(the check: >= {epoch['min_timed_share']:.0%}, <= 100%)")
    lines.append(f"matrix-product limit of the epoch: {epoch['limit']:.3f} s "
                 f"({epoch['limit_threads']})")
    for name in ("reference", "student_stubs"):
        g = r["grading"][name]
        lines.append(f"grading {name} on a12: " + ", ".join(f"{s:.1f} s" for s in g["seconds"])
                     + f" ({', '.join(g['scores'])}); budget {r['grading']['budget_seconds']} "
                     "CPU s")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
