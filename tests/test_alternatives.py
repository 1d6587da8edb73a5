"""No false alarms: correct implementations written differently keep full marks.

Each folder of tests/alternatives/ rewrites some reference modules in another,
correct way (equivalent formulas, other cache layouts, float64 internals for
float32 inputs, einsum, in-place updates, ...). The rewritten modules are laid
over a copy of the reference and graded, with the real grader, on the
assignments of the modules rewritten, training tasks included.
"""

import pytest
from mutants import mutation

ALTERNATIVES = sorted(p for p in mutation.ALTERNATIVES.iterdir() if p.is_dir())


def _assignments(folder):
    return sorted({mutation.ASSIGNMENT_OF_MODULE[p.stem] for p in folder.glob("*.py")})


def test_there_are_at_least_five_alternatives():
    assert len(ALTERNATIVES) >= 5
    for folder in ALTERNATIVES:
        assert list(folder.glob("*.py")), f"{folder.name} holds no module"


def test_overlay_replaces_only_reference_modules(tmp_path):
    folder = tmp_path / "alternative"
    folder.mkdir()
    (folder / "not_a_module_of_the_course.py").write_text("x = 1\n")
    with pytest.raises(mutation.MutantError, match="not a reference module"):
        mutation.overlay(folder, tmp_path / "submission")


def test_overlay_puts_the_alternative_in_place(tmp_path):
    folder = ALTERNATIVES[0]
    submission = mutation.overlay(folder, tmp_path / "submission")
    for module in folder.glob("*.py"):
        assert (submission / module.name).read_text() == module.read_text()
    assert (submission / "__init__.py").exists()


@pytest.mark.slow
@pytest.mark.parametrize("folder", ALTERNATIVES, ids=lambda p: p.name)
def test_alternative_scores_full_marks(folder, tmp_path):
    submission = mutation.overlay(folder, tmp_path / folder.name)
    assignments = _assignments(folder)
    results = mutation.grade(submission, tmp_path / "out", assignments)
    lost = [f"{t['name']}: {t['output'].splitlines()[0] if t['output'] else ''}"
            for t in results["tests"] if t["score"] < t["max_score"]]
    assert not lost, f"{folder.name} lost points on {len(lost)} checks:\n" + "\n".join(lost)
    assert results["extra_data"]["complete"]
    assert results["score"] == results["extra_data"]["max_score"] > 0
    graded = set(results["extra_data"]["assignments"])
    assert graded == set(assignments), f"graded {graded}, expected {assignments}"


def test_alternatives_readme_lists_every_folder():
    readme = (mutation.ALTERNATIVES / "README.md").read_text()
    missing = [p.name for p in ALTERNATIVES if f"`{p.name}`" not in readme]
    assert not missing, f"tests/alternatives/README.md does not describe {missing}"
