"""Command line: `python -m grader grade PATH ...`.

One submission is graded in this process (pytest in-process, student code in
sandboxed workers). With --batch (batch.py), each submission is graded by a
child process of its own, `--jobs` at a time, so one submission can never
change another's result; a child that dies still leaves a complete
results.json.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import pytest

from . import class_cache
from .answers import read_answers
from .batch import grade_batch, kit_fingerprint, submission_fingerprint
from .course import COURSE
from .oracle import Oracle
from .plugin import GraderPlugin
from .rubric import RubricError, load_rubric
from .sandbox.isolation import sandbox_description, sandbox_satisfies
from .submission import SubmissionError, prepare_submission, provide_earlier_modules

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
# Exit statuses. Every one but a bad command line leaves a complete results.json with the reason.
EXIT_OK = 0  # graded (whatever the score)
EXIT_USAGE = 2  # a bad command line, or a rubric that does not fit the checks
EXIT_GRADER_FAULT = 3  # the grader itself failed, or it refused to grade without the sandbox
EXIT_UNREADABLE = 4  # the submission could not be read: every check scores 0 with the reason


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
    grade.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                       help="with --batch: grade on the workers of this Dask scheduler (the "
                            "cluster extra) instead of --jobs local processes")
    grade.add_argument("--report", action="store_true", help="write feedback.html too")
    grade.add_argument("--junit", action="store_true", help="write junit.xml too")
    grade.add_argument("--quiet", action="store_true", help="no per-check progress")
    grade.add_argument("--require-sandbox", nargs="?", const="bwrap", default=None,
                       choices=["bwrap", "uid"], metavar="LEVEL",
                       help="refuse to grade with weaker isolation than LEVEL: bwrap (the "
                            "default: the bubblewrap sandbox) or uid (at least the container "
                            "fallback, another uid); also GRADER_REQUIRE_SANDBOX=bwrap|uid")
    grade.add_argument("-k", dest="keyword", default=None, help="pytest -k expression over checks")
    grade.add_argument("--slot", type=int, default=0, help=argparse.SUPPRESS)
    grade.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    grade.add_argument("--budget", type=float, default=None,
                       help="total seconds for the submission's code (default: grading.toml)")
    grade.add_argument("--fresh", action="store_true",
                       help="with --batch: grade every student again, even those whose results "
                            "are complete and whose submission did not change")
    grade.add_argument("--provide", default=None, metavar="reference|FOLDER",
                       help="fill in the modules of the assignments the graded ones build on "
                            "when the upload lacks them: the course's own (reference, once "
                            "their deadlines have passed) or a folder (the student's earlier "
                            "submission); never the graded assignments' own modules")
    grade.add_argument("--fingerprint", default=None, help=argparse.SUPPRESS)
    grade.add_argument("--class-cache", default=None, help=argparse.SUPPRESS)  # class_cache.py
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        only = _parse_only(args.only)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    path, out = Path(args.path), Path(args.out)
    try:
        load_rubric()
    except RubricError as error:
        print(f"error: {error}", file=sys.stderr)
        _write_fault(out, f"the rubric is invalid: {error}", "grader-fault", args.batch)
        return EXIT_USAGE
    if args.scheduler and not args.batch:
        print("error: --scheduler grades a class: it needs --batch", file=sys.stderr)
        return EXIT_USAGE
    if args.batch:
        if not path.is_dir():
            print(f"error: {path} is not a directory of submissions", file=sys.stderr)
            return EXIT_USAGE
        return grade_batch(path, out, only, args)
    try:
        return grade_one(path, out, only, args)
    except Exception as error:  # noqa: BLE001 - the grader's own fault: still a result
        reason = f"the grader itself failed ({type(error).__name__}: {error})"
        print(f"error: {reason}", file=sys.stderr)
        _write_fault(out, reason, "grader-fault", False)
        return EXIT_GRADER_FAULT


def sandbox_required(args):
    """The isolation an instructor requires ("bwrap", "uid"), or None."""
    required = args.require_sandbox or os.environ.get("GRADER_REQUIRE_SANDBOX")
    return {"1": "bwrap"}.get(required, required) or None


def _write_fault(out, reason, status, batch):
    """A results.json that says why grading could not start (no check could be listed)."""
    if batch:
        return
    out.mkdir(parents=True, exist_ok=True)
    data = {"score": 0.0, "execution_time": 0.0, "output": f"Not graded: {reason}",
            "tests": [], "extra_data": {"complete": False, "status": status, "failure": reason}}
    temporary = out / "results.json.tmp"
    temporary.write_text(json.dumps(data, indent=1))
    os.replace(temporary, out / "results.json")


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
    refusal, problems = None, []
    try:
        submission, problems = prepare_submission(path, out / "extracted")
        if args.provide:
            problems = [n for n in problems if not n.startswith("missing module")]
            problems += provide_earlier_modules(submission, only, args.provide)
    except SubmissionError as error:
        refusal = ("unreadable", f"the submission could not be read: {error}")
        submission = out / "extracted" / "nothing"
    required = sandbox_required(args)
    if required and not sandbox_satisfies(required):
        refusal = ("no-sandbox", f"{sandbox_description()}; the grader refuses to grade with "
                   f"less than --require-sandbox {required}. Install bubblewrap (Debian: "
                   "apt-get install bubblewrap) and allow namespaces, or run as root for the "
                   "uid fallback")
    from .datasets import prepare_worker_data  # noqa: PLC0415 - heavy, only when grading

    fingerprint = (json.loads(args.fingerprint) if args.fingerprint else
                   {"submission": submission_fingerprint(path), "kit": kit_fingerprint(),
                    "only": only, "keyword": args.keyword, "budget": args.budget,
                    **({"provide": args.provide} if args.provide else {})})
    class_cache.use(args.class_cache, kit=fingerprint.get("kit", ""))
    plugin = GraderPlugin(submission, rubric, Oracle(), results_path=out / "results.json",
                          data_dir=prepare_worker_data(), slot=args.slot,
                          progress=None if args.quiet else _progress_printer(),
                          refusal=refusal, notes=problems, fingerprint=fingerprint,
                          name=path.resolve().name, answers=read_answers(path, only))
    if args.report:  # the report (and Matplotlib, seconds to import) only when asked for
        from .report.experiments import ASSIGNMENT as EXPERIMENTS  # noqa: PLC0415
        from .report.experiments import run_experiments  # noqa: PLC0415

        if EXPERIMENTS in only:  # the report's experiments use that assignment's code
            plugin.after_checks.append(run_experiments)
        from .report.torch_compare import ASSIGNMENT as TORCH_COMPARE  # noqa: PLC0415
        from .report.torch_compare import run_speed_table  # noqa: PLC0415

        if TORCH_COMPARE in only:  # a12's speed table: the reference's epoch, the limit
            plugin.after_checks.append(run_speed_table)
    modules = [str(CHECKS_DIR / m) for a in only for m in rubric.assignments[a].check_modules]
    pytest_args = ["-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(CHECKS_DIR),
                   "-qq", "--no-header", "-p", "no:randomly", "--tb=no", "-rN"] + modules
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    if args.junit:
        pytest_args += [f"--junitxml={out / 'junit.xml'}"]
    if args.quiet:
        pytest_args += ["--capture=sys"]
    code = _run_pytest(pytest_args, plugin)
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
    if refusal is not None:
        print(f"error: not graded: {refusal[1]}", file=sys.stderr)
        return EXIT_GRADER_FAULT if refusal[0] == "no-sandbox" else EXIT_UNREADABLE
    return EXIT_OK


def _run_pytest(pytest_args, plugin):
    """pytest.main with the grader's own plugin only.

    Third-party plugins installed in the environment (anyio, xdist, randomly, ...)
    are not loaded: none of them has a say in a grade, and loading them (with the
    assertion rewriting of their modules) is a second or two of every grading
    process's start-up. pytest reads the switch while it configures itself.
    """
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        return pytest.main(pytest_args, plugins=[plugin])
    finally:
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous


def _progress_printer():
    if not sys.stdout.isatty():
        return None

    def show(record):
        mark = {"passed": ".", "partial": "~", "failed": "x"}.get(record["status"], "?")
        print(mark, end="", flush=True)

    return show
