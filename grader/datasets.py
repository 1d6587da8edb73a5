"""The grader's data: held on the trusted side, shared with the worker only as inputs.

The data loaders are the course's own (the `course_data` package, which the
kit installs and students use too), called here as trusted code. Test labels
never leave this process; the worker gets training arrays (and test images)
as read-only .npy files in a folder the sandbox mounts, so MNIST is loaded
from disk by the worker instead of crossing a pipe.
"""

import hashlib
import os
from pathlib import Path

import numpy as np

import course_data

from . import class_cache


def worker_data_dir():
    """Where the worker's /data arrays are written ($NNKIT_CACHE, else the user's cache).

    A worker that runs as another uid without a mount namespace (the "uid" fallback)
    cannot enter root's home: its arrays go to /var/tmp then (training data and test
    images only, never a label it must not see).
    """
    if os.environ.get("NNKIT_CACHE"):
        return Path(os.environ["NNKIT_CACHE"]) / "worker-data"
    from .sandbox.isolation import sandbox_mode  # noqa: PLC0415

    if sandbox_mode() == "uid":
        return Path("/var/tmp/nnkit-worker-data")
    return Path(os.path.expanduser("~")) / ".cache" / "nnkit" / "worker-data"


def prepare_worker_data():
    """The folder the worker sees as /data (created, possibly still empty)."""
    directory = worker_data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o755)
    return directory


def worker_array(name, build):
    """Write data/<name>.npy once (atomically) and return its name for wire.Data."""
    directory = prepare_worker_data()
    path = directory / f"{name}.npy"
    if not path.exists():
        temporary = directory / f".{name}.{os.getpid()}.npy"
        np.save(temporary, build(), allow_pickle=False)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    return name


_MNIST = None


def mnist():
    """(X_train uint8, y_train, X_test uint8, y_test), loaded once per process."""
    global _MNIST
    if _MNIST is None:
        _MNIST = course_data.load_mnist_uint8()
    return _MNIST


# The MNIST arrays the worker loads from /data. The training images are written
# in the student's dtype (scaled to [0, 1] as load_mnist does), so the worker
# never converts 188 MB itself; the test labels are never written there.
MNIST_DTYPES = ("float32", "float64")


def mnist_worker_arrays(dtype, pixels=None, labels=None):
    """Names (for wire.Data) of the training images, training labels and test images.

    Args:
        dtype: "float32" or "float64", the dtype of the student's network.
        pixels: a permutation of the 784 pixels (the task's disguise), or None.
        labels: a permutation of the 10 labels (label k is shown as labels[k]), or None.

    Returns:
        (train_images, train_labels, test_images): names of .npy files in the
        worker's data folder, written on first use; images (N, 784) of `dtype`
        in [0, 1], labels (60000,) int64.
    """
    dtype = str(np.dtype(dtype))
    if dtype not in MNIST_DTYPES:
        raise ValueError(f"MNIST is prepared in {MNIST_DTYPES}, not {dtype}")
    order = np.arange(784) if pixels is None else np.asarray(pixels)
    relabel = np.arange(10) if labels is None else np.asarray(labels)
    disguised = pixels is not None or labels is not None
    key = ("_" + hashlib.sha256(order.tobytes() + relabel.tobytes()).hexdigest()[:12]
           if disguised else "")
    train_images = worker_array(f"mnist_train_images_{dtype}{key}",
                                lambda: np.divide(mnist()[0][:, order], 255, dtype=dtype))
    train_labels = worker_array(f"mnist_train_labels{key}",
                                lambda: relabel[mnist()[1].astype(np.int64)])
    test_images = worker_array(f"mnist_test_images_{dtype}{key}",
                               lambda: np.divide(mnist()[2][:, order], 255, dtype=dtype))
    return train_images, train_labels, test_images


def mnist_labels():
    """(training labels, test labels), int64: read once per class (class_cache.py), not
    with all of MNIST's images by every student's grading process."""
    return class_cache.arrays("mnist_labels", [], lambda: (mnist()[1].astype(np.int64),
                                                           mnist()[3].astype(np.int64)))


def mnist_train_labels():
    """The 60,000 training labels (int64), true ones (the worker's are disguised)."""
    return mnist_labels()[0]


def mnist_test_labels():
    """The 10,000 test labels (int64): trusted side only."""
    return mnist_labels()[1]


def mnist_test_images_uint8(indices):
    """Raw test images (uint8, (len(indices), 784)) for the report's digit grid."""
    return mnist()[2][np.asarray(indices, dtype=np.int64)]
