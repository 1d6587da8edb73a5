"""What a graded task is: the protocol every task of the registry follows.

A task (XOR, MNIST, the CNN under a parameter budget, the GAN on a ring) is

  - its settings: the student's entry of config.HYPERPARAMS, validated here;
  - its data: made on the trusted side, with hidden seeds where it has them;
    the worker receives only what training needs;
  - its training: calls into the student's code, inside the worker, within the
    task's time budget (building, training and predicting together);
  - its metric: computed here, from what came back, on data the worker never
    saw (test labels, the grader's own latent vectors);
  - its verdict: the metric against the rubric's [tasks.NAME] table
    (threshold, partial credit, budget), and a check of the history the
    student's training loop returned;
  - what the report draws (curves, boundaries, samples), as plain JSON data.

runs.py drives one task through these steps once per grading session; the
check modules (grader/checks/test_aN_*.py) turn its result into points.
"""

from dataclasses import dataclass, field

from ..compare import TERMS_PREFIX, CheckFailed
from ..rubric import RubricError


@dataclass
class TrainingRun:
    """What one task's run produced; `failure` is the exception that ended it early."""

    task: object  # the Task
    settings: dict = None  # the validated HYPERPARAMS entry
    history: object = None  # as the student's training returned it (decoded), or None
    value: float = None  # the metric, measured on the trusted side
    seconds: float = 0.0  # of the budget spent: CPU seconds of the worker
    wall_seconds: float = 0.0  # the same steps by the wall clock (the report shows both)
    failure: BaseException = None
    facts: dict = field(default_factory=dict)  # what a task measured besides (train accuracy)


@dataclass
class Job:
    """One run in progress: what a task's steps need and leave for the next."""

    config: object  # pytest's config (the grader plugin is in its stash)
    session: object  # the student's worker (sandbox/client.py Session)
    budget: object  # budget.Budget: every budgeted call goes through it
    limits: object  # the worker's limits for this task
    seed: int  # fixed per task: a grade is a pure function of the submission
    secrets: dict  # the hidden seeds (empty in the student bundle)
    run: TrainingRun
    state: dict = field(default_factory=dict)  # the task's own: handles, data, predictions
    task_probe: object = None  # the task's probe (Task.probe), run when its budget ran out


