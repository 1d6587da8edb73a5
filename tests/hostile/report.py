"""`make security-report`: grade every hostile submission and print what each one got.

    python -m tests.hostile.report [--attacks name,name] [--keep DIR]

Columns: the attack, the points the grader awarded, the points it deserved (what
its honest code alone earns), the time grading took against its bound, and
what went wrong if anything did (unearned points, files left on the host,
processes that survived, attack steps that worked). Exit status 1 if any
attack got anything. Runs as the grader would: as root here and in CI, the
worker is sandboxed; GRADER_SANDBOX=none shows what the sandbox prevents.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from grader.sandbox.isolation import sandbox_description

from .corpus import ATTACKS, BY_NAME
from .runner import run_attack


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attacks", help="comma-separated names (default: all)")
    parser.add_argument("--keep", help="folder for the submissions and results "
                                          "(default: a temporary one)")
    args = parser.parse_args(argv)
    attacks = [BY_NAME[name] for name in args.attacks.split(",")] if args.attacks else ATTACKS
    print(f"Sandbox: {sandbox_description()}\n")
    width = max(len(attack.name) for attack in attacks)
    header = f"{'attack':<{width}} {'awarded':>8} {'deserved':>8} {'time':>7} {'bound':>6}  verdict"
    print(header)
    print("-" * len(header))
    started = time.perf_counter()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="hostile-") as temporary:
        root = Path(args.keep or temporary)
        for attack in attacks:
            outcome = run_attack(attack, root / attack.name)
            verdict = "ok" if outcome.ok else "FAIL: " + "; ".join(outcome.problems)
            failures += not outcome.ok
            print(f"{attack.name:<{width}} {outcome.awarded:8.2f} {outcome.deserved:8.2f} "
                  f"{outcome.seconds:6.1f}s {outcome.bound_seconds:5.0f}s  {verdict[:400]}",
                  flush=True)
    print(f"\n{len(attacks)} attacks in {time.perf_counter() - started:.0f} s; "
          f"{failures} got something they should not have.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
