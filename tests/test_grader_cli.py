"""End to end: `python -m grader grade` on real submissions, checked by their results.json.

The reference must score every point and the stubs none; a correct but
differently written implementation must score like the reference; a single
wrong function must cost exactly the checks that exercise it. The checks are
read from the results, never listed here, so the tests hold for whatever
checks exist (except the few a mutant names on purpose).
"""

import csv
import importlib.util
import json
import re
import shutil
import sys

import numpy as np
import pytest
from grading import (
    ALTERNATIVES,
    REFERENCE,
    REPO_ROOT,
    STUBS,
    copy_package,
    defined_names,
    gradable_assignments,
    grade,
    grade_without_training,
    overlay,
    replace_once,
    run_grader,
    scores_by_check,
    without_tasks,
    without_timings,
)

from grader.course import COURSE
from grader.plugin import HIDDEN_DETAILS
from tests.conftest import FULL_REFERENCE_GROUP

EXIT_OK, EXIT_USAGE = 0, 2


def lost_checks(results, baseline):
    """Names of the checks scoring less than in the baseline run."""
    ours, theirs = scores_by_check(results), scores_by_check(baseline)
    assert ours.keys() == theirs.keys(), "both runs must grade the same checks"
    return sorted(name for name in ours if ours[name] < theirs[name])


