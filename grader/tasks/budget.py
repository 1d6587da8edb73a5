"""A task's time budget: building, training and predicting together, measured from here."""

import time

from ..compare import CheckFailed
from ..sandbox.client import WorkerFault


class Budget:
    """Every call of a task's training goes through call(), with the budget's remaining time.

    A call still running when the budget is spent is stopped (the worker is
    killed) and the task fails with a message naming the step; a timeout of
    the submission's own budget or a crash is passed on as it is.
    """

    def __init__(self, seconds, session):
        self.seconds, self.session, self.spent = float(seconds), session, 0.0

    @property
    def left(self):
        return self.seconds - self.spent

    def call(self, step, target, *args, **kwargs):
        """session.call(target, ...) as one budgeted step (step: "train", for messages)."""
        return self._budgeted(step, self.session.call, target, *args, **kwargs)

    def method(self, step, ref, name, *args, **kwargs):
        """session.method(ref, name, ...) as one budgeted step."""
        return self._budgeted(step, self.session.method, ref, name, *args, **kwargs)

    def _budgeted(self, step, function, *args, **kwargs):
        remaining = self.left
        if remaining <= 0:
            raise CheckFailed(self._over_message(step, "before"))
        session_left = self.session.budget_seconds - self.session.spent
        started = time.perf_counter()
        try:
            return function(*args, timeout=remaining, **kwargs)
        except WorkerFault:
            # A timeout at the task's budget (not at the submission's, nor a crash) is ours.
            if not (time.perf_counter() - started >= remaining - 0.05 and remaining < session_left):
                raise
        finally:
            self.spent += time.perf_counter() - started
        raise CheckFailed(self._over_message(step, "during"))

    def _over_message(self, step, when):
        return (f"over the time budget: building, training and predicting together may take "
                f"{self.seconds:g} s, and it was used up {when} {step} (after "
                f"{self.spent:.1f} s), so the worker was stopped")
