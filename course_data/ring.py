"""Assignment 11's data: the standard toy benchmark of 8 Gaussians on a ring.

A generator that covers only some of the modes (mode collapse) or spreads its
samples between them (a blur) shows at a glance on this data, and its ground
truth makes both measurable: how many modes it covers, and how many of its
samples lie near one.
"""

import numpy as np

MODES, RADIUS, SIGMA = 8, 2.0, 0.05


def ring_centres(modes=MODES, radius=RADIUS):
    """The centres radius * (cos 2 pi k / modes, sin 2 pi k / modes), shape (modes, 2) float64."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def ring_data(n_samples=10_000, seed=0, sigma=SIGMA, modes=MODES, radius=RADIUS):
    """Samples of the ring: a centre drawn uniformly for each, plus N(0, sigma^2 I) noise.

    Args:
        n_samples: number of points (>= 1).
        seed: int seed of the np.random.Generator that draws them (the grader keeps its
            own, hidden).
        sigma: the standard deviation of each Gaussian (SPEC: 0.05).
        modes, radius: the number of Gaussians and the ring's radius (SPEC: 8 and 2).

    Returns:
        X: (n_samples, 2) float64 array.
        mode: (n_samples,) int64, the index of the centre each point was drawn from.
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    rng = np.random.default_rng(seed)
    mode = rng.integers(0, modes, size=n_samples).astype(np.int64)
    X = ring_centres(modes, radius)[mode] + sigma * rng.standard_normal((n_samples, 2))
    return X.astype(np.float64), mode
