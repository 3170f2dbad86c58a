# Two commands on a fresh machine with Python 3.11:
#   make run    set up .venv and serve the API on the embedded default (SQLite, seeded) at http://127.0.0.1:8000
#   make test   set up .venv and run the whole test suite (SQLite and PostgreSQL at 127.0.0.1:5432)
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN = $(VENV)/bin

.PHONY: run test venv clean screenshot

$(BIN)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed requirements-test.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

venv: $(BIN)/.installed

run: venv
	@echo "Pedigree on http://127.0.0.1:$(PORT)/  (web view: search, model pages, licences)"
	@echo "  API docs: http://127.0.0.1:$(PORT)/docs   OpenAPI: http://127.0.0.1:$(PORT)/openapi.json"
	@echo "  Reads are open; writes need a token: $(BIN)/flask --app wsgi tokens create NAME --scope write"
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - wsgi:app

test: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Regenerate docs/model-page.png (the README's screenshot) with Debian's headless Chromium.
screenshot: venv
	$(BIN)/python tools/screenshot.py

clean:
	rm -rf $(VENV) instance/*.sqlite3*
