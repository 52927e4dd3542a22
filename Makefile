# Commons — set-up, run, tests. Every target creates the virtual environment it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
INSTANCE ?= $(CURDIR)/instance
export COMMONS_INSTANCE_PATH ?= $(INSTANCE)

.PHONY: help venv install run test e2e a11y-sr vnu lint format check-migrations clean chromium wrk bench bench-search bench-export bench-http bench-relevance

help:
	@echo "make run    — installe, migre, charge la démo et sert http://127.0.0.1:$(PORT)"
	@echo "make test   — installe et lance toute la suite de tests (SQLite, + PostgreSQL si TEST_DATABASE_URL)"
	@echo "make e2e    — parcours dans Chromium (Playwright) et contrôles axe-core"
	@echo "make a11y-sr — parcours au lecteur d'écran Orca (paquets Debian, hors CI), transcriptions dans docs/accessibilite/lecteur-ecran/"
	@echo "make lint   — ruff et mypy"
	@echo "make bench  — benchmarks (résultats datés dans tests/benchmarks/results/)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,e2e]'
	touch $@

venv install: $(VENV)/.installed

# A local instance gets its own random secret key on first run (kept in instance/config.py).
$(INSTANCE)/config.py:
	mkdir -p $(INSTANCE)
	$(BIN)/python -c "import secrets; print('SECRET_KEY = ' + repr(secrets.token_urlsafe(48)))" > $@

run: install $(INSTANCE)/config.py
	$(BIN)/commons db upgrade
	$(BIN)/commons content load --demo
	@echo ""
	@echo "Commons : http://127.0.0.1:$(PORT)  (Ctrl+C pour arrêter)"
	COMMONS_SHOW_DEMO_ACCOUNTS=1 COMMONS_TWO_FACTOR_REQUIRED_ROLES= COMMONS_BASE_URL=http://127.0.0.1:$(PORT) \
	  $(BIN)/commons run --host 127.0.0.1 --port $(PORT)

# One worker per core (pytest-xdist), a test file per worker at a time; each worker has its own
# PostgreSQL database (tests/conftest.py). PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installation de Chromium (Debian)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The Nu HTML Checker (vnu-jar, npm registry) runs with the machine's Java on every audited page.
VNU_DIR ?= $(CURDIR)/.cache/vnu
VNU_JAR := $(VNU_DIR)/node_modules/vnu-jar/build/dist/vnu.jar

$(VNU_JAR):
	@command -v java >/dev/null 2>&1 || { echo "Java est nécessaire au Nu HTML Checker (paquet default-jre-headless)."; exit 1; }
	npm install --no-audit --no-fund --prefix $(VNU_DIR) 'vnu-jar@>=24 <27'

vnu: $(VNU_JAR)

e2e: install chromium $(VNU_JAR)
	COMMONS_E2E_VNU=$(VNU_JAR) $(BIN)/python -m pytest -q -p no:cacheprovider tests/e2e

# Screen-reader run (RGAA 7.1): Orca and Chromium on a virtual desktop, real key presses, what Orca
# says checked and written to docs/accessibilite/lecteur-ecran/. Needs Debian packages (below) and
# the fr_FR.UTF-8 locale for French speech; not part of CI (about 6 minutes).
A11Y_SR_PACKAGES := orca xvfb at-spi2-core speech-dispatcher espeak-ng dbus-x11 xdotool python3-pyatspi chromium

a11y-sr: install
	@command -v orca >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1 && command -v xdotool >/dev/null 2>&1 || { \
	  echo "Paquets nécessaires : apt-get install $(A11Y_SR_PACKAGES)"; exit 1; }
	$(BIN)/python -m tests.a11y.screenreader

# Benchmarks: they measure, they assert nothing; results go to tests/benchmarks/results/<date>/.
$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

bench-search: $(VENV)/.bench-installed
	$(BIN)/python -m tests.benchmarks.bench_search

# Relevance of the search over the shipped REX (MRR, recall@5, nDCG@10) beside a BM25 baseline;
# with TEST_DATABASE_URL, the PostgreSQL backend too (its public schema is rebuilt).
bench-relevance: install
	$(BIN)/python -m tests.relevance.bench

bench-export: $(VENV)/.bench-installed
	$(BIN)/python -m tests.benchmarks.bench_export

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "Installation de wrk (Debian)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }

# Hot pages under gunicorn vs hello-world, writes under load, two servers on PostgreSQL.
bench-http: $(VENV)/.bench-installed wrk
	$(BIN)/python -m tests.benchmarks.bench_http

bench: bench-search bench-export bench-http

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check commons tests wsgi.py
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format commons tests wsgi.py

check-migrations: install
	COMMONS_DEBUG=1 COMMONS_INSTANCE_PATH=$$(mktemp -d) sh -c '$(BIN)/commons db upgrade && $(BIN)/commons db check'

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
