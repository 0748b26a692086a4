# Bifrost — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
SLN := Bifrost.sln
CONFIG ?= Release

.PHONY: run test build restore lock bench clean node-tools backtest

restore:
	dotnet restore $(SLN) --locked-mode

build: restore
	dotnet build $(SLN) -c $(CONFIG) --no-restore -nologo -v minimal

run: build
	./scripts/run.sh

# A backtest of the bundled (synthetic) sample session.
backtest: build
	dotnet Bifrost.Sim/bin/$(CONFIG)/net10.0/bifrost-sim.dll backtest --data data/sample/xyz-2026-03-02.parquet --config data/sample/backtest.json

test: build node-tools
	./scripts/test.sh $(CONFIG)

# Test-only Node tools (DuckDB for Parquet cross-checks, @stoqey/ib for gateway conformance), at the versions pinned
# in tests/node/package-lock.json. `npm ci` is not used: it rejects DuckDB's lock because the optional packages of
# other platforms are absent here; `npm install` keeps the locked versions.
node-tools:
	cd tests/node && npm install --no-audit --no-fund --loglevel=error

# Re-resolve packages after editing Directory.Packages.props, then commit the packages.lock.json files.
lock:
	dotnet restore $(SLN) --force-evaluate

bench:
	dotnet run -c Release --project benchmarks/Bifrost.Benchmarks -- --filter '$(or $(FILTER),*)'

clean:
	dotnet clean $(SLN) -nologo -v quiet
