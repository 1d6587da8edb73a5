"""The small 2-D data sets: XOR, two moons and spirals, made on the spot from a seed.

Nothing here is an exercise: students, the grader and the notebooks use the
same loaders. They use only NumPy and (inside the function that needs it)
scikit-learn.
"""

import numpy as np

from .dtypes import check_float_dtype


def xor_data(dtype=np.float64):
    """The four points of XOR: the smallest problem a linear model cannot solve.

    Args:
        dtype: floating dtype of X.

    Returns:
        X: (4, 2) array of ``dtype``, the rows [0, 0], [0, 1], [1, 0], [1, 1].
        y: (4,) int64 labels [0, 1, 1, 0] (1 when exactly one input is 1).
    """
    dtype = check_float_dtype(dtype)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def moons_data(n_samples=2000, noise=0.2, random_state=0, dtype=np.float64):
    """Two interleaving half circles (scikit-learn's ``make_moons``), split in two.

    The points are those of ``make_moons(n_samples, noise=noise,
    random_state=random_state)``, which are already shuffled: the first
    ``n_samples // 2`` train, the others test. With the defaults that is the
    graded task: the first 1,000 points to train, the other 1,000 to test.

    Args:
        n_samples: total number of points, train and test together (>= 2).
        noise: standard deviation of the Gaussian noise added to the points.
        random_state: int seed (or ``np.random.RandomState``) for make_moons.
        dtype: floating dtype of the X arrays.

    Returns:
        X_train: (n_samples // 2, 2) array of ``dtype``.
        y_train: (n_samples // 2,) int64 labels in {0, 1}.
        X_test: (n_samples - n_samples // 2, 2) array of ``dtype``.
        y_test: (n_samples - n_samples // 2,) int64 labels in {0, 1}.
    """
    from sklearn.datasets import make_moons

    dtype = check_float_dtype(dtype)
    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    X, y = make_moons(n_samples, noise=noise, random_state=random_state)
    X = X.astype(dtype)
    y = y.astype(np.int64)
    n_train = n_samples // 2
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def spiral_data(points_per_class=100, num_classes=3, seed=0, dtype=np.float64):
    """Interleaved spiral arms, one per class (the CS231n spiral).

    Class j has ``points_per_class`` points at radius r = linspace(0, 1) and
    angle t = linspace(4j, 4(j + 1)) + 0.2 * standard normal noise, placed at
    (r sin t, r cos t). The rows are grouped by class (all of class 0 first).
    The noise comes from ``np.random.default_rng(seed)``, drawn class by class,
    and is computed in float64 before the cast, so float32 and float64 give
    the same points up to rounding.

    Args:
        points_per_class: number of points in each class (>= 1).
        num_classes: number of classes, C (>= 1).
        seed: int seed or ``np.random.Generator`` for the angular noise;
            None means fresh, unpredictable noise.
        dtype: floating dtype of X.

    Returns:
        X: (points_per_class * C, 2) array of ``dtype``.
        y: (points_per_class * C,) int64 labels in 0 .. C - 1.
    """
    dtype = check_float_dtype(dtype)
    if points_per_class < 1 or num_classes < 1:
        raise ValueError(
            "points_per_class and num_classes must be at least 1, got "
            f"{points_per_class} and {num_classes}"
        )
    rng = np.random.default_rng(seed)
    n = points_per_class
    X = np.zeros((n * num_classes, 2))
    y = np.zeros(n * num_classes, dtype=np.int64)
    radius = np.linspace(0.0, 1.0, n)
    for j in range(num_classes):
        rows = slice(n * j, n * (j + 1))
        theta = np.linspace(j * 4, (j + 1) * 4, n) + rng.standard_normal(n) * 0.2
        X[rows] = np.column_stack([radius * np.sin(theta), radius * np.cos(theta)])
        y[rows] = j
    return X.astype(dtype), y


def value_moons_data(n_samples=100, noise=0.1, random_state=0):
    """Assignment 10's small two moons: ``make_moons(100, noise=0.1)`` with labels in {-1, 1}.

    Small on purpose: a network of scalar Values computes in pure Python, and the
    task trains on every point at every step (full batch), measured on the same points.

    Args:
        n_samples: number of points (>= 2).
        noise: standard deviation of the Gaussian noise added to the points.
        random_state: int seed for make_moons.

    Returns:
        X: (n_samples, 2) float64 array.
        y: (n_samples,) int64 labels in {-1, 1} (make_moons' 0 and 1 as 2 y - 1).
    """
    from sklearn.datasets import make_moons

    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    X, y = make_moons(n_samples, noise=noise, random_state=random_state)
    return X.astype(np.float64), 2 * y.astype(np.int64) - 1
