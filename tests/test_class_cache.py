"""Work done once per class (grader/class_cache.py): the same grades, less work, no leak.

A batch gives its students' grading processes one folder for the data sets they
all rebuild (the moons task's points, MNIST's labels). These tests prove that a
grade is the same with it as without it, that the data come back bit for bit,
and that a folder others could read or write is not used.
"""

import json
import os
import re
import shutil

import numpy as np
import pytest
from grading import REFERENCE, STUBS, copy_package, run_grader

from grader import class_cache, datasets
from grader.batch import child_command

# What differs between two gradings of the same submission: how long things took.
TIMING_KEYS = {"execution_time", "seconds", "wall_seconds", "timing"}


@pytest.fixture
def cache(tmp_path):
    folder = class_cache.make_folder(tmp_path)
    assert class_cache.use(folder, kit="kit-a")
    yield folder
    class_cache.use(None)


def test_data_are_built_once_per_class_and_come_back_bit_for_bit(cache):
    built = []

    def build():
        built.append(1)
        rng = np.random.default_rng(5)
        return rng.standard_normal((7, 2)).astype(np.float32), np.arange(7, dtype=np.int64)

    first = class_cache.arrays("points", [7, "float32", 123], build)
    second = class_cache.arrays("points", [7, "float32", 123], build)  # another student
    assert len(built) == 1
    for made, read in zip(first, second):
        assert read.dtype == made.dtype and read.shape == made.shape
        assert np.array_equal(read, made)
    # Another hidden seed, another kit: other data, built again.
    class_cache.arrays("points", [7, "float32", 124], build)
    class_cache.use(cache, kit="kit-b")
    class_cache.arrays("points", [7, "float32", 123], build)
    assert len(built) == 3
    # The seeds are not readable from the entries' names; no temporary file is left.
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == 3 and all(n.startswith("points-") and n.endswith(".npz") for n in names)


def test_a_folder_others_may_read_or_write_is_not_used(tmp_path):
    folder = class_cache.make_folder(tmp_path)
    assert (folder.stat().st_mode & 0o777) == 0o700
    os.chmod(folder, 0o755)
    assert not class_cache.use(folder)
    assert class_cache.active() is None
    built = []
    class_cache.arrays("x", [], lambda: (built.append(1) or np.zeros(2),))
    class_cache.arrays("x", [], lambda: (built.append(1) or np.zeros(2),))
    assert len(built) == 2 and list(folder.iterdir()) == []  # built each time, nothing written
    link = tmp_path / "link"
    link.symlink_to(folder)
    os.chmod(folder, 0o700)
    assert not class_cache.use(link)  # not through a link either
    assert not class_cache.use(tmp_path / "missing")


def test_mnist_labels_are_the_same_from_the_cache(cache):
    y_train, y_test = datasets.mnist_labels()  # built, written
    again_train, again_test = datasets.mnist_labels()  # read
    class_cache.use(None)
    assert np.array_equal(again_train, datasets.mnist_train_labels())
    assert np.array_equal(again_test, datasets.mnist_test_labels())
    assert again_test.dtype == np.int64 and again_test.shape == (10000,)
    assert np.array_equal(y_train, again_train) and np.array_equal(y_test, again_test)


def test_each_child_of_a_batch_is_given_the_class_folder(tmp_path):
    command = child_command(tmp_path / "s", tmp_path / "o", 0, 1, {"kit": "k"}, {},
                            class_cache=tmp_path / "class-cache")
    assert command[command.index("--class-cache") + 1] == str(tmp_path / "class-cache")
    assert "--class-cache" not in child_command(tmp_path / "s", tmp_path / "o", 0, 1, {}, {})


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    if isinstance(value, str):  # a task's line says how long it computed
        return re.sub(r"computed for [0-9.]+ s", "computed for (some) s", value)
    return value


def _results(path):
    return _without_timings(json.loads(path.read_text()))


@pytest.mark.slow
@pytest.mark.xdist_group("batch")
def test_a_batch_grades_as_each_student_alone_and_the_class_folder_is_filled_once(tmp_path):
    folder = tmp_path / "class"
    copy_package(REFERENCE, folder / "alice")
    copy_package(REFERENCE, folder / "bob_untuned")  # the stubs' settings: other accuracies
    shutil.copy(STUBS / "config.py", folder / "bob_untuned" / "config.py")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    batch = run_grader("grade", folder, "--batch", "--jobs", "2", "--only", "a5",
                       "--out", tmp_path / "batch", env={"TMPDIR": str(scratch)})
    assert batch.returncode == 0, batch.stdout + batch.stderr
    assert not list(scratch.glob("nnkit-class-*"))  # the class folder goes with the batch

    (tmp_path / "explicit").mkdir()
    cache = class_cache.make_folder(tmp_path / "explicit")
    for student in ("alice", "bob_untuned"):
        alone = run_grader("grade", folder / student, "--only", "a5", "--quiet",
                           "--out", tmp_path / "alone" / student)
        assert alone.returncode == 0, alone.stdout + alone.stderr
        expected = _results(tmp_path / "alone" / student / "results.json")
        assert _results(tmp_path / "batch" / student / "results.json") == expected
        # The same grade with a class folder given by hand: filled by the first student
        # (the moons data), read by the second.
        cached = run_grader("grade", folder / student, "--only", "a5", "--quiet",
                            "--out", tmp_path / "cached" / student, "--class-cache", cache)
        assert cached.returncode == 0, cached.stdout + cached.stderr
        assert _results(tmp_path / "cached" / student / "results.json") == expected
        assert [p.name.split("-")[0] for p in cache.iterdir()] == ["moons"]
    scores = {s: json.loads((tmp_path / "batch" / s / "results.json").read_text())["score"]
              for s in ("alice", "bob_untuned")}
    assert scores["alice"] > scores["bob_untuned"]  # two different grades were compared
