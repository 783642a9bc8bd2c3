# Two commands do all set-up from a fresh clone: `make demo` (the demo's packages only) and `make test` (all).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEMO_STAMP := $(VENV)/.demo-stamp

.PHONY: demo lint test test-fast docs bench binder-check docs-screenshots clean

# everything: the demo, tests, linters and docs tools
# uv installs (parallel downloads, wheels unpacked once): about five times quicker than pip on a fresh clone.
# It is itself installed into the venv by pip, so nothing outside the project's own files is needed.
UV     := $(VENV)/bin/uv
INSTALL = $(UV) pip install -q --python $(PY)

$(UV):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q 'uv>=0.5'

$(STAMP): pyproject.toml | $(UV)
	$(INSTALL) -e '.[local,analysis,study,demo,test,docs]'
	touch $(STAMP) $(DEMO_STAMP)

# only what the demo needs (no test or docs tools): a fresh clone reaches the editor sooner
$(DEMO_STAMP): pyproject.toml | $(UV)
	$(INSTALL) -e '.[local,analysis,study,demo]'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)  # JupyterLab on a copy of the notebooks, opening the editor's
	$(VENV)/bin/gp-widgets demo

lint: $(STAMP)  # ruff (lint + import order; not the formatter) and mypy (strict on api/, runs/, measure/, sweeps/, studies/)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Every test, on four xdist workers: the tests mostly wait (on engines, kernels, Jupyter servers, Chromium), and
# four workers keep the two cores busy. A file's tests stay on one worker (its engines start once; a browser test
# module has its own Chromium); each notebook runs once per run, on whichever worker asks first, and the notebook,
# static-export and docs-site tests read that run (tests/conftest.py, executed_notebook).
UI    := browser or notebook or package
XDIST := --dist loadfile
test: lint
	@mkdir -p test-artifacts
	$(PY) -m pytest -n 4 $(XDIST) --basetemp="$${TMPDIR:-/tmp}/gp-test" $(PYTEST_ARGS)

test-fast: $(STAMP)  # the inner loop: no browser, notebook, install, benchmark or slow tests
	$(PY) -m pytest -q -n 2 $(XDIST) -m "not ($(UI) or bench or slow)" $(PYTEST_ARGS)

docs: $(STAMP)  # the documentation site, offline, warnings as errors -> docs/_build/html/index.html
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

bench: $(STAMP)
	$(PY) -m benchmarks

binder-check:
	bash binder/check.sh

docs-screenshots: $(STAMP)  # the README's pictures, taken by the browser tests
	GP_UPDATE_DOCS=1 $(PY) -m pytest tests/browser/test_face_editor.py tests/browser/test_sweep_grid.py \
		tests/browser/test_static_export.py -k "face_editor or sweep_grid or 03_parameter_sweeps"
	GP_UPDATE_DOCS=1 $(PY) -m pytest tests/browser/test_editor_compare.py -k "jupyterlab"
	GP_UPDATE_DOCS=1 $(PY) -m pytest tests/engine/test_edits.py::test_edit_strip_shows_each_move_both_ways

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache docs/_build docs/_generated docs/notebooks
