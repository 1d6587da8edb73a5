"""The points of the notebooks' test cells come from the rubric: one rubric, one score.

Every check of the isolated grader (grader/checks/, as pytest collects them)
is carried by exactly one test cell of its assignment's notebook, and a cell
is worth the rubric points of the checks it carries: the visible cell those of
the public cases and of the checks without cases, the hidden cell those of the
hidden cases. So a notebook is out of the same total as the grader, and a
function that is wrong in both loses the same points in both.

Which checks a cell carries: its Check's `carries` patterns (globs over the
rubric's check names, authoring/notebook_checks/aN.py), or by default the
checks named after its function: `sigmoid`, `sigmoid[...]`, `sigmoid_...`, and
checks with the function as a parameter (`values[sigmoid-public]`,
`float32[sigmoid]`, `signature[network.init_params]`); a named check
(`neuron-single`) carries `neuron_single...` and `single[neuron]`, and one
output of a function (`linear_backward-dW`) `linear_backward[dW-...]`; a task's cell
(`HYPERPARAMS-moons`) carries `task_*[moons]`. When several cells match a
check, the most specific pattern wins (one that starts with the check's own name
before one that names a parameter, then the one with more literal
characters); a tie is an error, and so is a check no cell carries (tests/test_notebook_points.py).

The written questions (questions.toml) carry no check: each is a manually graded
answer cell worth its points in the rubric's [questions], so a notebook is out of
the grader's total plus its questions' (`notebook_total`), and nbgrader's manual
grading gives those points by hand.
"""

import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from grader.course import COURSE
from grader.rubric import _matches as name_matches
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
CHECKS_DIR = ROOT / "grader" / "checks"


class PointsError(ValueError):
    """A check no notebook cell carries, or two cells carry equally."""


@lru_cache(maxsize=1)
def collected_checks():
    """{check module file: [rubric check names]}, as pytest collects grader/checks/."""
    process = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(CHECKS_DIR), str(CHECKS_DIR)],
        capture_output=True, text=True, cwd=ROOT)
    checks = {}
    for line in process.stdout.splitlines():
        if "::" in line:
            module, name = line.split("::", 1)
            checks.setdefault(Path(module).name, []).append(name.removeprefix("test_"))
    if not checks:
        raise PointsError("collecting grader/checks/ found no checks:\n"
                          + process.stdout[-2000:] + process.stderr[-2000:])
    return checks


def is_hidden_case(name):
    """Whether a check name is a hidden case (`linear_backward[dW-hidden]`)."""
    return "[" in name and "hidden" in name[name.index("[") + 1:-1].split("-")


def grader_checks(assignment_id):
    """[(check name, points, hidden case)] of an assignment, from the rubric."""
    rubric = load_rubric().assignments[assignment_id]
    names = [name for module in COURSE[assignment_id].checks
             for name in collected_checks().get(module, [])]
    return [(name, float(rubric.entry(name)["points"]), is_hidden_case(name)) for name in names]


def patterns(check):
    """The patterns a notebook Check carries: the defaults of its name, and its own."""
    function = check.function
    if function.startswith("HYPERPARAMS-"):
        defaults = (f"task_*[{function.removeprefix('HYPERPARAMS-')}]",)
    elif check.name:
        defaults = (f"{function}_{check.name}*", f"{check.name}[{function}]",
                    f"{function}[{check.name}]", f"{function}[{check.name}-*]")
    else:
        defaults = (function, f"{function}[*]", f"{function}_*", f"*[{function}]",
                    f"*[{function}-*]", f"*[*.{function}]")
    return defaults + tuple(check.carries)


def specificity(pattern):
    """How specific a pattern is: a check's own name before its parameters, then length.

    `neuron_batch[relu-public]` is neuron's (named after it), not relu's (a parameter).
    """
    return (not pattern.startswith("*"), len(pattern.replace("*", "")))


def carriers(assignment_id, checks):
    """{notebook Check index: [(check name, points, hidden)]}; PointsError if one is unclaimed."""
    carried = {index: [] for index in range(len(checks))}
    unclaimed = []
    for name, points, hidden in grader_checks(assignment_id):
        matches = sorted(((specificity(p), index) for index, check in enumerate(checks)
                          for p in patterns(check) if name_matches(p, name)), reverse=True)
        best = {index for length, index in matches if length == matches[0][0]} if matches else {}
        if not best:
            unclaimed.append(name)
        elif len(best) > 1:
            cells = ", ".join(checks[i].cell_id for i in sorted(best))
            raise PointsError(f"{assignment_id}: check {name!r} is carried by {cells} equally: "
                              "give one of them `carries` patterns")
        else:
            carried[best.pop()].append((name, points, hidden))
    if unclaimed:
        raise PointsError(f"{assignment_id}: no notebook cell carries {', '.join(unclaimed)} "
                          f"(authoring/notebook_checks/{assignment_id}.py: add `carries`)")
    return carried


def cell_checks(assignment_id, checks):
    """{grade_id: [(check name, points)]} of the notebook's test cells (visible and hidden).

    The generated cells record their check names in their metadata (nnkit.carries):
    grader/nbgrader_scores.py writes the isolated grader's scores cell by cell with them.
    """
    cells = {}
    for index, carried in carriers(assignment_id, checks).items():
        check = checks[index]
        has_hidden_cell = check.hidden and check.inputs is not None
        cells[check.cell_id] = [(name, p) for name, p, hidden in carried
                                if not (hidden and has_hidden_cell)]
        if has_hidden_cell:
            cells[check.cell_id + "-hidden"] = [(name, p) for name, p, hidden in carried
                                                if hidden]
    return cells


def cell_points(assignment_id, checks):
    """{grade_id: points} of the notebook's test cells (visible and hidden)."""
    return {grade_id: round(sum(p for _, p in carried), 4)
            for grade_id, carried in cell_checks(assignment_id, checks).items()}


def rubric_total(assignment_id, public_only=False):
    """The grader's total points of an assignment (public cases only: what make check counts)."""
    return round(sum(p for _, p, hidden in grader_checks(assignment_id)
                     if not (public_only and hidden)), 4)


def question_points(assignment_id):
    """{question id: points} of an assignment's written questions: the rubric's [questions]."""
    return dict(load_rubric().assignments[assignment_id].questions)


def notebook_total(assignment_id):
    """A notebook's total: the grader's checks and the written questions graded by hand."""
    return round(rubric_total(assignment_id) + sum(question_points(assignment_id).values()), 4)
