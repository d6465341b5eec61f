# redloop — `make run` starts the visualiser, `make test` runs every test.
# Both create .venv on first use (Python >= 3.12; see .python-version): `run` installs only
# the runtime, `test` adds the test tools (the `test` extra).

VENV   ?= .venv
PY     := $(VENV)/bin/python
RUNTIME := $(VENV)/.installed-runtime
TESTING := $(VENV)/.installed-test

.PHONY: run test bench lint format clean

$(RUNTIME): pyproject.toml
	@bash .ci/setup-venv "$(VENV)"
	@touch $@

$(TESTING): pyproject.toml
	@bash .ci/setup-venv "$(VENV)" dev
	@touch $@ $(RUNTIME)

run: $(RUNTIME)
	$(VENV)/bin/redloop viz

test: $(TESTING)
	$(PY) -m pytest -n auto

bench: $(RUNTIME)
	$(VENV)/bin/redloop bench

lint: $(TESTING)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(TESTING)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
