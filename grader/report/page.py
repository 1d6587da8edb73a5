"""What the report pages share: the HTML skeleton, the style sheet, status labels.

Pages are single files: the style sheet is inline, figures are data URIs, and
there is no script and no external asset, so a page opens offline, from an
e-mail attachment or a phone. Every text that comes from results.json is
escaped with `text()` (a student's exception message is data, never markup).
"""

import html
import math

COURSE_NAME = "Neural Networks from Scratch in NumPy"

# outcome -> (css class, icon, label). The icon and the word carry the status,
# the colour only repeats it (readable without colour vision, and in print).
STATUSES = {
    "passed": ("passed", "✔", "passed"),
    "partial": ("partial", "◐", "partial"),
    "failed": ("failed", "✖", "failed"),
    "skipped": ("skipped", "–", "skipped"),
    "not run": ("notrun", "○", "not run"),
}


def text(value):
    """Escaped text for HTML content or attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def points(value):
    """3, 2.5, 0.25: points without trailing zeros."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "?"
    if not math.isfinite(value):
        return "?"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def percent(score, maximum):
    return 100.0 * score / maximum if maximum else 0.0


def status_chip(outcome, label=None):
    """The outcome as icon + word (+ colour); `label` replaces the word."""
    css, icon, word = STATUSES.get(outcome, ("notrun", "?", str(outcome)))
    label = word if label is None else label
    return (f'<span class="status {css}"><span class="icon" aria-hidden="true">{icon}</span>'
            f"{text(label)}</span>")


def score_bar(score, maximum, label=""):
    """A horizontal bar; the numbers are always written beside it."""
    share = max(0.0, min(100.0, percent(score, maximum)))
    level = "full" if share >= 99.95 else "some" if share > 0 else "none"
    return (f'<span class="bar {level}" role="img" aria-label="{text(label or f"{share:.0f}%")}">'
            f'<span style="width:{share:.1f}%"></span></span>')


def figure(data_uri, alt, caption=""):
    caption_html = f"<figcaption>{text(caption)}</figcaption>" if caption else ""
    return (f'<figure><img src="{data_uri}" alt="{text(alt)}" loading="eager">'
            f"{caption_html}</figure>")


def no_figure(title, reason):
    """The place of a figure that could not be drawn, saying why."""
    return (f'<figure class="missing" role="note"><p><strong>{text(title)}: no plot.</strong> '
            f"{text(reason)}</p></figure>")


