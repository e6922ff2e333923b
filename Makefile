# The two commands of the README:  make site  (set up, build the sample)  and  make test  (set up, run every test).
# Both are idempotent: a second run installs nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: site test check setup setup-test lint golden bench clean

site: setup
	$(PY) build.py build

test: setup-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -n 2

# What the pre-commit hook and an editors' CI job run: every error at once, exit 1 if any.
check: setup
	$(PY) build.py check --no-posters

setup:
	scripts/setup-system.sh
	@$(MAKE) --no-print-directory $(VENV)/.runtime

setup-test:
	scripts/setup-system.sh --test
	@$(MAKE) --no-print-directory $(VENV)/.dev node_modules/.package-lock.json

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# --ignore-scripts: vnu-jar's install script would fetch a Java runtime; Debian's is used instead.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

lint: setup-test
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Regenerates the sample site's golden output after an intended change; review the diff before committing.
# IMAGES=1 also redraws the poster and kiosk images, which need the test setup (poppler, Chromium, Playwright).
golden: $(if $(IMAGES),setup-test,setup)
	$(PY) -m tests.golden $(if $(IMAGES),--images)

# Speed against Pelican and Hugo on this machine (installs them in .venv-bench, apart from Gongkai's own; ignored:
# the bench's environment is made here, never committed).
bench: setup-test
	test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(PY) -m bench.posters
	$(PY) -m bench.speed
	$(PY) -m bench.import_docx

# Removes what setup, builds, tests and the bench made: every ignored path and nothing else. git clean never
# touches a tracked file, even inside an ignored folder (tests/test_repository.py proves both).
clean:
	git clean -fdX
