"""The late policy, one rule for every route: grading.toml's [late] table.

Lateness counts in days or parts of a day after the due date (a minute late
is one day late). A late submission keeps 1 - penalty_per_day * days of its
score, and nothing after max_days (0: no limit). Gradescope's route
(grader/gradescope.py, from submission_metadata.json) and nbgrader's
(grader/nbgrader_late.py, nbgrader's own timestamps) both apply it.
"""

import math

DAY_SECONDS = 86400


def days_late(seconds_late):
    """Whole days, a part of a day counting as one; 0 when on time."""
    return 0 if seconds_late <= 0 else math.ceil(seconds_late / DAY_SECONDS)


def late_factor(days, late):
    """The fraction of its score a submission `days` late keeps under the policy `late`."""
    if days <= 0:
        return 1.0
    if late["max_days"] and days > late["max_days"]:
        return 0.0
    return max(0.0, 1.0 - late["penalty_per_day"] * days)
