"""The sequences of assignment 9: noisy sine waves to continue, symbols to remember.

Nothing here is an exercise: students, the grader and the notebooks use the
same generators (SPEC.md, "Graded tasks of assignments 7 to 11"). Each one
makes its sequences on the spot from a seed, with NumPy only; the values are
computed in float64 and cast at the end, so float32 and float64 give the same
sequences up to rounding.
"""

import numpy as np

from .dtypes import check_float_dtype

SINE_STEPS, SINE_NOISE = 25, 0.05
MEMORY_STEPS, MEMORY_SYMBOLS = 20, 8


def sine_data(n_train=5000, n_test=2000, seed=0, steps=SINE_STEPS, noise=SINE_NOISE,
              dtype=np.float64):
    """Noisy sine waves and the clean value that follows them (the "sine" task).

    Each sequence has its own frequency w ~ U(0.5, 1.5) radians a sample and
    phase ~ U(0, 2 pi), amplitude 1. The inputs are x_t = sin(w t + phase) +
    N(0, noise^2) for t = 0 .. steps - 1; the target is the CLEAN next value
    sin(w * steps + phase). Drawn from ``np.random.default_rng(seed)`` in this
    order: the frequencies, the phases, then the noise, all sequences at once
    (training first, then test).

    Args:
        n_train, n_test: numbers of training and test sequences (>= 1).
        seed: int seed or ``np.random.Generator``.
        steps: T, the length of each input sequence (>= 1).
        noise: standard deviation of the noise on the inputs.
        dtype: floating dtype of the arrays.

    Returns:
        X_train: (n_train, steps, 1); y_train: (n_train, 1);
        X_test: (n_test, steps, 1); y_test: (n_test, 1); all of ``dtype``.
    """
    dtype = check_float_dtype(dtype)
    if min(n_train, n_test, steps) < 1:
        raise ValueError(f"n_train, n_test and steps must be at least 1, got {n_train}, "
                         f"{n_test} and {steps}")
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    frequency = rng.uniform(0.5, 1.5, n)
    phase = rng.uniform(0.0, 2 * np.pi, n)
    t = np.arange(steps)
    clean = np.sin(frequency[:, None] * t[None, :] + phase[:, None])
    X = (clean + noise * rng.standard_normal((n, steps)))[:, :, None].astype(dtype)
    y = np.sin(frequency * steps + phase)[:, None].astype(dtype)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def memory_data(n_train=5000, n_test=2000, seed=0, steps=MEMORY_STEPS,
                symbols=MEMORY_SYMBOLS, dtype=np.float64):
    """Sequences of random symbols; the label is the FIRST one (the "memory" task).

    Every step holds one of K symbols drawn uniformly and independently, one-hot
    encoded; the label is the symbol at step 0, which the network must carry
    through the steps - 1 that follow. Drawn from ``np.random.default_rng(seed)``
    as one (n_train + n_test, steps) array of integers (training first).

    Args:
        n_train, n_test: numbers of training and test sequences (>= 1).
        seed: int seed or ``np.random.Generator``.
        steps: T, the length of each sequence (>= 1).
        symbols: K, the number of symbols (>= 2).
        dtype: floating dtype of X.

    Returns:
        X_train: (n_train, steps, symbols) one-hot, of ``dtype``; y_train: (n_train,)
        int64 labels in 0 .. K - 1; X_test, y_test likewise with n_test sequences.
    """
    dtype = check_float_dtype(dtype)
    if min(n_train, n_test, steps) < 1 or symbols < 2:
        raise ValueError(f"n_train, n_test and steps must be at least 1 and symbols at least "
                         f"2, got {n_train}, {n_test}, {steps} and {symbols}")
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    codes = rng.integers(0, symbols, (n, steps))
    X = np.eye(symbols, dtype=dtype)[codes]
    y = codes[:, 0].astype(np.int64)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]
