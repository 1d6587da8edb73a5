"""The class page's similarity report: near-copies are flagged side by side, nothing else is,
and no score changes."""

import csv
import hashlib
import re
import shutil

import pytest
from grading import ALTERNATIVES, REFERENCE, REPO_ROOT, STUBS, copy_package, run_grader

from grader.report import write_class_report
from grader.report.similarity import similar_pairs, submission_code
from grader.rubric import RUBRIC_DIR, RubricError, load_rubric

pytestmark = pytest.mark.xdist_group("similarity")


def near_copy(source, destination):
    """A copy of `source` disguised as students do: names changed, docstrings rewritten."""
    package = copy_package(source, destination)
    for path in package.glob("*.py"):
        code = path.read_text()
        code = re.sub(r"\bdout\b", "upstream", code).replace("cache", "memo")
        code = re.sub(r'"""[\s\S]*?"""', '"""My own words."""', code)
        path.write_text(code + "\n# I wrote this myself\n")
    return package


def test_near_copies_are_flagged_and_independent_work_is_not(tmp_path):
    settings = load_rubric().similarity
    codes = {"alice": submission_code(REFERENCE),
             "bob": submission_code(near_copy(REFERENCE, tmp_path / "bob")),
             "carol": submission_code(STUBS), "dan": submission_code(STUBS),
             "eve": submission_code(REPO_ROOT / "tests" / "garbage"),
             "fay": submission_code(ALTERNATIVES / "independent")}
    pairs = similar_pairs(codes, submission_code(STUBS), settings["threshold"],
                          settings["noise_tokens"], settings["guarantee_tokens"])
    assert [(p.first, p.second) for p in pairs] == [("alice", "bob")]
    assert min(pairs[0].shares) >= settings["threshold"]
    # Two untouched stubs share all their code, but it is the stubs' own: not a flag.
    assert not similar_pairs({"carol": codes["carol"], "dan": codes["dan"]}, codes["carol"], 0.01)
    # Without the stubs as boilerplate they would be.
    assert similar_pairs({"carol": codes["carol"], "dan": codes["dan"]}, "", 0.5)


def test_the_similarity_settings_are_validated(tmp_path):
    rubric = shutil.copytree(RUBRIC_DIR, tmp_path / "rubric")
    grading = rubric / "grading.toml"
    original = grading.read_text()
    grading.write_text(original.replace("threshold = 0.5", "threshold = 50"))
    with pytest.raises(RubricError, match=r"\[similarity\] threshold"):
        load_rubric(rubric)
    grading.write_text(original.replace("noise_tokens = 25", "noise_tokens = 40"))
    with pytest.raises(RubricError, match="noise_tokens"):
        load_rubric(rubric)


def _digests(out):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.glob("*/results.json")}


@pytest.mark.slow
def test_the_class_page_shows_two_near_copies_side_by_side(tmp_path):
    folder = tmp_path / "class"
    copy_package(REFERENCE, folder / "alice")
    near_copy(REFERENCE, folder / "bob")
    copy_package(STUBS, folder / "carol")
    copy_package(STUBS, folder / "dan")
    out = tmp_path / "out"
    graded = run_grader("grade", folder, "--batch", "--jobs", "2", "--only", "a1", "--report",
                        "--out", out)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    page = (out / "index.html").read_text()
    section = page.split('<section id="similarity">')[1].split("</section>")[0]
    assert "alice and bob" in section and "carol" not in section and "dan" not in section
    assert 'href="similarity/pair-1.html"' in section
    assert not (out / "similarity" / "pair-2.html").exists()
    side_by_side = (out / "similarity" / "pair-1.html").read_text()
    assert side_by_side.count("<mark>") > 10 and "alice" in side_by_side and "bob" in side_by_side
    assert "My own words" in side_by_side  # bob's own code is shown as it is

    # It flags; it never changes a score: both keep full marks, the gradebook has no column
    # for it, and writing the page again leaves every results.json as it was.
    with open(out / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(next(iter(rows.values()))) == {"student", "a1", "total", "max", "status",
                                              "trouble", "seconds", "answers missing"}
    assert float(rows["bob"]["total"]) == float(rows["alice"]["total"]) == float(
        rows["alice"]["max"]) > 0
    before = _digests(out)
    write_class_report(out, sorted(rows), class_folder=folder)
    assert _digests(out) == before
