"""results.json follows grader/schema/results.schema.json (Gradescope's format + extra_data).

Validated against real results (the reference's and the stubs'), against the
minimal documents a batch writes for submissions it could not grade, and shown
to reject malformed documents. What a schema cannot say (the score is the sum
of the tests' scores) is checked here too.
"""

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from grader.batch import complete_results

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "grader" / "schema" / "results.schema.json"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(validator, document):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


@pytest.fixture(params=["reference", "stubs"])
def real_results(request, reference_run, stubs_run):
    return reference_run[1] if request.param == "reference" else stubs_run[1]


def test_real_results_follow_the_schema(validator, real_results):
    assert problems(validator, real_results) == []


def test_real_results_are_consistent(real_results):
    tests = real_results["tests"]
    extra = real_results["extra_data"]
    assert tests, "a graded submission has checks"
    assert real_results["score"] == pytest.approx(sum(t["score"] for t in tests))
    assert extra["max_score"] == pytest.approx(sum(t["max_score"] for t in tests))
    assert len({t["name"] for t in tests}) == len(tests), "test names must be unique"
    assert len({t["number"] for t in tests}) == len(tests), "test numbers must be unique"
    for test in tests:
        assert 0 <= test["score"] <= test["max_score"], test["name"]
        if test["status"] == "passed":
            assert test["score"] == test["max_score"], test["name"]
        assert test["name"].split()[0] == test["extra_data"]["assignment"]
    for assignment, totals in extra["assignments"].items():
        mine = [t for t in tests if t["extra_data"]["assignment"] == assignment]
        assert totals["score"] == pytest.approx(sum(t["score"] for t in mine))
        assert totals["max_score"] == pytest.approx(sum(t["max_score"] for t in mine))


def test_batch_placeholder_for_an_ungradable_submission_follows_the_schema(validator, tmp_path):
    path = tmp_path / "results.json"
    status = complete_results(path, 2, "error: nothing to grade in this folder\n")
    assert status == "crashed"
    document = json.loads(path.read_text())
    assert document["extra_data"]["complete"] is False
    assert problems(validator, document) == []


def test_batch_completion_of_a_stopped_run_follows_the_schema(validator, tmp_path, stubs_run):
    """A run that died midway: its plan (checks 'not run') is completed with the reason."""
    plan = copy.deepcopy(stubs_run[1])
    plan["extra_data"]["complete"] = False
    for test in plan["tests"][len(plan["tests"]) // 2:]:
        test.update(score=0.0, status="failed", output="not run: grading stopped")
        test["extra_data"]["outcome"] = "not run"
    path = tmp_path / "results.json"
    path.write_text(json.dumps(plan))
    assert complete_results(path, -9, "Killed") == "incomplete"
    assert problems(validator, json.loads(path.read_text())) == []


def _set(path, value):
    def change(document):
        *parents, last = path
        target = document
        for key in parents:
            target = target[key]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return change


DELETE = object()

MALFORMED = {
    "no score": _set(["score"], DELETE),
    "score as text": _set(["score"], "12.5"),
    "negative execution time": _set(["execution_time"], -1),
    "a typo at the top": _set(["scores"], 3),
    "tests not a list": _set(["tests"], {}),
    "status partial": _set(["tests", 0, "status"], "partial"),
    "unknown visibility": _set(["tests", 0, "visibility"], "public"),
    "test without a name": _set(["tests", 0, "name"], DELETE),
    "test without max_score": _set(["tests", 0, "max_score"], DELETE),
    "number as int": _set(["tests", 0, "number"], 1),
    "unknown outcome": _set(["tests", 0, "extra_data", "outcome"], "crashed"),
    "complete without totals": _set(["extra_data", "assignments"], DELETE),
    "complete as text": _set(["extra_data", "complete"], "yes"),
    "written answers without missing": _set(["extra_data", "written_answers", "assignments",
                                             "a1", "missing"], DELETE),
    "written answer not a question id": _set(["extra_data", "written_answers", "assignments",
                                              "a1", "answered"], ["q1"]),
    "written answers scored": _set(["extra_data", "written_answers", "assignments", "a1",
                                    "score"], 2),
}


def test_the_written_answers_are_reported(real_results):
    """The reference has no answers.md, the stubs a blank one: every answer missing in both."""
    from grader.questions import questions_of  # noqa: PLC0415

    report = real_results["extra_data"]["written_answers"]
    for assignment, entry in report["assignments"].items():
        assert entry == {"answered": [], "missing": [q.id for q in questions_of(assignment)]}
    graded = {a for a in real_results["extra_data"]["assignments"] if questions_of(a)}
    assert graded and graded <= set(report["assignments"])


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_schema_rejects_malformed_documents(validator, reference_run, name):
    document = copy.deepcopy(reference_run[1])
    assert problems(validator, document) == []
    MALFORMED[name](document)
    assert problems(validator, document), f"the schema accepts a document with {name}"
