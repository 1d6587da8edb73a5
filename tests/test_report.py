"""The HTML reports: feedback.html per submission, index.html per class.

Pages made from synthetic results.json (tests/report_samples.py) check every
section, the figures, visibility and robustness in a fraction of a second;
pages made by really grading the reference, the stubs and a half-correct
submission check the whole path from `grade --report` to the page.
"""

import base64
import io
import json
import re
from html.parser import HTMLParser

import matplotlib.image
import numpy as np
import pytest
import report_samples
from grading import REFERENCE, STUBS, copy_package, grade, run_grader, without_tasks

from grader.course import COURSE
from grader.report import write_class_report, write_feedback
from grader.report.class_report import check_pass_rates, frequent_hints, knock_on_counts
from grader.report.experiments import ACTIVATIONS, INITS, TRAINING, run_experiments
from tests.conftest import FULL_REFERENCE_GROUP

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FEEDBACK_SECTIONS = ("summary", "checks", "training", "experiments")


class Page(HTMLParser):
    """The parts of a page the tests look at: ids, images, links, scripts, text."""

    def __init__(self, html):
        super().__init__()
        self.ids, self.images, self.links, self.scripts, self.external = set(), [], [], 0, []
        self.text_parts, self._in_style = [], False
        self.feed(html)
        self.text = " ".join("".join(self.text_parts).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "img":
            self.images.append(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "script":
            self.scripts += 1
        self._in_style = tag == "style"
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            if re.match(r"^(https?:)?//", value):
                self.external.append(value)
        if tag == "link":
            self.external.append(str(attrs))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text_parts.append(data)


def decode_png(data_uri):
    """The image of a data URI, checked to be a PNG and decoded by matplotlib."""
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix), data_uri[:40]
    raw = base64.b64decode(data_uri[len(prefix):], validate=True)
    assert raw.startswith(PNG_SIGNATURE)
    image = matplotlib.image.imread(io.BytesIO(raw), format="png")
    assert image.ndim == 3 and image.shape[0] > 50 and image.shape[1] > 50
    return image


def render(tmp_path, results, name="feedback.html"):
    results_path = tmp_path / f"{name}.json"
    results_path.write_text(json.dumps(results))
    path = write_feedback(results_path, tmp_path / name)
    return path.read_text(encoding="utf-8")


def assert_self_contained(page):
    assert page.scripts == 0
    assert page.external == []
    for image in page.images:
        assert image["src"].startswith("data:image/png;base64,")
        assert image.get("alt")


# ---------------------------------------------------------------- feedback, synthetic results


@pytest.fixture(scope="module")
def sample_feedback(tmp_path_factory):
    """(results, html) of a page with every section; drawn once (18 figures take seconds)."""
    results = report_samples.results(quality=0.6)
    return results, render(tmp_path_factory.mktemp("feedback"), results)


def test_feedback_has_every_section_and_figure(sample_feedback):
    results, html = sample_feedback
    page = Page(html)
    assert set(FEEDBACK_SECTIONS) <= page.ids
    assert {"task-xor", "task-moons", "task-spirals", "task-mnist", "a1", "a2", "a5"} <= page.ids
    # Per task: loss, accuracy, boundary (digits for MNIST), gradient norms; 2 experiments.
    assert len(page.images) == 4 * 4 + 2
    for image in page.images:
        decode_png(image["src"])
    assert_self_contained(page)
    assert '<meta name="viewport"' in html
    assert "no plot" not in page.text
    total = f"{results['score']:.2f}".rstrip("0").rstrip(".")
    share = 100 * results["score"] / results["extra_data"]["max_score"]
    assert f"{total} / " in page.text and f"{share:.0f}%" in page.text


def test_feedback_shows_status_points_message_and_hint(sample_feedback):
    results, html = sample_feedback
    page = Page(html)
    failed = [t for t in results["tests"] if t["extra_data"]["outcome"] == "failed"
              and t["visibility"] == "visible"]
    assert failed
    for test in failed:
        assert test["extra_data"]["check"] in page.text
        assert test["output"].splitlines()[0] in page.text
    assert "Hint: the result is N times too large" in page.text
    # Status by icon and word, not colour alone.
    assert "✖failed" in page.text.replace(" ", "") and "✔passed" in page.text.replace(" ", "")


def test_feedback_hides_details_of_hidden_cases(sample_feedback):
    results, html = sample_feedback
    assert any(report_samples.SECRET_INPUT in t["output"] for t in results["tests"])
    assert report_samples.SECRET_INPUT not in html
    assert report_samples.SECRET_HINT not in html
    assert "linear_backward[db-hidden]" in html  # the name and the score stay
    assert "values[relu-hidden]" in html
    assert "Hidden case" in html


def test_student_text_is_escaped(tmp_path):
    results = report_samples.results(quality=0.0, artifacts=False)
    results["tests"][0]["output"] = "your code raised ValueError: <script>alert(1)</script>"
    results["extra_data"]["submission"] = "<b>mallory</b>"
    html = render(tmp_path, results)
    assert "<script>" not in html and "<b>mallory" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_missing_training_data_says_why_in_place_of_the_plots(tmp_path):
    results = report_samples.results(quality=0.0, artifacts=False)
    for test in results["tests"]:
        if test["extra_data"]["check"] == "task_accuracy[moons]":
            test["output"] = "your code raised NotImplementedError in train"
    page = Page(render(tmp_path, results))
    assert page.images == []
    assert "Two moons training: no plot." in page.text
    assert ("task_accuracy[moons] did not pass: your code raised NotImplementedError in train"
            in page.text)
    assert "MNIST training: no plot." in page.text
    assert "No experiments in this report: they did not run." in page.text


def test_malformed_training_data_loses_one_figure_not_the_page(tmp_path):
    results = report_samples.results()
    artifacts = results["extra_data"]["artifacts"]
    artifacts["moons"]["grid"]["labels"] = [[0, 1], [1, 0]]  # not the grid's shape
    artifacts["spirals"]["history"]["loss"] = ["a", "b"]
    artifacts["mnist"]["samples"] = []
    artifacts["xor"] = {"error": "timed out after 10.0 s"}
    page = Page(render(tmp_path, results))
    assert "Two moons decision boundary: no plot. It cannot be drawn: the grid's labels have " \
           "shape (2, 2), not (50, 60)." in page.text
    assert "Spirals loss: no plot. It cannot be drawn: the loss history holds values that " \
           "are not numbers." in page.text
    assert "MNIST digits: no plot. It cannot be drawn: no test digits were kept." in page.text
    assert "XOR training: no plot. The run failed: timed out after 10.0 s" in page.text
    for image in page.images:  # the rest is still drawn
        decode_png(image["src"])
    assert len(page.images) == 3 + 3 + 3 + 2  # moons, spirals, MNIST, experiments


def test_failed_experiment_runs_are_named(tmp_path):
    results = report_samples.results(artifacts=False)
    results["extra_data"]["artifacts"] = {"experiments": report_samples.experiments(
        np.random.default_rng(0), failing=("sigmoid",))}
    page = Page(render(tmp_path, results))
    assert "sigmoid: your code raised ValueError: unknown setting sigmoid" in page.text
    assert sum("experiment" in image["alt"] for image in page.images) == 2


def test_incomplete_grading_is_announced(tmp_path):
    results = report_samples.results(artifacts=False)
    results["extra_data"].update(complete=False, failure="the grading process stopped early")
    page = Page(render(tmp_path, results))
    assert "Grading did not finish. the grading process stopped early" in page.text


def test_a_public_subset_says_so_beside_the_course_total(tmp_path):
    """Graded without the hidden cases (the student bundle), the page says 'public' and gives
    the total with the hidden cases, as the terminal does; a full grade says neither."""
    results = report_samples.results(artifacts=False)
    full = Page(render(tmp_path, results, "full.html")).text
    assert "public points" not in full and "with the hidden cases" not in full
    totals = results["extra_data"]["assignments"]
    first = next(iter(totals))
    totals[first]["hidden_max_score"] = 12.5
    page = Page(render(tmp_path, results, "public.html")).text
    maximum = float(results["extra_data"].get("max_score")
                    or sum(t["max_score"] for t in results["tests"]))
    words = " ".join(page.split())
    assert f"/ {maximum:g} public points" in words
    assert f"out of {maximum + 12.5:g} with the hidden cases" in words
    course = float(totals[first]["max_score"]) + 12.5
    row = f"{float(totals[first]['max_score']):g} public"
    assert row in words and f"of {course:g} with the hidden cases" in words


# ---------------------------------------------------------------- class report


def class_folder(tmp_path):
    """Four students: three graded with falling quality, one without results."""
    for number, quality in enumerate([1.0, 0.6, 0.3]):
        folder = tmp_path / f"student{number}"
        folder.mkdir()
        (folder / "results.json").write_text(json.dumps(
            report_samples.results(f"student{number}", seed=number, quality=quality,
                                   artifacts=False)))
        write_feedback(folder / "results.json", folder / "feedback.html")
    (tmp_path / "student3").mkdir()
    return ["student0", "student1", "student2", "student3"]


def test_class_report_sections_links_and_histogram(tmp_path):
    students = class_folder(tmp_path)
    html = write_class_report(tmp_path, students).read_text(encoding="utf-8")
    page = Page(html)
    assert {"distribution", "assignments", "pass-rates", "hints", "students"} <= page.ids
    assert len(page.images) == 1
    decode_png(page.images[0]["src"])
    assert_self_contained(page)
    for student in students[:3]:
        assert f"{student}/feedback.html" in page.links
        assert (tmp_path / student / "feedback.html").exists()
    assert "student3" in page.text and "no results" in page.text
    assert "student3/feedback.html" not in page.links


def test_class_pass_rates_are_sorted_from_the_hardest(tmp_path):
    students = class_folder(tmp_path)
    graded = [{"id": s, "results": json.loads((tmp_path / s / "results.json").read_text())}
              for s in students[:3]]
    rates = check_pass_rates(graded)
    shares = [passed / attempted for _, _, passed, attempted, _ in rates]
    assert shares == sorted(shares) and shares[0] < shares[-1]
    # The hidden case failed for everyone; the signature check passed for everyone.
    assert rates[0][:4] in {("a2", "linear_backward[db-hidden]", 0, 3),
                            ("a1", "values[relu-hidden]", 0, 3)}
    assert ("a1", "signature[relu]", 3, 3) in [r[:4] for r in rates]
    page = Page(write_class_report(tmp_path, students).read_text(encoding="utf-8"))
    order = [page.text.index(name) for name in ("values[relu-hidden]", "signature[relu]")]
    assert order == sorted(order)


def test_class_hints_count_students_and_skip_hidden_ones(tmp_path):
    students = class_folder(tmp_path)
    graded = [{"id": s, "results": json.loads((tmp_path / s / "results.json").read_text())}
              for s in students[:3]]
    hints = frequent_hints(graded)
    assert hints[0][0] == "the result is N times too large: divide by N"
    assert hints[0][1] == 2  # students 1 and 2 lost points; student 0 passed everything
    html = (write_class_report(tmp_path, students)).read_text(encoding="utf-8")
    assert report_samples.SECRET_HINT not in html


# ---------------------------------------------------------------- reports of real gradings


def half_correct(tmp_path):
    """The reference with the a3 and a4 modules (losses, gradcheck) replaced by the stubs'."""
    package = copy_package(REFERENCE, tmp_path / "half_correct")
    for module in ("losses.py", "gradcheck.py"):
        (package / module).write_text((STUBS / module).read_text())
    return package


def graded_report(tmp_path, submission, assignments):
    out = tmp_path / "out"
    status, results, process = grade(submission, out, assignments, "--report")
    assert status == 0, process.stdout + process.stderr
    html = (out / "feedback.html").read_text(encoding="utf-8")
    return results, html, Page(html)


def assert_report_matches_results(results, html, page):
    assert set(FEEDBACK_SECTIONS) <= page.ids
    assert_self_contained(page)
    for image in page.images:
        decode_png(image["src"])
    for assignment, total in results["extra_data"]["assignments"].items():
        assert assignment in page.ids
        row = re.search(rf'href="#{assignment}".*?</tr>', html).group(0)
        assert re.sub(r"<[^>]+>", "", row).count(
            f"{total['score']:.2f}".rstrip("0").rstrip(".") + " / ") == 1
    # Every check is on the page: in a row of its own, or named in the row of the checks
    # that failed for one reason (an unwritten function, an import failure).
    rows = set(re.findall(r'<code class="name">([^<]+)</code>', html))
    grouped = re.findall(r'<code class="grouped">([^<]+)</code>', html)
    checks = {t["extra_data"]["check"].replace("'", "&#x27;") for t in results["tests"]}
    assert len(grouped) == len(set(grouped))
    assert checks <= rows | set(grouped)
    unwritten = {t["output"].split(" is not implemented yet")[0] for t in results["tests"]
                 if t["score"] < t["max_score"] and " is not implemented yet" in
                 t["output"].splitlines()[0]}
    assert rows - checks <= unwritten | set(grouped)


@pytest.mark.parametrize("which", ["reference", "stubs", "half_correct"])
def test_report_of_a_real_grading(tmp_path, which):
    """Assignments 1-4 (graded in seconds): the report of each kind of submission."""
    submission = {"reference": REFERENCE, "stubs": STUBS}.get(which) or half_correct(tmp_path)
    results, html, page = graded_report(tmp_path, submission, without_tasks())
    assert_report_matches_results(results, html, page)
    failed_rows = re.findall(r'<li class="check (failed|partial|notrun)', html)
    if which == "reference":
        assert failed_rows == [] and results["score"] == results["extra_data"]["max_score"]
    elif which == "stubs":
        # One row per unwritten function, as the terminal's one line: not one per check.
        unwritten = [t for t in results["tests"] if t["score"] < t["max_score"]
                     and " is not implemented yet" in t["output"].splitlines()[0]]
        functions = {(t["extra_data"]["assignment"], t["output"].split(" is ")[0])
                     for t in unwritten}
        groups = re.findall(r'<li class="check failed group" data-kind="unwritten" '
                            r'data-checks="(\d+)"', html)
        assert len(unwritten) > 0.5 * len(results["tests"])
        assert len(groups) == len(functions) < len(unwritten) / 2
        assert sum(map(int, groups)) == len(unwritten)
        assert "not implemented yet" in page.text
    else:
        assert 'id="a1"' in html and "a3" in page.ids
        a1 = re.search(r'id="a1".*?</details>\s*(?=<details class="assignment"|</section>)',
                       html, re.S).group(0)
        a3 = re.search(r'id="a3".*?</details>\s*(?=<details class="assignment"|</section>)',
                       html, re.S).group(0)
        assert "check failed" not in a1
        assert "not implemented yet" in a3 and "check failed" in a3


@pytest.mark.slow
@pytest.mark.parametrize("which", [
    pytest.param("reference", marks=pytest.mark.xdist_group(FULL_REFERENCE_GROUP)),
    "stubs", "half_correct"])
def test_full_report_of_a_real_grading(tmp_path, which, request):
    """Every assignment, with the training tasks (MNIST too) and the experiments."""
    if which == "reference":  # the complete grading test_grader_cli.py reads too
        status, results, html, process = request.getfixturevalue("full_reference_run")
        assert status == 0, process.stdout + process.stderr
        page = Page(html)
    else:
        submission = STUBS if which == "stubs" else half_correct(tmp_path)
        results, html, page = graded_report(tmp_path, submission, COURSE.ids)
    assert_report_matches_results(results, html, page)
    assert {"task-xor", "task-moons", "task-spirals", "task-mnist"} <= page.ids
    runs = results["extra_data"]["artifacts"]["experiments"]
    if which == "reference":
        # 4 figures per network task (loss, accuracy or gradient by depth, boundary or
        # digits, gradient norms), 3 for value_moons (a10: loss per step, margins,
        # boundary) and for sine and memory (a9: loss, waves or lengths, gradients), 2 for
        # ring (a11: G's samples over training, both losses), 2 experiments, and a12's NumPy
        # and PyTorch training curves.
        figures = {task: {"value_moons": 3, "sine": 3, "memory": 3, "ring": 2}.get(task, 4)
                   for task in COURSE.tasks}
        assert len(page.images) == sum(figures.values()) + 2 + 1
        assert "no plot" not in page.text
        assert all("loss" in run for run in runs["init"].values())
    else:
        # The training of the stubs and of a network without its losses fails: each task's
        # figures give way to the reason.
        for label in ("XOR", "Two moons", "Spirals", "MNIST"):
            assert f"{label} training: no plot." in page.text
        if which == "stubs":
            assert all("error" in run for run in runs["init"].values())
            assert len(page.images) == 0


# ---------------------------------------------------------------- experiments in the sandbox


class _PluginStandIn:
    """What run_experiments uses of the grader's plugin: student() and artifacts."""

    def __init__(self, submission):
        from grader.datasets import prepare_worker_data
        from grader.rubric import load_rubric
        from grader.sandbox.client import Session

        rubric = load_rubric()
        self.artifacts = {}
        self.session = Session(submission, data_dir=prepare_worker_data(),
                               limits=rubric.limits, budget_seconds=120)

    def student(self):
        return self.session


@pytest.mark.parametrize("which", ["reference", "stubs"])
def test_experiments_run_the_students_code(which):
    stand_in = _PluginStandIn(REFERENCE if which == "reference" else STUBS)
    try:
        run_experiments(stand_in)
    finally:
        stand_in.session.close()
    experiments = stand_in.artifacts["experiments"]
    assert list(experiments["init"]) == list(INITS)
    assert list(experiments["activation"]) == list(ACTIVATIONS)
    runs = list(experiments["init"].values()) + list(experiments["activation"].values())
    if which == "stubs":
        assert all(run == {"error": "not implemented yet (your code raises "
                                    "NotImplementedError)"} for run in runs)
        return
    for run in runs:
        assert len(run["loss"]) == len(run["train_acc"]) == TRAINING["epochs"]
    # What the page teaches must hold for the reference: He beats tiny weights, ReLU beats
    # sigmoid (final training loss after the same number of epochs).
    assert experiments["init"]["he"]["loss"][-1] < 0.5 * experiments["init"]["small"]["loss"][-1]
    assert (experiments["activation"]["relu"]["loss"][-1]
            < 0.5 * experiments["activation"]["sigmoid"]["loss"][-1])


def test_batch_grading_writes_the_class_report(tmp_path):
    """`grade --batch --report`: a feedback page per student and index.html linking them."""
    submissions = tmp_path / "submissions"
    copy_package(REFERENCE, submissions / "ada")
    copy_package(STUBS, submissions / "bob")
    out = tmp_path / "out"
    process = run_grader("grade", submissions, "--batch", "--out", out, "--only", "a1",
                         "--report", "--jobs", "2")
    assert process.returncode == 0, process.stdout + process.stderr
    page = Page((out / "index.html").read_text(encoding="utf-8"))
    # The roster links every student once (the triage above it links the ones in trouble).
    assert sorted(set(page.links)) == ["ada/feedback.html", "bob/feedback.html"]
    for student in ("ada", "bob"):
        assert "Feedback on " + student in Page((out / student / "feedback.html").read_text()).text
    decode_png(page.images[0]["src"])


def test_knock_on_counts_failures_that_may_start_in_an_earlier_assignment():
    """A student who loses points in a2 and fails an a5 check is counted; one whose
    a2 is perfect is not; passing students never are."""
    def student(a2_score, a5_outcome):
        return {"id": "s", "results": {
            "extra_data": {"assignments": {"a2": {"score": a2_score, "max_score": 10},
                                           "a5": {"score": 0, "max_score": 1}}},
            "tests": [{"name": "a5 mlp_backward[b1-public]", "score": 0, "max_score": 1,
                       "status": "failed" if a5_outcome != "passed" else "passed",
                       "output": "", "visibility": "visible",
                       "extra_data": {"assignment": "a5", "check": "mlp_backward[b1-public]",
                                      "outcome": a5_outcome}}]}}
    graded = [student(7, "failed"), student(10, "failed"), student(7, "passed")]
    counts = knock_on_counts(graded, {"a5": ["a1", "a2", "a3"]})
    assert counts == {("a5", "mlp_backward[b1-public]"): 1}


def test_the_accuracy_axis_zooms_on_the_band_that_matters():
    """MNIST's curve lives in 90-100%: the axis shows that band, not 0-100%; a curve that
    climbs from chance keeps its climb; a first epoch far below is left out and named."""
    from grader.report.plots import accuracy_axis  # noqa: PLC0415

    mnist = [93.1, 96.4, 97.3, 97.9, 98.2, 98.4]
    lower, below = accuracy_axis([mnist], [95.0, 90.0])
    assert 85 <= lower < 90 and below is None
    lower, below = accuracy_axis([mnist], [95.0])
    assert 90 <= lower < min(mnist) and below is None
    climbing = [34.0, 52.0, 71.0, 88.0, 95.0, 97.0]
    lower, below = accuracy_axis([climbing], [95.0, 85.0])
    assert lower < 34 and below is None
    from_chance = [10.0, 80.0, 90.0, 95.0, 97.0, 98.0]
    lower, below = accuracy_axis([from_chance], [95.0])
    assert 70 <= lower < 80 and below == 10.0
    lower, below = accuracy_axis([[50.0, 75.0, 100.0]], [100.0])
    assert lower <= 50 and below is None
    assert accuracy_axis([[3.0, 4.0, 5.0, 6.0, 7.0]], []) == (0.0, None)
