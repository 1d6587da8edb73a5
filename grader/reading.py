"""Reading what a submission brings: untrusted files, every size bounded, no link followed.

The trusted side reads a submission's folder itself (to copy its modules, to
extract its notebooks), so everything here treats the folder as hostile:

  - no symbolic link is ever followed, at any depth: a link is skipped with a
    note, so a file that points at the grading machine's own files (the kit,
    the solutions) is never read; files are opened with O_NOFOLLOW and checked
    to be regular after opening;
  - the walk is bounded in depth, in entries and in bytes, and names are
    checked, so a folder of a million files or a file of ten gigabytes costs
    only the refusal;
  - every failure becomes a note for the report, never an exception that stops
    grading.
"""

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_DEPTH = 4  # folders below the submission's own (a Gradescope upload, nbgrader's aN/)
MAX_ENTRIES = 2_000  # directory entries looked at, in all
MAX_FILE_BYTES = 2 * 2**20  # one .py file
MAX_NOTEBOOK_BYTES = 20 * 2**20  # one notebook (outputs can be large)
MAX_TOTAL_BYTES = 100 * 2**20  # everything read
MAX_CELLS = 2_000  # cells of one notebook
MAX_CELL_CHARACTERS = 500_000  # the source of one cell
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\- ]{0,99}")


class Unreadable(Exception):
    """A file or folder of the submission that is not read (the message says why)."""


@dataclass
class Found:
    """What a walk of the submission found: regular files by kind, and what it skipped."""

    python: list = field(default_factory=list)  # top-level .py files (Path)
    notebooks: list = field(default_factory=list)  # .ipynb files at any depth (Path)
    notes: list = field(default_factory=list)  # what was skipped and why
    bytes_read: int = 0


def walk(folder):
    """The submission's .py files (top level) and notebooks, without following any link.

    Raises:
        Unreadable: the folder itself is a link or not a directory.
    """
    folder = Path(folder)
    try:
        info = os.lstat(folder)
    except OSError as error:
        raise Unreadable(f"{folder} cannot be read ({error.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise Unreadable(f"{folder} is a symbolic link; a submission is a folder of files")
    if not stat.S_ISDIR(info.st_mode):
        raise Unreadable(f"{folder} is not a directory")
    found, entries = Found(), 0
    pending = [(folder, 0)]
    while pending:
        directory, depth = pending.pop(0)
        try:
            with os.scandir(directory) as scan:
                items = sorted(scan, key=lambda e: e.name)
        except OSError as error:
            found.notes.append(f"{_shown(folder, directory)}: not readable ({error.strerror})")
            continue
        for entry in items:
            entries += 1
            if entries > MAX_ENTRIES:
                found.notes.append(f"the submission holds more than {MAX_ENTRIES} files and "
                                   "folders: the rest were not looked at")
                return found
            shown = _shown(folder, Path(entry.path))
            if entry.name.startswith(".") or entry.name in ("__pycache__", "__MACOSX"):
                continue
            if entry.is_symlink():
                found.notes.append(f"{shown} is a symbolic link: ignored (a submission's files "
                                   "must be its own)")
                continue
            if not NAME.fullmatch(entry.name):
                found.notes.append(f"{shown!r}: a name that is not a plain file name: ignored")
                continue
            if entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    pending.append((Path(entry.path), depth + 1))
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            if entry.name.endswith(".ipynb"):
                found.notebooks.append(Path(entry.path))
            elif entry.name.endswith(".py") and depth == 0:
                found.python.append(Path(entry.path))
    return found


def read_text(path, limit, budget=None):
    """The text of a regular file, opened without following links, at most `limit` bytes.

    Args:
        path: the file.
        limit: the largest size accepted.
        budget: a Found whose bytes_read counts against MAX_TOTAL_BYTES, or None.

    Raises:
        Unreadable: a link, not a regular file, too large, not UTF-8.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        reason = "a symbolic link" if error.errno == 40 else error.strerror
        raise Unreadable(f"{Path(path).name}: not read ({reason})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(f"{Path(path).name}: not a regular file")
        if info.st_size > limit:
            raise Unreadable(f"{Path(path).name}: {info.st_size:,} bytes, more than the "
                             f"{limit:,} a file may have")
        if budget is not None and budget.bytes_read + info.st_size > MAX_TOTAL_BYTES:
            raise Unreadable(f"{Path(path).name}: not read, the submission is larger than "
                             f"{MAX_TOTAL_BYTES:,} bytes in all")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # the file grew while being read
                raise Unreadable(f"{Path(path).name}: more than {limit:,} bytes")
            chunks.append(chunk)
        if budget is not None:
            budget.bytes_read += size
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unreadable(f"{Path(path).name}: not UTF-8 text (byte {error.start})") from None


def read_notebook(path, budget=None):
    """A notebook's code cells as [(grade_id or None, source)] and its assignment, checked.

    Only the structure the grader uses is trusted: cells with a cell_type, a
    source that is a string or a list of strings, nbgrader metadata whose
    grade_id is a short plain string.

    Raises:
        Unreadable: not a notebook the grader can read (the message says why).
    """
    text = read_text(path, MAX_NOTEBOOK_BYTES, budget)
    try:
        notebook = json.loads(text)
    except RecursionError:
        raise Unreadable(f"{Path(path).name}: nested too deeply to be a notebook") from None
    except ValueError as error:
        raise Unreadable(f"{Path(path).name}: not valid JSON ({error.msg} at line "
                         f"{error.lineno})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise Unreadable(f"{Path(path).name}: not a Jupyter notebook (no list of cells)")
    cells = notebook["cells"]
    if len(cells) > MAX_CELLS:
        raise Unreadable(f"{Path(path).name}: {len(cells)} cells, more than {MAX_CELLS}")
    metadata = notebook.get("metadata")
    nnkit = metadata.get("nnkit") if isinstance(metadata, dict) else None
    assignment = nnkit.get("assignment") if isinstance(nnkit, dict) else None
    code = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str) or len(source) > MAX_CELL_CHARACTERS:
            continue
        meta = cell.get("metadata")
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if not (isinstance(grade_id, str) and NAME.fullmatch(grade_id)):
            grade_id = None
        code.append((grade_id, source))
    return code, assignment if isinstance(assignment, str) else None


def _shown(root, path):
    try:
        return str(Path(path).relative_to(root)) or "."
    except ValueError:
        return Path(path).name
