"""feedback.html: one submission's results as a page a student reads.

Built from results.json alone (the grader's verdicts and the data the checks
kept for plots), so a page can be made again later from the same file. The
page shows the score by assignment and by check, each check's status, points,
message and hint, then figures of the training runs, the MNIST digits and the
report's experiments. A figure that cannot be made says why in its place.

Visibility: the page is for the student. A check whose details are not for
students (rubric `details = false`, or a visibility other than "visible")
shows its name, status and points only: no message, no hint, no inputs and no
expected values, whatever results.json holds.
"""

import datetime
import json
from pathlib import Path

from ..answers import summary_line as answers_line
from ..course import COURSE
from ..plugin import HIDDEN_DETAILS, IMPORT_FAILED, NOT_IMPLEMENTED
from ..tasks import TASKS as TASK_REGISTRY
from . import cnn_plots, depth, gan_plots, plots, sequence_cards, torch_compare
from .experiments import ASSIGNMENT as EXPERIMENTS_ASSIGNMENT
from .page import (
    COURSE_NAME,
    document,
    figure,
    no_figure,
    percent,
    points,
    score_bar,
    status_chip,
    text,
)

# The graded tasks in course order, with their titles (course.toml, grader/tasks/).
TASKS = {name: TASK_REGISTRY[name].title[:1].upper() + TASK_REGISTRY[name].title[1:]
         for name in COURSE.tasks}
TRAINING_ASSIGNMENTS = tuple(a.id for a in COURSE if a.tasks)
PRIVATE_NOTE = "Hidden case: its score counts, its inputs and expected values are not shown."


def write_feedback(results_path, html_path):
    """Write the feedback page of one graded submission; returns its path."""
    results = json.loads(Path(results_path).read_text())
    html_path = Path(html_path)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(render_feedback(results), encoding="utf-8")
    return html_path


def render_feedback(results):
    """The page's HTML from the parsed results.json."""
    extra = results.get("extra_data") or {}
    tests = [Check(t) for t in results.get("tests") or []]
    name = extra.get("submission") or "submission"
    body = [_header(results, extra, tests, name), "<main>"]
    if extra.get("failure"):
        body.append(f'<div class="banner" role="alert"><strong>Grading did not finish.</strong> '
                    f"{text(extra['failure'])}</div>")
    body += [_summary(extra, tests), _written_answers(extra), _checks(extra, tests),
             _training(extra.get("artifacts") or {}, tests),
             _experiments((extra.get("artifacts") or {}).get("experiments"), tests),
             torch_compare.section(extra.get("artifacts") or {}, tests),
             _about(results), "</main>",
             f"<footer>Made by the course grader on {datetime.date.today():%d %B %Y}. "
             "This page is a single file: it needs no network and can be saved or printed."
             "</footer>"]
    return document(f"Feedback: {name}", "\n".join(body))


class Check:
    """One test of results.json, with what the student may see of it."""

    def __init__(self, test):
        extra = test.get("extra_data") or {}
        self.assignment = str(extra.get("assignment") or test.get("name", "").split(" ")[0])
        self.name = str(extra.get("check") or test.get("name", "check"))
        self.score = float(test.get("score") or 0.0)
        self.max_score = float(test.get("max_score") or 0.0)
        self.outcome = extra.get("outcome") or ("passed" if test.get("status") == "passed"
                                                else "failed")
        output = str(test.get("output") or "")
        hint = extra.get("hint")
        self.shown = (extra.get("details", True) is not False
                      and test.get("visibility", "visible") == "visible"
                      and not output.startswith(HIDDEN_DETAILS))
        # The plugin appends the hint to the output; the page shows it apart.
        if hint and output.endswith(f"\nHint: {hint}"):
            output = output[: -len(f"\nHint: {hint}")]
        self.message = output if self.shown else ""
        self.hint = str(hint) if hint and self.shown else ""
        # An unwritten function's checks, shown as one row (as the terminal does): the
        # sentence is the grader's own and says nothing of any input, hidden or not.
        first = output.splitlines()[0] if output else ""
        self.unwritten = (first[:-len(" is " + NOT_IMPLEMENTED)]
                          if self.outcome != "passed" and first.endswith(" is " + NOT_IMPLEMENTED)
                          else None)
        self.import_failure = (output if self.outcome != "passed" and self.shown
                               and first.startswith(IMPORT_FAILED) else None)

    @property
    def lost_points(self):
        return self.outcome != "passed"


