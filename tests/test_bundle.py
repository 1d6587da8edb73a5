"""The student bundle: it checks itself offline, and holds nothing of the reference.

The bundle is unpacked from its zip into a temporary folder and run there by
an interpreter that cannot see this repository (the editable install's path
and finder are removed), so its grader must find its fixtures and its data
loaders inside the bundle.
"""

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from authoring.bundle import BUNDLE_NAME, build_bundle, student_readme
from authoring.regions import BEGIN_SOLUTION, END_SOLUTION

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

# Runs `python -m MODULE ...` with the repository out of reach.
NO_REPO = f"""\
import runpy, sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path[:] = [p for p in sys.path if not p.startswith({str(ROOT)!r}) or "site-packages" in p]
module, sys.argv = sys.argv[2], [sys.argv[2]] + sys.argv[3:]
sys.path.insert(0, "")
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    built = build_bundle(tmp_path_factory.mktemp("dist"))
    unpacked = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(built.parent / f"{BUNDLE_NAME}.zip") as archive:
        archive.extractall(unpacked)
    launcher = unpacked / "python-without-repo"
    (unpacked / "no_repo.py").write_text(NO_REPO)
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} {unpacked / "no_repo.py"} "$@"\n')
    launcher.chmod(0o755)
    return unpacked / BUNDLE_NAME, launcher


def _check(bundle, launcher, submission, assignments, out):
    run = subprocess.run(["make", "check", f"PY={launcher}", f"SUBMISSION={submission}",
                          f"A={assignments}", f"OUT={out}"], cwd=bundle, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    results["terminal"] = run.stdout  # what the student read
    return results


def test_the_bundle_grades_without_the_repository(bundle, tmp_path):
    folder, launcher = bundle
    probe = folder / "_where.py"
    probe.write_text("import grader.oracle, grader.datasets, course_data\n"
                     "print(grader.oracle.__file__)\n"
                     "print(grader.oracle.Oracle().has_reference)\n"
                     "print(course_data.__file__)\n"
                     "try:\n    import reference\n    print('reference importable')\n"
                     "except ImportError:\n    print('no')\n")
    try:
        run = subprocess.run([str(launcher), "-m", "_where"], cwd=folder, capture_output=True,
                             text=True)
    finally:
        probe.unlink()
    assert run.returncode == 0, run.stderr
    oracle_file, has_reference, data_file, reference = run.stdout.split()
    assert Path(oracle_file).is_relative_to(folder) and Path(data_file).is_relative_to(folder)
    assert has_reference == "False" and reference == "no"


def test_stubs_score_zero_and_a_correct_submission_full(bundle, tmp_path):
    folder, launcher = bundle
    # As a student may type it: `make check A="a1, a2, a3, a4"` (spaces after the commas).
    stubs = _check(folder, launcher, "submission", "a1, a2, a3, a4", tmp_path / "stubs")
    assert stubs["score"] == 0
    assert sum(t["max_score"] for t in stubs["tests"]) > 0
    assert not [t for t in stubs["tests"] if "hidden" in t["name"]], "hidden cases ran"
    # One rubric, one score: the public subset says so, with the full grade's total beside it.
    from authoring.notebook_points import rubric_total  # noqa: PLC0415

    # What the student reads: no pytest tallies, and the sandbox line worded for them.
    assert not re.search(r"\d+ (failed|passed|deselected)", stubs["terminal"]), stubs["terminal"]
    assert "the course grades what you hand in in its own sandbox" in stubs["terminal"]
    assert "could read any file you can" not in stubs["terminal"] + stubs["output"]
    for a in ("a1", "a2", "a3", "a4"):
        totals = stubs["extra_data"]["assignments"][a]
        assert totals["max_score"] == pytest.approx(rubric_total(a, public_only=True))
        assert totals["max_score"] + totals["hidden_max_score"] == pytest.approx(rubric_total(a))
        assert (f"{totals['max_score']:g} public points (of {rubric_total(a):g} with the hidden "
                "cases)") in stubs["terminal"]

    correct = tmp_path / "correct"
    shutil.copytree(ROOT / "reference", correct, ignore=shutil.ignore_patterns("__pycache__"))
    results = _check(folder, launcher, correct, "a1,a2,a3,a4", tmp_path / "correct-out")
    maximum = sum(t["max_score"] for t in results["tests"])
    assert maximum > 0 and results["score"] == pytest.approx(maximum), \
        [t["name"] for t in results["tests"] if t["score"] < t["max_score"]][:10]


def _code_lines(text):
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def _solution_fingerprints():
    """What would show a copied solution: every 3 consecutive code lines of a region
    (a short region: its lines of 25+ characters found nowhere else in the reference)."""
    windows, single, outside = set(), set(), set()
    for path in (ROOT / "reference").glob("*.py"):
        regions, current = [], None
        for line in path.read_text().splitlines():
            text = line.strip()
            if text == BEGIN_SOLUTION:
                current = []
            elif text == END_SOLUTION:
                regions.append(current)
                current = None
            elif current is not None:
                current.append(line)
            else:
                outside.add(text.lstrip("# ").strip())  # stub lines are commented out
        for region in regions:
            lines = _code_lines("\n".join(region))
            windows |= {tuple(lines[i:i + 3]) for i in range(len(lines) - 2)}
            if len(lines) < 3:
                single |= {line for line in lines if len(line) >= 25}
    return windows, single - outside


def _leaks(text, windows, single):
    lines = _code_lines(text)
    found = [w for w in (tuple(lines[i:i + 3]) for i in range(len(lines) - 2)) if w in windows]
    return found + [line for line in lines if line in single]


def test_nothing_of_the_reference_is_inside(bundle):
    folder, _ = bundle
    files = [p for p in folder.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert "secrets.toml" not in names
    assert not (folder / "reference").exists()
    assert (folder / "course_data" / "__init__.py").exists()
    assert (folder / "course.toml").exists()
    assert (folder / "grader" / "fixtures" / "public.npz").exists()
    texts = {p: p.read_text(errors="ignore") for p in files if p.suffix != ".npz"}
    windows, single = _solution_fingerprints()
    assert len(windows) > 50
    assert _leaks((ROOT / "reference" / "layers.py").read_text(), windows, single), \
        "the detector must recognise the reference itself"
    leaks = [(str(p.relative_to(folder)), _leaks(text, windows, single)[:2])
             for p, text in texts.items() if _leaks(text, windows, single)]
    assert not leaks, leaks[:5]
    secrets = (ROOT / "grader" / "rubric" / "secrets.toml").read_text()
    seeds = re.findall(r"=\s*(\d{3,})", secrets)
    assert seeds
    from grader.oracle import load_fixtures

    stored = load_fixtures(folder / "grader" / "fixtures" / "public.npz")
    index = json.dumps({k: repr(v) for k, v in stored.items()})
    for seed in seeds:
        pattern = re.compile(rf"\b{seed}\b")
        assert not [p for p, text in texts.items() if pattern.search(text)], f"seed {seed} inside"
        assert not pattern.search(index), f"hidden seed {seed} in the fixtures"


def test_the_bundle_readme_is_the_generated_one(bundle):
    folder, _ = bundle
    assert (folder / "README.md").read_text() == student_readme()
    assert "## The rules" in student_readme() and "{rules}" not in student_readme()
    # The written questions the README points to are in the bundle.
    assert "submission/answers.md" in student_readme()
    assert (folder / "submission" / "answers.md").is_file()
    package = (folder / "submission" / "__init__.py").read_text()
    assert "reference" not in package.lower() and "Your solutions" in package


def test_the_bundle_stubs_come_from_the_reference_not_from_student_stubs(tmp_path):
    """An instructor who tried the exercises in student_stubs/ must not ship the answers."""
    root = tmp_path / "kit"
    for folder in ("reference", "grader", "student_stubs", "course_data"):
        shutil.copytree(ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for manifest in ("course.toml", "questions.toml"):
        shutil.copy2(ROOT / manifest, root / manifest)
    shutil.copy2(root / "reference" / "layers.py", root / "student_stubs" / "layers.py")
    bundle = build_bundle(tmp_path / "dist", root=root)
    shipped = (bundle / "submission" / "layers.py").read_text()
    assert BEGIN_SOLUTION not in shipped
    assert shipped == (ROOT / "student_stubs" / "layers.py").read_text()


def test_the_bundle_refuses_stale_fixtures(tmp_path):
    root = tmp_path / "kit"
    for folder in ("reference", "grader", "student_stubs", "course_data"):
        shutil.copytree(ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for manifest in ("course.toml", "questions.toml"):
        shutil.copy2(ROOT / manifest, root / manifest)
    with open(root / "reference" / "layers.py", "a") as f:
        f.write("\n# an edit after the fixtures were recorded\n")
    with pytest.raises(RuntimeError, match="make fixtures"):
        build_bundle(tmp_path / "dist", root=root)


def _rubric_copy(tmp_path):
    folder = tmp_path / "rubric"
    shutil.copytree(ROOT / "grader" / "rubric", folder)
    return folder


def _edit(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {path.name}"
    path.write_text(text.replace(old, new))


def test_the_readme_tells_the_rules_of_the_rubric(tmp_path):
    """Thresholds, partial credit, budgets and points are the rubric's: change the rubric,
    and the README changes with it."""
    from grader.course import COURSE  # noqa: PLC0415
    from grader.rubric import load_rubric  # noqa: PLC0415
    from grader.tasks import TASKS  # noqa: PLC0415

    def rows(readme):
        return {line.split("`")[1].strip('"'): line for line in readme.splitlines()
                if line.startswith("| ") and '(`"' in line}

    before = student_readme(load_rubric())
    folder = _rubric_copy(tmp_path)
    # Values no rubric of the course holds: 0.93 / 0.81, a budget of 27 s, 4.5 points.
    _edit(folder / "a5.toml", "threshold = 0.95\npartial_threshold = 0.90\npartial_credit = 0.5"
          "\nbudget_seconds = 20", "threshold = 0.93\npartial_threshold = 0.81\n"
          "partial_credit = 0.25\nbudget_seconds = 27")
    _edit(folder / "a5.toml", '"task_accuracy[moons]" = { points = 3 }',
          '"task_accuracy[moons]" = { points = 4.5 }')
    _edit(folder / "grading.toml", "wall_factor = 3 ", "wall_factor = 5 ")
    edited = load_rubric(folder)
    after = student_readme(edited)
    moons = rows(after)["moons"]
    assert "test accuracy ≥ 93%" in moons and "0.25 of the points from ≥ 81%" in moons
    assert "| 27 s |" in moons and "| 4.5 + " in moons
    assert rows(before)["moons"] != moons
    assert "wall-clock ceiling of 5 times" in after and "ceiling of 5 times" not in before
    assert "ceiling of 3 times" in before
    a5_total = f"| a5 {COURSE['a5'].title} |"
    assert [line for line in after.splitlines() if line.startswith(a5_total)] != \
        [line for line in before.splitlines() if line.startswith(a5_total)]
    # Every task's row, whatever the rubric: its threshold, partial credit and budget.
    for readme, rubric in ((before, load_rubric()), (after, edited)):
        for name in COURSE.tasks:
            task, table = TASKS[name], rubric.assignments[COURSE.task_owner(name).id].tasks[name]
            row = rows(readme)[name]
            sign = "≤" if task.lower_is_better else "≥"  # an error (NMSE) passes below it
            assert f"{task.measured_on} {task.metric} {sign} " \
                   f"{task.show_threshold(table['threshold'])}" in row
            assert f"| {table['budget_seconds']:g} s |" in row
            if "partial_threshold" in table:
                assert f"from {sign} {task.show_threshold(table['partial_threshold'])}" in row
            else:
                assert "| none |" in row


def test_the_readme_totals_are_the_graders(tmp_path):
    """make check's public points and the full grade with the hidden cases, per assignment."""
    from authoring.notebook_points import rubric_total  # noqa: PLC0415
    from grader.course import COURSE  # noqa: PLC0415

    readme = student_readme()
    for assignment in COURSE:
        row = f"| {assignment.id} {assignment.title} | " \
              f"{rubric_total(assignment.id, public_only=True):g} | " \
              f"{rubric_total(assignment.id):g} |"
        assert row in readme
    hidden = [a.id for a in COURSE
              if rubric_total(a.id, public_only=True) < rubric_total(a.id)]
    assert hidden, "some assignment has hidden cases: the two totals differ"
    assert "x / y public points (of z with the hidden cases)" in readme


