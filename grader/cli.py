"""Command line: `python -m grader grade PATH ...`.

One submission is graded in this process (pytest in-process, student code in
sandboxed workers). With --batch, each submission is graded by a child
process of its own, `--jobs` at a time, so one submission can never change
another's result; a child that dies still leaves a complete results.json.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .course import COURSE
from .oracle import Oracle
from .plugin import GraderPlugin
from .rubric import RubricError, load_rubric
from .sandbox.isolation import sandbox_description, sandbox_mode
from .submission import SubmissionError, prepare_submission

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
EXIT_OK, EXIT_USAGE, EXIT_GRADER_FAULT = 0, 2, 3


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one submission, or a folder of them")
    grade.add_argument("path", help="a submission (package directory or nbgrader folder), "
                                    "or with --batch a folder of submissions")
    grade.add_argument("--out", default="grading", help="results folder (default: grading/)")
    grade.add_argument("--only", default=None, help="assignments to grade, e.g. a1,a3")
    grade.add_argument("--batch", action="store_true",
                       help="PATH holds one submission per subfolder")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (batch)")
    grade.add_argument("--report", action="store_true", help="write feedback.html too")
    grade.add_argument("--junit", action="store_true", help="write junit.xml too")
    grade.add_argument("--quiet", action="store_true", help="no per-check progress")
    grade.add_argument("--require-sandbox", action="store_true",
                       help="refuse to grade without the bubblewrap sandbox (also: "
                            "GRADER_REQUIRE_SANDBOX=1); for grades that count")
    grade.add_argument("-k", dest="keyword", default=None, help="pytest -k expression over checks")
    grade.add_argument("--slot", type=int, default=0, help=argparse.SUPPRESS)
    grade.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    grade.add_argument("--budget", type=float, default=None,
                       help="total seconds for the submission's code (default: grading.toml)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        only = _parse_only(args.only)
        load_rubric()
    except (ValueError, RubricError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if (args.require_sandbox or os.environ.get("GRADER_REQUIRE_SANDBOX") == "1") \
            and sandbox_mode() == "none":
        print(f"error: {sandbox_description('none')}; refusing to grade (--require-sandbox). "
              "Install bubblewrap (Debian: apt-get install bubblewrap) or allow namespaces.",
              file=sys.stderr)
        return EXIT_GRADER_FAULT
    path = Path(args.path)
    if not path.is_dir():
        print(f"error: {path} is not a directory", file=sys.stderr)
        return EXIT_USAGE
    if args.batch:
        return grade_batch(path, Path(args.out), only, args)
    return grade_one(path, Path(args.out), only, args)


def _parse_only(text):
    if not text:
        return list(COURSE.ids)
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [a for a in chosen if a not in COURSE]
    if unknown:
        raise ValueError(f"unknown assignment(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(COURSE.ids)}")
    return chosen


def grade_one(path, out, only, args):
    """Grade one submission into out/results.json; returns the exit status."""
    out.mkdir(parents=True, exist_ok=True)
    rubric = load_rubric()
    if args.threads:
        rubric.limits = rubric.limits.with_(threads=args.threads)
    if args.budget:
        rubric.budget_seconds = args.budget
    try:
        submission, problems = prepare_submission(path, out / "extracted")
    except SubmissionError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for problem in problems:
        print(f"note: {problem}")
    from .datasets import prepare_worker_data  # noqa: PLC0415 - heavy, only when grading

    plugin = GraderPlugin(submission, rubric, Oracle(), results_path=out / "results.json",
                          data_dir=prepare_worker_data(), slot=args.slot,
                          progress=None if args.quiet else _progress_printer())
    from .report.experiments import ASSIGNMENT as EXPERIMENTS  # noqa: PLC0415

    if args.report and EXPERIMENTS in only:  # the report's experiments use that assignment's code
        from .report.experiments import run_experiments  # noqa: PLC0415

        plugin.after_checks.append(run_experiments)
    modules = [str(CHECKS_DIR / m) for a in only for m in rubric.assignments[a].check_modules]
    pytest_args = ["-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(CHECKS_DIR),
                   "-q", "--no-header", "-p", "no:randomly", "--tb=no", "-rN"] + modules
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    if args.junit:
        pytest_args += [f"--junitxml={out / 'junit.xml'}"]
    if args.quiet:
        pytest_args += ["--capture=sys"]
    code = pytest.main(pytest_args, plugins=[plugin])
    if args.report:
        from .report import write_feedback  # noqa: PLC0415

        write_feedback(out / "results.json", out / "feedback.html")
    exit_codes = pytest.ExitCode
    completed = (exit_codes.OK, exit_codes.TESTS_FAILED, exit_codes.NO_TESTS_COLLECTED)
    if code == exit_codes.USAGE_ERROR:  # the rubric does not fit the checks: printed above
        return EXIT_USAGE
    if code not in completed:
        print(f"error: the grader itself failed (pytest exit {int(code)})", file=sys.stderr)
        return EXIT_GRADER_FAULT
    return EXIT_OK


def _progress_printer():
    if not sys.stdout.isatty():
        return None

    def show(record):
        mark = {"passed": ".", "partial": "~", "failed": "x"}.get(record["status"], "?")
        print(mark, end="", flush=True)

    return show


def grade_batch(folder, out, only, args):
    """Grade every subfolder of `folder`; writes out/<id>/results.json and out/gradebook.csv."""
    students = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        print(f"error: {folder} holds no submission folders", file=sys.stderr)
        return EXIT_USAGE
    out.mkdir(parents=True, exist_ok=True)
    jobs = max(1, args.jobs)
    threads = max(1, (os.cpu_count() or 1) // jobs)
    started = time.perf_counter()

    def run(index_and_student):
        index, student = index_and_student
        slot = index % jobs
        target = out / student.name
        command = [sys.executable, "-m", "grader", "grade", str(student), "--out", str(target),
                   "--quiet", "--slot", str(slot), "--threads", str(threads)]
        if args.only:
            command += ["--only", args.only]
        if args.keyword:
            command += ["-k", args.keyword]
        if args.budget:
            command += ["--budget", str(args.budget)]
        if args.report:
            command += ["--report"]
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
        t = time.perf_counter()
        process = subprocess.run(command, capture_output=True, text=True, env=env)
        log = (process.stdout or "") + (process.stderr or "")
        (target).mkdir(parents=True, exist_ok=True)
        (target / "grading.log").write_text(log)
        status = _complete_results(target / "results.json", process.returncode, log)
        print(f"  {student.name:<24} {status:<10} {time.perf_counter() - t:6.1f} s", flush=True)
        return student.name, status

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        statuses = dict(pool.map(run, [(i, s) for i, s in enumerate(students)]))
    write_gradebook(out, [s.name for s in students], statuses, only)
    if args.report:
        from .report import write_class_report  # noqa: PLC0415

        write_class_report(out, [s.name for s in students])
    print(f"graded {len(students)} submissions in {time.perf_counter() - started:.1f} s; "
          f"gradebook: {out / 'gradebook.csv'}")
    return EXIT_OK


def _complete_results(path, returncode, log):
    """Status of one batch child; makes its results.json complete if it died midway."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = None
    if returncode == EXIT_USAGE and data is None:
        reason = (log.strip().splitlines() or ["could not be graded"])[-1]
        path.write_text(json.dumps({"score": 0.0, "execution_time": 0.0, "output": reason,
                                    "tests": [], "extra_data": {"complete": False,
                                                                "failure": reason}}, indent=1))
        return "invalid"
    if data is None:
        return "crashed"
    if returncode == EXIT_GRADER_FAULT or not data.get("tests"):
        # The grader, not the student, failed (a check module that does not import, say).
        data.setdefault("extra_data", {})["failure"] = "the grader itself failed: see grading.log"
        path.write_text(json.dumps(data, indent=1))
        return "grader-fault"
    if data.get("extra_data", {}).get("budget_exhausted"):
        return "budget-exhausted"  # complete, but some checks never ran: worth a look
    if not data.get("extra_data", {}).get("complete"):
        reason = f"the grading process stopped early (exit {returncode}); unfinished checks score 0"
        for test in data.get("tests", []):
            if test.get("extra_data", {}).get("outcome") == "not run":
                test["output"] = "not run: " + reason
        data["extra_data"]["failure"] = reason
        path.write_text(json.dumps(data, indent=1))
        return "incomplete"
    return "complete"


def write_gradebook(out, names, statuses, only):
    """gradebook.csv: id, each assignment's points, total, status."""
    with open(out / "gradebook.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *only, "total", "max", "status"])
        for name in names:
            try:
                data = json.loads((out / name / "results.json").read_text())
            except (OSError, ValueError):
                data = {"tests": [], "extra_data": {}}
            totals = data.get("extra_data", {}).get("assignments", {})
            row = [totals.get(a, {}).get("score", 0.0) for a in only]
            maximum = data.get("extra_data", {}).get("max_score", "")
            status = statuses.get(name, "crashed")
            writer.writerow([name, *row, round(sum(row), 4), maximum, status])
