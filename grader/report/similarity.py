"""Pairs of submissions whose code is suspiciously similar: a flag for a person, never a score.

copydetect (offline winnowing, the algorithm of Stanford's MOSS) fingerprints
each student's code after normalising names and literals, so renamed
variables and reworded comments still match. The stubs' own code (the
signatures and docstrings every student starts from) is boilerplate: it is
removed from every fingerprint, so a class of untouched stubs shows no pair.
A pair is listed when either student has at least the rubric's threshold
(grading.toml [similarity]) of their code in common with the other, and each
listed pair gets a page with both submissions side by side, the shared code
marked.

The code is read as the grader reads a submission (reading.py: no link
followed, every size bounded); nothing here runs it, and nothing here
changes any result: the class page shows the pairs, the gradebook does not.
"""

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..reading import MAX_FILE_BYTES, Unreadable, read_notebook, read_text, walk
from .page import document, text

STUBS = Path(__file__).resolve().parent.parent.parent / "student_stubs"
MAX_PAIRS_SHOWN = 50


@dataclass
class Pair:
    """Two students and how much of each one's code the other shares."""

    first: str
    second: str
    shares: tuple  # (share of first's code found in second's, the other way), in [0, 1]
    tokens: int  # tokens of first's code in common
    codes: tuple  # the two codes compared
    slices: tuple  # for each code, 2 x M array of [start, end) characters in common


def submission_code(folder):
    """A submission's code as one text: its top-level .py files, then its notebooks' code cells."""
    try:
        found = walk(folder)
    except Unreadable:
        return ""
    parts = []
    for path in sorted(found.python):
        try:
            parts.append(f"# ---- {path.name}\n" + read_text(path, MAX_FILE_BYTES, found))
        except Unreadable:
            continue
    for path in sorted(found.notebooks):
        try:
            cells, _ = read_notebook(path, found)
        except Unreadable:
            continue
        parts.append(f"# ---- {path.name}\n" + "\n\n".join(source for _, source in cells))
    return "\n\n".join(parts)


def similar_pairs(codes, boilerplate, threshold, noise_tokens=25, guarantee_tokens=30):
    """The pairs of `codes` ({student: code}) at or above `threshold`, most similar first."""
    from copydetect import CodeFingerprint, compare_files  # noqa: PLC0415 - the cluster extra

    window = guarantee_tokens - noise_tokens + 1

    def fingerprint(code, boilerplate_hashes=None):
        return CodeFingerprint("submission.py", noise_tokens, window, fp=io.StringIO(code),
                               boilerplate=boilerplate_hashes)

    common = np.array(sorted(fingerprint(boilerplate).hashes), dtype=np.int64)
    prints = {name: fingerprint(code, common) for name, code in codes.items() if code.strip()}
    prints = {name: p for name, p in prints.items() if p.hashes and p.token_coverage > 0}
    names = sorted(prints)
    pairs = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            tokens, shares, slices = compare_files(prints[first], prints[second])
            shares = tuple(min(1.0, float(s)) for s in shares)
            if tokens and max(shares) >= threshold:
                pairs.append(Pair(first, second, shares, int(tokens),
                                  (prints[first].raw_code, prints[second].raw_code), slices))
    return sorted(pairs, key=lambda p: (-max(p.shares), p.first, p.second))


def marked(code, slices):
    """HTML of `code` with the [start, end) character ranges of `slices` in <mark>."""
    ranges = sorted(zip(np.asarray(slices[0], dtype=int), np.asarray(slices[1], dtype=int)))
    parts, at = [], 0
    for start, end in ranges:
        start, end = max(start, at), max(end, at)
        parts.append(text(code[at:start]))
        if end > start:
            parts.append(f"<mark>{text(code[start:end])}</mark>")
        at = end
    parts.append(text(code[at:]))
    return "".join(parts)


def pair_page(pair):
    """A page with both submissions side by side, the code they share marked."""
    columns = "".join(
        f'<div><h2>{text(name)}: {share:.0%} of this code is in the other</h2>'
        f'<pre style="white-space:pre-wrap;font-size:12px;border:1px solid #ccc;'
        f'padding:8px">{marked(code, slices)}</pre></div>'
        for name, share, code, slices in zip((pair.first, pair.second), pair.shares,
                                             pair.codes, pair.slices))
    body = (f"<main><h1>Similar code: {text(pair.first)} and {text(pair.second)}</h1>"
            "<p>The marked code is in both submissions, after names and literals are "
            "normalised (the stubs' own code is not counted). A flag for a person to look "
            "at: it changes no score. <a href=\"../index.html\">Back to the class page</a></p>"
            '<div style="display:grid;grid-template-columns:1fr 1fr;gap:16px">'
            f"{columns}</div></main>")
    return document(f"Similar code: {pair.first} and {pair.second}", body)


def write_similarity(out_dir, class_folder, student_ids, settings):
    """Compare the class's submissions; write out_dir/similarity/pair-N.html; the pairs.

    Args:
        settings: the rubric's [similarity] (threshold, noise_tokens, guarantee_tokens).

    Returns:
        ([(Pair, the page's path relative to out_dir)], most similar first and at most
        MAX_PAIRS_SHOWN; the number of pairs found).
    """
    codes = {name: submission_code(Path(class_folder) / name) for name in student_ids}
    pairs = similar_pairs(codes, submission_code(STUBS), settings["threshold"],
                          settings["noise_tokens"], settings["guarantee_tokens"])
    folder = Path(out_dir) / "similarity"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("pair-*.html"):
        old.unlink()
    written = []
    for number, pair in enumerate(pairs[:MAX_PAIRS_SHOWN], start=1):
        page = folder / f"pair-{number}.html"
        page.write_text(pair_page(pair), encoding="utf-8")
        written.append((pair, f"similarity/{page.name}"))
    return written, len(pairs)


def similarity_section(written, total=None):
    """The class page's section: each flagged pair, with a link to its side-by-side page."""
    parts = ['<section id="similarity"><h2>Similar code</h2>']
    if not written:
        parts.append("<p>No two submissions share more code than the rubric's threshold "
                     "(grading.toml [similarity]), beyond the stubs.</p></section>")
        return "\n".join(parts)
    parts.append('<p class="lead">Pairs of submissions whose code is suspiciously similar '
                 "(copydetect, the stubs' code left out). A flag for a person to look at: no "
                 "score changes.</p><table><thead><tr><th>students</th>"
                 '<th class="num">in common</th><th></th></tr></thead><tbody>')
    for pair, link in written:
        parts.append(f"<tr><td>{text(pair.first)} and {text(pair.second)}</td>"
                     f'<td class="num">{pair.shares[0]:.0%} / {pair.shares[1]:.0%}</td>'
                     f'<td><a href="{text(link)}">side by side</a></td></tr>')
    parts.append("</tbody></table>")
    if total is not None and total > len(written):
        parts.append(f"<p>{total - len(written)} more pairs are not shown.</p>")
    parts.append("</section>")
    return "\n".join(parts)
