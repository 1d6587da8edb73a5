"""The grader's pytest plugin: rubric points on every check, verdicts into results.json.

pytest runs the checks (grader/checks/test_a*.py); this plugin
  - gives each collected check its rubric entry (points as a `points` marker,
    visibility), and deselects the hidden cases when the hidden seeds are absent;
  - turns each outcome into a verdict: CheckFailed (message, hint, partial
    credit), the student's own exception (their traceback lines only), a worker
    fault (crash, timeout, memory), or an internal error of the grader;
  - writes results.json in Gradescope's format, first as a plan where every
    check is "not run" (so a crash never leaves it incomplete), then complete;
  - prints the terminal summary.
"""

import importlib.util
import json
import os
import re
import time
from pathlib import Path

import pytest

from . import hints
from .answers import summary_line as answers_line
from .compare import TERMS_PREFIX, CheckFailed
from .course import COURSE
from .oracle import FixtureMissing
from .rubric import RubricError
from .sandbox.client import Session, StudentError, WorkerFault
from .sandbox.imports import describe as imports_describe
from .sandbox.isolation import (
    sandbox_description,
    sandbox_mode,
    student_sandbox_description,
)

MAX_MESSAGE = 3000
NOT_IMPLEMENTED = "not implemented yet (raises NotImplementedError)"
IMPORT_FAILED = "your module could not be imported"
HIDDEN_DETAILS = "wrong on hidden inputs (their values are not shown)"
PUBLIC_ONLY = ("right on the public inputs but not on the hidden ones, so it pays nothing: a "
               "public case pays only when its hidden counterpart passes too")


# The plugin of the run, in pytest's own stash (as pytest's junitxml keeps its state).
GRADER = pytest.StashKey["GraderPlugin"]()


def grader_of(config):
    """The GraderPlugin of a pytest run (its submission, rubric, oracle and worker)."""
    return config.stash[GRADER]


