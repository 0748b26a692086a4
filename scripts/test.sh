#!/usr/bin/env bash
# Runs every test project of the solution (already built by `make test`) and prints one closing line:
# "N passed, N failed, N skipped". Exits non-zero if any test failed or any test project could not run.
set -uo pipefail
config=${1:-Release}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet test Bifrost.sln -c "$config" --no-build --no-restore -nologo -v quiet 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest prints one line per test assembly: "Passed!  - Failed:     0, Passed:    42, Skipped:     0, Total: ..."
read -r passed failed skipped < <(awk -F'[:,]' '/(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) { gsub(/ /, "", $i) }
    for (i = 1; i < NF; i++) {
      if ($i ~ /Failed$/ && $(i+1) ~ /^[0-9]+$/) f += $(i+1)
      if ($i == "Passed" && $(i+1) ~ /^[0-9]+$/) p += $(i+1)
      if ($i == "Skipped" && $(i+1) ~ /^[0-9]+$/) s += $(i+1)
    }
  } END { printf "%d %d %d\n", p, f, s }' "$log")

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit 0