def matches(pattern, name):
    """The rubric's globbing: * is the only wildcard, brackets are literal."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), name)


def assert_full_marks(results):
    assert results["extra_data"]["complete"] is True
    assert results["extra_data"]["max_score"] > 0
    short = {t["name"]: t["output"][:300] for t in results["tests"] if t["score"] < t["max_score"]}
    assert short == {}, f"checks below full marks: {json.dumps(short, indent=1)}"
    assert results["score"] == pytest.approx(results["extra_data"]["max_score"])


# ---------------------------------------------------------------- reference and stubs


def test_reference_scores_every_point(reference_run):
    status, results = reference_run
    assert status == EXIT_OK
    assert_full_marks(results)
    assert results["extra_data"]["internal_errors"] == 0


def test_stubs_score_nothing_and_finish_quickly(stubs_run, reference_run):
    status, results, seconds = stubs_run
    assert status == EXIT_OK, "a graded submission exits 0 however badly it scores"
    assert results["extra_data"]["complete"] is True
    assert results["score"] == 0
    assert results["extra_data"]["max_score"] == reference_run[1]["extra_data"]["max_score"]
    assert results["extra_data"]["internal_errors"] == 0
    # Every stub raises NotImplementedError at once: no check may wait for a time limit.
    # 60 s is far above the 2-5 s measured (loaded machine); the bound only catches hangs.
    assert not [t["name"] for t in results["tests"] if "timed out" in t["output"]]
    assert seconds < 60, f"grading the stubs took {seconds:.0f} s"
    assert any("not implemented" in t["output"] for t in results["tests"])


def test_stubs_on_every_assignment_score_nothing(tmp_path):
    """Training tasks included: an untuned config and missing code fail fast, not slowly."""
    assignments = gradable_assignments()
    status, results, process = grade(STUBS, tmp_path, assignments)
    assert status == EXIT_OK, process.stderr
    assert results["extra_data"]["complete"] is True
    assert results["score"] == 0
    assert results["execution_time"] < 120, "stubs should fail fast, not run into budgets"


@pytest.mark.slow
@pytest.mark.xdist_group(FULL_REFERENCE_GROUP)
def test_reference_scores_every_point_on_every_assignment(full_reference_run):
    """Everything, every training task included (minutes; the run test_report.py reads too)."""
    status, results, _, process = full_reference_run
    assert status == EXIT_OK, process.stderr
    assert_full_marks(results)


# ---------------------------------------------------------------- other implementations


INDEPENDENT = ALTERNATIVES / "independent"


def _overlaid_reference(tmp_path):
    package = overlay(INDEPENDENT, tmp_path / "alternative")
    return package, {path.stem: defined_names(path) for path in INDEPENDENT.glob("*.py")}


def _import_package(path, name):
    spec = importlib.util.spec_from_file_location(name, path / "__init__.py",
                                                  submodule_search_locations=[str(path)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return {m: importlib.import_module(f"{name}.{m}") for m in ("activations", "layers", "losses")}


def test_alternatives_really_differ_and_agree_with_the_reference(tmp_path):
    """Guard for the next test: the overlay is in effect, and the alternatives are right."""
    from reference import activations, layers, losses

    package, replaced = _overlaid_reference(tmp_path)
    assert set(replaced) == {"activations", "layers", "losses"}
    alternative = _import_package(package, "alternative_submission")
    try:
        rng = np.random.default_rng(0)
        x, W, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
        dout = rng.standard_normal((5, 3))
        out, cache = alternative["layers"].linear_forward(x, W, b)
        assert isinstance(cache, dict), "the overlay did not replace linear_forward"
        np.testing.assert_allclose(out, layers.linear_forward(x, W, b)[0], rtol=1e-12)
        for mine, theirs in zip(alternative["layers"].linear_backward(dout, cache),
                                layers.linear_backward(dout, layers.linear_forward(x, W, b)[1])):
            np.testing.assert_allclose(mine, theirs, rtol=1e-12)
        z = rng.standard_normal((4, 6)) * 30
        np.testing.assert_allclose(alternative["activations"].sigmoid(z), activations.sigmoid(z),
                                   rtol=1e-12, atol=1e-300)
        # s * (1 - s) cancels for large z in both: agreement to rounding of 1 - s only.
        np.testing.assert_allclose(alternative["activations"].sigmoid_grad(z),
                                   activations.sigmoid_grad(z), rtol=1e-10, atol=1e-15)
        y = rng.integers(0, 6, size=4)
        for mine, theirs in zip(alternative["losses"].softmax_cross_entropy(z, y),
                                losses.softmax_cross_entropy(z, y)):
            np.testing.assert_allclose(mine, theirs, rtol=1e-12)
        logits, targets = z[:, 0], rng.uniform(0, 1, 4)
        for mine, theirs in zip(alternative["losses"].binary_cross_entropy(logits, targets),
                                losses.binary_cross_entropy(logits, targets)):
            np.testing.assert_allclose(mine, theirs, rtol=1e-12)
    finally:
        for name in [n for n in sys.modules if n.startswith("alternative_submission")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def alternative_run(tmp_path_factory):
    """results.json of the reference with tests/alternatives/independent/ overlaid."""
    folder = tmp_path_factory.mktemp("alternative")
    package, _ = _overlaid_reference(folder)
    status, results, process = grade_without_training(package, folder / "out")
    assert status == EXIT_OK, process.stderr
    return results


def test_independent_correct_implementation_scores_like_the_reference(alternative_run,
                                                                      reference_run):
    """Assignments 1-4 grade the replaced functions themselves: every point."""
    lost = lost_checks(alternative_run, reference_run[1])
    assert [name for name in lost if name.split()[0] in without_tasks()] == []


def test_reference_network_works_with_any_correct_layers(alternative_run, reference_run):
    """The network is built from the layers' functions only, so correct layers written
    differently (here: a dict cache) leave every network check at full points."""
    assert lost_checks(alternative_run, reference_run[1]) == []


# The checks that exercise linear_backward's db: the only ones a db averaged over the
# batch may cost. In assignment 2 exactly these; in assignment 5, checks of the bias
# gradients of the network and of training (patterns, * the only wildcard).
# linear_float32 and linear_inputs_unchanged pay only for right values, db included.
LINEAR_DB_CHECKS = ["a2 linear_backward[db-hidden]", "a2 linear_backward[db-public]",
                    "a2 linear_float32", "a2 linear_inputs_unchanged",
                    "a2 linear_numerical_gradient[db]"]
LINEAR_DB_CALLERS = ["a5 mlp_backward[b*", "a5 mlp_loss_gradient[b*", "a5 mlp_forward_float32",
                     "a5 network_inputs_unchanged",
                     "a5 mlp_loss_numerical_gradient[b*", "a5 train_*",
                     "a12 compare_training_numpy[*",  # assignment 5's training, compared
                     # a7's Linear wraps linear_backward; Sequential and fit run Linears
                     "a7 Linear[*", "a7 Sequential[*", "a7 fit_full_batch[*",
                     # a8's conv_backward computes db with linear_backward; Conv2d and the
                     # CNN wrap it; a9's fit and a11's G and D run Linears
                     "a8 Conv2d[*", "a8 cnn_Sequential", "a8 conv_backward[db-*",
                     "a8 conv_forward_dtype", "a8 conv_numerical_gradient[db]",
                     "a9 rnn_fit_clip_norm", "a11 gan_step_*", "a11 train_gan_own_optimizers[*"]


def test_one_wrong_function_costs_exactly_its_checks(tmp_path, reference_run):
    package = copy_package(REFERENCE, tmp_path / "db_averaged")
    replace_once(package / "layers.py", "db = dout.sum(axis=0)", "db = dout.mean(axis=0)")
    status, results, process = grade_without_training(package, tmp_path / "out")
    assert status == EXIT_OK, process.stderr
    lost = lost_checks(results, reference_run[1])
    assert [name for name in lost if name.startswith("a2 ")] == LINEAR_DB_CHECKS
    unexpected = [name for name in lost if name not in LINEAR_DB_CHECKS
                  and not any(matches(pattern, name) for pattern in LINEAR_DB_CALLERS)]
    assert unexpected == [], f"checks that never call linear_backward lost points: {unexpected}"
    for test in results["tests"]:
        if test["name"] in LINEAR_DB_CHECKS:
            assert test["score"] == 0 and test["status"] == "failed"


# ---------------------------------------------------------------- batches


@pytest.fixture(scope="module")
def fast_assignments():
    """Assignments 1-4 (no training tasks; a batch cannot deselect checks with -k)."""
    return gradable_assignments(without_tasks())


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory, fast_assignments):
    """A class of four: the reference, the stubs, a syntax error in layers.py, no losses.py."""
    folder = tmp_path_factory.mktemp("class")
    copy_package(REFERENCE, folder / "ada_reference")
    copy_package(STUBS, folder / "bob_stubs")
    broken = copy_package(REFERENCE, folder / "cyd_syntax_error")
    (broken / "layers.py").write_text((broken / "layers.py").read_text() + "\ndef broken(:\n")
    missing = copy_package(REFERENCE, folder / "dan_missing_losses")
    (missing / "losses.py").unlink()
    out = tmp_path_factory.mktemp("class_out")
    process = run_grader("grade", folder, "--batch", "--jobs", "2", "--out", out,
                         "--only", ",".join(fast_assignments))
    return process, out


def _batch_results(out, student):
    return json.loads((out / student / "results.json").read_text())


@pytest.mark.slow
def test_batch_gradebook_has_a_complete_row_per_student(batch_run, fast_assignments):
    process, out = batch_run
    assert process.returncode == EXIT_OK, process.stdout + process.stderr
    with open(out / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    students = ["ada_reference", "bob_stubs", "cyd_syntax_error", "dan_missing_losses"]
    assert sorted(rows) == students
    for student in students:
        assert rows[student]["status"] == "complete", rows[student]
        results = _batch_results(out, student)
        assert results["extra_data"]["complete"] is True
        assert float(rows[student]["total"]) == pytest.approx(results["score"])
        for a in fast_assignments:
            assert float(rows[student][a]) == results["extra_data"]["assignments"][a]["score"]
    assert float(rows["ada_reference"]["total"]) == float(rows["ada_reference"]["max"]) > 0
    assert float(rows["bob_stubs"]["total"]) == 0


@pytest.mark.slow
def test_batch_scores_equal_single_runs(batch_run, reference_run):
    _, out = batch_run
    in_batch = scores_by_check(_batch_results(out, "ada_reference"))
    alone = scores_by_check(reference_run[1])
    assert in_batch == {name: alone[name] for name in in_batch}


@pytest.mark.slow
@pytest.mark.parametrize("student, module, assignment", [
    ("cyd_syntax_error", "layers.py", "a2"),
    ("dan_missing_losses", "losses.py", "a3"),
])
def test_a_broken_module_costs_only_the_checks_needing_it(batch_run, reference_run, student,
                                                          module, assignment):
    _, out = batch_run
    results = _batch_results(out, student)
    reference = {name: score for name, score in scores_by_check(reference_run[1]).items()
                 if name in scores_by_check(results)}  # the batch grades assignments 1-4
    lost = {name for name, score in scores_by_check(results).items() if score < reference[name]}
    # Its assignment's checks, and those of the assignments that build on it (a12's network).
    builders = {a.id for a in COURSE if a.id == assignment or assignment in a.builds_on}
    needing = {name for name in reference if name.split(" ")[0] in builders
               and reference[name] > 0}
    assert needing, f"no scored check of {assignment}"
    assert lost == needing, f"a broken {module} should cost exactly the {assignment} checks"
    # The reason names the module; hidden checks without details show a fixed text instead.
    outputs = [t["output"] for t in results["tests"]
               if t["name"] in needing and not t["output"].startswith(HIDDEN_DETAILS)]
    assert outputs
    assert all(module in o for o in outputs), outputs[:3]


def test_hidden_checks_of_unimplemented_code_say_so(stubs_run):
    _, results, _ = stubs_run
    hidden = [t for t in results["tests"] if "hidden" in t["name"] and t["max_score"] > 0]
    assert hidden
    assert all("not implemented" in t["output"] for t in hidden), hidden[0]["output"]


# ---------------------------------------------------------------- determinism and exit status


def test_grading_twice_gives_the_same_results(tmp_path, reference_run):
    status, again, _ = grade_without_training(REFERENCE, tmp_path)
    assert status == EXIT_OK
    assert without_timings(again) == without_timings(reference_run[1])


def test_a_timed_check_keeps_its_seconds_beside_its_message(reference_run):
    """a8's conv_vectorised measures CPU seconds: they are in extra_data, not in the output."""
    timed = next(t for t in reference_run[1]["tests"] if t["name"] == "a8 conv_vectorised")
    assert {"forward_seconds", "backward_seconds"} <= set(timed["extra_data"]["timing"])
    assert " s;" not in timed["output"] and "CPU time" in timed["output"]


