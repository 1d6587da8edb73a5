"""Benchmark sections 1-3: the reference's MNIST epoch, the hardware's limit, MNIST accuracy.

Everything here runs the reference exactly as a student's submission would be
run (its own `init_params`, `train`, `predict`), in this process, with the BLAS
thread count the caller set. Nothing is timed against a threshold here: the
numbers are returned and bench.py compares them with the targets.
"""

import contextlib
import time

import numpy as np

from reference import network
from reference import train as train_module

# The architecture and settings of the epoch that is compared with PyTorch.
EPOCH_SIZES = [784, 128, 10]
EPOCH_BATCH = 128
EPOCH_LEARNING_RATE = 0.1


def epoch_flops(layer_sizes, samples):
    """Floating-point operations of one training epoch of an MLP (matrix products only).

    Per sample and layer of shape (fan_in, fan_out) a product costs 2 * fan_in
    * fan_out operations: once forward, once for the weight gradient, and once
    for the input gradient, except in the first layer, whose input gradient
    (with respect to the images) nobody needs. The elementwise work (bias,
    ReLU, softmax) is a few percent of this and is left out.

    Args:
        layer_sizes: [D, H1, ..., C].
        samples: samples in the epoch (N).

    Returns:
        int, operations of the epoch.
    """
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    forward = sum(2 * fan_in * fan_out for fan_in, fan_out in shapes)
    weight_gradients = forward
    input_gradients = sum(2 * fan_in * fan_out for fan_in, fan_out in shapes[1:])
    return samples * (forward + weight_gradients + input_gradients)