class GraderPlugin:
    """State of one grading run: the submission, the rubric and the verdicts."""

    def __init__(self, submission, rubric, oracle, results_path=None, data_dir=None,
                 slot=0, echo=True, progress=None, refusal=None, notes=(), fingerprint=None,
                 name=None, answers=None):
        self.submission = Path(submission)
        self.name = name or self.submission.name  # what the student handed in, for reports
        # (status, reason) when the submission is not graded at all (it cannot be read,
        # or there is no sandbox and one is required): every check is listed, not run.
        self.refusal = refusal
        self.notes = list(notes)  # what reading the submission noticed (links, bad cells)
        self.fingerprint = fingerprint  # what was graded, by whom (batch.py: skip if unchanged)
        self.answers = answers  # which written answers answers.md holds (answers.py), or None
        self.rubric = rubric
        self.oracle = oracle
        self.results_path = Path(results_path) if results_path else None
        self.data_dir = data_dir
        self.slot = slot
        self.echo = echo
        self.progress = progress
        self.records = {}  # nodeid -> verdict dict, in collection order
        self.unseen_points = {}  # assignment -> points of the hidden cases left out (no seeds)
        self.started = time.perf_counter()
        self.session = None
        self.current_assignment = None  # of the check running now (its limits, its hints)
        self.internal_errors = 0
        self.artifacts = {}  # extra data checks leave for the report (histories, plots' inputs)
        # Steps step(plugin) run after the last check while the worker still runs (the
        # report's experiments); each records its own failures, none changes a score.
        self.after_checks = []

    @property
    def for_student(self):
        """Whether a student is checking their own work: without the hidden seeds (the student
        bundle's `make check`) the grader speaks to them; with the seeds, to the instructor."""
        return not self.rubric.secrets

    def sandbox_banner(self):
        """The isolation line of the terminal and of results.json, for who is reading it."""
        if self.for_student:
            return f"Sandbox: {student_sandbox_description()}"
        return f"Sandbox: {sandbox_description()}"

    # ------------------------------------------------------------ fixtures' access

    def student(self):
        """The Session reaching the student's code, started on first use.

        Its limits (the import policy among them) are those of the assignment of
        the check running now: a worker restarts when the assignment changes.
        """
        limits = (self.rubric.limits_for(self.current_assignment)
                  if self.current_assignment else self.rubric.limits)
        if self.session is None:
            self.session = Session(self.submission, data_dir=self.data_dir, limits=limits,
                                   budget_seconds=self.rubric.budget_seconds, slot=self.slot)
        self.session.default_limits = limits
        return self.session

    # ------------------------------------------------------------ pytest hooks

    def pytest_configure(self, config):
        config.stash[GRADER] = self
        config.addinivalue_line("markers", "property_check: pays only with right results too")

    def pytest_collection_modifyitems(self, session, config, items):
        keep, drop = [], []
        for item in items:
            assignment = self.rubric.assignment_of(Path(str(item.fspath)).name)
            if assignment is None:
                drop.append(item)
                continue
            check = item.name[len("test_"):] if item.name.startswith("test_") else item.name
            case = getattr(item, "callspec", None) and item.callspec.params.get("case")
            if case == "hidden" and not self.rubric.secrets:
                drop.append(item)  # the student bundle: no hidden seeds, no hidden cases
                if not config.getoption("keyword", ""):  # with -k: not this run's points
                    self.unseen_points[assignment.id] = self.unseen_points.get(
                        assignment.id, 0.0) + float(assignment.entry(check)["points"])
                continue
            try:
                entry = assignment.entry(check)
            except RubricError as error:  # a rubric that misses a check: say so, plainly
                raise pytest.UsageError(f"rubric: {error}") from None
            item.user_properties.append(("points", entry["points"]))  # into junit.xml
            keep.append(item)
            self.records[item.nodeid] = {
                "assignment": assignment.id, "check": check,
                "max_score": float(entry["points"]), "score": 0.0, "status": "not run",
                "message": "not run: grading stopped before this check",
                "hint": None, "visibility": entry["visibility"],
                "details": entry.get("details", True), "seconds": 0.0,
                # With the hidden seeds, a check without a public/hidden pair runs on hidden
                # inputs too (support.seed_for): the values of its messages are not shown.
                "hidden_inputs": case == "hidden" or (case is None and bool(self.rubric.secrets)),
                "case": case,
            }
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep
        if self.refusal is not None:
            for record in self.records.values():
                record["message"] = f"not run: {self.refusal[1]}"
            items[:] = []  # nothing runs; every check is listed with the reason
        self.write_results(final=False)

    def pytest_deselected(self, items):
        """Checks deselected by -k are not part of this run: no record, no points."""
        for item in items:
            self.records.pop(item.nodeid, None)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        """Each check is diagnosed with the hint rules of its own assignment (hints.scope)."""
        record = self.records.get(item.nodeid)
        self.current_assignment = record["assignment"] if record else None
        if self.session is not None and self.current_assignment:
            self.session.default_limits = self.rubric.limits_for(self.current_assignment)
        with hints.scope(self.current_assignment):
            yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        record = self.records.get(item.nodeid)
        if record is None or call.when == "teardown" and report.passed:
            return
        if call.when == "call" or report.failed or report.skipped:
            record["seconds"] += call.duration
            self._verdict(record, item, call, report)
            if self.progress:
                self.progress(record)

    def pytest_sessionfinish(self, session, exitstatus):
        self._public_pays_with_hidden()
        for step in self.after_checks:
            step(self)
        if self.session is not None:
            self.session.close()
        self.write_results(final=True)

    def pytest_report_teststatus(self, report, config):
        """No progress letters (F, ., s): the summary below says what happened, once."""
        if report.when == "call" or report.failed or report.skipped:
            return report.outcome, "", ""
        return None

    def pytest_terminal_summary(self, terminalreporter):
        if self.echo:
            terminalreporter.write(self.summary_text())

    # ------------------------------------------------------------ verdicts

    def _verdict(self, record, item, call, report):
        # What a check measured that varies from run to run (a timed check's CPU seconds)
        # goes beside the verdict, never into the message: two gradings give one message.
        timing = dict(item.user_properties).get("timing")
        if timing:
            record["timing"] = {str(k): round(float(v), 4) for k, v in timing.items()}
        if report.passed:
            credit = 1.0
            # A check may say what it measured even when it passes (a task's metric beside
            # its threshold and its time beside its budget), as a user property.
            summary = dict(item.user_properties).get("summary")
            record.update(status="passed", message=f"ok: {summary}" if summary else "ok",
                          hint=None)
        elif report.skipped:
            record.update(status="skipped", message=_skip_reason(report), score=0.0)
            return
        else:
            error = call.excinfo.value if call.excinfo else None
            policy = (self.rubric.limits_for(record["assignment"]).imports
                      if record.get("assignment") else None)
            credit, message, hint = _explain(error, policy, record.get("assignment"))
            if (item.get_closest_marker("property_check") and isinstance(error, CheckFailed)
                    and error.kind == "value"):
                message = PAYS_ONLY + message
            if message.startswith("internal error"):
                self.internal_errors += 1
            record.update(status="partial" if credit > 0 else "failed", message=message,
                          hint=hint, compared_values=isinstance(error, CheckFailed),
                          value_message=isinstance(error, CheckFailed)
                          and error.kind in ("value", "dtype"))
        record["score"] = round(record["max_score"] * max(0.0, min(1.0, credit)), 4)

    def _public_pays_with_hidden(self):
        """A public case pays only when its hidden counterpart passes too.

        The public inputs follow from the check's name, and the student bundle
        ships their expected values: a table of public answers must earn nothing.
        Without the hidden seeds (the bundle) there is no counterpart and the
        public case pays as it is.
        """
        for nodeid, record in self.records.items():
            if record.get("case") != "public" or record["score"] <= 0:
                continue
            hidden = self.records.get(nodeid.replace("public", "hidden"))
            if hidden is not None and hidden["status"] != "passed":
                record.update(score=0.0, status="failed", hint=hidden.get("hint"),
                              message=PUBLIC_ONLY)

    # ------------------------------------------------------------ results

    def results(self):
        tests = []
        for number, record in enumerate(self.records.values(), start=1):
            message = record["message"]
            value_on_hidden = record.get("hidden_inputs") and record.get("value_message")
            if record.get("compared_values") and not record["details"] or value_on_hidden:
                # Hidden inputs: say that the values are wrong, never which values. Other
                # reasons (not implemented, a crash, a missing module) reveal nothing.
                message = HIDDEN_DETAILS
            output = message + (f"\nHint: {record['hint']}" if record.get("hint") else "")
            tests.append({
                "name": f"{record['assignment']} {record['check']}",
                "number": f"{record['assignment'][1:]}.{number}",
                "score": record["score"], "max_score": record["max_score"],
                "status": "passed" if record["status"] == "passed" else "failed",
                "output": output[:MAX_MESSAGE], "visibility": record["visibility"],
                "extra_data": {"assignment": record["assignment"], "check": record["check"],
                               "outcome": record["status"], "hint": record.get("hint"),
                               "hint_rule": hints.rule_of(record.get("hint")),
                               "seconds": round(record["seconds"], 4),
                               **({"timing": record["timing"]} if "timing" in record else {})},
            })
        score = round(sum(t["score"] for t in tests), 4)
        stats = self.session.stats.__dict__ if self.session else {}
        output = [self.sandbox_banner()]
        if self.refusal is not None:
            output.insert(0, f"Not graded: {self.refusal[1]}")
        if self.notes:
            output.append("Reading the submission:\n" + "\n".join(f"  {n}" for n in self.notes))
        if self.session is not None and self.session.output:
            output.append("Your code printed:\n" + self.session.captured_output[:4000])
        return {
            "score": score,
            "execution_time": round(time.perf_counter() - self.started, 3),
            "output": "\n\n".join(output),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
            "extra_data": {
                "submission": self.name,
                "max_score": round(sum(t["max_score"] for t in tests), 4),
                "sandbox": sandbox_mode(),
                "assignments": self.assignment_totals(tests),
                "timing": {k: round(v, 4) if isinstance(v, float) else v for k, v in stats.items()},
                "internal_errors": self.internal_errors,
                "budget_exhausted": bool(self.session and self.session.budget_exhausted),
                "timed_out": sorted({key[0] for key in self.session.timed_out})
                if self.session else [],
                "notes": self.notes,
                "trouble": trouble_of(tests, self.session),
                **({"written_answers": self.answers} if self.answers else {}),
            },
        }

    def assignment_totals(self, tests):
        totals = {}
        for test in tests:
            a = test["extra_data"]["assignment"]
            entry = totals.setdefault(a, {"title": self.rubric.assignments[a].title,
                                          "score": 0.0, "max_score": 0.0})
            entry["score"] = round(entry["score"] + test["score"], 4)
            entry["max_score"] = round(entry["max_score"] + test["max_score"], 4)
        for a, unseen in self.unseen_points.items():
            if a in totals:
                totals[a]["hidden_max_score"] = round(unseen, 4)
        return totals

    def write_results(self, final):
        if self.results_path is None:
            return
        self.results_path.parent.mkdir(parents=True, exist_ok=True)
        data = self.results()
        data["extra_data"]["complete"] = final
        if self.refusal is not None:
            data["extra_data"]["status"], data["extra_data"]["failure"] = self.refusal
        elif final:
            data["extra_data"]["status"] = "complete"
        if self.fingerprint is not None:
            data["extra_data"]["fingerprint"] = self.fingerprint
        if self.artifacts:
            data["extra_data"]["artifacts"] = self.artifacts
        temporary = self.results_path.with_suffix(".json.tmp")
        # Compact: the report data (grids, digits) would triple the size with indentation.
        temporary.write_text(json.dumps(data, separators=(",", ":"), default=_json_default))
        os.replace(temporary, self.results_path)

    def summary_text(self):
        data = self.results()
        lines = ["", self.sandbox_banner(), ""]
        if self.refusal is not None:
            lines[1:1] = [f"NOT GRADED: {self.refusal[1]}"]
        for note in self.notes:
            lines.insert(-1, f"note: {note}")
        by_assignment = {}
        for test in data["tests"]:
            by_assignment.setdefault(test["extra_data"]["assignment"], []).append(test)
        for a, tests in by_assignment.items():
            totals = data["extra_data"]["assignments"][a]
            lines.append(f"{a}  {totals['title']:<44} "
                         f"{totals['score']:6.2f} / {totals['max_score']:g}" + _public_note(totals))
            if answers_line(self.answers, a):
                lines.append(f"    {answers_line(self.answers, a)}")
            weak = [b for b in self.rubric.assignments[a].builds_on
                    if b in data["extra_data"]["assignments"]
                    and data["extra_data"]["assignments"][b]["score"]
                    < data["extra_data"]["assignments"][b]["max_score"]]
            # Only beside failures of written code: for unwritten functions it is noise.
            written_but_failing = any(
                t["score"] < t["max_score"] and "not implemented yet" not in t["output"]
                for t in tests)
            if weak and written_but_failing:
                lines.append(f"    note: {a} calls your functions of {', '.join(weak)}, which "
                             "lose points: some failures here may come from there; fix those "
                             "first")
            missing = {}  # function -> points its unwritten body costs: one line, not dozens
            unimportable = {}  # the same import failure: one line with what it costs
            mistakes = {}  # the same mistake seen by several checks: one line, folded
            for test in tests:
                reason = test["output"].splitlines()[0] if test["output"] else ""
                lost = test["max_score"] - test["score"]
                if test["score"] < test["max_score"] and reason.endswith(" is " + NOT_IMPLEMENTED):
                    function = reason[:-len(" is " + NOT_IMPLEMENTED)]
                    missing[function] = missing.get(function, 0) + lost
                elif test["score"] < test["max_score"] and reason.startswith(IMPORT_FAILED):
                    entry = unimportable.setdefault(test["output"], [0, 0.0])
                    entry[0], entry[1] = entry[0] + 1, entry[1] + lost
                elif test["score"] < test["max_score"]:
                    mistakes.setdefault(_mistake_key(test, reason), []).append((test, reason))
                elif test["max_score"] > 0 and test["output"].startswith("ok: "):
                    lines.append(f"    + {test['extra_data']['check']:<40} "
                                 f"{test['score']:g}/{test['max_score']:g}  "
                                 f"{_cut(test['output'][4:], 160)}")
            for group in mistakes.values():
                test, reason = group[0]
                hint = test["extra_data"].get("hint")
                lost = sum(t["max_score"] - t["score"] for t, _ in group)
                name = test["extra_data"]["check"]
                if len(group) > 1:
                    name = f"{name} (+{len(group) - 1} more)"
                lines.append(f"    x {name:<40} -{lost:g}  {_cut(reason, 160)}")
                where = _first_student_line(test["output"])
                if where:
                    lines.append(f"        {where}")
                terms = [line for line in test["output"].splitlines()[1:]
                         if line.startswith(TERMS_PREFIX)]
                if terms:
                    lines.append(f"        {_cut(terms[0], 200)}")
                if hint and test["extra_data"]["outcome"] != "not run":
                    lines.append(f"        hint: {_cut(hint, 240)}")
            for output, (count, lost) in unimportable.items():
                lines.append(f"    x {count} checks ({lost:g} points) could not run: "
                             f"{_cut(output.splitlines()[0], 160)}")
                where = _first_student_line(output)
                if where:
                    lines.append(f"        {where}")
            if missing:
                listed = ", ".join(f"{name} ({points:g})" for name, points in missing.items())
                lines.append(f"    x not implemented yet (points at stake): {listed}")
        total, maximum = data["score"], data["extra_data"]["max_score"]
        percent = 100 * total / maximum if maximum else 0.0
        unseen = sum(totals.get("hidden_max_score", 0)
                     for totals in data["extra_data"]["assignments"].values())
        of = "public points " if unseen else ""
        lines += ["", f"Total: {total:.2f} / {maximum:g} {of}({percent:.0f}%) "
                      f"in {data['execution_time']:.1f} s", ""]
        if unseen:
            lines.insert(-1, f"The course grades out of {maximum + unseen:g}: these checks again "
                             "on hidden inputs (other arrays, other data seeds), scored the same.")
        return "\n".join(lines)


