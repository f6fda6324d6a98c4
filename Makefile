# Entry points: `make run`, `make test`, `make bench`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
DOTNET ?= dotnet
CONFIG ?= Release
DATA_DIR ?= $(CURDIR)/.data
# PostgreSQL needs search permission on every parent of its data directory; keep it outside the checkout.
PG_DATA ?= /var/tmp/gpu-scheduler-pg
PG_PORT ?= 55432
API_URL ?= http://127.0.0.1:8080
# The control plane's smallest gen0 budget (DOTNET_GCgen0size; the chart's gcGen0Size): docs/install.md says why.
GC_GEN0_SIZE ?= 0x4000000
# 0: the JIT compiles the framework's code too instead of running its ReadyToRun code (the chart's readyToRun: false).
READY_TO_RUN ?= 0
TRACE ?= docs/benchmarks/data/openb/openb_pod_list_default.csv
NODES ?= docs/benchmarks/data/openb/openb_node_list_gpu_node.csv
# The simulated cluster's runtime: simulated (pods pretend, fast) or process (the bundled trainer's pods run the real trainer on the CPU).
SIM_RUNTIME ?= simulated
TRAINER_DLL := $(CURDIR)/src/Scheduler.Trainer/bin/$(CONFIG)/net10.0/Scheduler.Trainer.dll
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

.PHONY: help deps build test run migrate bench bench-trace replay bench-trainer-gpu check-cuda e2e fuzz clean

help:
	@echo "make run    - local PostgreSQL + control plane on $(API_URL) (simulated cluster unless KUBECONFIG is set)"
	@echo "             SIM_RUNTIME=process: the bundled trainer's pods run the real trainer on the CPU (docs/trainer.md)"
	@echo "make test   - install what a fresh Debian machine needs, then run every test"
	@echo "make bench  - benchmarks; results go to docs/benchmarks/"
	@echo "make migrate, make e2e (needs KUBECONFIG), make bench-trace TRACE=... NODES=..., make replay QUEUES=... SPEED=..., make fuzz ITERATIONS=..."

# What a fresh Debian machine with the .NET SDK lacks for the tests.
deps:
	@.ci/postgres.sh ensure-installed
	@.ci/deps.sh

build:
	$(DOTNET) build Scheduler.sln -c $(CONFIG) -nologo -v:q

# Tests use SCHEDULER_TEST_DB when set; otherwise a throwaway server on a free port for this run only.
test: deps build
	@set -euo pipefail; \
	if [ -z "$${SCHEDULER_TEST_DB:-}" ]; then \
	  pgdir=$$(mktemp -d /var/tmp/scheduler-test-pg.XXXXXX); port=$$(.ci/postgres.sh free-port); \
	  export SCHEDULER_TEST_DB="$$(.ci/postgres.sh start $$pgdir $$port --throwaway)"; \
	  trap ".ci/postgres.sh stop $$pgdir; rm -rf $$pgdir" EXIT; \
	fi; \
	$(DOTNET) test --solution Scheduler.sln -c $(CONFIG) --no-build --no-progress --ignore-exit-code 8

# The database `make run` uses: SCHEDULER_DB when set, else a local server with its data under .data/.
define local_db
$$(if [ -n "$${SCHEDULER_DB:-}" ]; then echo "$$SCHEDULER_DB"; else mkdir -p $(DATA_DIR); ln -sfn $(PG_DATA) $(DATA_DIR)/pg; .ci/postgres.sh start $(PG_DATA) $(PG_PORT); fi)
endef

migrate:
	@cs="$(local_db)"; $(DOTNET) run --project src/Scheduler.Api -c $(CONFIG) -- migrate --ConnectionStrings:Scheduler="$$cs" --Scheduler:DataDir="$(DATA_DIR)"

run:
	@set -e; runtime=(); \
	if [ "$(SIM_RUNTIME)" = process ]; then \
	  $(DOTNET) build src/Scheduler.Trainer -c $(CONFIG) -nologo -v:q; \
	  runtime=(--Scheduler:Kubernetes:Simulated:Runtime=Process --Scheduler:Kubernetes:Simulated:TrainerPath="$(TRAINER_DLL)"); \
	elif [ "$(SIM_RUNTIME)" != simulated ]; then echo "SIM_RUNTIME must be simulated or process"; exit 2; fi; \
	cs="$(local_db)"; \
	$(DOTNET) run --project src/Scheduler.Api -c $(CONFIG) -- migrate --ConnectionStrings:Scheduler="$$cs" --Scheduler:DataDir="$(DATA_DIR)" && \
	DOTNET_GCgen0size="$${DOTNET_GCgen0size:-$(GC_GEN0_SIZE)}" $(DOTNET) run --project src/Scheduler.Api -c $(CONFIG) --no-build -e DOTNET_ReadyToRun="$${DOTNET_ReadyToRun:-$(READY_TO_RUN)}" -- --urls $(API_URL) --ConnectionStrings:Scheduler="$$cs" --Scheduler:DataDir="$(DATA_DIR)" "$${runtime[@]}"