def test_timings_are_the_only_thing_stripped(reference_run):
    """Guard: the determinism comparison keeps every check's score and message."""
    stripped = without_timings(reference_run[1])
    assert "execution_time" not in stripped and "timing" not in stripped["extra_data"]
    assert stripped["tests"] and all({"score", "output", "status"} <= t.keys()
                                     for t in stripped["tests"])
    assert "seconds" not in stripped["tests"][0]["extra_data"]


@pytest.mark.parametrize("arguments", [
    ["grade", "reference", "--only", "a99"],
    ["grade", "reference", "--only", "a1,a99"],
    ["grade", "/nonexistent/class", "--batch"],
    ["grade"],
])
def test_usage_errors_exit_2(tmp_path, arguments):
    process = run_grader(*arguments, "--out", tmp_path)
    assert process.returncode == EXIT_USAGE, process.stdout + process.stderr
    assert "error" in process.stderr


def test_batch_of_an_empty_folder_is_a_usage_error(tmp_path):
    (tmp_path / "class").mkdir()
    process = run_grader("grade", tmp_path / "class", "--batch", "--out", tmp_path / "out")
    assert process.returncode == EXIT_USAGE


def test_the_summary_lists_unwritten_functions_once(tmp_path):
    """The stubs' terminal summary names each unwritten function on one line per
    assignment, with the points at stake, instead of one line per check."""
    status, results, process = grade(STUBS, tmp_path, ["a1"])
    assert status == EXIT_OK
    assert "x not implemented yet (points at stake): sigmoid (" in process.stdout
    assert "x values[sigmoid-public]" not in process.stdout
    assert any(t["output"].startswith("sigmoid is not implemented yet") for t in results["tests"])


