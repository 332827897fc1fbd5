# joinedup: `make demo` serves the demo region; `make test` runs every check.
# Needs only Python 3.11+ and make: everything else is installed into .venv and node_modules.

PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/joinedup
DEMO_PEOPLE ?= 300
DEMO_SEED ?= 2026

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test setup lint typecheck pytest pytest-postgres browser check-deploy clean lock bench

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "joinedup needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: setup
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=joinedup.settings.local $(BIN)/joinedup migrate --no-input -v 0
	DJANGO_SETTINGS_MODULE=joinedup.settings.local $(BIN)/joinedup seed-region --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --if-empty
	DJANGO_SETTINGS_MODULE=joinedup.settings.local $(BIN)/joinedup demo-accounts --url http://127.0.0.1:$(PORT)/
	@# The audit sealer and the referral deadline check run beside the server, as in production,
	@# and stop with it.
	export DJANGO_SETTINGS_MODULE=joinedup.settings.local; \
	$(BIN)/joinedup seal-audit --every 5 & SEALER=$$!; \
	$(BIN)/joinedup escalate-referrals --every 60 & ESCALATOR=$$!; \
	trap 'kill $$SEALER $$ESCALATOR 2>/dev/null' EXIT INT TERM; \
	$(BIN)/joinedup runserver 127.0.0.1:$(PORT)

test: setup browser lint typecheck pytest pytest-postgres check-deploy

lint: setup
	$(BIN)/ruff check joinedup bench
	$(BIN)/ruff format --check joinedup bench
	@# Bandit: no high-severity findings in the application code (QUALITY.md).
	$(BIN)/bandit --quiet --recursive joinedup --severity-level high \
		--exclude '*/tests/*,*/migrations/*,joinedup/browser_tests'

typecheck: setup
	$(BIN)/mypy joinedup bench

# Browser tests drive Debian's chromium; install it when it is missing (CI runs as root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

pytest: setup
	$(BIN)/pytest -n auto --dist loadfile -q

# With CI=true the suite runs again on PostgreSQL and fails if PostgreSQL is unreachable.
# Locally it runs when DATABASE_URL names a PostgreSQL database.
pytest-postgres: setup
	@if [ "$$CI" = "true" ] || echo "$$DATABASE_URL" | grep -q '^postgres'; then \
		URL="$${DATABASE_URL:-$(PG_URL)}"; echo "$$URL" | grep -q '^postgres' || URL="$(PG_URL)"; \
		DATABASE_URL="$$URL" $(BIN)/python -m joinedup.core.pgcheck || exit 1; \
		echo "Running the suite on PostgreSQL"; \
		DATABASE_URL="$$URL" $(BIN)/pytest -n auto --dist loadfile -q || exit 1; \
	else echo "PostgreSQL run skipped: set CI=true or DATABASE_URL=postgres://... to include it"; fi

check-deploy: setup
	SECRET_KEY=check-deploy-$$(date +%s)-abcdefghijklmnopqrstuvwxyz0123456789ABCDEF \
	ALLOWED_HOSTS=joinedup.example.nhs.uk DATABASE_URL=postgres://joinedup@db.invalid/joinedup \
	DJANGO_SETTINGS_MODULE=joinedup.settings.production \
	$(BIN)/joinedup check --deploy --fail-level WARNING

# Benchmarks (not part of `make test`): generated regions of 1,000, 100,000 and 1,000,000 people
# in PostgreSQL (BENCH_PG_URL), gunicorn with production settings, wrk on loopback; reports in
# bench/results/. QUICK=1: 1,000 and 100,000 people, shorter runs. Installs Debian's wrk if missing.
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432
bench: setup
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installing Debian's wrk for the benchmark"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
	BENCH_PG_URL=$(BENCH_PG_URL) $(BIN)/python -m bench $(if $(QUICK),--quick)

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock
	$(BIN)/npm install --package-lock-only --no-audit --no-fund

clean:
	rm -rf $(VENV) node_modules staticfiles .mypy_cache .ruff_cache .pytest_cache
