"""index.html of a batch: how the class did, made from every results.json.

Shows who needs help (each kind of trouble, as gradebook.csv names it: does
not import, missing module, timed out, worker died, budget exhausted, not
started, and gradings that did not finish), the distribution of the scores,
the class's mean per assignment, each check's pass rate across the class from
the hardest, the hints the grader gave most often (the mistakes most students
made), the pairs of submissions whose code is suspiciously similar (similarity.py:
a flag, never a score), the slowest submissions, and a row per student with a link to their
feedback.html. It follows the students' pages on visibility:
a hint of a check whose details are hidden from students is not counted, so
the page can be shown to the class.
"""

import datetime
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from . import plots
from .feedback import Check
from .page import (
    COURSE_NAME,
    document,
    figure,
    no_figure,
    percent,
    points,
    score_bar,
    status_chip,
    text,
)

HARDEST_SHOWN = 25  # checks listed before the "all checks" fold
HINTS_SHOWN = 10


def write_class_report(out_dir, student_ids, class_folder=None):
    """Write out_dir/index.html for the students graded into out_dir/<id>/; returns its path.

    With class_folder (their submissions, one folder each), the page also lists the
    pairs whose code is suspiciously similar (similarity.py).
    """
    out_dir = Path(out_dir)
    students = [_load(out_dir, student_id) for student_id in student_ids]
    similar = _similarity(out_dir, class_folder, student_ids) if class_folder else ""
    path = out_dir / "index.html"
    path.write_text(render_class_report(students, similar), encoding="utf-8")
    return path


def _similarity(out_dir, class_folder, student_ids):
    from ..rubric import load_rubric  # noqa: PLC0415
    from .similarity import similarity_section, write_similarity  # noqa: PLC0415

    try:
        written, found = write_similarity(out_dir, class_folder, student_ids,
                                          load_rubric().similarity)
    except ImportError:
        return ('<section id="similarity"><h2>Similar code</h2><p>Not compared: the '
                "similarity report needs copydetect (pip install -e '.[cluster]').</p></section>")
    return similarity_section(written, found)


def _load(out_dir, student_id):
    """{id, results (or None), status, feedback link (or None)} of one student."""
    folder = out_dir / student_id
    try:
        results = json.loads((folder / "results.json").read_text())
    except (OSError, ValueError):
        results = None
    has_page = (folder / "feedback.html").exists()
    return {"id": student_id, "results": results, "status": _status(results),
            "link": f"{student_id}/feedback.html" if has_page else None}


def _status(results):
    if results is None:
        return "no results"
    extra = results.get("extra_data") or {}
    if extra.get("status"):
        return extra["status"]
    if extra.get("complete") is False:
        return "invalid" if not results.get("tests") else "incomplete"
    return "complete"


def _trouble(student):
    return list(((student["results"] or {}).get("extra_data") or {}).get("trouble") or [])


def render_class_report(students, similarity=""):
    """The page's HTML from [{id, results, status, link}] (and the similarity section)."""
    graded = [s for s in students if s["results"] is not None]
    shares = [_percent(s["results"]) for s in graded]
    body = [_header(students, shares), "<main>", _triage(students), similarity,
            _distribution(shares),
            _assignments(graded), _pass_rates(graded), _hints(graded), _slowest(graded),
            _roster(students), "</main>",
            f"<footer>Made by the course grader on {datetime.date.today():%d %B %Y} from "
            f"{len(graded)} results files. Single file: no network needed.</footer>"]
    return document("Class report", "\n".join(body))


def _percent(results):
    maximum = float((results.get("extra_data") or {}).get("max_score") or 0.0)
    return percent(float(results.get("score") or 0.0), maximum)


def _header(students, shares):
    facts = [f"{len(students)} submissions"]
    if shares:
        facts += [f"median {statistics.median(shares):.0f}%",
                  f"range {min(shares):.0f}–{max(shares):.0f}%"]
    mean = f"{statistics.fmean(shares):.0f}%" if shares else "–"
    return (f'<header class="top"><div class="inner"><div>'
            f'<p class="eyebrow">{text(COURSE_NAME)}</p>'
            f"<h1>Class report</h1><p class=\"meta\">{text(' · '.join(facts))}</p></div>"
            f'<div class="total"><span class="big">{mean}</span>'
            f'<span class="pct">mean score</span></div></div></header>')


