"""No false alarms: correct implementations written differently keep full marks.

Each folder of tests/alternatives/ rewrites some reference functions in another,
correct way (equivalent formulas, other cache layouts, float64 internals for
float32 inputs, einsum, in-place updates, an independent implementation, ...).
The files are laid over a copy of the reference (tests/grading.py, overlay) and
graded, with the real grader, on the assignments that own what they rewrite,
graded tasks included.
"""

import pytest
from grading import ALTERNATIVES, alternative_assignments, grade, overlay

FOLDERS = sorted(p for p in ALTERNATIVES.iterdir() if p.is_dir() and p.name != "__pycache__")


def test_there_are_at_least_five_alternatives():
    assert len(FOLDERS) >= 5
    for folder in FOLDERS:
        assert list(folder.glob("*.py")), f"{folder.name} holds no module"


def test_overlay_refuses_a_file_that_is_no_reference_module(tmp_path):
    folder = tmp_path / "alternative"
    folder.mkdir()
    (folder / "not_a_module_of_the_course.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="not a reference module"):
        overlay(folder, tmp_path / "submission")


def test_overlay_puts_the_alternative_in_effect(tmp_path):
    folder = tmp_path / "alternative"
    folder.mkdir()
    (folder / "activations.py").write_text("def relu(z):\n    return 'the alternative'\n")
    submission = overlay(folder, tmp_path / "submission")
    text = (submission / "activations.py").read_text()
    assert text.rstrip().endswith("return 'the alternative'")
    assert (submission / "__init__.py").exists()


@pytest.mark.slow
@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_alternative_scores_full_marks(folder, tmp_path):
    submission = overlay(folder, tmp_path / folder.name)
    assignments = alternative_assignments(folder)
    status, results, process = grade(submission, tmp_path / "out", assignments)
    assert results is not None, process.stderr[-2000:]
    lost = [f"{t['name']}: {t['output'].splitlines()[0] if t['output'] else ''}"
            for t in results["tests"] if t["score"] < t["max_score"]]
    assert not lost, f"{folder.name} lost points on {len(lost)} checks:\n" + "\n".join(lost)
    assert results["extra_data"]["complete"]
    assert results["score"] == results["extra_data"]["max_score"] > 0
    graded = set(results["extra_data"]["assignments"])
    assert graded == set(assignments), f"graded {graded}, expected {assignments}"


def test_alternatives_readme_lists_every_folder():
    readme = (ALTERNATIVES / "README.md").read_text()
    missing = [p.name for p in FOLDERS if f"`{p.name}`" not in readme]
    assert not missing, f"tests/alternatives/README.md does not describe {missing}"
