"""The rules students read in the bundle's README, written from the rubric and course.toml.

Thresholds, partial credit, time budgets, points, the settings HYPERPARAMS may
hold, how to hand in and the due dates are all data elsewhere (grader/rubric/*.toml
through grader/rubric.py, course.toml through grader/course.py, the tasks'
settings schema in grader/tasks/): this module only words them, so the README
cannot say something the grader does not do. authoring/bundle.py puts
`rules_markdown()` into the README; tests/test_bundle.py changes a rubric and
sees the README change.
"""

from grader.course import COURSE
from grader.rubric import load_rubric
from grader.tasks import TASKS

from .notebook_points import collected_checks, is_hidden_case


def assignment_points(rubric, assignment_id):
    """(public points, points with the hidden cases) of an assignment under `rubric`."""
    entry = rubric.assignments[assignment_id].entry
    names = [name for module in COURSE[assignment_id].checks
             for name in collected_checks().get(module, [])]
    public = sum(float(entry(n)["points"]) for n in names if not is_hidden_case(n))
    return round(public, 4), round(sum(float(entry(n)["points"]) for n in names), 4)


def task_points(rubric, task):
    """{check name: points} of a graded task's checks (its metric, its history)."""
    owner = COURSE.task_owner(task)
    names = [name for module in owner.checks for name in collected_checks().get(module, [])
             if name.endswith(f"[{task}]")]
    return {name: float(rubric.assignments[owner.id].entry(name)["points"]) for name in names}


def _task_row(rubric, name):
    task, owner = TASKS[name], COURSE.task_owner(name)
    table = rubric.assignments[owner.id].tasks[name]
    sign = "≤" if task.lower_is_better else "≥"
    full = f"{task.measured_on} {task.metric} {sign} {task.show_threshold(table['threshold'])}"
    if "partial_threshold" in table:
        partial = (f"{float(table.get('partial_credit', 0.5)):g} of the points from "
                   f"{sign} {task.show_threshold(table['partial_threshold'])}")
    else:
        partial = "none"
    points = task_points(rubric, name)
    metric = sum(p for check, p in points.items() if check.startswith("task_accuracy"))
    history = sum(p for check, p in points.items() if not check.startswith("task_accuracy"))
    shown = f"{metric:g}" + (f" + {history:g} (history)" if history else "")
    return (f'| {task.title} (`"{name}"`) | {owner.id} | {shown} | {full} | {partial} | '
            f"{float(table['budget_seconds']):g} s |")


def tasks_section(rubric):
    if not COURSE.tasks:
        return ""
    rows = ["| task | assignment | points | full credit | partial credit | time budget |",
            "|---|---|---|---|---|---|"]
    rows += [_task_row(rubric, name) for name in COURSE.tasks]
    limits = rubric.limits
    threads = f"{limits.threads} BLAS thread" + ("s" if limits.threads != 1 else "")
    on_test = [TASKS[n].title for n in COURSE.tasks if TASKS[n].measured_on == "test"]
    on_training = [TASKS[n].title for n in COURSE.tasks if TASKS[n].measured_on != "test"]
    where = []
    if on_test:
        where.append(f"on test data whose labels your code never receives ({', '.join(on_test)})")
    if on_training:
        where.append(f"on the training data, with the grader's own copy of its labels "
                     f"({', '.join(on_training)})")
    return "\n".join([
        "### The graded training tasks", "",
        "The grader builds your network with your `init_params`, trains it with your `train` "
        "and your `config.HYPERPARAMS` entry of the task, predicts with your `predict`, and "
        f"measures the metric itself: {'; or '.join(where)}.", "",
        *rows, "",
        "**A time budget is CPU seconds**: the time your code computes (all its threads "
        "together) while `init_params`, `train` and `predict` run (one budget for the three), "
        "measured by the grader from outside your process. Waiting does not count, but a "
        f"wall-clock ceiling of {limits.wall_factor:g} times the budget stops code that sleeps "
        f"or waits. Your code gets {threads}. Past the budget the worker is stopped and the "
        "task scores 0, with the reason. `make check` measures the same way on your machine; "
        "the course's machine may be slower, so keep a margin.", "",
        "A task's history check (the form of what `train` returns) pays only beside a network "
        "that earns some of the task's points. When you hand in, the course uses hidden data "
        "seeds and disguises the data (the labels permuted, the plane mirrored, MNIST's pixels "
        "permuted): a network trained or tuned elsewhere does not fit, yours trained by the "
        "grader does. `make check` uses public seeds, so its metric is close to, not exactly, "
        "the course's.",
    ])


