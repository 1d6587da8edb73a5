"""The hostile corpus: submissions that attack the grader (see corpus.py, runner.py)."""
