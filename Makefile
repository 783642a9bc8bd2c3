# Two commands do all set-up from a fresh clone: `make demo` (the demo's packages only) and `make test` (all).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DEMO_STAMP := $(VENV)/.demo-stamp

.PHONY: demo lint test test-fast docs bench binder-check docs-screenshots clean

# everything: the demo, tests, linters and docs tools
# uv installs (parallel downloads): a fresh clone's full install took 41 s, against ~150 s with pip. It is itself
# installed into the venv by pip, so nothing outside the project's own files is needed. It byte-compiles what it
# installs, as pip does: where PYTHONDONTWRITEBYTECODE is set (as on our machines), nothing else ever would, and every
# process (engine, kernel, pool worker, Jupyter server) compiled its imports again, from source: on a fresh clone a
# local engine took 5.1 CPU-seconds to start and edit twice instead of 2.1, and `make test` 1,132 s instead of 898.
UV     := $(VENV)/bin/uv
INSTALL = $(UV) pip install -q --compile-bytecode --python $(PY)
# the project's own modules (an editable install, so not compiled by uv); quick when nothing changed
COMPILE = $(PY) -m compileall -q gp_widgets benchmarks

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
	$(COMPILE)
	$(VENV)/bin/gp-widgets demo

lint: $(STAMP)  # ruff (lint + import order; not the formatter) and mypy (strict on api/, runs/, measure/, sweeps/, studies/)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Every test, in two pytest processes side by side: the browser tests in one, and the rest on $(CORE_WORKERS) xdist
# workers (a file's tests on one, its engines started once) at a lower CPU priority. The browser tests are one long
# chain (page, kernel, engine, page again) and Playwright's sync API keeps an event loop running on the main thread
# while it lives, so they never share a process with the asyncio tests. The rest mostly waits (engines' latency,
# retries' pauses, subprocesses): alone, on one process, it took 630 s of wall for 550 CPU-seconds; under `nice` it
# takes the CPU the browser chain leaves. The notebooks run there too, once, in a folder both processes share
# (GP_TEST_NOTEBOOK_RUNS, tests/conftest.py, executed_notebook); the browser tests that read those runs (static
# export, docs site) go last in theirs. Each process logs to test-artifacts/; both logs are printed when both are
# done. One side may select nothing (exit 5) when PYTEST_ARGS names tests of the other; both selecting nothing fails.
CORE_WORKERS := 3
XDIST := -n 2 --dist loadfile  # make test-fast: two workers, a file's tests on one (its engines start once)
test: lint
	@$(COMPILE); mkdir -p test-artifacts; tmp="$${TMPDIR:-/tmp}"; \
	GP_TEST_NOTEBOOK_RUNS="$$tmp/gp-test-notebooks"; rm -rf "$$GP_TEST_NOTEBOOK_RUNS"; export GP_TEST_NOTEBOOK_RUNS; \
	nice -n 10 $(PY) -m pytest -n $(CORE_WORKERS) --dist loadfile -m "not browser" --basetemp="$$tmp/gp-test-core" \
		$(PYTEST_ARGS) >test-artifacts/pytest-core.log 2>&1 & core=$$!; \
	$(PY) -m pytest -m browser --basetemp="$$tmp/gp-test-ui" $(PYTEST_ARGS) >test-artifacts/pytest-ui.log 2>&1 & ui=$$!; \
	c=0; u=0; wait $$core || c=$$?; wait $$ui || u=$$?; \
	echo "== tests without a browser (exit $$c)"; cat test-artifacts/pytest-core.log; \
	echo "== browser tests (exit $$u)"; cat test-artifacts/pytest-ui.log; \
	case "$$c$$u" in 00|05|50) ;; *) exit 1;; esac

test-fast: $(STAMP)  # the inner loop: no browser, notebook, install, benchmark or slow tests
	@$(COMPILE)
	$(PY) -m pytest -q $(XDIST) -m "not (browser or notebook or package or bench or slow)" $(PYTEST_ARGS)

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
