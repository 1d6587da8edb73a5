"""A task's time budget: building, training and predicting together, in CPU seconds."""

from ..compare import CheckFailed
from ..sandbox.client import WorkerFault


class Budget:
    """Every call of a task's training goes through call(), with the budget's remaining time.

    Seconds are the worker's CPU seconds, measured from outside (sandbox/client.py),
    so a busy machine does not shrink the budget. A call still running when the
    budget is spent is stopped (the worker is killed) and the task fails with a
    message naming the step; a timeout of the submission's own budget or a crash
    is passed on as it is.
    """

    def __init__(self, seconds, session):
        self.seconds, self.session, self.spent = float(seconds), session, 0.0
        self.ran_out_in = None  # the function whose call used the budget up, if one did

    @property
    def left(self):
        return self.seconds - self.spent

    def call(self, step, target, *args, **kwargs):
        """session.call(target, ...) as one budgeted step (step: "train", for messages)."""
        return self._budgeted(step, target, self.session.call, target, *args, **kwargs)

    def method(self, step, ref, name, *args, **kwargs):
        """session.method(ref, name, ...) as one budgeted step."""
        return self._budgeted(step, f"{ref.type}.{name}", self.session.method, ref, name, *args,
                              **kwargs)

    def run(self, step, program, **kwargs):
        """session.run(program) as one budgeted step (a kept model's scores, say)."""
        return self._budgeted(step, f"program.{step}", self.session.run, program, **kwargs)

    def _budgeted(self, step, key, function, *args, **kwargs):
        if key in self.session.hung:
            raise CheckFailed(self.session.hung[key])
        remaining = self.left
        if remaining <= 0:
            raise CheckFailed(self._over_message(step, "before"))
        session_left = self.session.budget_seconds - self.session.spent
        try:
            return function(*args, timeout=remaining, **kwargs)
        except WorkerFault as fault:
            # A timeout at the task's budget (not at the submission's, nor a crash) is ours.
            if not (fault.timeout and remaining < session_left):
                raise
        finally:
            self.spent += self.session.last_call_cpu
        self.ran_out_in = (step, key)
        raise CheckFailed(self._over_message(step, "during"))

    def _over_message(self, step, when):
        return (f"over the time budget: building, training and predicting together may "
                f"compute for {self.seconds:g} s (CPU time), and it was used up {when} {step} "
                f"(after {self.spent:.1f} s), so the worker was stopped")
