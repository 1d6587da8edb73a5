"""Calibration of assignment 9's "sine" and "memory" tasks: the reference over seeds, shortcuts.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python -m benchmarks.rnn_calibration [--seeds 5]

For each data seed (the hidden seed of secrets.toml picks one), the reference's
build_rnn and HYPERPARAMS are trained with the reference's fit, as
grader/tasks/recurrent.py trains them, and the metric the grader computes is printed
with the CPU seconds of building, training and the test forward, against the budget.
Then the shortcuts of SPEC.md, on the same data:
  sine:   repeating the last sample; the RNN with Wh = 0 (held at zero: trained the same
          way with Wh's gradient zeroed); linear autoregression on the 25-sample window
          (least squares, the best linear model of the window);
  memory: a model that sees only the last step (the same network trained on x[:, -1:]).
The rubric's thresholds and budgets (grader/rubric/a9.toml) are printed beside them.

Runs in this process, the reference only (no sandbox): the grader's own run adds the
worker's overhead, about a second.
"""

import argparse
import json
import time

import numpy as np

import course_data
from grader.rubric import load_rubric
from reference import modules
from reference.config import HYPERPARAMS, build_rnn

LOSSES = {"sine": "mse", "memory": "softmax_cross_entropy"}


def data(task, seed, dtype):
    make = course_data.sine_data if task == "sine" else course_data.memory_data
    return make(5000, 2000, seed=seed, dtype=dtype)


def metric(task, out, y):
    if task == "sine":
        return float(np.mean((out.astype(np.float64) - y) ** 2) / np.var(y.astype(np.float64)))
    return float(np.mean(out.argmax(axis=1) == y))


class FrozenWh(modules.Module):
    """Wraps a model: after each backward, the RNN's Wh gradient is zeroed (Wh stays 0)."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        model.layers[0].params["Wh"] = np.zeros_like(model.layers[0].params["Wh"])

    def children(self):
        return [self.model]

    @property
    def params(self):
        return self.model.params

    @params.setter
    def params(self, value):
        pass

    @property
    def grads(self):
        return self.model.grads

    @grads.setter
    def grads(self, value):
        pass

    def forward(self, x):
        return self.model.forward(x)

    def backward(self, dout):
        dx = self.model.backward(dout)
        self.model.layers[0].grads["Wh"] = np.zeros_like(self.model.layers[0].grads["Wh"])
        return dx


def train(task, seed, X, y, X_test, y_test, wrap=None, window=None):
    hp = HYPERPARAMS[task]
    dtype = np.dtype(hp.get("dtype", "float64"))
    started = time.process_time()
    model = build_rnn(task, rng=np.random.default_rng(seed), dtype=dtype)
    trained = wrap(model) if wrap else model
    X, X_test = (X, X_test) if window is None else (X[:, window], X_test[:, window])
    modules.fit(trained, X, y, epochs=hp["epochs"], batch_size=hp["batch_size"],
                optimizer=hp["optimizer"], optim_config=hp["optim_config"], loss=LOSSES[task],
                clip_norm=hp.get("clip_norm"), rng=np.random.default_rng(seed + 1))
    model.eval()
    value = metric(task, model.forward(X_test), y_test)
    return value, time.process_time() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    rubric = load_rubric().assignments["a9"]
    results = {}
    for task in ("sine", "memory"):
        table = rubric.tasks[task]
        dtype = np.dtype(HYPERPARAMS[task].get("dtype", "float64"))
        print(f"{task}: threshold {table['threshold']}, partial {table['partial_threshold']}, "
              f"budget {table['budget_seconds']} s")
        rows = []
        for seed in range(args.seeds):
            X, y, X_test, y_test = data(task, 1000 + seed, dtype)
            value, seconds = train(task, seed, X, y, X_test, y_test)
            rows.append({"seed": 1000 + seed, "value": value, "cpu_seconds": seconds})
            print(f"  reference, data seed {1000 + seed}: {value:.4f} in {seconds:.1f} CPU s",
                  flush=True)
        shortcuts = {}
        X, y, X_test, y_test = data(task, 1000, dtype)
        if task == "sine":
            shortcuts["repeat the last sample"] = metric(task, X_test[:, -1], y_test)
            shortcuts["RNN with Wh = 0"] = train(task, 0, X, y, X_test, y_test,
                                                 wrap=FrozenWh)[0]
            design = np.column_stack([X[:, :, 0], np.ones(len(X))]).astype(np.float64)
            coef, *_ = np.linalg.lstsq(design, y.astype(np.float64), rcond=None)
            test_design = np.column_stack([X_test[:, :, 0], np.ones(len(X_test))])
            shortcuts["linear autoregression on the window"] = metric(
                task, test_design @ coef, y_test)
        else:
            shortcuts["only the last step"] = train(task, 0, X, y, X_test, y_test,
                                                    window=slice(-1, None))[0]
        for name, value in shortcuts.items():
            print(f"  shortcut, {name}: {value:.4f}", flush=True)
        results[task] = {"reference": rows, "shortcuts": shortcuts}
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
