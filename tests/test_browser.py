"""The reports in a real browser: headless Chromium, desktop and phone widths.

Each page is loaded from a local file; the test checks that every image
decoded (naturalWidth > 0), that no script error or failed load was logged,
that nothing was requested beyond the file itself and its data: URIs, and
that at phone width nothing is wider than the screen. It saves full-page
screenshots (in pytest's tmp_path, and in $REPORT_SCREENSHOTS when set, for
CI to keep as artifacts).

Chromium: /usr/bin/chromium (Debian's package), or $CHROMIUM. Missing, these
tests skip on a workstation and fail in CI (CI=true).
"""

import json
import os
import shutil
from pathlib import Path

import matplotlib.image
import pytest
import report_samples
from chromium import Chromium, find_chromium

from grader.report import write_class_report, write_feedback

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1280, 900, False), "phone": (390, 844, True)}
IMAGES = "Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete, " \
         "width: i.naturalWidth}))"
WIDEST = "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        message = "Chromium is not installed (apt-get install chromium, or set $CHROMIUM)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with Chromium(executable) as chromium:
        yield chromium


def keep_screenshot(path):
    """Copy a screenshot to $REPORT_SCREENSHOTS (CI uploads that folder)."""
    folder = os.environ.get("REPORT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


def check_in_browser(browser, html_path, screenshot_stem, expected_images):
    """Load the page at each size; assert it works and looks whole; save screenshots."""
    for size, (width, height, mobile) in SIZES.items():
        page = browser.open(html_path, width, height, mobile=mobile)
        images = page.evaluate(IMAGES)
        assert len(images) == expected_images
        broken = [image["alt"] for image in images if not image["complete"] or image["width"] == 0]
        assert broken == [], f"images that did not load at {size} width: {broken}"
        assert page.script_errors() == []
        outside = [url for url in page.requested_urls()
                   if not url.startswith(("file://", "data:"))]
        assert outside == [], f"the page fetched {outside}"
        assert page.evaluate(WIDEST) <= width, f"the page is wider than the {size} screen"
        shot = page.screenshot(html_path.parent / f"{screenshot_stem}-{size}.png")
        picture = matplotlib.image.imread(shot)
        assert picture.shape[1] == width and picture.shape[0] >= height
        assert picture.std() > 0.05  # not a blank page
        keep_screenshot(shot)


def test_feedback_page_in_chromium(browser, tmp_path):
    results = report_samples.results(quality=0.6)
    (tmp_path / "results.json").write_text(json.dumps(results))
    html_path = write_feedback(tmp_path / "results.json", tmp_path / "feedback.html")
    check_in_browser(browser, html_path, "feedback", expected_images=4 * 4 + 2)


def test_class_report_in_chromium(browser, tmp_path):
    students = []
    for number, quality in enumerate([1.0, 0.6, 0.3, 0.0]):
        student = f"student{number}"
        folder = tmp_path / student
        folder.mkdir()
        (folder / "results.json").write_text(json.dumps(
            report_samples.results(student, seed=number, quality=quality, artifacts=False)))
        write_feedback(folder / "results.json", folder / "feedback.html")
        students.append(student)
    html_path = write_class_report(tmp_path, students)
    check_in_browser(browser, html_path, "class-report", expected_images=1)
    # The links to the students' pages lead to pages that load.
    page = browser.open(html_path, *SIZES["desktop"][:2])
    links = page.evaluate("Array.from(document.querySelectorAll('#students a'))"
                          ".map(a => a.href)")
    assert len(links) == len(students)
    target = browser.open(Path(links[-1].removeprefix("file://")), *SIZES["phone"][:2],
                          mobile=True)
    assert target.evaluate("document.querySelector('h1').textContent") == "Feedback on student3"


GROUPS = """Array.from(document.querySelectorAll('li.check.group[data-kind="unwritten"]'))
  .map(li => ({name: li.querySelector('code.name').textContent,
               checks: Number(li.dataset.checks), text: li.innerText,
               shown: li.getBoundingClientRect().height > 0,
               assignment: li.closest('details.assignment').id}))"""
ROW_NAMES = "Array.from(document.querySelectorAll('li.check code.name')).map(c => c.textContent)"
STANDING = """Object.fromEntries(Array.from(document.querySelectorAll('article.task')).map(a => [
  a.id.replace('task-', ''),
  {metric: (a.querySelector('.standing .metric') || {}).innerText || '',
   time: (a.querySelector('.standing .time') || {}).innerText || '',
   chip: (a.querySelector('.task-head .status') || {}).innerText || '',
   spare: !!a.querySelector('.standing .margin-above'),
   short: !!a.querySelector('.standing .margin-below')}]))"""


def test_feedback_groups_unwritten_functions_and_shows_training_margins(browser, tmp_path):
    """What issue 14 asked of the page, read from the DOM Chromium built: an unwritten
    function is one row (as in the terminal), and every training run says its metric beside
    the threshold and its time beside the budget, passing or not."""
    results = report_samples.results(quality=0.6, unwritten=True)
    (tmp_path / "results.json").write_text(json.dumps(results))
    html_path = write_feedback(tmp_path / "results.json", tmp_path / "feedback.html")
    page = browser.open(html_path, *SIZES["desktop"][:2])
    assert page.script_errors() == []

    groups = page.evaluate(GROUPS)
    assert [g["name"] for g in groups] == list(report_samples.UNWRITTEN)
    for group in groups:
        names = report_samples.UNWRITTEN[group["name"]]
        assert group["checks"] == len(names) and group["shown"] and group["assignment"] == "a2"
        assert f"{group['name']} is not implemented yet: {len(names)} checks" in group["text"]
        assert f"{0.5 * len(names):g} points at stake" in group["text"]
    rows = page.evaluate(ROW_NAMES)
    grouped = {name for names in report_samples.UNWRITTEN.values() for name in names}
    assert not grouped & set(rows), "an unwritten function's checks have rows of their own"

    standing = page.evaluate(STANDING)
    artifacts = results["extra_data"]["artifacts"]
    for task, artifact in artifacts.items():
        if task == "experiments":
            continue
        shown = standing[task]
        value, threshold = artifact["value"], artifact["threshold"]
        assert f"{100 * value:.2f}%" in shown["metric"]
        assert f"full credit from {100 * threshold:g}%" in shown["metric"]
        assert f"{artifact['partial_credit']:g} of the points from " \
               f"{100 * artifact['partial_threshold']:g}%" in shown["metric"]
        assert f"{100 * abs(value - threshold):.2f} percentage points" in shown["metric"]
        assert (shown["spare"], shown["short"]) == (value >= threshold, value < threshold)
        expected = ("passed" if value >= threshold else
                    "partial" if value >= artifact["partial_threshold"] else "failed")
        assert expected in shown["chip"]
        assert f"{artifact['seconds']:.1f} s" in shown["time"]
        assert f"of its {artifact['budget_seconds']:g} s budget" in shown["time"]
    assert any(standing[t]["short"] for t in artifacts if t in standing), "a failing run too"

    shot = page.screenshot(tmp_path / "feedback-grouped-and-margins.png")
    assert matplotlib.image.imread(shot).shape[1] == SIZES["desktop"][0]
    keep_screenshot(shot)
