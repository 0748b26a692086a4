# Bifrost — the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
SLN := Bifrost.sln
CONFIG ?= Release

.PHONY: run test build restore lock bench clean

restore:
	dotnet restore $(SLN) --locked-mode

build: restore
	dotnet build $(SLN) -c $(CONFIG) --no-restore -nologo -v minimal

run: build
	./scripts/run.sh

test: build
	./scripts/test.sh $(CONFIG)

# Re-resolve packages after editing Directory.Packages.props, then commit the packages.lock.json files.
lock:
	dotnet restore $(SLN) --force-evaluate

bench:
	dotnet run -c Release --project benchmarks/Bifrost.Benchmarks -- --filter '$(or $(FILTER),*)'

clean:
	dotnet clean $(SLN) -nologo -v quiet