# Kinds of trouble a teaching assistant looks for, with the words of the checks' messages that
# show each: what the gradebook's and the class page's "trouble" column lists.
TROUBLE = {
    "does-not-import": (IMPORT_FAILED,),
    "forbidden-import": ("which this assignment does not allow",),
    "missing-module": ("is missing from the submission",),
    "timed-out": ("timed out", "over the time budget"),
    "worker-died": ("the worker was killed", "the worker exited", "the worker died",
                    "CPU-time limit"),
}


def trouble_of(tests, session=None):
    """The kinds of trouble a graded submission had, for triage (a list, maybe empty)."""
    found = []
    for kind, words in TROUBLE.items():
        if any(w in (t.get("output") or "") for t in tests for w in words):
            found.append(kind)
    if session is not None and session.timed_out and "timed-out" not in found:
        found.append("timed-out")
    if session is not None and session.budget_exhausted:
        found.append("budget-exhausted")
    lost = [t for t in tests if t["score"] < t["max_score"]]
    if tests and lost and all(NOT_IMPLEMENTED in (t.get("output") or "") for t in lost) \
            and not any(t["score"] > 0 for t in tests):
        found.append("not-started")
    return found


def _explain(error, policy=None, assignment=None):
    """(credit, message, hint) for the exception that ended a check.

    policy: the imports the check's assignment allows; assignment: its id.
    """
    if isinstance(error, CheckFailed):
        return error.credit, error.message, error.hint
    if isinstance(error, StudentError):
        if error.not_implemented:
            return 0.0, f"{error.function or 'it'} is {NOT_IMPLEMENTED}", None
        where = f"\n{error.traceback.rstrip()}" if error.traceback else ""
        if error.import_error:
            missing = re.fullmatch(r"No module named '[\w]+\.(\w+)'", error.message)
            if missing:
                module = missing.group(1)
                owner = COURSE.module_owner(module).id if module in COURSE.modules else None
                if owner and assignment and owner != assignment:
                    return 0.0, (f"{module}.py is missing from the submission: {assignment} "
                                 f"builds on {owner}'s {module}.py, so upload it too (or your "
                                 "instructor may grade with --provide)"), None
                return 0.0, f"{module}.py is missing from the submission", None
            top = (error.missing_module or "").split(".")[0]
            if top and policy is not None and importlib.util.find_spec(top) is not None:
                # It exists here, so the worker could not see it: the import policy.
                return 0.0, (f"your code imports {top}, which this assignment does not allow: "
                             f"the course is from scratch, and its rubric allows "
                             f"{imports_describe(policy)}, the standard library and course_data"
                             f"{where}"), None
            message = f"{IMPORT_FAILED}: {error.type}: {error.message}{where}"
            return 0.0, message, None
        return 0.0, f"your code raised {error.type}: {error.message}{where}", None
    if isinstance(error, WorkerFault):
        return 0.0, str(error), None
    if isinstance(error, FixtureMissing):
        return 0.0, f"internal error: {error}", None
    if error is None:
        return 0.0, "failed", None
    return 0.0, f"internal error of the grader: {type(error).__name__}: {error}"[:MAX_MESSAGE], None


