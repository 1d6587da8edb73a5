"""Rebuild a package from an nbgrader submission, so the isolated grader can grade it.

The course's notebooks (assignments/source/, see authoring/notebooks.py) name
every cell by its nbgrader grade_id. A cell `<module>-<name>` holds code of
that module: the student's solution cells and the read-only code of the
module (such as network.py's ACTIVATIONS table). This file gathers those
cells, in notebook order, into <module>.py, and adds the imports the
reference has: `import numpy as np`, the notebook's setup-cell imports of the
names it reads (`import torch`), and a relative import for every name
the code reads that another extracted module defines (`from .activations
import relu`) or for a module used as an object (`from . import optim`).

A name that no extracted module defines but that the notebook's read-only
"given" cells provide (the earlier assignments' functions) is copied into
the module that needs it, so an a2 notebook alone still yields a working
layers.py; the module of the earlier assignment itself is NOT created, so its
checks fail ("missing module") instead of grading the given code.

Only code is read here: nothing of the student's runs in this process. The
notebooks are read by reading.py (bounded, no link followed), and each cell
is parsed on its own: a cell that does not parse costs the functions it holds
(named in a note), not the whole module.
"""

import ast
import re
from pathlib import Path

from .course import COURSE
from .reading import Unreadable, read_notebook

MODULES = COURSE.modules
ASSIGNMENT_ORDER = COURSE.ids
_MAGIC = re.compile(r"^\s*[%!]")  # IPython magics and shell escapes are not Python


def _order(assignment, path):
    """Course order of a notebook: its metadata's assignment, else its folder's name."""
    assignment = assignment or Path(path).parent.name
    return ASSIGNMENT_ORDER.index(assignment) if assignment in ASSIGNMENT_ORDER else -1


def _clean(source):
    return "".join(line for line in source.splitlines(keepends=True) if not _MAGIC.match(line))


def _top_level_names(source):
    """Names defined at the top level of a code text (empty if it does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:  # HYPERPARAMS["mnist"] = ... reads HYPERPARAMS, binds nothing
                names |= {n.id for n in ast.walk(target)
                          if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _names_read(source):
    """Names the code reads from its module: each function's parameters and locals left out.

    (dropout_forward's parameter `train` is not train.py's `train`.)
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    free = set()
    for node in tree.body:
        loads = {n.id for n in ast.walk(node)
                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            local = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                     and isinstance(n.ctx, (ast.Store, ast.Del))}
            local |= {a.arg for n in ast.walk(node) if isinstance(n, ast.arguments)
                      for a in n.posonlyargs + n.args + n.kwonlyargs + [n.vararg, n.kwarg] if a}
            loads -= local
        free |= loads
    return free


def _definitions(source):
    """name -> source text of each top-level def/assignment of a given cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    lines = source.splitlines(keepends=True)
    found = {}
    for node in tree.body:
        names = _top_level_names(ast.unparse(node)) if not isinstance(
            node, (ast.Import, ast.ImportFrom)) else set()
        decorators = getattr(node, "decorator_list", None)
        start = decorators[0].lineno if decorators else node.lineno
        text = "".join(lines[start - 1:node.end_lineno])
        for name in names:
            found[name] = text
    return found


def _imports(source):
    """name -> its import statement, for the plain imports of a cell (`import torch`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Import) or isinstance(node, ast.ImportFrom) and not node.level:
            for alias in node.names:
                found[(alias.asname or alias.name).split(".")[0]] = ast.unparse(node)
    return found


