"""Grading on Gradescope: its layout, what students upload, its metadata, its results.

    python -m grader.gradescope --only a2 [--root /autograder]

run_autograder (authoring/gradescope.py writes it into the autograder zip) calls
this. It

  1. turns the upload (ROOT/submission) into a folder the grader reads: .py
     files, a notebook, or a zip of either (extracted with every entry checked:
     no absolute path, no "..", no link, bounded in count and size), whether
     the files sit at the top or in one folder;
  2. grades it like `python -m grader grade --only A`, filling in the earlier
     assignments' modules the upload lacks as the rubric says
     (grading.toml [gradescope] provide) and with the isolation the container
     allows (require_sandbox, "uid" by default: Gradescope refuses namespaces);
  3. completes ROOT/results/results.json for Gradescope: the per-assignment
     summary and the "fix this first" notes as the top-level output, the late
     penalty from ROOT/submission_metadata.json and the rubric's [late] table,
     and a leaderboard of the tasks grading.toml names.

It always leaves a results.json and exits 0 once one is written, so that
Gradescope shows the reason instead of "the autograder failed to execute".
Gradescope's visibility: a check's `visibility` is the rubric's; a hidden or
after_due_date check hides its score and output from students until then,
and while any check is hidden Gradescope hides the total score too.
"""

import argparse
import datetime
import io
import json
import os
import shutil
import stat
import sys
import zipfile
from pathlib import Path

from .late import days_late, late_factor
from .reading import MAX_ENTRIES, MAX_TOTAL_BYTES, NAME

# What the grader reads from an upload (answers.md: the written answers); the rest is reported.
KEEP = (".py", ".ipynb", "answers.md")


def prepare_upload(submission, work):
    """The folder to grade, made from what the student uploaded; returns (folder, notes)."""
    work = Path(work)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    notes = []
    uploads = sorted(Path(submission).iterdir()) if Path(submission).is_dir() else []
    if not uploads:
        notes.append("the upload is empty: upload your .py files (or your notebook)")
    for upload in uploads:
        info = os.lstat(upload)
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
            notes.append(f"{upload.name}: not a regular file, ignored")
        elif upload.suffix == ".zip":
            notes += _extract(upload, work)
        elif upload.name.endswith(KEEP) and NAME.fullmatch(upload.name):
            shutil.copyfile(upload, work / upload.name)
        else:
            notes.append(f"{upload.name}: not a .py file, a notebook or a zip of them: ignored")
    _flatten(work)
    return work, notes


def _extract(archive, work):
    """The .py files and notebooks of a zip, checked entry by entry; returns notes."""
    notes = []
    try:
        with zipfile.ZipFile(archive) as zipped:
            entries = zipped.infolist()
            if len(entries) > MAX_ENTRIES:
                return [f"{archive.name}: {len(entries)} entries, more than {MAX_ENTRIES}"]
            total = 0
            for entry in entries:
                name = entry.filename
                parts = Path(name).parts
                mode = (entry.external_attr >> 16) & 0o170000
                if entry.is_dir() or not name.endswith(KEEP):
                    continue
                if name.startswith("/") or ".." in parts or mode == stat.S_IFLNK or any(
                        part.startswith(".") or part == "__MACOSX" for part in parts):
                    notes.append(f"{archive.name}: {name!r} ignored (a link, a hidden file, or a "
                                 "path that leaves the archive)")
                    continue
                if not all(NAME.fullmatch(part) for part in parts):
                    notes.append(f"{archive.name}: {name!r} ignored (not a plain file name)")
                    continue
                total += entry.file_size
                if total > MAX_TOTAL_BYTES:
                    notes.append(f"{archive.name}: more than {MAX_TOTAL_BYTES:,} bytes: the rest "
                                 "was not extracted")
                    break
                target = work.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(entry) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
        notes.append(f"{archive.name}: not a zip file the grader can read ({error})")
    return notes


def _flatten(work):
    """Modules zipped inside one folder (`my-solution/layers.py`) come up to the top."""
    while True:
        entries = [p for p in work.iterdir()]
        folders = [p for p in entries if p.is_dir()]
        if len(entries) != 1 or len(folders) != 1 or any(work.glob("*.py")):
            return
        inner = folders[0]
        for item in inner.iterdir():
            shutil.move(str(item), work / item.name)
        inner.rmdir()


