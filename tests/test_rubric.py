"""The rubric and the checks fit each other, and a rubric with a typo is refused.

Instructors edit grader/rubric/*.toml: a misspelt key must stop grading with a
clear message before any student is graded, never silently change grades.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from authoring.notebook_points import is_hidden_case
from grader.rubric import RUBRIC_DIR, RubricError, _matches, load_rubric

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "grader" / "checks"


def collected_checks():
    """{module file: [check names]} of every graded check, as pytest collects them."""
    process = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-c", str(CHECKS / "pytest.ini"),
         "--rootdir", str(CHECKS), str(CHECKS)], capture_output=True, text=True, cwd=ROOT)
    checks = {}
    for line in process.stdout.splitlines():
        if "::" in line:
            module, name = line.split("::", 1)
            checks.setdefault(Path(module).name, []).append(name.removeprefix("test_"))
    assert checks, process.stdout + process.stderr
    return checks


def test_every_check_has_points_and_every_rubric_entry_names_a_check():
    rubric = load_rubric()
    checks = collected_checks()
    for assignment in rubric.assignments.values():
        names = [name for module in assignment.check_modules for name in checks.get(module, [])]
        assert names, f"{assignment.id}: no checks collected from {assignment.check_modules}"
        for name in names:
            assert "points" in assignment.entry(name)
        for pattern in assignment.checks:
            assert any(_matches(pattern, name) for name in names), \
                f"{assignment.id}.toml: {pattern!r} matches no check (a typo, or a stale entry)"


def test_no_hidden_case_is_shown_before_the_due_date():
    """A hidden case's name, output and values stay hidden until the due date: every one of
    them, whatever its parameter id looks like (`[hidden]` as well as `[dW-hidden]`)."""
    rubric = load_rubric()
    checks = collected_checks()
    for assignment in rubric.assignments.values():
        for module in assignment.check_modules:
            for name in checks.get(module, []):
                if is_hidden_case(name):
                    entry = assignment.entry(name)
                    assert entry["visibility"] != "visible", f"{assignment.id}: {name} is shown"
                    assert entry.get("details") is False, f"{assignment.id}: {name} shows values"


def test_every_listed_module_exists():
    for assignment in load_rubric().assignments.values():
        for module in assignment.check_modules:
            assert (CHECKS / module).exists(), f"{assignment.id}: {module} is missing"


@pytest.mark.parametrize("file, old, new, message", [
    ("a5.toml", "threshold = 0.95\n", "treshold = 0.95\n", "unknown key(s) 'treshold'"),
    ("a5.toml", "partial_threshold = 0.90\n", "partial_treshold = 0.90\n", "partial_treshold"),
    ("a6.toml", "threshold = 0.95\n", "threshold = 95\n", "expected a fraction"),
    ("a1.toml", '{ points = 1 }', '{ pionts = 1 }', "unknown key(s) 'pionts'"),
    ("grading.toml", "budget_seconds = 300", "budget_secs = 300", "budget_secs"),
])
def test_a_rubric_with_a_typo_is_refused_with_its_place(tmp_path, file, old, new, message):
    rubric = tmp_path / "rubric"
    shutil.copytree(RUBRIC_DIR, rubric)
    text = (rubric / file).read_text()
    assert old in text
    (rubric / file).write_text(text.replace(old, new, 1))
    with pytest.raises(RubricError, match=message.replace("(", r"\(").replace(")", r"\)")) as error:
        load_rubric(rubric)
    assert file in str(error.value)
