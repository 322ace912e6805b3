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

# The suite runs on several workers (pytest-xdist): most tests wait on a database, a fake
# platform server or a child process, so two workers per core keep the cores busy (the
# whole suite on SQLite, 2 cores: 24 min in one process, 13.5 min on 4 workers).
# TEST_JOBS=0 runs it in one process.
TEST_JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 )))

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS) $(PYTEST_ARGS)

# The suite on a throwaway local PostgreSQL (installed and started by .ci/postgres-up).
test-postgres: $(STAMP)
	TEST_DATABASE_URL=$$(.ci/postgres-up) $(BIN)/python -m pytest -n $(TEST_JOBS) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH)

lint: $(STAMP)
	$(BIN)/ruff check .

# The virtualenv, and every SQLite database under data/ (the bot's, and any backup or
# before-restore copy kept there) with the files SQLite and teampulse keep beside each: the
# write-ahead log and shared memory (-wal, -shm, -journal), the lock files, and what a
# killed first start, backup, move-db or restore leaves (.creating-…, .partial, .moving,
# .restoring).
clean:
	rm -rf $(VENV)
	rm -f data/*.db data/*.db-wal data/*.db-shm data/*.db-journal data/*.db.lock \
		data/*.db.move-db.lock data/*.db.creating-* data/*.db.partial data/*.db.moving \
		data/*.db.restoring
