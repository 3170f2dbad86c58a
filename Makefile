# Two commands on a fresh machine with Python 3.11:
#   make run    set up .venv and serve the API on the embedded default (SQLite, seeded) at http://127.0.0.1:8000
#   make test   set up .venv and run the whole test suite (SQLite and PostgreSQL at 127.0.0.1:5432)
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN = $(VENV)/bin

.PHONY: run test venv clean

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(BIN)/.installed

run: venv
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - wsgi:app

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/*.sqlite3*