def _header(results, extra, tests, name):
    score = float(results.get("score") or 0.0)
    maximum = float(extra.get("max_score") or sum(t.max_score for t in tests))
    seconds = results.get("execution_time")
    unseen = sum(float(t.get("hidden_max_score") or 0)
                 for t in (extra.get("assignments") or {}).values())
    of = "public " if unseen else ""
    facts = [f"{len(tests)} checks"]
    if unseen:
        facts.append(f"the course grades out of {points(maximum + unseen)} with the hidden cases")
    if isinstance(seconds, (int, float)):
        facts.append(f"graded in {seconds:.0f} s")
    if extra.get("complete") is False:
        facts.append("incomplete")
    return (f'<header class="top"><div class="inner"><div>'
            f'<p class="eyebrow">{text(COURSE_NAME)}</p>'
            f"<h1>Feedback on <code>{text(name)}</code></h1>"
            f'<p class="meta">{text(" · ".join(facts))}</p></div>'
            f'<div class="total" aria-label="total score"><span class="big">{points(score)}</span>'
            f' <span class="of">/ {points(maximum)} {of}points</span>'
            f'<span class="pct">{percent(score, maximum):.0f}%</span></div></div></header>')


def _by_assignment(extra, tests):
    groups = {a: [] for a in extra.get("assignments") or {}}
    for check in tests:
        groups.setdefault(check.assignment, []).append(check)
    return groups


def _counts(checks):
    tally = {}
    for check in checks:
        tally[check.outcome] = tally.get(check.outcome, 0) + 1
    order = ["passed", "partial", "failed", "not run", "skipped"]
    return " · ".join(f"{tally[o]} {o}" for o in order if tally.get(o))