def test_the_readme_lists_the_settings_and_how_to_hand_in():
    from grader.course import COURSE  # noqa: PLC0415
    from grader.tasks.settings import DTYPES, MLP_OPTIONAL, MLP_REQUIRED  # noqa: PLC0415

    readme = student_readme()
    for key in MLP_REQUIRED + MLP_OPTIONAL:
        assert f'| `"{key}"` |' in readme, key
    assert "| `\"dtype\"` | optional | " + ", ".join(f'`"{d}"`' for d in DTYPES) in readme
    for assignment in COURSE:
        assert f"`{assignment.notebook}.ipynb`" in readme
        for module in assignment.touches:
            assert f"`{module}.py`" in readme
    assert "Gradescope" in readme and "nbgrader submit" in readme


def test_the_readme_says_when_the_hidden_cases_show(tmp_path):
    from authoring.rules import WHEN_SHOWN, hidden_case_visibility  # noqa: PLC0415
    from grader.rubric import load_rubric  # noqa: PLC0415

    before = student_readme(load_rubric())
    assert f"The hidden cases are shown {hidden_case_visibility(load_rubric())}," in before
    folder = _rubric_copy(tmp_path)
    _edit(folder / "a2.toml", '"*-hidden]" = { visibility = "after_due_date", details = false }',
          '"*-hidden]" = { visibility = "after_published", details = false }')
    after = student_readme(load_rubric(folder))
    assert WHEN_SHOWN["after_published"] in after and WHEN_SHOWN["after_published"] not in before


