# Two commands on a fresh machine (Python 3.11 + pip): `make run` and `make test`.
# Each creates .venv and installs skillsim into it first (once; again when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test fuzz mutate dashboard bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/skillsim run --out out/default

dashboard: $(STAMP)
	$(BIN)/skillsim dashboard

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_simulate.py

test: $(STAMP)
	$(BIN)/python -m pytest

# The fuzz tests with many more examples (>= 10,000 claims, >= 500 scenario files).
fuzz: $(STAMP)
	SKILLSIM_FUZZ=long $(BIN)/python -m pytest tests/test_fuzz.py tests/test_claim_input.py

# Mutation testing (tools/mutate.py): every mutant in a temporary copy, 2 at a time; exit 1 if one survives.
mutate: $(STAMP)
	$(BIN)/python -m tools.mutate --jobs 2

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
