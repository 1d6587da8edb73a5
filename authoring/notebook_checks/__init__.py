"""The autograded test cells of the notebooks, as specifications.

A notebook cannot import the reference (nbgrader releases the notebook to the
students, and autograde runs it in their kernel), so every test cell is
self-contained: its inputs and its expected values are literals, computed
from the reference when `make notebooks` runs.

A `Check` is one function's test: `inputs(rng)` draws small arrays, `code`
computes `got` from them with the notebook's functions, and the generator
runs the same `code` with the reference's functions to get `expected`.
Checks of random functions (dropout, initialisation, batch order, training)
have no expected literal: `code` asserts properties instead (`inputs` None).

Each check gives two cells: a visible test and a hidden one (other inputs,
between nbgrader's hidden-test markers). Their points are the rubric's: the
grader's checks each cell carries (authoring/notebook_points.py).

One file per assignment (a1.py, a2.py, ...), each defining CHECKS, a list of
Check; CHECKS here maps every assignment of course.toml to its list.
"""

import importlib
from dataclasses import dataclass, field

from grader.course import COURSE


@dataclass
class Check:
    """One function's autograded test (a visible cell and a hidden cell)."""

    function: str
    code: str  # sets `got` (value checks) or asserts by itself (property checks)
    what: str = ""  # how the failure message names the value
    inputs: object = None  # rng -> dict of name -> array/number, or None
    hidden: bool = True  # also a hidden cell with other inputs
    rtol: float = 1e-6
    atol: float = 1e-8
    name: str = ""  # grade_id suffix when a function has several checks
    setup: dict = field(default_factory=dict)  # literals shared by both cells
    # The grader's checks whose rubric points this cell carries (authoring/notebook_points.py):
    # globs over rubric check names; empty for the defaults of its function's name.
    carries: tuple = ()

    @property
    def task(self):
        """The graded task this cell trains (HYPERPARAMS-<task>), or ''."""
        return self.function.removeprefix("HYPERPARAMS-") if self.function.startswith(
            "HYPERPARAMS-") else ""

    @property
    def cell_id(self):
        return f"test-{self.function}" + (f"-{self.name}" if self.name else "")


def _load():
    return {a.id: importlib.import_module(f"{__name__}.{a.id}").CHECKS for a in COURSE}


CHECKS = _load()
