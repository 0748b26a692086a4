# Bifrost — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
SLN := Bifrost.sln
CONFIG ?= Release

.PHONY: run test test-deps build restore lock bench clean node-tools backtest

restore:
	dotnet restore $(SLN) --locked-mode

build: restore
	dotnet build $(SLN) -c $(CONFIG) --no-restore -nologo -v minimal

run: build
	./scripts/run.sh

# A backtest of the bundled (synthetic) sample session.
backtest: build
	dotnet Bifrost.Sim/bin/$(CONFIG)/net10.0/bifrost-sim.dll backtest --data data/sample/xyz-2026-03-02.parquet --config data/sample/backtest.json

test: test-deps build node-tools
	./scripts/test.sh $(CONFIG)

# Debian packages the tests need (tmux, …): installed when missing and run as root, else named (scripts/test-deps.sh).
test-deps:
	./scripts/test-deps.sh

# Test-only Node tools (DuckDB for Parquet cross-checks, @stoqey/ib for gateway conformance), at the versions pinned
# in tests/node/package-lock.json. The lock lists every platform's optional DuckDB binding (as npm writes it), so
# `npm ci` accepts it, installs only this platform's, and never rewrites it: a test run leaves the tree clean.
# Skipped while node_modules is newer than the lock. After changing package.json: `cd tests/node && npm install`.
node-tools: tests/node/node_modules/.package-lock.json

tests/node/node_modules/.package-lock.json: tests/node/package.json tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --loglevel=error

# Re-resolve packages after editing Directory.Packages.props, then commit the packages.lock.json files.
lock:
	dotnet restore $(SLN) --force-evaluate

# BenchmarkDotNet classes (FILTER: a class pattern; ARGS: more BenchmarkDotNet options, or --out-of-process).
bench:
	dotnet run -c Release --project benchmarks/Bifrost.Benchmarks -- --filter '$(or $(FILTER),*)' $(ARGS)

clean:
	dotnet clean $(SLN) -nologo -v quiet