def test_require_sandbox_refuses_to_grade_without_it(tmp_path, monkeypatch):
    """For grades that count, an instructor can make a missing sandbox an error."""
    monkeypatch.setenv("GRADER_SANDBOX", "none")
    process = run_grader("grade", REFERENCE, "--out", tmp_path, "--only", "a1",
                         "--require-sandbox")
    assert process.returncode == 3
    assert "NO SANDBOX" in process.stderr and "refuses" in process.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["extra_data"]["status"] == "no-sandbox" and results["score"] == 0


def test_the_sandbox_banner_speaks_to_who_runs_the_grader(tmp_path):
    """Without the hidden seeds (the student bundle's make check) a missing sandbox is
    nothing for the student to act on: their own code on their own machine. With them,
    the instructor reads what student code could reach. Neither reads pytest's tallies."""
    rubric = tmp_path / "rubric"
    shutil.copytree(REPO_ROOT / "grader" / "rubric", rubric)
    (rubric / "secrets.toml").unlink()
    seen = {}
    for who, env in (("student", {"GRADER_RUBRIC": str(rubric)}), ("instructor", {})):
        status, results, process = grade(STUBS, tmp_path / who, ["a1"],
                                         env=dict(env, GRADER_SANDBOX="none"))
        assert status == EXIT_OK, process.stderr
        assert not re.search(r"\d+ (failed|passed|deselected)", process.stdout), process.stdout
        seen[who] = (process.stdout, results["output"])
    for text in seen["student"]:
        assert "nothing for you to do" in text and "on your own machine" in text
        assert "NO SANDBOX" not in text and "could read any file you can" not in text
    for text in seen["instructor"]:
        assert "NO SANDBOX" in text and "nothing for you to do" not in text