def lateness_days(metadata):
    """Days (or parts of a day) after the due date; 0 when on time or unknown."""
    try:
        submitted = datetime.datetime.fromisoformat(metadata["created_at"])
        due = datetime.datetime.fromisoformat(metadata["assignment"]["due_date"])
    except (KeyError, TypeError, ValueError):
        return 0
    return days_late((submitted - due).total_seconds())


def apply_late_policy(results, days, late):
    """Scale every check's score for lateness (the rubric's [late]); returns the factor."""
    factor = late_factor(days, late)
    if factor == 1.0:
        return 1.0
    for test in results["tests"]:
        test["score"] = round(test["score"] * factor, 4)
    results["score"] = round(sum(t["score"] for t in results["tests"]), 4)
    results.setdefault("extra_data", {})["late"] = {"days": days, "factor": factor}
    return factor


def leaderboard(results, tasks):
    """Gradescope's leaderboard entries for the tasks named: metric and computing time."""
    from .tasks import TASKS  # noqa: PLC0415

    artifacts = (results.get("extra_data") or {}).get("artifacts") or {}
    entries = []
    for name in tasks:
        artifact = artifacts.get(name) or {}
        if not isinstance(artifact.get("value"), (int, float)):
            continue
        task = TASKS[name]
        value = artifact["value"] * (100 if task.metric == "accuracy" else 1)
        entries.append({"name": f"{task.title} {task.metric}", "value": round(value, 3),
                        "order": "asc" if task.lower_is_better else "desc"})
        entries.append({"name": f"{task.title} seconds", "value": artifact.get("seconds", 0.0),
                        "order": "asc"})
    return entries


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--only", required=True, help="the assignment(s) this Gradescope "
                                                      "assignment grades, e.g. a2")
    parser.add_argument("--root", default="/autograder", help="Gradescope's folder")
    parser.add_argument("-k", dest="keyword", default=None,
                        help="grade only the checks this pytest -k expression selects, for a "
                             "quick trial of the autograder (Gradescope itself passes none)")
    args = parser.parse_args(argv)
    from . import cli  # noqa: PLC0415
    from .rubric import load_rubric  # noqa: PLC0415

    root = Path(args.root)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    upload, notes = prepare_upload(root / "submission", root / "work" / "upload")
    rubric = load_rubric()
    policy = rubric.gradescope
    command = ["grade", str(upload), "--out", str(results_dir), "--only", args.only]
    if args.keyword:
        command += ["-k", args.keyword]
    if policy["provide"] != "none":
        command += ["--provide", policy["provide"]]
    if policy["require_sandbox"] != "none":
        command += ["--require-sandbox", policy["require_sandbox"]]
    printed = io.StringIO()
    stdout = sys.stdout
    sys.stdout = printed
    try:
        status = cli.main(command)
    finally:
        sys.stdout = stdout
    summary = printed.getvalue()
    path = results_dir / "results.json"
    results = json.loads(path.read_text())
    try:
        metadata = json.loads((root / "submission_metadata.json").read_text())
    except (OSError, ValueError):
        metadata = {}
    factor = apply_late_policy(results, lateness_days(metadata), rubric.late)
    lines = [f"upload: {note}" for note in notes]
    if factor < 1:
        days = results["extra_data"]["late"]["days"]
        lines.append(f"Late by {days} day(s): the score is multiplied by {factor:g} "
                     "(the course's late policy).")
    lines.append(summary.strip() or results.get("output", ""))
    printed_by_student = results.get("output", "").partition("Your code printed:")[2]
    if printed_by_student:
        lines.append("Your code printed:" + printed_by_student)
    results["output"] = "\n".join(lines)
    board = leaderboard(results, policy["leaderboard"])
    if board:
        results["leaderboard"] = board
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(results, separators=(",", ":")))
    os.replace(temporary, path)
    print(results["output"])
    return 0 if status in (0, 3, 4) else status


if __name__ == "__main__":
    sys.exit(main())
