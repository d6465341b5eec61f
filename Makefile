# redloop — `make run` starts the main job, `make test` runs every test.
# Both create .venv on first use (Python >= 3.12; see .python-version).

VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint format clean

$(STAMP): pyproject.toml
	@bash .ci/setup-venv "$(VENV)"
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/redloop viz

test: $(STAMP)
	$(PY) -m pytest -n auto

bench: $(STAMP)
	$(VENV)/bin/redloop bench

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
