"""What one student whose `train` never returns costs a class: `python -m benchmarks.hang_cost`.

Grades a class of N copies of the reference (assignment 5: its checks and its
three training tasks) twice with `python -m grader grade CLASS --batch`, once
as it is and once with one student's `train` replaced by an endless loop, and
prints the two wall times, their difference (what the hang cost the class)
and the hanging student's own grading time from the gradebook.

    python -m benchmarks.hang_cost [--students 20] [--jobs 2] [--only a5]
"""

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HANG = "def train(params, X, y, *args, **kwargs):\n    while True:\n        pass\n"


def make_class(folder, students, hanging):
    for index in range(students):
        student = folder / f"student{index:02d}"
        shutil.copytree(REPO_ROOT / "reference", student,
                        ignore=shutil.ignore_patterns("__pycache__"))
        if hanging and index == students // 2:
            with open(student / "train.py", "a") as f:  # the last definition wins
                f.write("\n\n" + HANG)
    return folder


def grade_class(folder, out, jobs, only):
    started = time.perf_counter()
    process = subprocess.run([sys.executable, "-m", "grader", "grade", str(folder), "--batch",
                              "--jobs", str(jobs), "--only", only, "--out", str(out), "--fresh"],
                             cwd=REPO_ROOT, capture_output=True, text=True)
    took = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(process.stdout[-2000:] + process.stderr[-2000:])
    with open(out / "gradebook.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return took, rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="a5")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hang-cost-") as tmp:
        tmp = Path(tmp)
        honest, _ = grade_class(make_class(tmp / "honest", args.students, False),
                                tmp / "out-honest", args.jobs, args.only)
        hanging, rows = grade_class(make_class(tmp / "hanging", args.students, True),
                                    tmp / "out-hanging", args.jobs, args.only)
    hung = rows[f"student{args.students // 2:02d}"]
    others = [float(r["seconds"]) for name, r in rows.items() if r is not hung]
    print(f"class of {args.students}, {args.jobs} jobs, --only {args.only}")
    print(f"  every student honest:        {honest:7.1f} s")
    print(f"  one student's train hangs:   {hanging:7.1f} s  (+{hanging - honest:.1f} s)")
    print(f"  the hanging student:         {float(hung['seconds']):7.1f} s of grading, "
          f"{hung['a5'] if 'a5' in hung else '?'} points, trouble: {hung['trouble'] or '-'}")
    print(f"  an honest student (median):  {sorted(others)[len(others) // 2]:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
