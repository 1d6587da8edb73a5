"""Solution regions: the one marker syntax that stubs and notebooks derive from.

In `reference/`, the body of every exercise sits between nbgrader's markers:

    ### BEGIN SOLUTION
    ...the instructor's code...
    ### END SOLUTION

optionally followed by a stub block whose commented-out lines replace the
region in the student's copy (for code that must stay runnable, such as the
untuned HYPERPARAMS of config.py):

    ### BEGIN STUB
    # HYPERPARAMS = {...}
    ### END STUB

Without a stub block a region becomes `# YOUR CODE HERE` and
`raise NotImplementedError()`, nbgrader's own default, at the region's indent.
"""

import re

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_STUB = "### BEGIN STUB"
END_STUB = "### END STUB"

_MARKER = re.compile(r"^(\s*)(### (?:BEGIN|END) (?:SOLUTION|STUB))\s*$")


class RegionError(ValueError):
    """The markers of a file are unbalanced or misplaced."""


def _marker(line):
    match = _MARKER.match(line)
    return (match.group(1), match.group(2)) if match else (None, None)


def stub_text(source, where="<source>"):
    """The student's version of a reference file.

    Args:
        source: text of a reference module.
        where: its name, for error messages.

    Returns:
        The text with every solution region replaced by its stub (or by
        `# YOUR CODE HERE` + `raise NotImplementedError()`), every stub block
        uncommented in its place, and everything else unchanged.
    """
    lines = source.splitlines(keepends=True)
    out = []
    i = 0
    while i < len(lines):
        indent, marker = _marker(lines[i])
        if marker is None:
            out.append(lines[i])
            i += 1
            continue
        if marker != BEGIN_SOLUTION:
            raise RegionError(f"{where}:{i + 1}: {marker} without {BEGIN_SOLUTION}")
        end = _find(lines, i + 1, END_SOLUTION, where)
        after = end + 1
        _, next_marker = _marker(lines[after]) if after < len(lines) else (None, None)
        if next_marker == BEGIN_STUB:
            stub_end = _find(lines, after + 1, END_STUB, where)
            out.extend(_uncomment(line, indent) for line in lines[after + 1:stub_end])
            i = stub_end + 1
        else:
            out.append(f"{indent}# YOUR CODE HERE\n")
            out.append(f"{indent}raise NotImplementedError()\n")
            i = after
    return "".join(out)


def solution_text(source, where="<source>"):
    """The instructor's version: markers kept, stub blocks dropped (for notebooks)."""
    lines = source.splitlines(keepends=True)
    out = []
    i = 0
    while i < len(lines):
        _, marker = _marker(lines[i])
        if marker == BEGIN_STUB:
            i = _find(lines, i + 1, END_STUB, where) + 1
            continue
        out.append(lines[i])
        i += 1
    return "".join(out)


def count_regions(source):
    """Number of solution regions in a text."""
    return sum(1 for line in source.splitlines() if _marker(line)[1] == BEGIN_SOLUTION)


def _find(lines, start, wanted, where):
    for j in range(start, len(lines)):
        _, marker = _marker(lines[j])
        if marker == wanted:
            return j
        if marker is not None:
            raise RegionError(f"{where}:{j + 1}: {marker} inside an open region; expected {wanted}")
    raise RegionError(f"{where}: {wanted} missing after line {start}")


def _uncomment(line, indent):
    body = line[len(indent):] if line.startswith(indent) else line.lstrip()
    if body.startswith("# "):
        body = body[2:]
    elif body.startswith("#"):
        body = body[1:]
    return indent + body if body.strip() else body
