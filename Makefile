# The two commands: `make run` and `make test`. Each sets up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test test-postgres bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,postgres]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/teampulse run

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite on a throwaway local PostgreSQL (installed and started by .ci/postgres-up).
test-postgres: $(STAMP)
	TEST_DATABASE_URL=$$(.ci/postgres-up) $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) data/*.db
