"""Turn what a student hands in into a package directory the worker can import.

Accepted: a package directory holding the SPEC's modules (activations.py,
layers.py, ...), or an nbgrader submission folder of notebooks, whose
solution cells are extracted into such a package (see notebooks.py).
"""

from pathlib import Path

MODULES = ("activations", "layers", "losses", "gradcheck", "network", "optim", "train", "config")


class SubmissionError(ValueError):
    """The path holds nothing that can be graded."""


def prepare_submission(path, scratch):
    """(package directory, [notes]) for a submission path.

    Missing modules are not an error: their checks fail with a clear message.
    """
    path = Path(path)
    modules = {p.stem for p in path.glob("*.py")}
    notebooks = sorted(path.rglob("*.ipynb"))
    if modules & set(MODULES):
        missing = [m for m in MODULES if m not in modules]
        notes = [f"missing module(s): {', '.join(m + '.py' for m in missing)}"] if missing else []
        return path, notes
    if notebooks:
        from .notebooks import extract_package  # noqa: PLC0415

        return extract_package(notebooks, Path(scratch))
    raise SubmissionError(f"{path} holds neither the course's modules ({', '.join(MODULES)}.py) "
                          "nor nbgrader notebooks")
