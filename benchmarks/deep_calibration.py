"""Calibration of assignment 7's "deep" task: the reference over seeds, and the shortcut failing.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python -m benchmarks.deep_calibration [--seeds 5]

For each seed, the network the grader builds from the reference's HYPERPARAMS["deep"]
(grader/tasks/deep.py's layer plan: the same modules, the same order) is trained with
the reference's fit and "sgd_momentum" on MNIST, its pixels permuted by the seed as a
hidden seed disguises them, and its test accuracy and CPU time are printed. Then the
shortcut of SPEC.md: the same depth, settings and budget, with sigmoid activations and no
batch normalization, which must fail (the SPEC measured 10-11%). The rubric's threshold
and budget (grader/rubric/a7.toml) are printed beside them, with the margins.

Runs in this process, the reference only (no sandbox): the grader's own run of the task
(make bench, or `python -m grader grade reference --only a7`) adds the worker's overhead,
about a second.
"""

import argparse
import json
import time

import numpy as np

from course_data import load_mnist
from grader.rubric import load_rubric
from grader.tasks.deep import OPTIMIZER, layer_plan
from reference import modules
from reference.config import HYPERPARAMS


def build(hp, seed):
    """The Sequential of the settings, as grader/tasks/deep.py builds it, with the reference."""
    rng = np.random.default_rng(seed)
    layers = []
    for kind, args, kwargs in layer_plan(hp):
        kwargs = dict(kwargs)
        if kind in ("Linear", "Dropout"):
            kwargs["rng"] = rng
        if kind in ("Linear", "BatchNorm1d"):
            kwargs["dtype"] = np.dtype(hp["dtype"])
        layers.append(getattr(modules, kind)(*args, **kwargs))
    return modules.Sequential(*layers)


def run(hp, seed, data):
    """(test accuracy, CPU seconds of building, training and the test forward)."""
    X_train, y_train, X_test, y_test = data
    pixels = np.random.default_rng(1000 + seed).permutation(784)
    X_train, X_test = X_train[:, pixels], X_test[:, pixels]
    started = time.process_time()
    model = build(hp, seed)
    modules.fit(model, X_train, y_train, epochs=hp["epochs"], batch_size=hp["batch_size"],
                optimizer=OPTIMIZER, optim_config=hp["optim_config"],
                rng=np.random.default_rng(seed + 1))
    model.eval()
    scores = model.forward(X_test)
    seconds = time.process_time() - started
    return float(np.mean(np.argmax(scores, axis=1) == y_test)), seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--shortcut-seeds", type=int, default=3)
    args = parser.parse_args(argv)
    table = load_rubric().assignments["a7"].tasks["deep"]
    hp = dict(HYPERPARAMS["deep"], dtype=HYPERPARAMS["deep"].get("dtype", "float64"))
    X_train, y_train, X_test, y_test = load_mnist()
    data = (X_train.astype(hp["dtype"]), y_train, X_test.astype(hp["dtype"]), y_test)
    shortcut = dict(hp, activation="sigmoid", batchnorm=False)
    rows = []
    for name, settings, seeds in (("reference", hp, args.seeds),
                                  ("shortcut: sigmoid, no batchnorm", shortcut,
                                   args.shortcut_seeds)):
        for seed in range(seeds):
            accuracy, seconds = run(settings, seed, data)
            row = {"run": name, "seed": seed, "accuracy": round(accuracy, 4),
                   "cpu_seconds": round(seconds, 1)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    reference = [r for r in rows if r["run"] == "reference"]
    worst = min(r["accuracy"] for r in reference)
    slowest = max(r["cpu_seconds"] for r in reference)
    best_shortcut = max(r["accuracy"] for r in rows if r["run"] != "reference")
    print(f"settings: {json.dumps(hp)}")
    print(f"reference: test accuracy {worst:.2%} to "
          f"{max(r['accuracy'] for r in reference):.2%} over {len(reference)} seeds (threshold "
          f"{table['threshold']:.1%}: {100 * (worst - table['threshold']):.2f} points to spare "
          f"at worst); CPU time at most {slowest:.1f} s of the {table['budget_seconds']} s "
          "budget")
    print(f"shortcut (sigmoid, no batch normalization, the same settings): at best "
          f"{best_shortcut:.2%}, below the partial threshold {table['partial_threshold']:.0%}")


if __name__ == "__main__":
    main()
