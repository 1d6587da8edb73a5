"""Record the public checks' expected values into grader/fixtures/public.npz (`make fixtures`).

Usage:
    python -m authoring.fixtures            # record (runs the checks on the reference)
    python -m authoring.fixtures --check    # exit 1 if the fixtures are stale

The student bundle has no reference, so its public checks replay expected
values recorded here: the graded checks run against the reference itself,
in the usual sandbox, with `Oracle(record=True)`; every `expected(...)` of a
public case is stored under its key ("<check>/<label>"). Hidden cases are
deselected: they are never recorded and never shipped.

Check modules whose code never consults the oracle (the training tasks) are
skipped: they record nothing, and MNIST would cost minutes. Whatever checks
exist when this runs are recorded; re-run it after changing a check or the
reference. The fixtures carry a fingerprint of the files their values come
from (reference/*.py and grader/checks/*.py); `--check` and
tests/test_fixtures.py compare it.
"""

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
CHECKS = ROOT / "grader" / "checks"
FINGERPRINT_KEY = "__fingerprint__"
# A check module records values only if its code reaches the oracle through one of these.
ORACLE_USES = ("expected(", "check_signature(", "oracle")


def fingerprint(reference=REFERENCE, checks=CHECKS):
    """sha256 of the files the recorded values depend on."""
    digest = hashlib.sha256()
    for path in sorted(reference.glob("*.py")) + sorted(checks.glob("*.py")):
        digest.update(f"{path.parent.name}/{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def modules_using_oracle(checks=CHECKS):
    """The check modules (test_a*.py) whose code, or a helper they import, uses the oracle."""
    chosen = []
    for path in sorted(checks.glob("test_a*.py")):
        text = path.read_text()
        helpers = [checks / f"{line.split()[1][1:]}.py" for line in text.splitlines()
                   if line.startswith("from .") and line.split()[1][1:] not in ("", "support")]
        texts = [text] + [h.read_text() for h in helpers if h.exists()]
        if any(use in t for t in texts for use in ORACLE_USES):
            chosen.append(path)
    return chosen


def record(out=None, modules=None, quiet=True):
    """Run the public checks on the reference; returns (recorded values, results dict)."""
    import pytest  # noqa: PLC0415

    from grader.datasets import prepare_worker_data  # noqa: PLC0415
    from grader.oracle import Oracle  # noqa: PLC0415
    from grader.plugin import GraderPlugin  # noqa: PLC0415
    from grader.rubric import load_rubric  # noqa: PLC0415

    modules = modules_using_oracle() if modules is None else modules
    oracle = Oracle(record=True)
    if not oracle.has_reference:
        raise RuntimeError("fixtures are recorded from reference/, which is missing here")
    rubric = load_rubric()
    rubric.secrets = {}  # as in the student bundle: public inputs only, hidden cases deselected
    with tempfile.TemporaryDirectory() as scratch:
        results_path = Path(scratch) / "results.json"
        plugin = GraderPlugin(REFERENCE, rubric, oracle, results_path=results_path,
                              data_dir=prepare_worker_data(), echo=not quiet)
        args = ["-c", str(CHECKS / "pytest.ini"), "--rootdir", str(CHECKS), "-q", "--no-header",
                "-p", "no:randomly", "--tb=short", "-k", "not hidden"]
        if quiet:
            args += ["--capture=sys"]
        code = pytest.main(args + [str(m) for m in modules], plugins=[plugin])
        results = json.loads(results_path.read_text()) if results_path.exists() else {}
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise RuntimeError(f"the checks could not run on the reference (pytest exit {int(code)})")
    return oracle.recorded, results


def write_fixtures(path=None):
    from grader.oracle import FIXTURES, save_fixtures  # noqa: PLC0415

    path = Path(path or FIXTURES)
    recorded, results = record()
    failed = [t["name"] for t in results.get("tests", [])
              if t.get("score", 0) < t.get("max_score", 0)]
    recorded[FINGERPRINT_KEY] = fingerprint()
    save_fixtures(recorded, path)
    return path, len(recorded) - 1, failed


def stored_fingerprint(path=None):
    from grader.oracle import FIXTURES, load_fixtures  # noqa: PLC0415

    path = Path(path or FIXTURES)
    if not path.exists():
        return None
    return load_fixtures(path).get(FINGERPRINT_KEY)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether they are stale")
    args = parser.parse_args(argv)
    if args.check:
        if stored_fingerprint() != fingerprint():
            print("grader/fixtures/public.npz is stale: reference/ or grader/checks/ changed "
                  "since it was recorded (run `make fixtures`)")
            return 1
        print("grader/fixtures/public.npz is up to date")
        return 0
    path, count, failed = write_fixtures()
    print(f"recorded {count} expected values into {path.relative_to(ROOT)}")
    if failed:
        print(f"warning: the reference failed {len(failed)} public check(s); their values may be "
              "incomplete:", *failed[:20], sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