PAYS_ONLY = "this check pays only when the results are right too, and they are not: "


def _public_note(totals):
    """ "public points (of 31.25 with the hidden cases)" when the hidden cases were left out."""
    unseen = totals.get("hidden_max_score")
    if not unseen:
        return ""
    return f" public points (of {totals['max_score'] + unseen:g} with the hidden cases)"


def _mistake_key(test, reason):
    """What makes two failed checks the same mistake: their hint, or their reason's words.

    A wrong dx seen by the value check, the float32 check and the inputs-unchanged
    check is one mistake, printed once with the points it costs in all.
    """
    hint = test["extra_data"].get("hint")
    if hint:
        return ("hint", hint)
    words = reason.removeprefix(PAYS_ONLY)
    words = re.sub(r"\d+(\.\d+)?(e-?\d+)?", "#", words)  # the numbers differ between cases
    return ("reason", test["extra_data"]["assignment"], words)


def _cut(text, width):
    """text shortened to width characters, with an ellipsis when it was longer."""
    return text if len(text) <= width else text[:width - 1] + "…"


def _first_student_line(output):
    """'File "layers.py", line 133, in tanh_backward' from a student's traceback, if any."""
    for line in output.splitlines()[1:]:
        if line.strip().startswith('File "'):
            return line.strip()
    return None


def _skip_reason(report):
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return "skipped"


def _json_default(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