def _allowed(values):
    return ", ".join(f'`"{v}"`' for v in values) if values else ""


def settings_section():
    groups = {}  # the same schema for several tasks: one table
    for name in COURSE.tasks:
        schema = tuple(TASKS[name].settings_schema())
        if schema:
            groups.setdefault(schema, []).append(name)
    if not groups:
        return ""
    parts = ["### Your settings: `config.HYPERPARAMS`", "",
             "`HYPERPARAMS` is a dict with one entry per graded task, each a dict. These keys "
             "and no others (a misspelt key is refused with its name, not ignored):"]
    for schema, names in groups.items():
        owners = ", ".join(f'`"{n}"` ({COURSE.task_owner(n).id})' for n in names)
        parts += ["", f"For {owners}:", "", "| key | | values | what it is |", "|---|---|---|---|"]
        for key, required, allowed, meaning in schema:
            parts.append(f"| `\"{key}\"` | {'required' if required else 'optional'} | "
                         f"{_allowed(allowed)} | {meaning} |")
    return "\n".join(parts)


def _modules(assignment):
    return [f"`{m}.py`" for m in assignment.touches]


WHEN_SHOWN = {"visible": "at once", "after_due_date": "after the due date",
              "after_published": "once your instructor publishes the grades",
              "hidden": "never (only their points count)"}


def hidden_case_visibility(rubric):
    """When Gradescope shows the hidden cases, in words, from the rubric's visibilities."""
    seen = []
    for assignment in COURSE:
        entry = rubric.assignments[assignment.id].entry
        for module in assignment.checks:
            for name in collected_checks().get(module, []):
                visibility = entry(name)["visibility"]
                if is_hidden_case(name) and visibility not in seen:
                    seen.append(visibility)
    return " or ".join(WHEN_SHOWN[v] for v in seen) if seen else None


def hand_in_section(rubric):
    rows = ["| assignment | the files to upload (Gradescope) | its notebook (nbgrader) |",
            "|---|---|---|"]
    for assignment in COURSE:
        rows.append(f"| {assignment.id} {assignment.title} | {', '.join(_modules(assignment))} "
                    f"| `{assignment.notebook}.ipynb` |")
    if rubric.gradescope["provide"] == "none":
        earlier = ("Upload the modules of the earlier assignments it builds on too (a5 calls "
                   "your a2 and a3 modules): the grader names a missing one instead of scoring "
                   "0 silently.")
        builds = [a for a in COURSE if a.builds_on]
        if builds:
            example = builds[-1]
            needed = [m for b in COURSE.closure(example.builds_on) for m in _modules(COURSE[b])]
            earlier = (f"Upload the modules of the earlier assignments it builds on too (for "
                       f"{example.id}: {', '.join(needed)}): the grader names a missing one "
                       "instead of scoring 0 silently.")
    else:
        earlier = ("The modules of the earlier assignments it builds on are filled in with the "
                   "course's own when your upload lacks them, so a mistake in an earlier "
                   "assignment does not cost points again (if you upload them, yours are used).")
    when = hidden_case_visibility(rubric)
    shown = "Gradescope shows every check as the course grades it."
    if when:
        shown += (f" The hidden cases are shown {when}, without their inputs; while any is "
                  "hidden, Gradescope hides the total too.")
    parts = [
        "### Handing in", "",
        "Your instructor uses Gradescope or nbgrader (or both); each assignment is handed in "
        "on its own.", "",
        *rows, "",
        "**Gradescope**: one Gradescope assignment per course assignment. Upload its files "
        "from `submission/` and your `answers.md` (the written answers), a zip of your "
        "`submission/` folder (it holds both), or its notebook; anything else is ignored "
        f"(and said so). {earlier} {shown}", "",
        "**nbgrader** (JupyterHub): in the Assignments tab, *Fetch* the assignment, write "
        "your code in its notebook's `YOUR CODE HERE` cells, *Validate*, then *Submit*; from a "
        "terminal, `nbgrader fetch_assignment a2 --course COURSE` and `nbgrader submit a2 "
        "--course COURSE` (your instructor gives the course's name). Do not delete or edit "
        "the test cells: a deleted one is put back and an edited one restored.",
    ]
    dates = [f"{a}: {when:%Y-%m-%d %H:%M} (UTC{when:%z})" for a, when in rubric.due.items()]
    if dates:
        parts += ["", "Due dates: " + "; ".join(dates) + "."]
    late = rubric.late
    if late["penalty_per_day"] > 0:
        limit = (f", and after {late['max_days']} days late a submission scores 0"
                 if late["max_days"] else "")
        parts += ["", f"Late: each day or part of a day after the due date costs "
                      f"{100 * late['penalty_per_day']:g}% of the score{limit}."]
    return "\n".join(parts)


