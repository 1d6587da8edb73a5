"""Find the answers in what students read: solution lines of the reference, however renamed.

A lesson that writes `dx = dout @ W.T` hands out the answer even if it calls
the variables `grad_x` and `upstream`. So every line of the reference's
solution regions is normalised (comments and whitespace dropped, and every
name that is not NumPy's or Python's own renamed by order of appearance:
`dx = dout @ W.T` and `grad_x = g @ weights.T` both become `a = b @ c.T`),
and so is every line of what a student receives: the lessons (prose, inline
code and code blocks) and the cells of the released notebooks that are not
the earlier assignments' given code, and the docstrings and comments of the
student stubs. A match is a giveaway. Right-hand sides are compared too
(`dlogits = (probs - y) / N` gives away `(probs - y) / N` in a docstring),
and so are the results a student derives that no reference line spells the
same way (`(softmax(z) - y_onehot) / N`): those are listed, as data, in
authoring/giveaways.toml, beside the
definitions that are the specification and may be stated (Adam's update rule).

Lines too generic to give anything away are not looked for: fewer than
MIN_TOKENS tokens once normalised, no arithmetic in them (a call of the
course's own functions, `scores, cache = mlp_forward(params, X)`, is using
the API, not an answer), or the same shape in several solutions.
The course's own function names and NumPy's are kept as they are.
"""

import io
import json
import keyword
import re
import tokenize
from collections import Counter
from pathlib import Path

import tomllib

from grader.questions import PLACEHOLDER

from .regions import BEGIN_SOLUTION, END_SOLUTION, stub_text

ROOT = Path(__file__).resolve().parent.parent
# A markdown answer's solution region: nbgrader's release puts YOUR ANSWER HERE in its place.
SOLUTION_REGION = re.compile(re.escape(BEGIN_SOLUTION) + r".*?" + re.escape(END_SOLUTION), re.S)
MIN_TOKENS = 7
ARITHMETIC = {"@", "*", "/", "+", "-", "**", "//"}
# Names kept as they are: what a student finds in NumPy's documentation anyway.
KEPT = {"np", "numpy", "axis", "keepdims", "dtype", "shape", "T", "sum", "mean", "max", "min",
        "exp", "log", "log1p", "sqrt", "abs", "maximum", "minimum", "where", "zeros", "ones",
        "zeros_like", "ones_like", "empty", "reshape", "transpose", "argmax", "astype", "copy",
        "tanh", "float", "int", "len", "range", "self", "True", "False", "None", "einsum",
        "concatenate", "stack", "pad", "float32", "float64", "random", "rng", "outer", "dot",
        "clip", "isfinite", "norm", "linalg", "matmul"}


def _api_names(reference=ROOT / "reference"):
    """The names of the course's functions and classes (kept as they are)."""
    import ast  # noqa: PLC0415

    names = set()
    for path in list(Path(reference).glob("*.py")) + list((ROOT / "course_data").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


API = _api_names()


def normalise(line):
    """A line's shape: tokens with names renamed in order (a, b, ...), or None if not code."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    names, shaped = {}, []
    for token in tokens:
        if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.COMMENT,
                          tokenize.INDENT, tokenize.DEDENT):
            continue
        text = token.string
        if (token.type == tokenize.NAME and not keyword.iskeyword(text) and text not in KEPT
                and text not in API):
            text = names.setdefault(text, f"v{len(names)}")
        elif token.type == tokenize.STRING:
            text = "S"
        shaped.append(text)
    return " ".join(shaped) if shaped else None


def _telling(shape):
    return shape is not None and len(shape.split()) >= MIN_TOKENS and bool(
        ARITHMETIC & set(shape.split()))


def _right_hand_side(line):
    """The expression assigned by `name = expression` (not `==`, `<=`...), or None."""
    match = re.match(r"^\s*[\w.\[\], ]+?\s*(?:[-+*/@]?=)(?!=)\s*(.+)$", line)
    return match.group(1) if match else None


def solution_lines(reference=ROOT / "reference", listed=ROOT / "authoring" / "giveaways.toml"):
    """{shape: (module, the line)} of every telling line inside the reference's solution regions.

    Each assignment's right-hand side counts on its own as well, and so does
    every result giveaways.toml lists as derived; what it lists as specified
    does not count, nor does its right-hand side.
    """
    found, counts = {}, Counter()
    for path in sorted(Path(reference).glob("*.py")):
        inside = False
        for line in path.read_text().splitlines():
            marker = line.strip()
            if marker == BEGIN_SOLUTION:
                inside = True
                continue
            if marker == END_SOLUTION:
                inside = False
                continue
            if not inside or not marker or marker.startswith("#"):
                continue
            shapes = {normalise(line), normalise(_right_hand_side(line) or "")}
            for shape in filter(_telling, shapes):
                counts[shape] += 1
                found.setdefault(shape, (path.stem, marker))
    telling = {shape: where for shape, where in found.items() if counts[shape] < 3}
    lists = tomllib.loads(Path(listed).read_text())
    for module, results in lists["derived"].items():
        for result in results:
            telling[normalise(result)] = (module, result)
            shape = normalise(_right_hand_side(result) or "")
            if shape and len(shape.split()) >= 5 and ARITHMETIC & set(shape.split()):
                telling[shape] = (module, result)
    for statements in lists["specified"].values():
        for statement in statements:
            for shape in (normalise(statement), normalise(_right_hand_side(statement) or "")):
                telling.pop(shape, None)
    return telling


def candidate_lines(text):
    """The lines of a text a student reads, the code inside backticks of prose,
    and what follows each `=` or `:` of a line (a docstring's `dx: (N, D) = ...`)."""
    for line in text.splitlines():
        yield line
        yield from re.findall(r"`([^`]+)`", line)
        for match in re.finditer(r"(?<![=<>!:])[=:](?!=)", line):
            yield line[match.end():].strip().rstrip(".,;")


def giveaways(text, solutions):
    """[(the solution line, the line that gives it away)] in a text."""
    hits = []
    for line in candidate_lines(text):
        shape = normalise(line)
        if shape is not None and shape in solutions:
            hits.append((solutions[shape][1], line.strip()))
    return hits


def student_cells(notebook_path):
    """The text of every cell of a source notebook that a student receives.

    Solution cells count without their regions (nbgrader replaces those); the
    given cells (the earlier assignments' code, shown on purpose after their
    deadlines) and the hidden tests (removed from what students see) do not.
    """
    notebook = json.loads(Path(notebook_path).read_text())
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        source = "".join(cell.get("source", []))
        if meta.get("grade_id", "").startswith("given-") or "### BEGIN HIDDEN TESTS" in source:
            continue
        if meta.get("solution") and cell["cell_type"] == "code":
            source = stub_text(source, meta.get("grade_id", "cell"))
        elif meta.get("solution"):  # a written answer: the release replaces its model answer
            source = SOLUTION_REGION.sub(PLACEHOLDER, source)
        yield meta.get("grade_id") or cell["cell_type"], source


def stub_files(stubs=ROOT / "student_stubs"):
    """(file name, text) of the student stubs, as a student receives them."""
    for path in sorted(Path(stubs).glob("*.py")):
        yield path.name, path.read_text()