def _summary(extra, tests):
    totals = extra.get("assignments") or {}
    rows = []
    for assignment, checks in _by_assignment(extra, tests).items():
        total = totals.get(assignment) or {}
        score = float(total.get("score", sum(c.score for c in checks)))
        maximum = float(total.get("max_score", sum(c.max_score for c in checks)))
        unseen = float(total.get("hidden_max_score") or 0)
        of = (f" public<br><small>of {points(maximum + unseen)} with the hidden cases</small>"
              if unseen else "")
        rows.append(f'<tr><td><a href="#{text(assignment)}">{text(assignment.upper())}</a></td>'
                    f"<td>{text(total.get('title', ''))}</td>"
                    f'<td class="bar-cell">{score_bar(score, maximum)}</td>'
                    f'<td class="num"><strong>{points(score)}</strong> / {points(maximum)}{of}</td>'
                    f'<td class="num">{percent(score, maximum):.0f}%</td></tr>')
    if not rows:
        return '<section id="summary"><h2>Score by assignment</h2><p>No checks ran.</p></section>'
    return ('<section id="summary"><h2>Score by assignment</h2>'
            '<table class="assignments"><thead><tr><th>#</th><th>assignment</th>'
            '<th class="bar-cell">progress</th><th class="num">points</th>'
            '<th class="num">%</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></section>")


def _written_answers(extra):
    """One line per assignment: which written answers answers.md holds (graded by hand)."""
    report = extra.get("written_answers")
    lines = [answers_line(report, a) for a in (report or {}).get("assignments", {})]
    if not any(lines):
        return ""
    items = "".join(f"<li>{text(line)}</li>" for line in lines if line)
    return ('<section id="written-answers"><h2>Written answers</h2>'
            '<p class="lead">Your answers in answers.md are read by your instructor, not '
            f"scored by the grader.</p><ul>{items}</ul></section>")


def _checks(extra, tests):
    totals = extra.get("assignments") or {}
    parts = ['<section id="checks"><h2>Checks</h2>',
             '<p class="lead">Each assignment opens to its checks, those that lost points '
             "first: what went wrong and, when the grader recognises the mistake, a hint.</p>"]
    for assignment, checks in _by_assignment(extra, tests).items():
        total = totals.get(assignment) or {}
        score = sum(c.score for c in checks)
        maximum = sum(c.max_score for c in checks)
        is_open = " open" if score < maximum or any(c.lost_points for c in checks) else ""
        parts.append(f'<details class="assignment" id="{text(assignment)}"{is_open}>'
                     f'<summary><span class="title">{text(assignment.upper())} · '
                     f"{text(total.get('title', ''))}</span>"
                     f'<span class="counts">{text(_counts(checks))}</span>'
                     f'<span class="score">{points(score)} / {points(maximum)}</span></summary>'
                     f"{_check_list(checks)}</details>")
    parts.append("</section>")
    return "\n".join(parts)


def _check_list(checks):
    """The checks that lost points, then the passed ones (folded when there are problems).

    The checks of an unwritten function are one row with the points at stake, and so are
    the checks one import failure stopped: an unstarted assignment is a few rows, not one
    red row per check.
    """
    problems = [c for c in checks if c.lost_points]
    passed = [c for c in checks if not c.lost_points]
    passed_list = f'<ul class="checks">{"".join(_check_item(c) for c in passed)}</ul>'
    if not problems:
        return passed_list
    unwritten, imports, rows = {}, {}, []
    for check in problems:
        if check.unwritten:
            if check.unwritten not in unwritten:
                rows.append(("unwritten", check.unwritten))
            unwritten.setdefault(check.unwritten, []).append(check)
        elif check.import_failure:
            if check.import_failure not in imports:
                rows.append(("import", check.import_failure))
            imports.setdefault(check.import_failure, []).append(check)
        else:
            rows.append(("check", check))
    items = []
    for kind, key in rows:
        if kind == "unwritten":
            items.append(_group_item(unwritten[key], key, f"{key} is not implemented yet",
                                     "unwritten"))
        elif kind == "import":
            items.append(_group_item(imports[key], imports[key][0].name, key, "import"))
        else:
            items.append(_check_item(key))
    html = f'<ul class="checks">{"".join(items)}</ul>'
    if passed:
        html += (f'<details class="passed-list"><summary>{status_chip("passed")} '
                 f"the other {len(passed)} checks</summary>{passed_list}</details>")
    return html


def _group_item(checks, name, message, kind):
    """One row for the checks that failed for one reason (an unwritten function, an import)."""
    score = sum(c.score for c in checks)
    maximum = sum(c.max_score for c in checks)
    count = f"{len(checks)} check{'s' if len(checks) != 1 else ''}"
    if kind == "unwritten":
        reason = f"{message}: {count}, {points(maximum - score)} points at stake."
        detail = ""
    else:
        reason = f"{count} could not run, {points(maximum - score)} points:"
        detail = f"<pre>{text(message)}</pre>"
    names = ", ".join(f'<code class="grouped">{text(c.name)}</code>' for c in checks)
    return (f'<li class="check failed group" data-kind="{kind}" data-checks="{len(checks)}">'
            f'{status_chip("failed")}<div class="what"><code class="name">{text(name)}</code>'
            f'<p class="group-reason">{text(reason)}</p>{detail}'
            f'<details class="group-checks"><summary>which checks</summary>'
            f"<p>{names}</p></details></div>"
            f'<span class="pts">{points(score)} / {points(maximum)}</span></li>')


def _check_item(check):
    details = []
    if check.message and check.message != "ok":
        details.append(f"<pre>{text(check.message)}</pre>")
    if check.hint:
        details.append(f'<p class="hint"><strong>Hint:</strong> {text(check.hint)}</p>')
    if not check.shown and check.outcome != "passed":
        details.append(f'<p class="private">{PRIVATE_NOTE}</p>')
    worth = (f"{points(check.score)} / {points(check.max_score)}" if check.max_score
             else "not scored")
    css = {"not run": "notrun"}.get(check.outcome, check.outcome)
    return (f'<li class="check {text(css)}">{status_chip(check.outcome)}'
            f'<div class="what"><code class="name">{text(check.name)}</code>{"".join(details)}'
            f'</div><span class="pts">{worth}</span></li>')


# ------------------------------------------------------------------ training


def _training(artifacts, tests):
    graded = {c.assignment for c in tests} & set(TRAINING_ASSIGNMENTS)
    tasks = [t for t in TASKS if t in artifacts or _related(tests, t)]
    tasks += [t for t in artifacts if t not in TASKS and t not in ("experiments",
                                                                    torch_compare.KEY)]
    parts = ['<section id="training"><h2>Training runs</h2>']
    if not tasks:
        reason = ("no training data was kept" if graded
                  else "no assignment with graded tasks was graded in this run")
        parts.append(f"<p>No training runs to show: {reason}.</p></section>")
        return "\n".join(parts)
    parts.append('<p class="lead">Your network, trained by the grader with your '
                 "<code>HYPERPARAMS</code>: the loss and accuracy per epoch, what it learned, "
                 "and how large each layer's gradient stayed.</p><div class=\"cards\">")
    parts += [_task_card(task, artifacts.get(task), tests) for task in tasks]
    parts.append("</div></section>")
    return "\n".join(parts)


def _related(tests, task):
    """The checks of a graded task: those of its assignment parametrised by it (task_*[moons])."""
    owner = COURSE.task_owner(task).id if task in COURSE.tasks else None
    return [c for c in tests if c.assignment == owner and c.name.endswith(f"[{task}]")]


def _why_missing(task, artifact, tests):
    if isinstance(artifact, dict) and artifact.get("error"):
        return f"The run failed: {artifact['error']}"
    for check in _related(tests, task):
        if check.outcome in ("failed", "not run", "skipped") and check.shown and check.message:
            first = check.message.strip().splitlines()[0] if check.message.strip() else ""
            return f"Check {check.name} did not pass: {first}"
        if check.outcome in ("failed", "not run", "skipped"):
            return f"Check {check.name} did not pass ({check.outcome})."
    return "The grader kept no data for this figure."


def _draw(title, alt, draw, caption=""):
    """A figure, or its place saying why it could not be drawn."""
    try:
        return figure(draw(), alt, caption)
    except plots.PlotError as error:
        return no_figure(title, f"It cannot be drawn: {error}.")
    except Exception as error:  # noqa: BLE001 - one bad figure must not lose the whole page
        return no_figure(title, f"The grader could not draw it ({type(error).__name__}).")


def _task_card(task, artifact, tests):
    """One training task: facts, then loss, accuracy, boundary or digits, gradient norms.

    The artifact is grader/tasks/' (runs.py and mlp.py): {"history", "accuracy",
    "value", "metric", "threshold", "partial_threshold", "partial_credit",
    "budget_seconds", "seconds", "measured_on", "points", "grid" (or "grid_error"),
    "samples" (MNIST)}, or for a run that failed {"error", "seconds", the rubric's
    thresholds and budget, "history" (when train returned one)}.
    """
    label = TASKS.get(task, task)
    artifact = artifact if isinstance(artifact, dict) else {}
    head = [f"<h3>{text(label)}</h3>"]
    outcome, standing = _standing(artifact)
    if not artifact.get("history"):
        chip = status_chip("failed" if _related(tests, task) else "not run")
        return (f'<article class="task" id="task-{text(task)}"><div class="task-head">'
                f"{head[0]}{chip}</div>{standing}"
                f"{no_figure(f'{label} training', _why_missing(task, artifact, tests))}"
                "</article>")
    threshold = artifact.get("threshold")
    if not isinstance(threshold, (int, float)):
        threshold = None
    accuracy = artifact.get("accuracy")
    if outcome:
        head.append(status_chip(outcome))
    failure = (f'<p class="banner">The run did not finish: {text(artifact["error"])}</p>'
               if artifact.get("error") else "")
    history = artifact["history"]
    if task == "value_moons":  # assignment 10: steps, not epochs (value_plots.py)
        return _value_card(task, label, artifact, head, standing, failure)
    if task == "cnn":  # assignment 8: filters, feature maps, errors beside a perceptron's
        return _cnn_card(task, label, artifact, head, standing, failure)
    if task in ("sine", "memory"):  # assignment 9: sequences (sequence_cards.py)
        return sequence_cards.card(task, label, artifact, head, standing, failure, _draw)
    if task == "ring":  # assignment 11: G's samples over training, both losses (gan_plots.py)
        return _ring_card(task, label, artifact, head, standing, failure)
    loss = _draw(f"{label} loss", f"{label}: training loss per epoch",
                 lambda: plots.loss_curve(history))
    accuracy_figure = _draw(f"{label} accuracy", f"{label}: accuracy per epoch",
                            lambda: plots.accuracy_curve(
                                history, threshold, artifact.get("partial_threshold"),
                                measured=_measured(artifact)))
    if task == "deep":  # no accuracy per epoch in fit's history: the gradient by depth instead
        accuracy_figure = _draw(f"{label} gradient by depth", f"{label}: gradient norm of each "
                                "Linear's weights against its depth",
                                lambda: depth.gradient_by_depth(
                                    history.get("grad_norm"), artifact.get("depth_experiment")),
                                "Dashed: the same depth with sigmoid, one epoch on 2,000 "
                                "images, without and with batch normalization. A gradient "
                                "that fades towards layer 1 is a vanishing gradient.")
    if task in ("mnist", "deep"):
        samples, caption = _digits(artifact.get("samples"), accuracy)
        picture = _draw("MNIST digits", "MNIST test digits with predicted and true labels",
                        lambda: plots.digit_grid(samples), caption)
    elif artifact.get("grid_error") or artifact.get("error") and not artifact.get("grid"):
        picture = no_figure(f"{label} decision boundary", "Your predict failed on the grid: "
                            f"{artifact.get('grid_error') or artifact.get('error')}")
    else:
        picture = _draw(f"{label} decision boundary",
                        f"{label}: the class your network predicts over the plane, with the points",
                        lambda: plots.decision_boundary(
                            artifact.get("points"), artifact.get("grid"),
                            f"{label}: what your network predicts"),
                        "Background: the class predicted at each place; markers: the data.")
    norms = _draw(f"{label} gradient norms", f"{label}: gradient norm of each layer per epoch",
                  lambda: plots.gradient_norms(history.get("grad_norm")),
                  "Norms that fall to ~0 or explode show vanishing or exploding gradients.")
    return (f'<article class="task" id="task-{text(task)}"><div class="task-head">{"".join(head)}'
            f"</div>{standing}{failure}"
            f'<div class="figrow">{loss}{accuracy_figure}</div>'
            f'<div class="figrow">{picture}{norms}</div></article>')


def _cnn_card(task, label, artifact, head, standing, failure):
    """Assignment 8's card: loss, first-layer filters and maps, errors beside a perceptron's."""
    history = artifact["history"]
    loss = _draw(f"{label} loss", f"{label}: training loss per epoch",
                 lambda: plots.loss_curve(history))
    filters = _draw(f"{label} filters", f"{label}: the first layer's filters and their feature "
                    "maps on test digits", lambda: cnn_plots.filters_and_maps(
                        artifact.get("filters")),
                    "Top row: your trained first-layer filters (red positive, blue negative); "
                    "below, test digits as your network saw them (turned by the grader) and "
                    "each filter's feature map of it.")
    comparison = artifact.get("comparison")
    errors = _draw(f"{label} errors", f"{label}: test error per class beside a perceptron's",
                   lambda: cnn_plots.errors_by_class(comparison),
                   cnn_plots.comparison_caption(comparison))
    samples = comparison.get("samples") if isinstance(comparison, dict) else None
    digits = _draw("digits only the perceptron missed", "test digits your CNN got right and "
                   "the perceptron got wrong, with the perceptron's answer",
                   lambda: plots.digit_grid(samples),
                   "Right for your CNN, wrong for the perceptron (its answer shown).")
    return (f'<article class="task" id="task-{text(task)}"><div class="task-head">{"".join(head)}'
            f"</div>{standing}{failure}"
            f'<div class="figrow">{loss}{filters}</div>'
            f'<div class="figrow">{errors}{digits}</div></article>')


def _value_card(task, label, artifact, head, standing, failure):
    """Assignment 10's card: the loss per step, the margins, the boundary of the Value MLP."""
    from . import value_plots  # noqa: PLC0415

    loss = _draw(f"{label} loss", f"{label}: the loss at each gradient-descent step",
                 lambda: value_plots.step_loss(artifact["history"].get("loss")))
    margins = _draw(f"{label} margins", f"{label}: y times score on each training point",
                    lambda: value_plots.margins(artifact.get("margins")),
                    "Right side of the boundary above 0; no loss above 1.")
    picture = _draw(f"{label} decision boundary",
                    f"{label}: the class your MLP of Values predicts over the plane",
                    lambda: plots.decision_boundary(artifact.get("points"), artifact.get("grid"),
                                                    f"{label}: what your MLP predicts"),
                    "Background: the sign of your model's score; markers: the data.")
    return (f'<article class="task" id="task-{text(task)}"><div class="task-head">{"".join(head)}'
            f"</div>{standing}{failure}"
            f'<div class="figrow">{loss}{margins}</div>'
            f'<div class="figrow">{picture}</div></article>')


def _ring_card(task, label, artifact, head, standing, failure):
    """Assignment 11's card: G's samples at several points of training, both losses."""
    return (f'<article class="task" id="task-{text(task)}"><div class="task-head">{"".join(head)}'
            f"</div>{standing}{failure}{gan_plots.ring_card(label, artifact, _draw)}</article>")


def _measured(artifact):
    """(label, accuracy) the grader measured on test data, for the accuracy figure, or None.

    The training accuracy is already the curve's last point; a test accuracy is what the
    curve cannot show: how far the network generalises from what it was trained on.
    """
    value = _number(artifact.get("accuracy"))
    if value is None or artifact.get("measured_on") != "test":
        return None
    return "test (measured by the grader)", value


def _number(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _standing(artifact):
    """(outcome, HTML): a run's metric beside its thresholds and its time beside its budget.

    Passing or not, the student sees the margin: 96.2% against a threshold of 95% is
    1.2 points above it, and 1.5 s of a 20 s budget leaves room for more epochs.
    """
    metric = str(artifact.get("metric") or "accuracy")
    lower = artifact.get("lower_is_better") is True
    value = _number(artifact.get("value", artifact.get("accuracy")))
    threshold, partial = _number(artifact.get("threshold")), _number(
        artifact.get("partial_threshold"))
    measured_on = {"training": "training ", "test": "test "}.get(artifact.get("measured_on"), "")

    def shown(number):
        return f"{100 * number:.2f}%" if metric == "accuracy" else f"{number:.4g}"

    def bound(number):
        return f"{100 * number:g}%" if metric == "accuracy" else f"{number:g}"

    def meets(limit):
        return value <= limit + 1e-12 if lower else value >= limit - 1e-12

    sign = "≤" if lower else "from"
    lines, outcome = [], None
    if value is not None and threshold is not None:
        gap = (threshold - value) if lower else (value - threshold)
        unit = " percentage points" if metric == "accuracy" else ""
        size = f"{100 * abs(gap):.2f}" if metric == "accuracy" else f"{abs(gap):.4g}"
        if meets(threshold):
            outcome = "passed"
            margin = (f'<span class="margin-above">{size}{unit} to spare</span>'
                      if abs(gap) > 1e-12 else '<span class="margin-above">right on it</span>')
        else:
            margin = f'<span class="margin-below">{size}{unit} short</span>'
            outcome = "partial" if partial is not None and meets(partial) else "failed"
        rules = f"full credit {sign} {bound(threshold)}"
        if partial is not None:
            credit = _number(artifact.get("partial_credit"))
            share = f"{credit:g} of the points" if credit is not None else "partial credit"
            rules += f", {share} {sign} {bound(partial)}"
        lines.append(f'<span class="metric" data-value="{value:.6g}" '
                     f'data-threshold="{threshold:g}">{text(measured_on + metric)} '
                     f"<strong>{text(shown(value))}</strong>: {text(rules)}; {margin}</span>")
    elif value is not None:
        lines.append(f'<span class="metric">{text(measured_on + metric)} '
                     f"<strong>{text(shown(value))}</strong></span>")
    elif artifact.get("error"):
        outcome = "failed"
        if threshold is not None:
            lines.append(f'<span class="metric">{text(measured_on + metric)}: none, the run did '
                         f"not finish (full credit {text(sign)} {text(bound(threshold))})</span>")
    seconds, budget = _number(artifact.get("seconds")), _number(artifact.get("budget_seconds"))
    if seconds is not None and budget:
        lines.append(f'<span class="time" data-seconds="{seconds:g}" data-budget="{budget:g}">'
                     f"computed for <strong>{seconds:.1f} s</strong> of its {budget:g} s budget "
                     f"(CPU time, {100 * seconds / budget:.0f}%)</span>")
    elif seconds is not None:
        lines.append(f'<span class="time">computed for {seconds:.1f} s</span>')
    html = f'<p class="standing">{"".join(lines)}</p>' if lines else ""
    return outcome, html


def _digits(samples, accuracy, shown=24, wrong_at_most=12):
    """Digits to show: some wrong ones (the interesting ones) and right ones, and a caption.

    Shown alone, the wrong digits of a 98% network would look like a failing one.
    """
    if not isinstance(samples, list):
        return samples, ""
    is_wrong = [isinstance(s, dict) and s.get("predicted") != s.get("true") for s in samples]
    wrong = [s for s, w in zip(samples, is_wrong) if w][:wrong_at_most]
    right = [s for s, w in zip(samples, is_wrong) if not w][:shown - len(wrong)]
    score = (f" Your network classified {100 * accuracy:.1f}% of the 10,000 test digits right."
             if isinstance(accuracy, (int, float)) else "")
    caption = ("Test digits with your network's prediction; wrong ones are framed and marked ✗ "
               f"with the true label.{score}")
    return wrong + right, caption


# ------------------------------------------------------------------ experiments


EXPERIMENTS = [
    ("init", "Initialisation", "init",
     "ReLU network with weights drawn small (std 0.01), Xavier or He. Tiny weights shrink the "
     "signal and the gradients layer by layer, so learning stalls; Xavier and He keep them at "
     "a useful scale."),
    ("activation", "Activation", "activation",
     "Xavier weights with ReLU, tanh or sigmoid hidden layers. Sigmoid's gradient is at most "
     "0.25, so it learns slowest; ReLU's does not shrink for positive inputs."),
]


def _experiments(experiments, tests):
    parts = ['<section id="experiments"><h2>Experiments with your code</h2>']
    if not isinstance(experiments, dict):
        graded = any(c.assignment == EXPERIMENTS_ASSIGNMENT for c in tests)
        why = ("they did not run" if graded else
               f"they run with --report when {EXPERIMENTS_ASSIGNMENT} is graded")
        parts.append(f"<p>No experiments in this report: {why}.</p></section>")
        return "\n".join(parts)
    if experiments.get("error"):
        parts.append(no_figure("Experiments", f"They could not run: {experiments['error']}"))
        parts.append("</section>")
        return "\n".join(parts)
    parts.append(f'<p class="lead">Your <code>init_params</code> and <code>train</code>, run '
                 f"by the grader on {text(experiments.get('description', 'a small task'))}. "
                 "Not graded: they show what a choice does.</p>")
    parts.append('<div class="figrow">')
    for key, title, legend, lesson in EXPERIMENTS:
        runs = experiments.get(key)
        drawn = _draw(f"{title} experiment", f"{title} experiment: training loss per epoch",
                      lambda runs=runs, title=title, legend=legend:
                      plots.experiment_curves(runs, title, legend),
                      lesson)
        errors = [f"<li><strong>{text(setting)}</strong>: {text(run.get('error'))}</li>"
                  for setting, run in (runs or {}).items()
                  if isinstance(run, dict) and run.get("error")]
        failures = f'<ul class="errors">{"".join(errors)}</ul>' if errors else ""
        parts.append(f'<div class="experiment">{drawn}{failures}</div>')
    parts.append("</div></section>")
    return "\n".join(parts)


def _about(results):
    output = str(results.get("output") or "").strip()
    if not output:
        return ""
    return ('<section id="about"><details class="raw"><summary>About this run '
            "(sandbox, and what your code printed)</summary>"
            f"<pre>{text(output)}</pre></details></section>")
