"""A long task on a terminal: what is running, a clock against its budget, then the epochs.

The grader cannot see inside the student's training call: running it epoch by
epoch would reset the optimizer's state and the batch order's generator at
every epoch and so change what is graded. So a line says what is running and
its budget before, a clock counts while it runs, and the epochs the history
reports are printed after. Nothing is written when the output is not a
terminal (a log, a batch), nor for short tasks.
"""

import contextlib
import threading


def _terminal(config, task):
    """(reporter, capture manager) when a long task's progress may be shown, else None."""
    from ..plugin import grader_of  # noqa: PLC0415 - the plugin imports the checks' helpers

    if not task.announce or not grader_of(config).echo:
        return None
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not reporter.isatty():
        return None
    return reporter, capture


def announce(config, task, text):
    """One line on the terminal around a long run."""
    terminal = _terminal(config, task)
    if terminal is None:
        return
    reporter, capture = terminal
    # During a check pytest captures stdout; pause that as its live logging does.
    with capture.global_and_fixture_disabled():
        reporter.write("\n")
        reporter.write_line(f"  {text}", flush=True)


@contextlib.contextmanager
def live_clock(config, task, budget):
    """A line that counts the seconds of training against the task's budget (CPU seconds)."""
    terminal = _terminal(config, task)
    if terminal is None:
        yield
        return
    reporter, capture = terminal
    stop = threading.Event()
    clock = budget.session.cpu_clock()
    spent_before = budget.spent

    def tick():
        while not stop.wait(1.0):
            used = spent_before + (clock.used() if clock else 0.0)
            reporter.write(f"\r  training: {used:5.1f} s of computing of the "
                           f"{budget.seconds:g} s budget", flush=True)

    with capture.global_and_fixture_disabled():
        clock = threading.Thread(target=tick, daemon=True)
        clock.start()
        try:
            yield
        finally:
            stop.set()
            clock.join()
            reporter.write("\r" + " " * 60 + "\r", flush=True)


def show_epochs(config, task, history, columns=(("loss", "loss", "{:8.4f}"),
                                                ("train_acc", "train accuracy", "{:7.2%}"))):
    """The epochs the history reports: one line each, the columns that are there."""
    terminal = _terminal(config, task)
    if terminal is None or not isinstance(history, dict):
        return
    reporter, capture = terminal
    lists = [(label, form, history.get(key)) for key, label, form in columns
             if isinstance(history.get(key), list)]
    if not lists:
        return
    with capture.global_and_fixture_disabled():
        for epoch in range(min(len(values) for _, _, values in lists)):
            parts = []
            for label, form, values in lists:
                value = values[epoch]
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    parts.append(f"{label} {form.format(value)}")
            reporter.write_line(f"  epoch {epoch + 1:3d}   " + "   ".join(parts), flush=True)
