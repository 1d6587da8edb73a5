"""Turn what a student hands in into a package directory the worker can import.

Accepted: a package directory holding the SPEC's modules (activations.py,
layers.py, ...), or an nbgrader submission folder of notebooks, whose
solution cells are extracted into such a package (see notebooks.py).

Either way the worker imports a COPY written by the grader into the results
folder: the submission's own top-level .py files (regular files only, each
bounded in size, read without following any link) or the extracted modules.
What the folder holds besides (links, other files, data) never reaches the
worker, and a link is never followed here (reading.py).
"""

import shutil
from pathlib import Path

from .course import COURSE
from .notebooks import extract_package
from .reading import MAX_FILE_BYTES, Unreadable, read_text, walk

MODULES = COURSE.modules


class SubmissionError(ValueError):
    """The path holds nothing that can be graded (the message says why)."""


def prepare_submission(path, scratch):
    """(package directory, [notes]) for a submission path; the package is a fresh copy.

    Missing modules are not an error: their checks fail with a clear message.

    Raises:
        SubmissionError: the path is not a folder the grader can read.
    """
    try:
        found = walk(path)
    except Unreadable as error:
        raise SubmissionError(str(error)) from None
    scratch = Path(scratch)
    notes = list(found.notes)
    present = {p.stem for p in found.python}
    if present & set(MODULES):
        package = _fresh(scratch / "package")
        for source in found.python:
            try:
                text = read_text(source, MAX_FILE_BYTES, found)
            except Unreadable as error:
                notes.append(str(error))
                continue
            (package / source.name).write_text(text, encoding="utf-8")
        if not (package / "__init__.py").exists():
            (package / "__init__.py").write_text("")
        missing = [m for m in MODULES if not (package / f"{m}.py").exists()]
        if missing:
            notes.append(f"missing module(s): {', '.join(m + '.py' for m in missing)}")
        return package, notes
    if found.notebooks:
        package, extracted = extract_package(found.notebooks, scratch, budget=found)
        return package, notes + extracted
    # Nothing recognisable: grade it anyway, so every check is listed with its reason.
    package = _fresh(scratch / "package")
    (package / "__init__.py").write_text("")
    return package, notes + [f"{Path(path).name} holds none of the course's modules "
                             f"({', '.join(m + '.py' for m in MODULES)}) and no notebooks: "
                             "every check will fail"]


KIT_ROOT = Path(__file__).resolve().parent.parent
# Never provided, whatever the policy: the settings hold the tuned answers of later tasks.
NEVER_PROVIDED = ("config",)


def provide_earlier_modules(package, only, source):
    """Fill in what the graded assignments build on but the upload lacks; returns notes.

    A student who uploads only layers.py for assignment 2 needs activations.py of
    assignment 1. The instructor chooses where it comes from:

      source = "reference"  the course's own modules (once those deadlines have
                            passed: the student's code can read them), or
      source = a folder     the student's own earlier submission;

    Only the modules of the assignments the graded ones build on are provided,
    never the graded assignments' own modules and never config.py; each one
    provided is named in a note.
    """
    graded = set(only)
    earlier = [a for a in COURSE.closure(only) if a not in graded]
    wanted = [m for a in earlier for m in COURSE[a].modules if m not in NEVER_PROVIDED]
    folder = KIT_ROOT / "reference" if source == "reference" else Path(source)
    origin = ("the course's version" if source == "reference"
              else f"your earlier submission ({folder.name})")
    notes = []
    for module in wanted:
        target = Path(package) / f"{module}.py"
        if target.exists():
            continue
        try:
            text = read_text(folder / f"{module}.py", MAX_FILE_BYTES)
        except Unreadable as error:
            notes.append(f"{module}.py is missing and could not be provided: {error}")
            continue
        target.write_text(text, encoding="utf-8")
        owner = COURSE.module_owner(module).id
        notes.append(f"{module}.py: {origin}, since {', '.join(only)} builds on {owner} and your "
                     "upload has none")
    return notes


def _fresh(folder):
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder
