"""Calibration of assignment 8's conv_vectorised check: who passes it, who fails, on this machine.

    OMP_NUM_THREADS=1 python -m benchmarks.cnn_speed [RUNS]

Grades, RUNS times each (default 2), with the real grader and `-k vectorised --only a8`:
the reference; the reference with the corpus mutant im2col_loops_over_positions (a loop
over every example and output position, right values); the reference with
tests/alternatives/sliding_window_conv's conv.py. Prints each run's score and the check's
message (the CPU seconds of 10 forwards and 10 backwards against the reference's in a
worker of its own). The rubric's speed_factor (grader/rubric/a8.toml) must pass the first
and the last on every run and fail the second.
"""

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import tomllib

MUTANT = "im2col_loops_over_positions"
ALTERNATIVE = "tests/alternatives/sliding_window_conv/conv.py"


def submissions(root):
    """{name: folder}: the reference, the looped mutant, the alternative."""
    corpus = tomllib.loads(pathlib.Path("tests/mutants/corpus/a8.toml").read_text())
    mutant = next(m for m in corpus["mutant"] if m["name"] == MUTANT)
    looped, alternative = root / "looped", root / "alternative"
    for folder in (looped, alternative):
        shutil.copytree("reference", folder, ignore=shutil.ignore_patterns("__pycache__"))
    text = (looped / "conv.py").read_text()
    assert text.count(mutant["find"]) == 1
    (looped / "conv.py").write_text(text.replace(mutant["find"], mutant["replace"]))
    shutil.copy(ALTERNATIVE, alternative / "conv.py")
    return {"reference": "reference", "looped": str(looped), "alternative": str(alternative)}


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    root = pathlib.Path(tempfile.mkdtemp(prefix="cnn_speed_"))
    for run in range(runs):
        for name, path in submissions(root / str(run)).items():
            out = root / f"out_{name}_{run}"
            subprocess.run([sys.executable, "-m", "grader", "grade", path, "--out", str(out),
                            "--only", "a8", "-k", "vectorised", "--quiet"],
                           capture_output=True, text=True)
            results = json.loads((out / "results.json").read_text())
            check = next(t for t in results["tests"] if "vectorised" in t["name"])
            message = (check.get("output") or "").splitlines()[0][:260]
            print(run, name, check["score"], "/", check["max_score"], message, flush=True)


if __name__ == "__main__":
    main()
