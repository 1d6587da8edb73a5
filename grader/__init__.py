"""The grader: scores a submission of the course in an isolated worker.

    python -m grader grade PATH [--out DIR] [--only a1,a3] [--batch] [--jobs N] [--report]

See README.md ("The grader") and grader/rubric/ for the points.
"""
