"""Work done once per class: data the trusted side computes that no student changes.

Every student of a batch is graded by a grading process of its own (batch.py),
and each one used to rebuild the same data sets: the moons task alone imports
scikit-learn (seconds) to draw 2,000 points from the hidden random_state, and
MNIST's task reads all of MNIST for its 70,000 labels. A batch now makes one
folder for the class (a Dask worker one for the students it grades) and passes
it to every grading process (`--class-cache`, internal); the first that needs a
data set writes it there and the others read it.

What is kept there, and how:
  - plain arrays only: one .npz per entry, written with np.savez and read
    with allow_pickle=False, each array exactly as it was built (bit for bit),
    so a grade is the same with or without the cache;
  - each entry is named by a hash of its name, its parameters (the hidden
    seeds among them), the kit's fingerprint and the library versions that
    draw the data; the seeds are not readable from the names;
  - written atomically (a temporary file, then os.replace): a grading process
    killed midway leaves no half entry, and two writing at once both write
    the same bytes;
  - trusted side only: the folder is created 0700 by the batch under its own
    temporary folder. Student code never sees it: bubblewrap's worker sees
    only what isolation.py mounts (an empty /tmp of its own), and the "uid"
    fallback's worker runs as another uid that cannot enter a 0700 folder. A
    folder that is not ours or that others may write is not used (the data
    are then built as without a cache).

Without `--class-cache` (grading one submission) nothing is cached and nothing
is written.
"""

import hashlib
import json
import os
import stat
from pathlib import Path

import numpy as np

_ACTIVE = {"directory": None, "kit": ""}


def use(directory, kit=""):
    """Make `directory` this process's class cache (None: no cache). Returns whether it is used.

    Args:
        directory: the class's cache folder, made by make_folder().
        kit: the kit's fingerprint (the batch's), part of every entry's key.
    """
    _ACTIVE["directory"], _ACTIVE["kit"] = None, kit or ""
    if directory is None:
        return False
    path = Path(directory)
    if not _safe(path):
        return False
    _ACTIVE["directory"] = path
    return True


def active():
    """The folder in use, or None."""
    return _ACTIVE["directory"]


def make_folder(parent):
    """A class cache folder inside `parent` (created 0700); its path."""
    folder = Path(parent) / "class-cache"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def arrays(name, key, build):
    """The arrays build() returns (a tuple of ndarrays), made once per class.

    Args:
        name: what the data are ("moons", "mnist_labels"): the entry's readable prefix.
        key: JSON-able parameters the data depend on (seeds, sizes, dtype).
        build: () -> tuple of numpy arrays.
    """
    directory = _ACTIVE["directory"]
    if directory is None:
        return tuple(build())
    digest = hashlib.sha256(json.dumps([name, key, _ACTIVE["kit"], _versions()],
                                       sort_keys=True, default=str).encode()).hexdigest()
    path = directory / f"{name}-{digest[:32]}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            return tuple(stored[f"a{i}"] for i in range(len(stored.files)))
    except (OSError, ValueError, KeyError):
        pass  # not there yet (or unreadable): build it
    value = tuple(np.asarray(a) for a in build())
    temporary = directory / f".{path.name}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as f:
            np.savez(f, **{f"a{i}": a for i, a in enumerate(value)})
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)  # a full disk costs the time saved, not the grade
    return value


def _safe(path):
    """A folder of ours that nobody else may write or read."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO))


_VERSIONS = []


def _versions():
    """The versions of what draws the data (NumPy, scikit-learn's make_moons)."""
    if not _VERSIONS:
        from importlib import metadata  # noqa: PLC0415

        found = {"numpy": np.__version__}
        try:
            found["scikit-learn"] = metadata.version("scikit-learn")
        except metadata.PackageNotFoundError:
            found["scikit-learn"] = None
        _VERSIONS.append(found)
    return _VERSIONS[0]