def document(title, body):
    return ("<!doctype html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="color-scheme" content="light">\n'
            f"<title>{text(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


STYLE = """
:root {
  --ink: #1d2430; --muted: #5b6472; --line: #dde2e8; --paper: #ffffff; --wash: #f5f7fa;
  --accent: #0b5394;
  --passed: #005a8c; --passed-bg: #e3f0f8;
  --partial: #8a5a00; --partial-bg: #fdf1d8;
  --failed: #a63c00; --failed-bg: #fbe6da;
  --notrun: #555d69; --notrun-bg: #eceff3;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--wash); color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
        "Noto Sans", "DejaVu Sans", sans-serif; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
            monospace; font-size: 0.88em; }
a { color: var(--accent); }
header.top { background: #14213d; color: #fff; padding: 28px 20px 24px; }
header.top .inner, main, footer { max-width: 1040px; margin: 0 auto; }
header.top .inner { display: flex; gap: 24px; align-items: flex-end; justify-content: space-between;
  flex-wrap: wrap; }
header.top .eyebrow { margin: 0; text-transform: uppercase; letter-spacing: .08em;
  font-size: .75rem; opacity: .8; }
header.top h1 { margin: 4px 0 6px; font-size: 1.7rem; line-height: 1.2; font-weight: 650;
  overflow-wrap: anywhere; }
header.top .meta { margin: 0; opacity: .85; font-size: .9rem; }
.total { text-align: right; }
.total .big { font-size: 2.6rem; font-weight: 700; line-height: 1; }
.total .of { font-size: 1.1rem; opacity: .85; }
.total .pct { display: block; font-size: .95rem; opacity: .9; margin-top: 4px; }
main { padding: 8px 16px 40px; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 20px; margin: 18px 0; }
section > h2 { margin: 0 0 12px; font-size: 1.25rem; }
h3 { font-size: 1.05rem; margin: 0 0 6px; }
p.lead { color: var(--muted); margin-top: -4px; }
.banner { border-left: 5px solid var(--failed); background: var(--failed-bg); padding: 10px 14px;
  border-radius: 6px; margin: 18px 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 7px 8px; border-bottom: 1px solid var(--line);
  vertical-align: middle; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
  font-weight: 600; }
td, td code { overflow-wrap: anywhere; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; width: 100%; min-width: 60px; height: 10px; border-radius: 5px;
  background: var(--notrun-bg); overflow: hidden; vertical-align: middle; }
.bar > span { display: block; height: 100%; background: var(--passed); }
.bar.some > span { background: #3b82b6; }
.status { display: inline-flex; align-items: center; gap: .35em; padding: 1px 9px 1px 7px;
  border-radius: 999px; font-size: .82rem; font-weight: 600; white-space: nowrap; }
.status .icon { font-size: .95em; }
.status.passed { color: var(--passed); background: var(--passed-bg); }
.status.partial { color: var(--partial); background: var(--partial-bg); }
.status.failed { color: var(--failed); background: var(--failed-bg); }
.status.notrun, .status.skipped { color: var(--notrun); background: var(--notrun-bg); }
details.assignment { border: 1px solid var(--line); border-radius: 8px; margin: 10px 0;
  background: var(--paper); }
details.assignment > summary { cursor: pointer; padding: 12px 14px; display: flex; gap: 12px;
  align-items: center; flex-wrap: wrap; list-style: none; }
details.assignment > summary::-webkit-details-marker { display: none; }
details.assignment > summary::before { content: "▸"; color: var(--muted); width: 1em; }
details.assignment[open] > summary::before { content: "▾"; }
details.assignment > summary .title { font-weight: 650; flex: 1 1 16em; }
details.assignment > summary .counts { color: var(--muted); font-size: .88rem; }
details.assignment > summary .score { font-weight: 650; font-variant-numeric: tabular-nums; }
ul.checks { list-style: none; margin: 0; padding: 0 14px 8px; }
li.check { display: grid; grid-template-columns: 7.2em minmax(0, 1fr) auto; gap: 4px 12px;
  padding: 9px 0; border-top: 1px solid var(--line); align-items: start; }
li.check .name { font-weight: 600; overflow-wrap: anywhere; }
li.check .pts { font-variant-numeric: tabular-nums; white-space: nowrap; color: var(--muted); }
li.check pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0 0;
  background: var(--wash); padding: 6px 8px; border-radius: 5px; max-height: 16em; overflow: auto; }
li.check .hint { margin: 4px 0 0; padding: 4px 8px; border-left: 3px solid #e69f00;
  background: #fff8e8; border-radius: 3px; }
li.check .private { color: var(--muted); font-style: italic; margin: 2px 0 0; }
li.check .group-reason { margin: 2px 0 0; }
li.check details.group-checks > summary { cursor: pointer; color: var(--muted); font-size: .86rem; }
li.check details.group-checks p { margin: 2px 0 0; color: var(--muted); font-size: .86rem;
  overflow-wrap: anywhere; }
.standing { margin: 6px 0 0; display: grid; gap: 2px; font-size: .92rem; }
.standing .margin-above { color: var(--passed); font-weight: 600; }
.standing .margin-below { color: var(--failed); font-weight: 600; }
details.passed-list { margin: 0 14px 10px; border-top: 1px solid var(--line); }
details.passed-list > summary { cursor: pointer; padding: 9px 0; color: var(--muted); }
details.passed-list ul.checks { padding: 0; }
.cards { display: grid; gap: 18px; }
article.task { border-top: 1px solid var(--line); padding-top: 14px; }
article.task:first-child { border-top: none; padding-top: 0; }
.task-head { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.task-head .facts { color: var(--muted); font-size: .9rem; }
.figrow { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.figrow > figure, .figrow > .experiment { flex: 1 1 300px; min-width: 0; }
figure { margin: 10px 0; min-width: 0; }
figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { color: var(--muted); font-size: .86rem; margin-top: 4px; }
figure.missing { border: 2px dashed var(--line); border-radius: 8px; padding: 14px;
  background: var(--wash); color: var(--ink); }
figure.missing p { margin: 0; }
ul.errors { color: var(--failed); margin: 4px 0; }
details.raw > summary { cursor: pointer; color: var(--muted); }
details.raw pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--wash);
  padding: 8px; border-radius: 6px; max-height: 24em; overflow: auto; }
footer { color: var(--muted); font-size: .85rem; padding: 0 16px 32px; }
@media (max-width: 640px) {
  body { font-size: 15px; }
  header.top { padding: 20px 14px 18px; }
  header.top h1 { font-size: 1.35rem; }
  .total { text-align: left; }
  main { padding: 4px 8px 28px; }
  section { padding: 14px 12px; border-radius: 8px; }
  li.check { grid-template-columns: 1fr auto; }
  li.check .what { grid-column: 1 / -1; grid-row: 2; }
  table.assignments td.bar-cell, table.assignments th.bar-cell { display: none; }
  table.rates td.bar-cell, table.rates th.bar-cell { display: none; }
  table.roster .trouble { display: none; }  /* the triage section above says it */
  th, td { padding: 6px 5px; }
  ul.checks { padding: 0 10px 6px; }
}
@media print {
  body { background: #fff; }
  details.assignment > summary::before { content: ""; }
  section { break-inside: avoid-page; }
}
"""
