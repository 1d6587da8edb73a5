"""nbgrader's late-submission penalty, from the rubric (grading.toml's [late]).

assignments/nbgrader_config.py sets

    c.AssignLatePenalties.plugin_class = "grader.nbgrader_late.RubricLatePenalty"

and nbgrader calls it for every late notebook with the seconds it was late
(from the due date `make release` / `make autograde` register from
grading.toml's [due] table and the submission's timestamp): the penalty is
the part of the score the course's policy (grader/late.py) takes away, the
same rule as on Gradescope.
"""

from nbgrader.plugins import LateSubmissionPlugin

from .late import days_late, late_factor
from .rubric import load_rubric


class RubricLatePenalty(LateSubmissionPlugin):
    """The penalty of grader/late.py, with the rubric's [late] numbers."""

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        late = load_rubric().late
        days = days_late(total_seconds_late)
        penalty = round(score * (1.0 - late_factor(days, late)), 4)
        self.log.info("%s: %d day(s) late, penalty %g of %g points (grading.toml [late])",
                      student_id, days, penalty, score)
        return penalty