def matmul_rate(size=2048, repeats=5):
    """The float32 matrix-product rate of this machine, in FLOP/s (best of `repeats`).

    A square product is the best case of the BLAS library: the limit an epoch
    made only of products could reach.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty((size, size), dtype=np.float32)
    np.matmul(a, b, out=out)  # warm-up: threads started, pages touched
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best


def epoch_products_seconds(layer_sizes, samples, batch_size, repeats=3):
    """Seconds of an epoch's matrix products alone, at the epoch's own shapes.

    Only the products `epoch_flops` counts, into preallocated outputs: what an
    epoch would cost if everything else were free. Small products run below the
    square-matrix rate, so this floor sits above flops / matmul_rate.
    """
    rng = np.random.default_rng(0)
    x = [rng.standard_normal((batch_size, n), dtype=np.float32) for n in layer_sizes]
    weights = [rng.standard_normal((m, n), dtype=np.float32)
               for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]
    grads = [np.empty_like(w) for w in weights]
    steps = -(-samples // batch_size)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(steps):
            for i, w in enumerate(weights):
                np.matmul(x[i], w, out=x[i + 1])  # forward
            for i in range(len(weights) - 1, -1, -1):
                np.matmul(x[i].T, x[i + 1], out=grads[i])  # weight gradient
                if i > 0:
                    np.matmul(x[i + 1], weights[i].T, out=x[i])  # input gradient
        best = min(best, time.perf_counter() - started)
    return best


@contextlib.contextmanager
def epoch_clock():
    """Time each pass of the reference's train() over the data.

    train() walks the data with iterate_minibatches once per epoch; wrapping it
    (in this process only) gives the wall time of the training steps of each
    epoch, from the first batch requested to the last step done, without the
    accuracy evaluations train() does after each epoch for its history.

    Yields:
        list of (start, end) perf_counter pairs, one per epoch, filled as
        train() runs.
    """
    original = train_module.iterate_minibatches
    passes = []

    def timed_iterate_minibatches(*args, **kwargs):
        started = time.perf_counter()
        yield from original(*args, **kwargs)
        passes.append((started, time.perf_counter()))

    train_module.iterate_minibatches = timed_iterate_minibatches
    try:
        yield passes
    finally:
        train_module.iterate_minibatches = original


def reference_epoch(X, y, epochs=4, seed=0):
    """Seconds per epoch of the reference's train() (784-128-10, float32, SGD, batch 128).

    Runs train() once for `epochs` epochs; the first is a warm-up and is not
    counted.

    Returns:
        dict: "steps_best" / "steps_median" (training steps only, the epoch
        compared with PyTorch), "train_call_per_epoch" (train()'s whole wall
        time per epoch, history evaluation included), "epochs_timed",
        "final_train_acc" (a sanity check that it learned).
    """
    rng = np.random.default_rng(seed)
    params = network.init_params(EPOCH_SIZES, init="he", rng=rng, dtype=np.float32)
    X = np.ascontiguousarray(X, dtype=np.float32)
    with epoch_clock() as passes:
        started = time.perf_counter()
        history = train_module.train(params, X, y, epochs=epochs, batch_size=EPOCH_BATCH,
                                     optimizer="sgd",
                                     optim_config={"learning_rate": EPOCH_LEARNING_RATE}, rng=rng)
        total = time.perf_counter() - started
    if len(passes) != epochs:
        raise RuntimeError(f"train() made {len(passes)} passes over the data for {epochs} epochs: "
                           "does it still use iterate_minibatches?")
    steps = [end - start for start, end in passes[1:]] or [passes[0][1] - passes[0][0]]
    # A whole epoch of train(), history evaluation included: from its pass's start to the next's.
    starts = [start for start, _ in passes] + [started + total]
    whole = [after - before for before, after in zip(starts[1:-1], starts[2:])] or [total]
    return {"steps_best": min(steps), "steps_median": float(np.median(steps)),
            "train_call_per_epoch": min(whole), "epochs_timed": len(steps),
            "final_train_acc": history["train_acc"][-1]}


def mnist_task(X_train, y_train, X_test, y_test, hyperparams, seed=0):
    """Train the reference on MNIST with its HYPERPARAMS["mnist"], as the grader would.

    The clock covers init_params, train and predict together, like the task's
    time budget. The test set is also passed as validation data so that the
    accuracy after each epoch is known (that evaluation costs about 1% of an
    epoch and is inside the clock).

    Returns:
        dict: "test_acc", "task_seconds", "epochs", "epoch_test_acc" (list),
        "epoch_end_seconds" (list, seconds from the start to the end of each
        epoch and its evaluation), "seconds_to_97" (None if never reached).
    """
    dtype = np.dtype(hyperparams.get("dtype", "float64"))
    X_train = X_train.astype(dtype, copy=False)
    X_test = X_test.astype(dtype, copy=False)
    rng = np.random.default_rng(seed)
    sizes = [X_train.shape[1], *hyperparams["hidden_sizes"], 10]
    with epoch_clock() as passes:
        started = time.perf_counter()
        params = network.init_params(sizes, init=hyperparams["init"], rng=rng, dtype=dtype)
        history = train_module.train(
            params, X_train, y_train, epochs=hyperparams["epochs"],
            batch_size=hyperparams["batch_size"], optimizer=hyperparams["optimizer"],
            optim_config=dict(hyperparams.get("optim_config") or {}),
            activation=hyperparams["activation"], l2=hyperparams.get("l2", 0.0),
            X_val=X_test, y_val=y_test, rng=rng)
        trained = time.perf_counter()
        predictions = network.predict(params, X_test, hyperparams["activation"])
        finished = time.perf_counter()
    test_acc = float(np.mean(predictions == y_test))
    # Epoch k (with its evaluation) ends when epoch k + 1 starts its pass; the last, at return.
    ends = [start - started for start, _ in passes[1:]] + [trained - started]
    reached = [end for end, acc in zip(ends, history["val_acc"]) if acc >= 0.97]
    return {"test_acc": test_acc, "task_seconds": finished - started,
            "epochs": hyperparams["epochs"], "epoch_test_acc": list(history["val_acc"]),
            "epoch_end_seconds": ends, "seconds_to_97": reached[0] if reached else None}