class Task:
    """A graded task; subclasses define the steps (see the module docstring)."""

    name = ""
    title = ""  # as the feedback names it ("two moons")
    metric = "accuracy"  # what the rubric's thresholds apply to
    lower_is_better = False
    measured_on = "test"  # "test" or "training": said in every message
    calls = ()  # the student modules it calls ("network", "train"): what it builds on
    announce = False  # a long task: the terminal shows a clock against its budget
    settings_key = None  # its entry of config.HYPERPARAMS when not its name (ring: "gan")

    # ------------------------------------------------------------ steps

    def settings(self, entry, where):
        """The student's HYPERPARAMS entry, validated and normalised (CheckFailed if wrong)."""
        raise NotImplementedError

    def train(self, job):
        """Build, train and predict with the student's code, every call through job.budget."""
        raise NotImplementedError

    def evaluate(self, job):
        """The metric, computed on the trusted side from what training left in job.state."""
        raise NotImplementedError

    def after(self, job):
        """Unbudgeted extras once the metric is known (report data, facts for the history)."""

    def artifact(self, job, table):
        """What the report draws, as JSON data."""
        return {}

    def check_history(self, run):
        """The training history's form and plausibility (CheckFailed if wrong)."""

    def settings_schema(self):
        """Its HYPERPARAMS entry's keys as rows (key, required, allowed, meaning): the bundle's
        README lists them (authoring/rules.py); empty when the task documents none."""
        return []

    def probe(self, job):
        """A tiny training run (seconds at most), to tell a call that hangs from a slow one.

        Raises WorkerFault with timeout=True when it does not finish in
        runs.PROBE_SECONDS; the default probes nothing.
        """

    # ------------------------------------------------------------ verdicts

    def show(self, value):
        """The metric as a student reads it."""
        return f"{100 * value:.2f}%" if self.metric == "accuracy" else f"{value:.4g}"

    def show_threshold(self, value):
        return f"{100 * value:g}%" if self.metric == "accuracy" else f"{value:g}"

    def credit(self, value, table):
        """Credit in [0, 1] of a metric under the task's thresholds (rubric data)."""
        slack = 1e-12  # 950 / 1000 must meet a threshold of 0.95

        def meets(threshold):
            threshold = float(threshold)
            if self.lower_is_better:
                return value - slack <= threshold
            return value + slack >= threshold

        if meets(table["threshold"]):
            return 1.0
        partial = table.get("partial_threshold")
        if partial is not None and meets(partial):
            return float(table.get("partial_credit", 0.5))
        return 0.0

    def rules(self, table):
        """The rubric's terms for a task, as a student reads them ("full credit from 95%, ...")."""
        sign = "<=" if self.lower_is_better else "from"
        text = f"full credit {sign} {self.show_threshold(table['threshold'])}"
        if table.get("partial_threshold") is not None:
            text += (f", {float(table.get('partial_credit', 0.5)):g} of the points {sign} "
                     f"{self.show_threshold(table['partial_threshold'])}")
        return text

    def standing(self, run, table):
        """Where a run stands: its metric against the threshold, its time against the budget."""
        sign = "<=" if self.lower_is_better else "from"
        threshold = float(table["threshold"])
        gap = abs(run.value - threshold)
        margin = (f"{100 * gap:.2f} percentage points to spare" if self.metric == "accuracy"
                  else f"{gap:.4g} to spare") if gap > 1e-12 else "right on it"
        return (f"{self.measured_on} {self.metric} {self.show(run.value)} (full credit {sign} "
                f"{self.show_threshold(threshold)}: {margin}); computed for {run.seconds:.1f} s "
                f"of its {float(table['budget_seconds']):g} s budget")

    def judge(self, run, table):
        """Raise CheckFailed (maybe with partial credit) unless the metric earns full credit."""
        if run.failure is not None:
            if isinstance(run.failure, CheckFailed):
                # No metric, but the terms still: what the run had to reach, in what time.
                raise CheckFailed(
                    f"{run.failure.message}\n{TERMS_PREFIX}{self.measured_on} {self.metric}, "
                    f"{self.rules(table)}, within {float(table['budget_seconds']):g} s of CPU "
                    f"time (this run computed for {run.seconds:.1f} s)", hint=run.failure.hint,
                    credit=run.failure.credit, kind=run.failure.kind) from run.failure
            raise run.failure
        credit = self.credit(run.value, table)
        if credit >= 1:
            return
        sign = "<=" if self.lower_is_better else "from"
        partial = table.get("partial_threshold")
        partial_text = (f"; {float(table.get('partial_credit', 0.5)):g} of the points "
                        f"{sign} {self.show_threshold(partial)}" if partial is not None else "")
        raise CheckFailed(
            f"{self.measured_on} {self.metric} {self.show(run.value)} on {self.title}: full "
            f"credit {sign} {self.show_threshold(table['threshold'])}{partial_text} "
            f"(computed for {run.seconds:.1f} s of its {float(table['budget_seconds']):g} s "
            "budget)", hint=table.get("hint"), credit=credit)

    def validate_table(self, table, where):
        """The rubric's [tasks.NAME] table makes sense for this metric (RubricError if not)."""
        for key in ("threshold", "partial_threshold"):
            if key in table:
                value = table[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise RubricError(f"{where} {key} = {value!r}: expected a number")
                if self.metric == "accuracy" and not 0 < value <= 1:
                    raise RubricError(f"{where} {key} = {value!r}: expected a fraction in (0, 1] "
                                      "(0.95 for 95%)")
                if value < 0:
                    raise RubricError(f"{where} {key} = {value!r}: expected a number >= 0")
        if "partial_threshold" in table:
            threshold, partial = table["threshold"], table["partial_threshold"]
            wrong_side = partial < threshold if self.lower_is_better else partial > threshold
            if wrong_side:
                raise RubricError(f"{where} partial_threshold = {partial!r} must be "
                                  f"{'above' if self.lower_is_better else 'below'} the threshold "
                                  f"{threshold!r} ({self.metric}: "
                                  f"{'lower' if self.lower_is_better else 'higher'} is better)")
