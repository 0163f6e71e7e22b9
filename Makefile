# Two commands on a fresh machine (Python 3.11 + pip): `make run` and `make test`.
# Each creates .venv and installs skillsim into it first: `make run` what running needs,
# `make test` the test extras too. pip installs everything, so the user's pip configuration
# (index URL, mirror, certificates) is honoured.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --quiet --disable-pip-version-check
# strict editable mode: a tree of links under build/ that type checkers and editors resolve
EDITABLE := -C editable_mode=strict -e
RUNTIME := $(VENV)/.runtime
TESTING := $(VENV)/.testing
LINKS   := $(VENV)/.links
# a file added to or removed from a package changes its folder: the link tree is refreshed
# (folder/. so that no folder is taken for the phony target of its name, e.g. dashboard)
FOLDERS := $(addsuffix /.,$(shell find api policies simulate dashboard scenarios examples -type d -not -name __pycache__ 2>/dev/null))

.PHONY: run test fuzz mutate dashboard bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install 'setuptools>=69'

$(RUNTIME): pyproject.toml setup.py | $(BIN)/python
	$(PIP) install $(EDITABLE) .
	touch $@ $(LINKS)

# the test suite runs the plug-ins under plugins/ too (installed as a user would, beside skillsim)
$(TESTING): $(RUNTIME) plugins/ningxia_2025/pyproject.toml
	$(PIP) install $(EDITABLE) '.[test]'
	$(PIP) install --no-deps $(EDITABLE) plugins/ningxia_2025
	touch $@ $(LINKS)

$(LINKS): $(FOLDERS) | $(RUNTIME)
	$(PIP) install --no-deps --no-build-isolation $(EDITABLE) .
	touch $@

# the same for the plug-ins' own link trees (a file added to a plug-in's package)
PLUGIN_LINKS   := $(VENV)/.plugin-links
PLUGIN_FOLDERS := $(addsuffix /.,$(shell find plugins/*/skillsim_* -type d -not -name __pycache__ 2>/dev/null))
$(PLUGIN_LINKS): $(PLUGIN_FOLDERS) | $(TESTING)
	$(PIP) install --no-deps --no-build-isolation $(EDITABLE) plugins/ningxia_2025
	touch $@

install: $(TESTING) $(LINKS) $(PLUGIN_LINKS)

run: $(RUNTIME) $(LINKS)
	$(BIN)/skillsim run --out out/default

dashboard: $(RUNTIME) $(LINKS)
	$(BIN)/skillsim dashboard

bench: $(RUNTIME) $(LINKS)
	$(BIN)/python benchmarks/bench_simulate.py

test: $(TESTING) $(LINKS)
	$(BIN)/python -m pytest

# The fuzz tests with many more examples (>= 10,000 claims, >= 500 scenario files).
fuzz: $(TESTING) $(LINKS)
	SKILLSIM_FUZZ=long $(BIN)/python -m pytest tests/test_fuzz.py tests/test_claim_input.py

# Mutation testing (tools/mutate.py): every mutant in a temporary copy, 2 at a time; exit 1 if one survives.
mutate: $(TESTING) $(LINKS)
	$(BIN)/python -m tools.mutate --jobs 2

clean:
	rm -rf $(VENV) build out .pytest_cache .hypothesis
