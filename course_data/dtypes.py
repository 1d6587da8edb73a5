"""The one rule every loader of the course data follows: a floating dtype, checked."""

import numpy as np


def check_float_dtype(dtype):
    """Return ``np.dtype(dtype)``, or raise ValueError if it is not floating."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating dtype, got {dtype}")
    return dtype
