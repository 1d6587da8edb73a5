"""`make mutants`: grade the mutation corpus and print what the grader made of each mistake.

Usage:
    python tests/mutants/run.py [--jobs 2] [--only a1,a2] [--mutant NAME ...] [--json FILE]

For each mutant: the points it lost, the checks that caught it and the hint a
student would see. Then the kill rate (mutants that lost points on a check of
the function they changed), the hint rate (mutants shown a hint that names
their mistake, read from the hints in each results.json) and the time taken.
Mutants of assignments whose checks do not exist yet are listed as pending.

Exit status 1 unless every graded mutant is killed by its own check and the
hint rate is at least --min-hint-rate (0.75).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mutation  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants graded at a time")
    parser.add_argument("--only", default=None, help="assignments, e.g. a1,a2")
    parser.add_argument("--mutant", action="append", default=[], help="grade only these")
    parser.add_argument("--json", default=None, help="write the verdicts to this file")
    parser.add_argument("--min-hint-rate", type=float, default=0.75)
    parser.add_argument("--workdir", default=None, help="keep the mutants and results here")
    args = parser.parse_args(argv)

    mutants = mutation.load_corpus()
    if args.only:
        wanted = set(args.only.split(","))
        mutants = [m for m in mutants if m.assignment in wanted]
    if args.mutant:
        unknown = set(args.mutant) - {m.name for m in mutants}
        if unknown:
            parser.error(f"unknown mutant(s): {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m.name in args.mutant]
    available = mutation.available_assignments()
    pending = [m for m in mutants if m.assignment not in available]
    graded = [m for m in mutants if m.assignment in available]

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutants-") as scratch:
        workdir = Path(args.workdir) if args.workdir else Path(scratch)
        print(f"grading {len(graded)} mutants, {args.jobs} at a time ...", flush=True)
        verdicts = mutation.grade_all(graded, workdir, jobs=args.jobs)
    seconds = time.perf_counter() - started

    print_table(verdicts, pending)
    summary = summarise(verdicts, seconds)
    print()
    print(f"mutants graded: {summary['graded']} (pending, no checks yet: {len(pending)})")
    print(f"kill rate: {summary['killed_by_own_check']}/{summary['graded']} "
          f"({100 * summary['kill_rate']:.0f}%) lost points on a check of the function changed")
    print(f"hint rate: {summary['named']}/{summary['graded']} ({100 * summary['hint_rate']:.0f}%) "
          f"shown a hint that names the mistake")
    print(f"time: {seconds:.1f} s with {args.jobs} jobs "
          f"(sum of grading times {summary['grading_seconds']:.1f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"summary": summary, "pending": [m.name for m in pending],
             "mutants": [as_record(v) for v in verdicts]}, indent=1))
    ok = (summary["killed_by_own_check"] == summary["graded"]
          and summary["hint_rate"] >= args.min_hint_rate)
    return 0 if ok else 1


def summarise(verdicts, seconds):
    graded = len(verdicts)
    killed = sum(v.killed and v.caught_by_own_check for v in verdicts)
    named = sum(v.named for v in verdicts)
    return {"graded": graded, "killed": sum(v.killed for v in verdicts),
            "killed_by_own_check": killed, "kill_rate": killed / graded if graded else 0.0,
            "named": named, "hint_rate": named / graded if graded else 0.0,
            "seconds": round(seconds, 1),
            "grading_seconds": round(sum(v.seconds for v in verdicts), 1)}


def as_record(verdict):
    rule, sentence = verdict.best_hint()
    return {"mutant": verdict.mutant.name, "assignment": verdict.mutant.assignment,
            "mistake": verdict.mutant.mistake, "points_lost": verdict.points_lost,
            "max_points": verdict.max_points, "killed": verdict.killed,
            "caught_by_own_check": verdict.caught_by_own_check, "failed_checks": verdict.failed,
            "hint_rule": rule, "hint": sentence, "named": verdict.named,
            "error": verdict.error, "seconds": round(verdict.seconds, 2)}


def print_table(verdicts, pending):
    header = f"{'mutant':<34} {'lost':>11}  {'caught by':<44} hint"
    print(header)
    print("-" * len(header))
    for v in verdicts:
        if v.error:
            print(f"{v.mutant.name:<34} {'ERROR':>11}  {v.error.splitlines()[0][:100]}")
            continue
        status = "" if v.killed and v.caught_by_own_check else (
            "  <-- SURVIVED" if not v.killed else "  <-- NOT CAUGHT BY ITS OWN CHECK")
        lost = f"{v.points_lost:g}/{v.max_points:g}"
        caught = _checks_summary(v)
        rule, sentence = v.best_hint()
        mark = "+" if v.named else "-"
        hint = f"{mark} {rule}: {sentence}" if sentence else f"{mark} (no hint)"
        if sentence and not rule:
            hint = f"{mark} (not a rule): {sentence}"
        print(f"{v.mutant.name:<34} {lost:>11}  {caught:<44} {hint[:110]}{status}")
    for m in pending:
        print(f"{m.name:<34} {'pending':>11}  (the checks of {m.assignment} do not exist yet)")


def _checks_summary(verdict):
    own = [c for c in verdict.failed
           if any(mutation.grading.check_matches(p, c) for p in verdict.mutant.caught_by)]
    shown = own[:2] or verdict.failed[:2]
    more = len(verdict.failed) - len(shown)
    text = ", ".join(shown) + (f" +{more}" if more > 0 else "")
    return text[:44]


if __name__ == "__main__":
    sys.exit(main())
