# Everything runs inside .venv, created on first use from constraints.txt.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: run serve test lint format check simulators constraints clean chromium e2e screenshots bench

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || "$$(.ci/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt --group test
	@touch $(STAMP)

## run: set up, start the vendor simulators and serve the dashboard on http://127.0.0.1:8000
run: $(STAMP)
	$(PY) -m dashboard.demo

## serve: production server (settings from the environment / .env; see README "Run in production")
serve: $(STAMP)
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(VENV)/bin/gunicorn --config gunicorn.conf.py

## test: set up, lint and run the whole suite
test: $(STAMP) lint
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## chromium: install Debian's Chromium for the end-to-end tests and screenshots (needs root)
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

## e2e: the end-to-end tests in headless Chromium (also part of `make test`)
e2e: $(STAMP) chromium
	$(PY) -m pytest tests/e2e

## screenshots: save docs/screenshots/table.png and rate-limited.png (simulators + Chromium)
screenshots: $(STAMP) chromium
	$(PY) -m tests.e2e.screenshots --out docs/screenshots

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt --group bench
	@touch $(BENCH_STAMP)

## bench: measure the dashboard against the simulators (needs Redis, PostgreSQL and
## Chromium); writes bench/results/latest.md and latest.json
bench: $(BENCH_STAMP) chromium
	$(PY) -m bench

## simulators: start the five vendor simulators in the foreground
simulators: $(STAMP)
	$(PY) -m dashboard.simulators --vendor all

## constraints: re-resolve the dependency groups and rewrite constraints.txt
constraints:
	rm -rf /tmp/vd-constraints && "$$(.ci/find-python)" -m venv /tmp/vd-constraints
	/tmp/vd-constraints/bin/python -m pip install --quiet --upgrade pip
	/tmp/vd-constraints/bin/python -m pip install --quiet --group test --group bench
	{ sed -n '1,2p' constraints.txt; /tmp/vd-constraints/bin/python -m pip freeze --all; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