def test_a_training_task_says_where_it_stands_in_every_output_form(tmp_path):
    """Passing, a task still says its metric beside the threshold and its time beside its
    budget: in the terminal (not a TTY here), in results.json's output, in feedback.html."""
    from grader.rubric import load_rubric  # noqa: PLC0415
    from grader.tasks import TASKS  # noqa: PLC0415

    status, results, process = grade(REFERENCE, tmp_path, ["a5"], "-k", "task_accuracy and xor",
                                     "--report")
    assert status == EXIT_OK, process.stderr
    table = load_rubric().assignments["a5"].tasks["xor"]
    (test,) = [t for t in results["tests"] if t["extra_data"]["check"] == "task_accuracy[xor]"]
    assert test["score"] == test["max_score"] > 0
    threshold = f"full credit from {TASKS['xor'].show_threshold(table['threshold'])}"
    budget = f"of its {table['budget_seconds']:g} s budget"
    seconds = results["extra_data"]["artifacts"]["xor"]["seconds"]
    line = [x for x in process.stdout.splitlines() if "task_accuracy[xor]" in x]
    assert len(line) == 1 and threshold in line[0] and budget in line[0]
    # The artifact keeps the seconds rounded, the line shows them to 0.1 s: equal to 0.1 s.
    shown = re.search(r"computed for (\d+\.\d) s", line[0])
    assert shown and abs(float(shown.group(1)) - seconds) <= 0.1, line[0]
    assert test["output"].startswith("ok: ") and threshold in test["output"] \
        and budget in test["output"]
    html = (tmp_path / "feedback.html").read_text()
    standing = re.search(r'<article class="task" id="task-xor">.*?<p class="standing">(.*?)</p>',
                         html, re.S).group(1)
    assert threshold in standing and budget in standing and "to spare" not in standing
    # Unwritten, the same task states its terms under the reason, in the terminal too.
    status, results, process = grade(STUBS, tmp_path / "stubs", ["a5"], "-k",
                                     "task_accuracy and xor")
    assert status == EXIT_OK, process.stderr
    lines = process.stdout.splitlines()
    (at,) = [i for i, x in enumerate(lines) if "x task_accuracy[xor]" in x]
    assert "is not implemented yet" in lines[at]
    assert lines[at + 1].strip().startswith("the task's terms: training accuracy, " + threshold)
    assert f"within {table['budget_seconds']:g} s of CPU time" in lines[at + 1]
