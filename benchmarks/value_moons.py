"""Calibration of assignment 10's value_moons task: the reference over seeds, and a linear model.

    python -m benchmarks.value_moons [--seeds 0 1 2 3 4]

For each make_moons random_state: the reference's train_value_mlp with
config.HYPERPARAMS["value_moons"] (CPU seconds of this process, one thread: pure
Python uses one core anyway), its training accuracy measured as the grader does
(the sign of each score), and the shortcut SPEC.md names: a linear model, both
trained the same way (train_value_mlp with no hidden layer) and the best a line
can do on the points (scikit-learn's logistic regression, almost unregularised).
The rubric's threshold (95%, half credit from 92%) and budget (120 s) are set
against these numbers; the margins are printed.
"""

import argparse
import time

import numpy as np

import course_data
from grader.tasks.autograd import DEFAULTS, NOISE, SAMPLES
from reference import autograd
from reference.config import HYPERPARAMS


def accuracy(model, X, y):
    scores = np.array([model([float(a), float(b)]).data for a, b in X])
    return float(np.mean(np.sign(scores) == y))


def run(seed, settings):
    X, y = course_data.value_moons_data(SAMPLES, noise=NOISE, random_state=seed)
    started = time.process_time()
    model, losses = autograd.train_value_mlp(X, y, rng=np.random.default_rng(seed), **settings)
    seconds = time.process_time() - started
    return accuracy(model, X, y), seconds, losses[-1]


def best_line(seed):
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    X, y = course_data.value_moons_data(SAMPLES, noise=NOISE, random_state=seed)
    return float(LogisticRegression(C=1e4, max_iter=10_000).fit(X, y).score(X, y))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args(argv)
    settings = dict(DEFAULTS, **HYPERPARAMS["value_moons"])
    linear = dict(settings, hidden_sizes=[])
    print(f"reference settings: {settings}")
    print("| random_state | reference accuracy | CPU s | final loss | linear (same training) | "
          "best line (logistic) |")
    print("|---|---|---|---|---|---|")
    rows = []
    for seed in args.seeds:
        acc, seconds, loss = run(seed, settings)
        line_acc, _, _ = run(seed, linear)
        best = best_line(seed)
        rows.append((acc, seconds, line_acc, best))
        print(f"| {seed} | {100 * acc:.0f}% | {seconds:.1f} | {loss:.4f} | {100 * line_acc:.0f}% | "
              f"{100 * best:.0f}% |")
    accs, times, lines, bests = (np.array(column) for column in zip(*rows))
    print(f"\nreference: {100 * accs.min():.0f}-{100 * accs.max():.0f}% (threshold 95%: margin "
          f"{100 * (accs.min() - 0.95):.0f} points), {times.min():.1f}-{times.max():.1f} CPU s "
          f"(budget 120 s: {120 / times.max():.1f}x the slowest)")
    print(f"linear model: {100 * lines.min():.0f}-{100 * lines.max():.0f}% trained as the task "
          f"trains, {100 * bests.min():.0f}-{100 * bests.max():.0f}% at best "
          "(half credit from 92%)")


if __name__ == "__main__":
    main()
