# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run api test lint demo bench clean

$(BIN)/.runtime: requirements.txt
	$(PY) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Haven needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

## Run the app on the embedded demo city (creates var/haven.db and loads the demo if it is empty).
run: $(BIN)/.runtime
	$(BIN)/python -m planner demo --if-empty
	$(BIN)/python -m streamlit run serve.py --server.address localhost

## Serve the REST API for partner systems on http://localhost:8600 (docs/api.md), beside `make run`.
api: $(BIN)/.runtime
	$(BIN)/python -m planner api --port 8600

## Run the whole test suite: lint, format, types, tests.
test: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy planner models service cli reports ui pages api app.py
	$(BIN)/python -m pytest -n 2 -q

lint: $(BIN)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

demo: $(BIN)/.runtime
	$(BIN)/python data/make_demo.py

bench: $(BIN)/.dev
	$(BIN)/python bench/bench_plan.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