def test_the_readme_says_what_provide_none_asks(tmp_path):
    from grader.rubric import load_rubric  # noqa: PLC0415

    folder = _rubric_copy(tmp_path)
    _edit(folder / "grading.toml", 'provide = "reference"', 'provide = "none"')
    readme = student_readme(load_rubric(folder))
    assert "Upload the modules of the earlier assignments it builds on too" in readme
    assert "Upload the modules of the earlier assignments" not in student_readme(load_rubric())


def test_the_readme_tells_the_written_questions_and_the_import_policy_of_the_rubric(tmp_path):
    """Each assignment's written questions and their points, and what its code may import,
    are the rubric's: edit the rubric and the README follows."""
    from authoring.notebook_points import question_points  # noqa: PLC0415
    from grader.course import COURSE  # noqa: PLC0415
    from grader.rubric import load_rubric  # noqa: PLC0415

    readme = student_readme()
    for assignment in COURSE:
        points = question_points(assignment.id)
        line = next(line for line in readme.splitlines()
                    if line.startswith(f"| {assignment.id} {assignment.title} |")
                    and "questions" in line)
        assert line.endswith(f"| {len(points)} questions, {sum(points.values()):g} |"), line
    assert "answers.md" in readme.split("### Handing in")[1]
    assert "the standard library, `course_data` and `numpy`" in readme
    folder = _rubric_copy(tmp_path)
    _edit(folder / "a2.toml", '"a2.q1" = 1', '"a2.q1" = 2.5')
    _edit(folder / "a3.toml", 'imports = ["numpy"]', 'imports = ["numpy", "scipy"]')
    after = student_readme(load_rubric(folder))
    assert f"| 3 questions, {sum(question_points('a2').values()) + 1.5:g} |" in after
    assert "- a3: the standard library, `course_data` and `numpy`, `scipy`;" in after
