# Two commands on a fresh machine (Python 3.11 + pip): `make run` and `make test`.
# Each creates .venv and installs skillsim into it first (once; again when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/skillsim policies
	@for f in examples/*-*.json; do \
	  pol=$$(case $$f in *bj-*) echo beijing-2026-key-groups;; *) echo shanghai-2025-skills-upgrade;; esac); \
	  printf '%-45s ' "$$f"; $(BIN)/skillsim explain --policy $$pol --claim $$f \
	    | $(BIN)/python -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], r["amount_cny"], r["deciding_rule"])'; \
	done

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
