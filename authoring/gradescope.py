"""Build Gradescope autograder zips: `make gradescope` (every assignment) or `make gradescope A=a2`.

Usage:
    python -m authoring.gradescope [--only a2,a5] [--out dist/gradescope]

One zip per assignment (aN.zip: one Gradescope assignment each) and course.zip
(every assignment in one). Each holds, at its root (Gradescope unpacks it into
/autograder/source):

    setup.sh         run once when Gradescope builds the image: system packages
                     (bubblewrap, a Python with venv) and `make install-grader`
                     (the kit without its development tools; PyTorch too for an
                     assignment whose rubric allows it)
    run_autograder   executable, `#!/usr/bin/env bash`: python -m grader.gradescope
    the kit          course.toml, course_data/, grader/ (with the rubric and its
                     secrets), reference/, pyproject.toml, Makefile, README.md

Nothing else: no tests, no notebooks, no student material. The zip holds the
solutions and the hidden seeds: it is for the instructor's Gradescope account
only (the worker never sees them: grader/sandbox/).
"""

import argparse
import stat
import sys
import zipfile
from pathlib import Path

from grader.course import COURSE

ROOT = Path(__file__).resolve().parent.parent
KIT = ("course.toml", "questions.toml", "pyproject.toml", "Makefile", "README.md", "course_data",
       "grader", "reference")
SKIP = {"__pycache__", ".pytest_cache"}

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip make bubblewrap
cd "$(dirname "$0")"
make install-grader PYTHON=python3{torch}
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission: the upload is in /autograder/submission,
# the results go to /autograder/results/results.json (AUTOGRADER_ROOT for a local trial;
# a trial may pass `-k "not task_"` to skip the training tasks, Gradescope passes nothing).
cd "$(dirname "$0")"
exec .venv/bin/python -m grader.gradescope --only {only} \\
    --root "${{AUTOGRADER_ROOT:-/autograder}}" "$@"
"""


def _add(zipped, path, arcname, executable=False):
    info = zipfile.ZipInfo.from_file(path, arcname)
    if executable:
        info.external_attr = (stat.S_IFREG | 0o755) << 16
    with open(path, "rb") as f:
        zipped.writestr(info, f.read(), zipfile.ZIP_DEFLATED)


def _add_text(zipped, text, arcname, executable=False):
    info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zipped.writestr(info, text)


def needs_torch(only, root=ROOT):
    from grader.rubric import load_rubric  # noqa: PLC0415

    rubric = load_rubric(root / "grader" / "rubric")
    return any("torch" in rubric.limits_for(a).imports for a in only)


def build_zip(only, out, root=ROOT, name=None):
    """Write out/<name>.zip for these assignments; returns its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name or ','.join(only)}.zip"
    torch = " && make install-torch" if needs_torch(only, root) else ""
    with zipfile.ZipFile(path, "w") as zipped:
        _add_text(zipped, SETUP.format(torch=torch), "setup.sh", executable=True)
        _add_text(zipped, RUN.format(only=",".join(only)), "run_autograder", executable=True)
        for entry in KIT:
            source = root / entry
            files = [source] if source.is_file() else sorted(
                p for p in source.rglob("*") if p.is_file() and not SKIP & set(p.parts)
                and p.suffix != ".pyc")
            for file in files:
                _add(zipped, file, str(file.relative_to(root)))
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="assignments, e.g. a2 (default: all)")
    parser.add_argument("--out", default=str(ROOT / "dist" / "gradescope"))
    args = parser.parse_args(argv)
    chosen = ([part.strip() for part in args.only.split(",") if part.strip()] if args.only
              else list(COURSE.ids))
    unknown = [a for a in chosen if a not in COURSE]
    if unknown:
        parser.error(f"unknown assignment(s) {unknown}; choose from {', '.join(COURSE.ids)}")
    paths = [build_zip([a], args.out) for a in chosen]
    if not args.only:
        paths.append(build_zip(list(COURSE.ids), args.out, name="course"))
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
