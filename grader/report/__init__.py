"""Reports people look at: feedback.html per submission, index.html per class.

    write_feedback(results_json_path, html_path)   one submission (grade --report)
    write_class_report(out_dir, student_ids)       a batch (grade --batch --report)

Both pages are built from results.json files alone and are single
self-contained HTML files (inline style, figures as PNG data URIs, no script).
The experiments the feedback page shows are run during grading by
grader/report/experiments.py, in the student's sandboxed worker.
"""

from .class_report import write_class_report
from .feedback import write_feedback

__all__ = ["write_feedback", "write_class_report"]
