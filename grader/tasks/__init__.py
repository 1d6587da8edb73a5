"""The graded tasks: a registry of every task of course.toml, by name.

    TASKS["moons"]      the Task (base.py): its settings, data, training, metric, verdict

One module per kind of task (mlp.py: the networks of assignments 5 and 6);
each defines TASKS, a list of Task. runs.py runs a task once per grading
session; settings.py, budget.py, history.py and progress.py are the pieces
every task shares.
"""

from . import autograd, cnn, deep, gan, mlp, recurrent

TASKS = {task.name: task for module in (mlp, deep, cnn, recurrent, autograd, gan)
         for task in module.TASKS}