def _distribution(shares):
    parts = ['<section id="distribution"><h2>Score distribution</h2>']
    if shares:
        try:
            parts.append(figure(plots.score_histogram(shares),
                                "Histogram of the students' total scores in 10-point bins",
                                "Students per 10-point band of the total score."))
        except Exception as error:  # noqa: BLE001 - the tables below still help
            parts.append(no_figure("Score distribution", f"({type(error).__name__})"))
    else:
        parts.append("<p>No submission has results.</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _assignments(graded):
    sums = defaultdict(lambda: {"title": "", "score": 0.0, "max": 0.0, "n": 0})
    for student in graded:
        for a, total in ((student["results"].get("extra_data") or {}).get("assignments")
                         or {}).items():
            entry = sums[a]
            entry["title"] = total.get("title", entry["title"])
            entry["score"] += float(total.get("score") or 0.0)
            entry["max"] += float(total.get("max_score") or 0.0)
            entry["n"] += 1
    if not sums:
        return ""
    rows = "".join(
        f"<tr><td>{text(a.upper())}</td><td>{text(e['title'])}</td>"
        f'<td class="bar-cell">{score_bar(e["score"], e["max"])}</td>'
        f'<td class="num">{points(e["score"] / e["n"])} / {points(e["max"] / e["n"])}</td>'
        f'<td class="num">{percent(e["score"], e["max"]):.0f}%</td></tr>'
        for a, e in sorted(sums.items()))
    return ('<section id="assignments"><h2>Mean by assignment</h2>'
            '<table class="assignments"><thead><tr><th>#</th><th>assignment</th>'
            '<th class="bar-cell">mean</th><th class="num">mean points</th>'
            f'<th class="num">%</th></tr></thead><tbody>{rows}</tbody></table></section>')


def check_pass_rates(graded):
    """[(assignment, check, passed, attempted, mean credit)] sorted from the hardest."""
    tally = {}
    for student in graded:
        for check in (Check(t) for t in student["results"].get("tests") or []):
            entry = tally.setdefault((check.assignment, check.name), [0, 0, 0.0])
            entry[0] += check.outcome == "passed"
            entry[1] += 1
            entry[2] += check.score / check.max_score if check.max_score else float(
                check.outcome == "passed")
    rates = [(a, name, passed, attempted, credit / attempted)
             for (a, name), (passed, attempted, credit) in tally.items()]
    return sorted(rates, key=lambda r: (r[2] / r[3], r[4], r[0], r[1]))


def knock_on_counts(graded, builds_on):
    """{(assignment, check): students failing it who also lose points in an assignment
    it builds on}: failures there may be where this one comes from (a wrong db in a2
    fails a5's bias gradients too)."""
    counts = defaultdict(int)
    for student in graded:
        totals = (student["results"].get("extra_data") or {}).get("assignments") or {}
        weak = {a for a, t in totals.items() if t.get("score", 0) < t.get("max_score", 0)}
        for check in (Check(t) for t in student["results"].get("tests") or []):
            if check.outcome != "passed" and weak & set(builds_on.get(check.assignment, ())):
                counts[(check.assignment, check.name)] += 1
    return counts


def _builds_on():
    try:
        from ..rubric import load_rubric  # noqa: PLC0415 - the report reads results first

        return {a.id: a.builds_on for a in load_rubric().assignments.values()}
    except Exception:  # noqa: BLE001 - the column is a help, never a reason to fail the page
        return {}


def _pass_rates(graded):
    rates = check_pass_rates(graded)
    if not rates:
        return ""
    knock_on = knock_on_counts(graded, _builds_on())

    def rows(chosen, start):
        return "".join(
            f'<tr><td class="num">{start + i}</td><td>{text(a.upper())}</td>'
            f'<td><code>{text(name)}</code></td>'
            f'<td class="bar-cell">{score_bar(passed, attempted)}</td>'
            f'<td class="num">{passed} / {attempted}</td>'
            f'<td class="num">{100 * passed / attempted:.0f}%</td>'
            f'<td class="num">{knock_on.get((a, name), 0)} / {attempted - passed}</td></tr>'
            for i, (a, name, passed, attempted, _credit) in enumerate(chosen))

    head = ('<table class="rates"><thead><tr><th class="num">#</th><th>a.</th><th>check</th>'
            '<th class="bar-cell">passed</th><th class="num">students</th>'
            '<th class="num">rate</th><th class="num" title="failing students who also lose '
            'points in an assignment this one builds on">knock-on?</th></tr></thead><tbody>')
    parts = ['<section id="pass-rates"><h2>Checks from the hardest</h2>',
             '<p class="lead">The share of the class that passed each check in full; the '
             "hardest first. <em>knock-on?</em> counts the students failing a check who also "
             "lose points in an assignment it builds on (a5 calls the layers and losses of "
             "a2 and a3): their failure may start there.</p>",
             head, rows(rates[:HARDEST_SHOWN], 1), "</tbody></table>"]
    if len(rates) > HARDEST_SHOWN:
        parts += [f'<details class="raw"><summary>The other {len(rates) - HARDEST_SHOWN} '
                  "checks</summary>", head, rows(rates[HARDEST_SHOWN:], HARDEST_SHOWN + 1),
                  "</tbody></table></details>"]
    parts.append("</section>")
    return "\n".join(parts)


def frequent_hints(graded):
    """[(hint, students, [checks])]: the hints most students received, visible ones only."""
    students_of, checks_of = defaultdict(set), defaultdict(Counter)
    for student in graded:
        for check in (Check(t) for t in student["results"].get("tests") or []):
            if check.hint and check.outcome != "passed":
                students_of[check.hint].add(student["id"])
                checks_of[check.hint][check.name] += 1
    ranked = sorted(students_of, key=lambda h: (-len(students_of[h]), h))
    return [(h, len(students_of[h]), [c for c, _ in checks_of[h].most_common(3)])
            for h in ranked]


def _hints(graded):
    hints = frequent_hints(graded)[:HINTS_SHOWN]
    parts = ['<section id="hints"><h2>Most frequent hints</h2>']
    if not hints:
        parts.append("<p>The grader gave no hints: no mistake it recognises was made.</p>")
    else:
        parts.append('<p class="lead">Mistakes the grader recognised, by the number of students '
                     "who made them.</p><table><thead><tr><th class=\"num\">students</th>"
                     "<th>hint</th><th>seen in</th></tr></thead><tbody>")
        parts += [f'<tr><td class="num">{n}</td><td>{text(hint)}</td>'
                  f"<td>{', '.join(f'<code>{text(c)}</code>' for c in checks)}</td></tr>"
                  for hint, n, checks in hints]
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "\n".join(parts)


TROUBLE_WORDS = {
    "does-not-import": "a module does not import (a syntax error, an import of something "
                       "missing): every check of it scores 0",
    "missing-module": "a module the course asks for is missing",
    "forbidden-import": "the code imports a package its assignment does not allow (the course "
                        "is from scratch: a library doing the work)",
    "timed-out": "a call or a graded task ran out of time (an infinite loop, or far too slow)",
    "worker-died": "the student's code crashed its worker (memory, exit, a signal)",
    "budget-exhausted": "the submission's whole time budget was used up: some checks never ran",
    "not-started": "nothing written yet: every function still raises NotImplementedError",
}


def _triage(students):
    """Who needs a look: gradings that did not finish, then each kind of trouble."""
    unfinished = [s for s in students if s["status"] not in ("complete",)]
    kinds = defaultdict(list)
    for student in students:
        for kind in _trouble(student):
            kinds[kind].append(student)
    parts = ['<section id="triage"><h2>Who needs a look</h2>']
    if not unfinished and not kinds:
        parts.append("<p>Every submission was graded completely, and none shows trouble.</p>")
    else:
        parts.append('<p class="lead">Each kind of trouble with the students it concerns; '
                     "the gradebook's <em>status</em> and <em>trouble</em> columns say the "
                     "same.</p><table><thead><tr><th>trouble</th><th class=\"num\">students"
                     "</th><th>who</th></tr></thead><tbody>")
        groups = ([("grading did not finish", unfinished)] if unfinished else []) + [
            (TROUBLE_WORDS.get(kind, kind), kinds[kind]) for kind in TROUBLE_WORDS
            if kinds.get(kind)]
        for label, who in groups:
            names = ", ".join(_link(s) + (f" ({text(s['status'])})"
                                          if label == "grading did not finish" else "")
                              for s in who)
            parts.append(f"<tr><td>{text(label)}</td><td class=\"num\">{len(who)}</td>"
                         f"<td>{names}</td></tr>")
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "\n".join(parts)


SLOWEST_SHOWN = 5


def _slowest(graded):
    """The submissions that took longest to grade: where the class's time went."""
    timed = sorted(((float(s["results"].get("execution_time") or 0.0), s) for s in graded),
                   key=lambda pair: -pair[0])[:SLOWEST_SHOWN]
    if not timed:
        return ""
    rows = "".join(f"<tr><td>{_link(s)}</td><td class=\"num\">{seconds:.1f} s</td>"
                   f"<td>{text(', '.join(_trouble(s)) or '–')}</td></tr>" for seconds, s in timed)
    return ('<section id="slowest"><h2>Slowest to grade</h2><table><thead><tr><th>student</th>'
            '<th class="num">grading time</th><th>trouble</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")


def _link(student):
    return (f'<a href="{text(student["link"])}">{text(student["id"])}</a>' if student["link"]
            else text(student["id"]))


def _roster(students):
    rows = []
    for student in students:
        results = student["results"]
        name = (f'<a href="{text(student["link"])}">{text(student["id"])}</a>'
                if student["link"] else text(student["id"]))
        if results is None:
            score, share = "–", "–"
        else:
            maximum = float((results.get("extra_data") or {}).get("max_score") or 0.0)
            score = f"{points(results.get('score') or 0.0)} / {points(maximum)}"
            share = f"{_percent(results):.0f}%"
        chip = status_chip("passed" if student["status"] == "complete" else "failed",
                           label=student["status"])
        trouble = text(", ".join(_trouble(student))) or "–"
        rows.append(f"<tr><td>{name}</td><td class=\"num\">{score}</td>"
                    f'<td class="num">{share}</td><td>{chip}</td>'
                    f'<td class="trouble">{trouble}</td></tr>')
    return ('<section id="students"><h2>Students</h2><table class="roster"><thead><tr>'
            '<th>student</th><th class="num">points</th><th class="num">%</th><th>grading</th>'
            '<th class="trouble">trouble</th>'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")
