"""Turn what a student hands in into a package directory the worker can import.

Accepted: a package directory holding the SPEC's modules (activations.py,
layers.py, ...), or an nbgrader submission folder of notebooks, whose
solution cells are extracted into such a package (see notebooks.py).
"""

from pathlib import Path

from .course import COURSE
from .notebooks import extract_package

MODULES = COURSE.modules


class SubmissionError(ValueError):
    """The path holds nothing that can be graded."""


def prepare_submission(path, scratch):
    """(package directory, [notes]) for a submission path.

    Missing modules are not an error: their checks fail with a clear message.
    """
    path = Path(path)
    if not path.is_dir():
        raise SubmissionError(f"{path} is not a directory")
    modules = {p.stem for p in path.glob("*.py")}
    notebooks = sorted(path.rglob("*.ipynb"))
    if modules & set(MODULES):
        missing = [m for m in MODULES if m not in modules]
        notes = [f"missing module(s): {', '.join(m + '.py' for m in missing)}"] if missing else []
        return path, notes
    if notebooks:
        return extract_package(notebooks, Path(scratch))
    # Nothing recognisable: grade it anyway, so every check is listed with its reason.
    return path, [f"{path} holds none of the course's modules ({', '.join(MODULES)}.py) "
                  "and no notebooks: every check will fail"]
