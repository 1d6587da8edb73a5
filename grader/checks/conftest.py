"""Fixtures of the graded checks. The grader's plugin holds the state."""

import numpy as np
import pytest

from ..plugin import grader_of
from .support import seed_for


@pytest.fixture
def grader(request):
    return grader_of(request.config)


@pytest.fixture
def student(grader):
    """The student's submission, reached only through the sandboxed worker."""
    return grader.student()


@pytest.fixture
def rng(request):
    """Inputs' generator, seeded per check (hidden cases by secrets.toml)."""
    return np.random.default_rng(seed_for(request))


@pytest.fixture
def rubric(grader):
    return grader.rubric
