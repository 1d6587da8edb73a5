"""Reading a submission is untrusted work: no link followed, every size bounded, a result always.

The trusted side reads the submission's folder (to copy its modules) and its
notebooks (to extract their cells). These tests hand it what an attacker or
an unlucky upload would: links out of the folder, broken notebooks, a cell
that does not parse, files too large or too many, a path that is not a
folder; the grader must never read outside the folder, never crash, and
always write a complete results.json that says why.
"""

import json
import os
import shutil

import pytest
from grading import REFERENCE, STUBS, copy_package, grade, run_grader

from grader import reading
from grader.notebooks import extract_package
from grader.submission import SubmissionError, prepare_submission

SOURCE_NOTEBOOKS = REFERENCE.parent / "assignments" / "source"


def test_a_link_out_of_the_submission_is_never_followed(tmp_path):
    submission = copy_package(STUBS, tmp_path / "submission")
    (submission / "layers.py").unlink()
    (submission / "layers.py").symlink_to(REFERENCE / "layers.py")
    (submission / "notes").symlink_to(REFERENCE)
    package, notes = prepare_submission(submission, tmp_path / "scratch")
    assert not (package / "layers.py").exists()
    assert any("layers.py is a symbolic link: ignored" in n for n in notes)
    assert any("notes is a symbolic link" in n for n in notes)
    assert all(not p.is_symlink() for p in package.iterdir())


def test_the_worker_gets_a_copy_not_the_submission(tmp_path):
    submission = copy_package(STUBS, tmp_path / "submission")
    (submission / "weights.npy").write_bytes(b"\x93NUMPY")
    (submission / "helper.py").write_text("X = 1\n")
    package, _ = prepare_submission(submission, tmp_path / "scratch")
    assert package.resolve() != submission.resolve()
    assert (package / "helper.py").read_text() == "X = 1\n"
    assert not (package / "weights.npy").exists()


def test_a_submission_that_is_a_link_or_no_folder_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    for path, words in ((tmp_path / "link", "symbolic link"), (tmp_path / "missing", "cannot"),
                        (REFERENCE / "layers.py", "not a directory")):
        with pytest.raises(SubmissionError, match=words):
            prepare_submission(path, tmp_path / "scratch")


def test_files_are_read_with_every_size_bounded(tmp_path):
    big = tmp_path / "big.py"
    big.write_text("#" * (reading.MAX_FILE_BYTES + 1))
    with pytest.raises(reading.Unreadable, match="more than"):
        reading.read_text(big, reading.MAX_FILE_BYTES)
    os.mkfifo(tmp_path / "pipe.py")
    with pytest.raises(reading.Unreadable, match="not a regular file"):
        reading.read_text(tmp_path / "pipe.py", 100)  # would block forever if opened for real
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    with pytest.raises(reading.Unreadable, match="not UTF-8"):
        reading.read_text(tmp_path / "latin.py", 100)


def test_a_walk_stops_at_its_bounds(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    for k in range(reading.MAX_ENTRIES + 10):
        (folder / f"f{k}.txt").write_text("")
    found = reading.walk(folder)
    assert any("more than" in note for note in found.notes)


@pytest.mark.parametrize("text, words", [
    ('{"cells": [', "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"nbformat": 4}', "no list of cells"),
    ('"just a string"', "no list of cells"),
])
def test_a_notebook_that_breaks_readers_costs_its_own_cells_only(tmp_path, text, words):
    (tmp_path / "bad.ipynb").write_text(text)
    good = SOURCE_NOTEBOOKS / "a2" / "layers.ipynb"
    shutil.copy(good, tmp_path / "layers.ipynb")
    package, notes = extract_package([tmp_path / "bad.ipynb", tmp_path / "layers.ipynb"],
                                     tmp_path / "scratch")
    assert any(words in note and "bad.ipynb" in note for note in notes), notes
    assert "def linear_forward(" in (package / "layers.py").read_text()


def test_one_cell_that_does_not_parse_costs_the_functions_it_holds(tmp_path):
    """As in nbgrader: an unclosed parenthesis in relu_grad's cell costs relu_grad, not a1."""
    notebook = json.loads((SOURCE_NOTEBOOKS / "a1" / "activations.ipynb").read_text())
    for cell in notebook["cells"]:
        if (cell["metadata"].get("nbgrader") or {}).get("grade_id") == "activations-relu_grad":
            cell["source"] = ["def relu_grad(z):\n", "    return (z > 0\n"]
    submission = tmp_path / "alice" / "a1"
    submission.mkdir(parents=True)
    (submission / "activations.ipynb").write_text(json.dumps(notebook))
    status, results, process = grade(tmp_path / "alice", tmp_path / "out", ["a1"])
    assert status == 0, process.stderr
    lost = sorted({t["extra_data"]["check"] for t in results["tests"]
                   if t["score"] < t["max_score"]})
    assert lost and all("relu_grad" in name for name in lost), lost
    assert any("activations-relu_grad does not parse" in n for n in results["extra_data"]["notes"])


@pytest.mark.parametrize("case", ["missing", "a_file", "no_sandbox"])
def test_every_ending_writes_a_complete_results_file(tmp_path, case):
    """Gradescope shows "the autograder failed" when no results.json is written: never that."""
    env = None
    path = {"missing": tmp_path / "nothing-here", "a_file": REFERENCE / "layers.py",
            "no_sandbox": STUBS}[case]
    extra = []
    if case == "no_sandbox":
        env, extra = {"GRADER_SANDBOX": "none"}, ["--require-sandbox"]
    process = run_grader("grade", path, "--out", tmp_path / "out", "--only", "a1", "--quiet",
                         *extra, env=env)
    assert process.returncode == (3 if case == "no_sandbox" else 4), process.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["tests"] and all(t["score"] == 0 for t in results["tests"])
    assert all(t["output"].startswith("not run: ") for t in results["tests"])
    assert results["extra_data"]["status"] == ("no-sandbox" if case == "no_sandbox"
                                               else "unreadable")
    assert results["output"].startswith("Not graded: ")


def test_an_invalid_rubric_still_leaves_a_results_file(tmp_path):
    rubric = tmp_path / "rubric"
    shutil.copytree(REFERENCE.parent / "grader" / "rubric", rubric)
    (rubric / "a1.toml").write_text((rubric / "a1.toml").read_text() + "\ntreshold = 1\n")
    process = run_grader("grade", STUBS, "--out", tmp_path / "out", "--quiet",
                         env={"GRADER_RUBRIC": str(rubric)})
    assert process.returncode == 2, process.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert "rubric is invalid" in results["extra_data"]["failure"] and "treshold" in \
        results["output"]
