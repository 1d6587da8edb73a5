"""Gradescope for real: the autograder zip, unpacked into Gradescope's layout, grades real uploads.

`make gradescope A=a2` builds the zip; this test unpacks it into a folder laid
out as Gradescope lays out /autograder (source/, submission/, results/,
submission_metadata.json), points source/.venv at this checkout's environment
(setup.sh's `make install-grader` would build it on Gradescope), and runs
`run_autograder` on the shapes of upload students make. Every one must leave a
results.json that follows Gradescope's format and says, at the top, where the
student stands.
"""

import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import pytest
from grading import REFERENCE, REPO_ROOT

from authoring.gradescope import build_zip
from grader.course import COURSE
from grader.gradescope import apply_late_policy, lateness_days, leaderboard
from grader.rubric import load_rubric

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("gradescope")]
SCHEMA = json.loads((REPO_ROOT / "grader" / "schema" / "results.schema.json").read_text())
SOURCE_NOTEBOOKS = REPO_ROOT / "assignments" / "source"


def unpacked(assignment, dist):
    """Gradescope's /autograder, with the assignment's zip unpacked into source/.

    Outside pytest's own temporary folders (private to root): a worker that runs as
    another uid (the fallback isolation) must be able to reach the Python environment.
    """
    root = Path(tempfile.mkdtemp(prefix="autograder-"))
    os.chmod(root, 0o755)
    archive = build_zip([assignment], dist)
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        assert "setup.sh" in names and "run_autograder" in names
        assert not any(n.startswith(("tests/", "assignments/", "student_stubs/")) for n in names)
        zipped.extractall(root / "source")
        mode = zipped.getinfo("run_autograder").external_attr >> 16
    assert mode & 0o111, "run_autograder must be executable"
    os.chmod(root / "source" / "run_autograder", mode & 0o777)
    assert (root / "source" / "run_autograder").read_text().startswith("#!/usr/bin/env bash")
    (root / "source" / ".venv").symlink_to(REPO_ROOT / ".venv")
    return root


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The a2 autograder, for the upload shapes."""
    root = unpacked("a2", tmp_path_factory.mktemp("dist"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def run(autograder, files, metadata=None, env=None, assignment=COURSE["a2"], arguments=()):
    """Upload `files` ({name: bytes or a Path}) and run run_autograder; the results.json."""
    for folder in ("submission", "results", "work"):
        shutil.rmtree(autograder / folder, ignore_errors=True)
    (autograder / "submission").mkdir()
    for name, content in files.items():
        target = autograder / "submission" / name
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
    (autograder / "submission_metadata.json").write_text(json.dumps(metadata or {}))
    process = subprocess.run(["bash", str(autograder / "source" / "run_autograder"), *arguments],
                             capture_output=True, text=True, timeout=1200,
                             env=dict(os.environ, AUTOGRADER_ROOT=str(autograder), **(env or {})))
    assert process.returncode == 0, process.stdout + process.stderr
    results = json.loads((autograder / "results" / "results.json").read_text())
    errors = [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(results)]
    assert errors == [], errors
    assert f"{assignment.id}  {assignment.title}" in results["output"], results["output"][:500]
    return results


def zip_of(folder_name, files):
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"upload-{os.getpid()}.zip"
    with zipfile.ZipFile(path, "w") as zipped:
        for name, source in files.items():
            zipped.write(source, f"{folder_name}/{name}")
    return path


def full(results):
    return results["score"] == results["extra_data"]["max_score"] > 0


def test_single_files_of_one_assignment_are_graded_with_the_earlier_modules_provided(autograder):
    results = run(autograder, {"layers.py": REFERENCE / "layers.py"})
    assert full(results)
    assert "activations.py: the course's version" in results["output"]


def test_a_zip_of_a_folder(autograder):
    archive = zip_of("my solution", {"layers.py": REFERENCE / "layers.py",
                                     "activations.py": REFERENCE / "activations.py"})
    assert full(run(autograder, {"solution.zip": archive}))


def test_the_written_answers_are_kept_and_reported(autograder):
    """answers.md beside the modules: read (not scored), its missing answers in the output."""
    from grader.questions import PLACEHOLDER, answers_template  # noqa: PLC0415

    text = answers_template(["a2"])
    at = text.index(PLACEHOLDER, text.index("### a2.q2\n"))
    text = text[:at] + "Without scaling, training sees (1 - p) of the test value." + text[at + 16:]
    results = run(autograder, {"layers.py": REFERENCE / "layers.py",
                               "answers.md": text.encode()})
    assert full(results)  # answers score nothing
    report = results["extra_data"]["written_answers"]
    assert report["note"] is None
    assert report["assignments"] == {"a2": {"answered": ["a2.q2"],
                                            "missing": ["a2.q1", "a2.q3"]}}
    assert "written answers: 1 of 3 for a2 (missing: a2.q1, a2.q3)" in results["output"]


def test_a_notebook(autograder):
    results = run(autograder, {"layers.ipynb": SOURCE_NOTEBOOKS / "a2" / "layers.ipynb"})
    assert full(results)


@pytest.mark.parametrize("files, words", [({}, "the upload is empty"),
                                          ({"notes.txt": b"my answers"}, "notes.txt: not a .py"),
                                          ({"broken.zip": b"PK\x03\x04 not really"},
                                           "not a zip file")])
def test_an_empty_or_wrong_upload_scores_zero_and_says_why(autograder, files, words):
    results = run(autograder, files)
    assert results["score"] == 0 and results["tests"]
    assert words in results["output"]


def test_the_fallback_isolation_runs_where_namespaces_are_refused(autograder):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("the uid fallback needs root and setpriv")
    results = run(autograder, {"layers.py": REFERENCE / "layers.py"},
                  env={"GRADER_SANDBOX": "uid"})
    assert full(results) and results["extra_data"]["sandbox"] == "uid"
    assert "FALLBACK ISOLATION" in results["output"]


def test_lateness_comes_from_the_metadata_and_the_penalty_from_the_rubric():
    metadata = {"created_at": "2026-03-03T10:00:00-05:00",
                "assignment": {"due_date": "2026-03-01T23:59:00-05:00"}}
    assert lateness_days(metadata) == 2
    assert lateness_days({"created_at": "2026-03-01T23:00:00-05:00",
                          "assignment": {"due_date": "2026-03-01T23:59:00-05:00"}}) == 0
    assert lateness_days({}) == 0
    results = {"score": 10.0, "tests": [{"score": 6.0}, {"score": 4.0}]}
    assert apply_late_policy(results, 2, {"penalty_per_day": 0.1, "max_days": 5}) == 0.8
    assert results["score"] == 8.0
    assert apply_late_policy(dict(results), 6, {"penalty_per_day": 0.1, "max_days": 5}) == 0.0
    assert apply_late_policy(dict(results), 3, {"penalty_per_day": 0.0, "max_days": 0}) == 1.0


def test_the_leaderboard_shows_a_task_metric_and_its_time():
    results = {"extra_data": {"artifacts": {"mnist": {"value": 0.9812, "seconds": 13.2}}}}
    board = leaderboard(results, ["mnist"])
    assert board == [{"name": "MNIST accuracy", "value": 98.12, "order": "desc"},
                     {"name": "MNIST seconds", "value": 13.2, "order": "asc"}]
    assert leaderboard({"extra_data": {"artifacts": {"mnist": {"error": "x"}}}}, ["mnist"]) == []


def uploaded_files(assignment):
    """What a student uploads for one assignment: the module files it writes or adds to."""
    modules = list(assignment.modules) + list(assignment.functions)
    if assignment.settings and "config" not in modules:
        modules.append("config")
    return {f"{module}.py": REFERENCE / f"{module}.py" for module in modules}


# A group of its own for each assignment (xdist joins it to the module's: "a7_gradescope"):
# the gradings are independent, and one group for all made them one worker's serial tail.
@pytest.mark.parametrize("assignment", [
    pytest.param(a, id=a.id, marks=pytest.mark.xdist_group(a.id)) for a in COURSE])
def test_every_assignment_grades_its_files_and_its_notebook(assignment, tmp_path):
    root = unpacked(assignment.id, tmp_path)
    try:
        # With the training tasks where a task's metric goes on the leaderboard (a6, whose
        # checks are all its task's) and a5's three small ones; the other tasks train in the
        # same grader, called the same way, in tests/test_grader_cli.py's complete grading of
        # the reference and, on a notebook's code, in tests/test_nbgrader_roundtrip.py.
        board = load_rubric().gradescope["leaderboard"]
        trained = assignment.id == "a5" or set(assignment.tasks) & set(board)
        arguments = [] if trained else ["-k", "not task_"]
        results = run(root, uploaded_files(assignment), assignment=assignment,
                      arguments=arguments)
        assert full(results), [t["name"] for t in results["tests"]
                               if t["score"] < t["max_score"]][:10]
        if trained and assignment.tasks:
            assert {f"{assignment.id} task_accuracy[{task}]" for task in assignment.tasks} <= \
                {t["name"] for t in results["tests"]}
        if set(assignment.tasks) & set(board):
            assert results.get("leaderboard"), "a leaderboard task without its leaderboard"
        notebook = SOURCE_NOTEBOOKS / assignment.id / f"{assignment.notebook}.ipynb"
        results = run(root, {notebook.name: notebook}, assignment=assignment,
                      arguments=arguments)
        assert full(results), [t["name"] for t in results["tests"]
                               if t["score"] < t["max_score"]][:10]
        if not trained:
            assert not [t for t in results["tests"] if "task_" in t["name"]], \
                "-k did not reach the grader"
    finally:
        shutil.rmtree(root, ignore_errors=True)
