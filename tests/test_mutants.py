"""The grader catches real mistakes and names them: the mutation corpus of tests/mutants/.

Every mutant (one mistake students make, applied to a copy of the reference)
must lose points on a check of the function it changed, and when its corpus
entry names hint rules, the student must be shown one of them. Over the
corpus, at least 75% of the mutants must be shown a hint naming their
mistake. The rates come from the graded results.json files, not from the
corpus.

Each mutant is graded by the real grader in a child process, on the checks of
its own assignment only (--only aN, and a5 without its training tasks), two at
a time. `make mutants` prints the same verdicts as a table.
"""

import os

import pytest
from grading import check_matches
from mutants import mutation

MUTANTS = mutation.load_corpus()
MIN_MUTANTS = 50
MIN_HINT_RATE = 0.75
# Kinds of mistakes the corpus must keep covering (a word of a mutant's name each).
REQUIRED_KINDS = ["summed", "axis", "transposed", "sign", "missing_2", "mask_from_dout",
                  "of_output", "unstable", "forward_difference", "not_restored",
                  "elementwise", "dropout", "fan", "l2_on_biases", "l2_missing", "momentum",
                  "bias_correction", "after_use", "drop_last", "replacement", "repeat",
                  "returns_scores", "last_layer"]


# ---------------------------------------------------------------- the corpus itself (fast)


def test_corpus_is_large_and_covers_the_usual_mistakes():
    assert len(MUTANTS) >= MIN_MUTANTS
    names = " ".join(m.name for m in MUTANTS)
    missing = [kind for kind in REQUIRED_KINDS if kind not in names]
    assert not missing, f"no mutant for: {missing}"
    assert {m.assignment for m in MUTANTS} >= {"a1", "a2", "a3", "a4", "a5"}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_mutant_applies_to_the_current_reference(mutant):
    """The text to replace is in its function exactly once, and the result compiles."""
    source = (mutation.REFERENCE / mutant.file).read_text()
    mutated = mutation.mutate_source(source, mutant)
    assert mutated != source


def _mutant(**changes):
    fields = dict(name="example", assignment="a2", file="layers.py", function="linear_backward",
                  mistake="an example", find="db = dout.sum(axis=0)", replace="db = dout",
                  caught_by=("linear_backward[db-*]",))
    fields.update(changes)
    return mutation.Mutant(**fields)


def test_apply_refuses_text_that_is_absent():
    source = (mutation.REFERENCE / "layers.py").read_text()
    with pytest.raises(mutation.MutantError, match="occurs 0 times"):
        mutation.mutate_source(source, _mutant(find="db = dout.sum(axis=1)"))


def test_apply_refuses_text_found_more_than_once_in_the_function():
    source = (mutation.REFERENCE / "layers.py").read_text()
    with pytest.raises(mutation.MutantError, match="occurs 2 times"):
        mutation.mutate_source(source, _mutant(find="= dout"))  # the dx and the db lines


def test_apply_looks_only_inside_the_named_function():
    """Text of another function does not count: the mutant names where its mistake is."""
    source = (mutation.REFERENCE / "layers.py").read_text()
    with pytest.raises(mutation.MutantError, match="occurs 0 times"):
        mutation.mutate_source(source, _mutant(function="linear_forward"))
    with pytest.raises(mutation.MutantError, match="no function"):
        mutation.mutate_source(source, _mutant(function="no_such_function"))


def test_apply_refuses_a_replacement_that_does_not_compile():
    source = (mutation.REFERENCE / "layers.py").read_text()
    with pytest.raises(mutation.MutantError, match="does not compile"):
        mutation.mutate_source(source, _mutant(replace="db = (dout"))


def test_corpus_rejects_unknown_hint_rules(tmp_path):
    corpus = tmp_path / "a2.toml"
    corpus.write_text('[[mutant]]\nname = "x"\nfile = "layers.py"\nfunction = "relu_forward"\n'
                      'mistake = "m"\nfind = "a"\nreplace = "b"\ncaught_by = ["c"]\n'
                      'hints = ["no_such_rule"]\n')
    with pytest.raises(mutation.MutantError, match="no_such_rule"):
        mutation.load_corpus(tmp_path)


def test_check_patterns_treat_brackets_literally():
    assert check_matches("values[tanh_grad-*]", "values[tanh_grad-public]")
    assert not check_matches("values[tanh_grad-*]", "values[tanh-public]")
    assert check_matches("optim_*[sgd]", "optim_defaults[sgd]")


# ---------------------------------------------------------------- graded (slow: ~1-2 minutes)


@pytest.fixture(scope="session")
def verdicts(request, tmp_path_factory):
    """{mutant name: Verdict} for the mutants this session's tests ask for, graded 2 at a time."""
    wanted = set()
    for item in request.session.items:
        if item.module.__name__ != __name__:
            continue
        if item.originalname == "test_hint_rate_over_the_corpus":
            wanted.update(m.name for m in MUTANTS)
        elif item.originalname == "test_mutant_is_caught_by_its_own_check":
            wanted.add(item.callspec.params["mutant"].name)
    chosen = [m for m in MUTANTS if m.name in wanted]
    jobs = int(os.environ.get("MUTANT_JOBS", "2"))
    graded = mutation.grade_all(chosen, tmp_path_factory.mktemp("mutants"), jobs=jobs)
    return {v.mutant.name: v for v in graded}


def _shown(verdict):
    return "\n".join(f"  {check}: [{rule}] {sentence}" for check, rule, sentence in verdict.hints)


@pytest.mark.slow
@pytest.mark.xdist_group("mutants")
@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_mutant_is_caught_by_its_own_check(verdicts, mutant):
    verdict = verdicts[mutant.name]
    assert verdict.error is None, verdict.error
    assert verdict.killed, f"{mutant.name} ({mutant.mistake}) kept full marks"
    assert verdict.caught_by_own_check, (
        f"{mutant.name} lost points only on {verdict.failed}, none of its own checks "
        f"{list(mutant.caught_by)}")
    if mutant.hints:
        assert verdict.named, (f"{mutant.name}: no hint named {list(mutant.hints)}; shown:\n"
                               f"{_shown(verdict) or '  (no hint)'}")


@pytest.mark.slow
@pytest.mark.xdist_group("mutants")
def test_hint_rate_over_the_corpus(verdicts):
    """At least 75% of the mutants are shown a hint that names their mistake."""
    named = [name for name, verdict in verdicts.items() if verdict.named]
    rate = len(named) / len(verdicts)
    unnamed = sorted(set(verdicts) - set(named))
    assert rate >= MIN_HINT_RATE, f"hint rate {rate:.0%}; not named: {unnamed}"
