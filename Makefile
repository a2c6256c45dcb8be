# The two commands of the README: `make run` and `make test`. Everything else is a
# step they share. Each step installs what it needs, so a fresh Debian machine works.
SHELL := /bin/bash
.DEFAULT_GOAL := run
UV ?= uv
# bootstrap.sh may install uv into the user's own bin (pip --user); find it there too.
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: run test deps pwa check lint typecheck pwa-test pytest clean-test api-types api-types-check

deps:
	@bash infra/local/bootstrap.sh

# npm ci only when the lock changed; the build only when a source changed.
pwa/node_modules/.package-lock.json: pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	@touch $@

pwa/dist/index.html: pwa/node_modules/.package-lock.json $(shell find pwa/src pwa/public pwa/index.html pwa/vite.config.ts -type f 2>/dev/null)
	cd pwa && npm run build

pwa: deps pwa/dist/index.html

run: deps pwa
	$(UV) run python -m infra.local.run

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck:
	$(UV) run mypy
	cd pwa && npm run typecheck

# The PWA's unit tests (vitest): outbox replay and the photo compressor's choices.
pwa-test: pwa/node_modules/.package-lock.json
	cd pwa && npm test

check: lint typecheck

# The PWA's API types (pwa/src/api-schema.d.ts) from the app's OpenAPI document, built
# without a database (tools/openapi_document.py). Rerun after changing an API schema.
api-types: deps pwa/node_modules/.package-lock.json
	cd pwa && UV="$(UV)" npm run --silent api-types

# Fails when the committed types no longer match the document: run `make api-types`.
api-types-check: deps pwa/node_modules/.package-lock.json
	cd pwa && UV="$(UV)" npm run --silent api-types -- --check

pytest:
	$(UV) run pytest

test: deps pwa check api-types-check pwa-test pytest

# Adapt the hazard model to a customer's reviewed photos (tools/README.md): fine-tune, gate
# against the running model on both labelled sets (exit 3 when worse), promote into PROMOTE.
#   make finetune-hazard DATA=hazard_feedback.zip WORK=/tmp/ft PROMOTE=/srv/models ARGS=...
TORCH_VENV ?= /tmp/bench-venv
.PHONY: finetune-hazard
finetune-hazard:
	@test -n "$(DATA)" -a -n "$(WORK)" || { echo "usage: make finetune-hazard DATA=... WORK=... [PROMOTE=dir] [ARGS=...]"; exit 2; }
	nice -n 10 $(TORCH_VENV)/bin/python -m tools.hazard_model --threads 2 finetune $(DATA) \
		--work $(WORK) $(if $(PROMOTE),--promote-to $(PROMOTE)) $(ARGS)

# The hazard model measured on the labelled sets in ../shared/data (inference/hazard/
# evaluation.py says how): a table per set and tiling, EVAL_OUT/eval.json and pr.png.
# Measures SITECHECK_HAZARD_MODEL + SITECHECK_HAZARD_POLICY when set, else the shipped model.
EVAL_DATA ?= ../shared/data
EVAL_OUT ?= build/eval-hazard
EVAL_TILING ?= off,2x2
.PHONY: eval-hazard
eval-hazard: deps
	$(UV) run python -m inference.hazard.evaluate \
		$(if $(SITECHECK_HAZARD_MODEL),--model $(SITECHECK_HAZARD_MODEL) --policy $(SITECHECK_HAZARD_POLICY)) \
		--set "$(EVAL_DATA)/hardhat-eval=hard_hat=compliance,no_hard_hat=hazard,no_head_wear=hazard,person=ignore" \
		--set "$(EVAL_DATA)/hardhat-workers-test=head=hazard,helmet=compliance,person=ignore" \
		--tiling $(EVAL_TILING) --json $(EVAL_OUT)/eval.json --plot $(EVAL_OUT)/pr.png

# Issue 7's proofs beyond `make test` (which runs a bounded fuzz, the fault and the
# security tests). Each target starts what it needs on 127.0.0.1 and stops it by PID.
#   make fuzz          schemathesis over every operation, longer than the CI run
#   make load          the morning rush against make run's stack (benchmarks/README.md)
#   make audit         pip-audit and npm audit; findings explained in docs/security.md
#   make deploy-check  the production compose file, Kubernetes manifests, Dockerfiles
FUZZ_EXAMPLES ?= 200
.PHONY: fuzz load audit deploy-check
fuzz: deps
	# One test drives every operation: at 200 examples it outlasts pytest's 300 s default.
	SITECHECK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(UV) run pytest tests/fuzz -p no:randomly -q --timeout=3600

load: deps
	$(UV) run python -m benchmarks.rush $(ARGS)

audit: deps pwa/node_modules/.package-lock.json
	$(UV) run python -m tools.audit

deploy-check: deps
	$(UV) run python -m infra.deploy.check