def collect_modules(notebooks, budget=None):
    """(module -> code, given name -> definition, notes) from the notebooks' cells.

    A module's code is the cells named `<module>-...` of every notebook, in
    course order: layers.py gathers assignment 2's layers and assignment 7's
    batch normalization, config.py each assignment's entries of HYPERPARAMS.
    A cell found in two notebooks is taken from the first and noted; a cell
    that does not parse is left out and noted with the functions it held.
    """
    read = []
    notes = []
    for path in notebooks:
        try:
            cells, assignment = read_notebook(path, budget)
        except Unreadable as error:
            notes.append(f"{error}: its cells are not graded")
            continue
        read.append((_order(assignment, path), str(path), Path(path).name, cells))
    cells_of, origin, given = {}, {}, {}
    for _, _, name, cells in sorted(read):
        for grade_id, source in cells:
            if grade_id is None:
                continue
            prefix, _, rest = grade_id.partition("-")
            source = _clean(source)
            if prefix in MODULES or prefix == "given":
                try:
                    ast.parse(source)
                except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
                    if prefix != "given":
                        line = getattr(error, "lineno", None)
                        notes.append(f"{name}: cell {grade_id} does not parse"
                                     + (f" (line {line}: {getattr(error, 'msg', error)})"
                                        if line else "")
                                     + f"; what it defines ({rest}) is missing from "
                                       f"{prefix}.py")
                    continue
            if prefix in MODULES:
                if grade_id in origin:
                    notes.append(f"{grade_id}: taken from {origin[grade_id]}, not from {name}, "
                                 "which holds it too")
                    continue
                origin[grade_id] = name
                cells_of.setdefault(prefix, []).append(source)
            elif prefix == "given":
                given.update(_definitions(source))
            elif grade_id == "setup":  # the packages the notebook imports (a12's torch)
                given.update({k: v for k, v in _imports(source).items() if k not in given})
    modules = {module: "\n\n\n".join(part.strip("\n") for part in parts) + "\n"
               for module, parts in cells_of.items()}
    return modules, given, notes


def module_text(module, code, modules, given, origin=""):
    """The full text of <module>.py: header, imports, given definitions, the student's code."""
    defined_here = _top_level_names(code)
    read = _names_read(code)
    imports = ["import numpy as np"]
    copied, pending, seen = [], sorted(read - defined_here), set()
    read_by_given = set()  # names the copied earlier code reads (train's `optim`)
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        owners = [m for m in MODULES if m != module and m in modules
                  and name in _top_level_names(modules[m])]
        if owners:
            imports.append(f"from .{owners[0]} import {name}")
        elif name in MODULES and name != module and (name in modules or name in read_by_given):
            imports.append(f"from . import {name}")  # given code's module: provided, or missing
        elif name in given and given[name].startswith(("import ", "from ")):
            if given[name] not in imports:
                imports.append(given[name])  # a package the notebook's setup cell imports
        elif name in given and name not in defined_here:
            copied.append(given[name])  # an earlier assignment's function, given by the notebook
            read_by_given |= _names_read(given[name])
            pending += sorted(_names_read(given[name]) - seen - defined_here)
    origin = origin or "a notebook"
    header = f'"""{module}.py, extracted from the solution cells of {origin}."""\n\n'
    parts = [header + "\n".join(imports)]
    if copied:
        parts.append("# Given by the notebook (an earlier assignment's code):\n\n"
                     + "\n\n".join(text.strip("\n") for text in reversed(copied)))
    parts.append(code.strip("\n"))
    return "\n\n\n".join(parts) + "\n"


def extract_package(notebooks, scratch, budget=None):
    """Write a package of the notebooks' module cells; returns (package_dir, notes)."""
    notebooks = [Path(p) for p in notebooks]
    package = Path(scratch) / "package"
    package.mkdir(parents=True, exist_ok=True)
    for old in package.glob("*.py"):
        old.unlink()
    modules, given, notes = collect_modules(notebooks, budget)
    if not modules:
        notes.append("no solution cells of the course's notebooks were found "
                     "(cells are recognised by their nbgrader grade_id)")
    origin = ", ".join(sorted(p.name for p in notebooks))
    for module, code in modules.items():
        text = module_text(module, code, modules, given, origin)
        try:
            ast.parse(text)
        except SyntaxError as error:
            notes.append(f"{module}.py does not parse (line {error.lineno}): its checks will fail")
        (package / f"{module}.py").write_text(text, encoding="utf-8")
    (package / "__init__.py").write_text('"""A package extracted from nbgrader notebooks."""\n')
    missing = [m for m in MODULES if m not in modules]
    if missing and modules:
        notes.append(f"missing module(s): {', '.join(m + '.py' for m in missing)}")
    return package, notes
