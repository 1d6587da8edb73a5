"""The import policy: what student code may import, enforced by the worker's view of the files.

From scratch means from scratch: a submission's code may import the standard
library, the course's data loaders (course_data) and the packages its
assignment's rubric allows (`imports = ["numpy"]`; assignment 12 adds
"torch"). The sandbox enforces it through the filesystem: every
site-packages folder of the Python environment is replaced by an empty one
into which only the allowed distributions (and what they themselves require)
are mounted, so `import sklearn` finds nothing, whatever the student's code
does to sys.path or to importlib. That is the same mechanism that already
hides the reference and the grader: nothing in the worker can undo it.

Without the sandbox the worker installs an import hook instead (worker.py),
which refuses the same names but which student code could remove: the
report says the policy was not enforced then.
"""

import functools
import glob
import importlib.metadata
import os
import re
import sys

# Always importable: the course's data loaders (bound beside the submission, not from here).
ALWAYS = ("course_data",)


def _requirements(distribution):
    """Names of the distributions a distribution requires (extras left out)."""
    names = []
    for requirement in distribution.requires or []:
        if "extra ==" in requirement:
            continue
        match = re.match(r"[A-Za-z0-9_.\-]+", requirement)
        if match:
            names.append(match.group(0))
    return names


@functools.cache
def allowed_entries(names):
    """The site-packages entries (top-level files and folders) of these distributions.

    Args:
        names: a tuple of distribution names ("numpy", "torch"), followed to what
            they require, recursively.

    Returns:
        frozenset of entry names of site-packages (e.g. "numpy", "numpy.libs",
        "numpy-2.1.0.dist-info") and of the top-level modules they provide.
    """
    entries, seen, pending = set(), set(), list(names)
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for path in distribution.files or []:
            top = str(path).split("/")[0]
            if top not in ("..", ""):
                entries.add(top)
        pending += _requirements(distribution)
    return frozenset(entries)


def top_level_modules(names):
    """The module names the allowed distributions make importable (for the hook)."""
    modules = set()
    for entry in allowed_entries(tuple(names)):
        if entry.endswith((".dist-info", ".egg-info", ".pth")) or entry == "__pycache__":
            continue
        modules.add(entry.split(".")[0] if not entry.endswith(".libs") else entry)
    return modules


# The system's Python packages, which the worker's view of /usr would otherwise show (a
# Debian python3-sklearn, say): masked like the environment's own.
SYSTEM_PACKAGE_DIRS = ("/usr/lib/python3/dist-packages", "/usr/lib/python3*/dist-packages",
                       "/usr/lib/python3*/site-packages", "/usr/local/lib/python3*/dist-packages",
                       "/usr/local/lib/python3*/site-packages")


def site_packages_dirs(python_roots):
    """Every site-packages (or dist-packages) folder of the Python environment and the system,
    at every path the sandbox shows it under.

    The sandbox binds each of python_roots at its own path: a root that is a symlink (a
    `.venv` linked to another checkout's) shows the same folders under a second path, and
    the worker's Python uses that one. A folder is listed by its real path and by its path
    under each root that holds it, so that masking every entry masks what the worker sees.
    """
    found = set()
    patterns = [os.path.join(root, pattern) for root in python_roots
                for pattern in ("lib/python3*/site-packages", "lib/python3*/dist-packages",
                                "lib64/python3*/site-packages")]
    for pattern in patterns + list(SYSTEM_PACKAGE_DIRS):
        found.update(os.path.realpath(p) for p in glob.glob(pattern) if os.path.isdir(p))
    seen_as = set(found)
    for root in python_roots:
        real_root = os.path.realpath(root)
        for site in found:
            if os.path.normpath(root) != real_root and site.startswith(real_root + os.sep):
                seen_as.add(os.path.join(os.path.normpath(root), os.path.relpath(site, real_root)))
    return sorted(seen_as)


def stdlib_modules():
    return set(getattr(sys, "stdlib_module_names", ())) | set(sys.builtin_module_names)


def describe(allowed):
    """How a message names a policy: "numpy" or "numpy and torch"."""
    names = list(allowed)
    return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1] if names \
        else "no package"