# `load`: 1,000 clients for 60 s mixing operations against one control plane (docs/benchmarks/reliability.md).
# End to end (docs/benchmarks/end-to-end.md): a burst of one-GPU jobs (16 clients, then one array) and a steady stream on the simulated cluster.
E2E_NODES ?= 1000
E2E_JOBS ?= 10000
bench: build
	@cs="$(local_db)"; $(DOTNET) run --project src/Scheduler.Benchmarks -c $(CONFIG) --no-build -- all --db "$$cs" --out docs/benchmarks && \
	$(DOTNET) run --project src/Scheduler.Benchmarks -c $(CONFIG) --no-build -- load --db "$$cs" --out docs/benchmarks && \
	$(DOTNET) run --project src/Scheduler.Benchmarks -c $(CONFIG) --no-build -- e2e --db "$$cs" --nodes $(E2E_NODES) --jobs $(E2E_JOBS) --shapes one-gpu --out docs/benchmarks; \
	$(DOTNET) run --project src/Scheduler.Benchmarks -c $(CONFIG) --no-build -- e2e --db "$$cs" --nodes $(E2E_NODES) --jobs $(E2E_JOBS) --shapes one-gpu --array on --out docs/benchmarks; \
	$(DOTNET) run --project src/Scheduler.Benchmarks -c $(CONFIG) --no-build -- e2e --db "$$cs" --nodes $(E2E_NODES) --jobs 6000 --rate 200 --shapes one-gpu --out docs/benchmarks; \
	$(DOTNET) run --project src/Scheduler.Cli -c $(CONFIG) --no-build -- accuracy --reference docs/benchmarks/data/reference --out docs/benchmarks/estimator.md

# Stdout is only the contract lines (`policy=<name> alloc100=<pct> allocEnd=<pct>`); the build and the per-seed figures go to stderr.
bench-trace:
	@$(DOTNET) build src/Scheduler.Benchmarks -c $(CONFIG) -nologo -v:q >&2
	@$(DOTNET) run --project src/Scheduler.Benchmarks -c $(CONFIG) --no-build -- trace --pods $(TRACE) --nodes $(NODES)

# What-if replay of a trace against the scheduling core with the queues of QUEUES (docs/scheduling.md, "What-if replay").
QUEUES ?= docs/benchmarks/replay/openb-queues.json
SPEED ?= 1
replay:
	@$(DOTNET) build src/Scheduler.Benchmarks -c $(CONFIG) -nologo -v:q >&2
	@$(DOTNET) run --project src/Scheduler.Benchmarks -c $(CONFIG) --no-build -- whatif --pods $(TRACE) --nodes $(NODES) --queues $(QUEUES) --speed $(SPEED) $(REPLAY_ARGS)

# Needs the GPU machine: see docs/benchmarks/trainer.md.
bench-trainer-gpu:
	$(DOTNET) run --project src/Scheduler.Trainer -c $(CONFIG) -- bench --device cuda

# The CUDA backend checked as far as a machine without a GPU can (docs/trainer.md): every kernel compiled to PTX and
# assembled by ptxas for sm_80/sm_90, the cuBLAS/cuBLASLt bindings against CUDA 11.8's libraries and headers, and the
# launch geometry and memory plan of GPT-2 small/medium against an H100. Installs its tools under .tools/cuda (~1.1 GB download).
check-cuda:
	@.ci/install-cuda-tools.sh >/dev/null
	$(DOTNET) build tests/Scheduler.Trainer.Tests -c $(CONFIG) -nologo -v:q
	@CUDA_PLAN_REPORT=$(CURDIR)/.tools/cuda/launch-plan.md $(DOTNET) test --project tests/Scheduler.Trainer.Tests -c $(CONFIG) --no-build --no-progress -- --filter-namespace Scheduler.Trainer.Tests.Compute.Cuda
	@cat .tools/cuda/ptxas-report.md; echo; cat .tools/cuda/launch-plan.md

# The E2E-tagged scenarios against the cluster of KUBECONFIG (a disposable kind or k3d cluster: docs/e2e.md).
e2e: build
	@if [ -z "$${KUBECONFIG:-}" ]; then echo "make e2e needs KUBECONFIG pointing at a disposable cluster (see docs/e2e.md)"; exit 2; fi
	@set -euo pipefail; \
	if [ -z "$${SCHEDULER_TEST_DB:-}" ]; then \
	  pgdir=$$(mktemp -d /var/tmp/scheduler-e2e-pg.XXXXXX); port=$$(.ci/postgres.sh free-port); \
	  export SCHEDULER_TEST_DB="$$(.ci/postgres.sh start $$pgdir $$port --throwaway)"; \
	  trap ".ci/postgres.sh stop $$pgdir; rm -rf $$pgdir" EXIT; \
	fi; \
	GPU_SCHEDULER_E2E=1 $(DOTNET) test --solution Scheduler.sln -c $(CONFIG) --no-build --no-progress --ignore-exit-code 8 --filter-trait "Category=E2E"

# The generated-input property tests at length: ITERATIONS specs each to /jobs and /estimate (CI runs 5,000 each), and a
# tenth of that of queue, telemetry, query-string and header cases. A failure prints its seed: CsCheck_Seed=<seed> replays it.
ITERATIONS ?= 100000
fuzz:
	$(DOTNET) build tests/Scheduler.Api.Tests -c $(CONFIG) -nologo -v:q
	@set -euo pipefail; \
	if [ -z "$${SCHEDULER_TEST_DB:-}" ]; then \
	  pgdir=$$(mktemp -d /var/tmp/scheduler-fuzz-pg.XXXXXX); port=$$(.ci/postgres.sh free-port); \
	  export SCHEDULER_TEST_DB="$$(.ci/postgres.sh start $$pgdir $$port --throwaway)"; \
	  trap ".ci/postgres.sh stop $$pgdir; rm -rf $$pgdir" EXIT; \
	fi; \
	SCHEDULER_FUZZ_ITERATIONS=$(ITERATIONS) $(DOTNET) test --project tests/Scheduler.Api.Tests -c $(CONFIG) --no-build --no-progress -- --filter-class "*GeneratedInputTests"

clean:
	$(DOTNET) clean Scheduler.sln -nologo -v:q
