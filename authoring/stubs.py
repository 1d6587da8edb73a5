"""Generate `student_stubs/` from `reference/` (`make stubs`, or `--check` in tests).

Each module of the reference becomes its stub, and the written questions
(questions.toml) become answers.md, where students of the Python route write
their answers (grader/questions.py: the format, grader/answers.py: its reading).

Usage:
    python -m authoring.stubs            # write student_stubs/
    python -m authoring.stubs --check    # exit 1 and list the stale files
"""

import sys
from pathlib import Path

from grader.answers import ANSWERS_FILE
from grader.questions import answers_template

from .generated import generator_main
from .regions import stub_text

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
STUBS = ROOT / "student_stubs"


# The package's own docstring speaks to the student: the reference's says what the
# reference is (the course's solution), which a student's copy is not.
PACKAGE_INIT = '''"""Your solutions to the course "Neural Networks from Scratch in NumPy".

One module per assignment: write each function where it says `# YOUR CODE HERE`,
following its docstring. Import one of your modules from another only with a
relative import (`from .layers import linear_forward`), so that the package works
under any folder name. The grader imports each module by its own name, so leave
this file as it is: a name re-exported here is not what it grades.
"""
'''


def expected_stubs(reference=REFERENCE):
    """Map file name -> the text its stub must have."""
    files = {}
    for path in sorted(reference.glob("*.py")):
        files[path.name] = stub_text(path.read_text(), where=str(path))
    if "__init__.py" in files:
        files["__init__.py"] = PACKAGE_INIT
    files[ANSWERS_FILE] = answers_template()
    return files


def stale_files(reference=REFERENCE, stubs=STUBS):
    """Names of the stub files that differ from what the reference generates (or are extra)."""
    expected = expected_stubs(reference)
    stale = [name for name, text in expected.items()
             if not (stubs / name).exists() or (stubs / name).read_text() != text]
    extra = [p.name for p in stubs.glob("*.py") if p.name not in expected]
    return sorted(stale + extra)


def write_stubs(reference=REFERENCE, stubs=STUBS):
    stubs.mkdir(parents=True, exist_ok=True)
    expected = expected_stubs(reference)
    for path in stubs.glob("*.py"):
        if path.name not in expected:
            path.unlink()
    for name, text in expected.items():
        (stubs / name).write_text(text)
    return sorted(expected)


def main(argv=None):
    return generator_main(argv, __doc__.splitlines()[0], "student_stubs/", "make stubs",
                          stale_files, write_stubs)


if __name__ == "__main__":
    sys.exit(main())