def totals_section(rubric):
    rows = ["| assignment | `make check` (public points) | the course's grade (with the hidden "
            "cases) | written questions (by hand) |", "|---|---|---|---|"]
    public_sum = full_sum = written_sum = 0.0
    for assignment in COURSE:
        public, full = assignment_points(rubric, assignment.id)
        questions = rubric.assignments[assignment.id].questions
        written = round(sum(float(p) for p in questions.values()), 4)
        public_sum, full_sum = public_sum + public, full_sum + full
        written_sum += written
        rows.append(f"| {assignment.id} {assignment.title} | {public:g} | {full:g} | "
                    f"{len(questions)} questions, {written:g} |")
    rows.append(f"| all | {round(public_sum, 4):g} | {round(full_sum, 4):g} | "
                f"{round(written_sum, 4):g} |")
    return "\n".join([
        "### What each total means", "",
        "The same rubric gives all three totals:", "",
        "- **`make check`** runs the public checks: for each assignment the terminal says "
        "`x / y public points (of z with the hidden cases)`, and the total of every "
        "assignment checked at the end.",
        "- **The course's grade** (Gradescope, or the grader your instructor runs) is out of "
        "z: the same checks again on hidden inputs (other arrays, other data seeds), scored "
        "the same. A public case pays only when its hidden counterpart passes too, so code "
        "that special-cases the public inputs earns nothing from them; a function that "
        "follows its docstring passes both.",
        "- **A notebook** (nbgrader) is out of the same z plus its written questions: each "
        "test cell is worth the points of the checks it carries (the visible cells the public "
        "cases, the hidden cells the hidden ones), and each answer cell the question's "
        "points. A test cell pays all its points or none, where the grader pays check by "
        "check, so a partly right function can score differently in the two.",
        "- **The written questions** (`submission/answers.md`, or the notebook's answer "
        "cells) are graded by hand: `make check` and Gradescope only say which answers are "
        "missing, and their points are not in x, y or z.", "",
        *rows,
    ])


def imports_section(rubric):
    """What student code may import, and the limits every call runs under."""
    policies = {}
    for assignment in COURSE:
        allowed = rubric.assignments[assignment.id].imports
        allowed = tuple(allowed if allowed is not None else rubric.limits.imports or ())
        policies.setdefault(allowed, []).append(assignment.id)
    lines = []
    for allowed, ids in policies.items():
        names = ", ".join(f"`{name}`" for name in allowed)
        lines.append(f"- {', '.join(ids)}: the standard library, `course_data`"
                     + (f" and {names}" if names else "") + ";")
    limits = rubric.limits
    return "\n".join([
        "### What your code may import, and its limits", "",
        "From scratch means from scratch. Your modules may import only:", "",
        *lines, "",
        "A module that imports anything else (SciPy, scikit-learn, PyTorch, ...) costs the "
        "checks that load it, with the rule named; `.venv` has more installed for the checker "
        "itself, which does not make it allowed.", "",
        f"Every call of your code runs under limits: {limits.call_seconds:g} CPU seconds a "
        f"call unless a task's budget says otherwise, {limits.memory_bytes // 2**20:g} MB of "
        f"memory, and {rubric.budget_seconds:g} CPU seconds for a whole submission. A check "
        "of a property (float32 kept, inputs unchanged) pays only when the values are right "
        "too, so one wrong formula can cost several lines.",
    ])


def rules_markdown(rubric=None):
    """The README's "The rules" section, from `rubric` (default: load_rubric())."""
    rubric = rubric or load_rubric()
    sections = [totals_section(rubric), imports_section(rubric), tasks_section(rubric),
                settings_section(), hand_in_section(rubric)]
    return "## The rules\n\n" + "\n\n".join(s for s in sections if s) + "\n"
