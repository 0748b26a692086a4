#!/usr/bin/env bash
# Runs every test project of the solution (already built by `make test`) and prints one closing line:
# "N passed, N failed, N skipped". Exits non-zero if any test failed, any test project could not run, or no test ran.
#   - the C# projects (xunit) through `dotnet test Bifrost.sln`;
#   - the F# domain tests (Expecto, an executable: no `dotnet test` adapter is served) through `dotnet <dll>`.
set -uo pipefail
config=${1:-Release}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log=$(mktemp)
expecto_log=$(mktemp)
trap 'rm -f "$log" "$expecto_log"' EXIT

dotnet test Bifrost.sln -c "$config" --no-build --no-restore -nologo -v quiet --logger "console;verbosity=minimal" 2>&1 | tee "$log"
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

# Expecto closes with "EXPECTO! 114 tests run in 00:00:40 for miscellaneous – 114 passed, 0 ignored, 0 failed,
# 0 errored. Success!" — an en dash and terminal escape codes even with --colours 0, so match only the counts.
domain_dll="tests/Bifrost.Domain.Tests/bin/$config/net10.0/Bifrost.Domain.Tests.dll"
echo "Bifrost.Domain.Tests (Expecto):"
dotnet "$domain_dll" --colours 0 --no-spinner --fail-on-focused-tests 2>&1 | tee "$expecto_log"
expecto_status=${PIPESTATUS[0]}
counts=$(sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$expecto_log" \
  | grep -oE '[0-9]+ passed, [0-9]+ ignored, [0-9]+ failed, [0-9]+ errored' | tail -n 1)
if [ -z "$counts" ]; then
  echo "Bifrost.Domain.Tests printed no Expecto summary (exit $expecto_status)" >&2
  expecto_status=1
  read -r e_passed e_ignored e_failed e_errored <<< "0 0 1 0"
else
  read -r e_passed e_ignored e_failed e_errored < <(echo "$counts" | tr -dc '0-9 \n' | awk '{ print $1, $2, $3, $4 }')
fi
if [ "$e_passed" -eq 0 ] && [ "$e_failed" -eq 0 ] && [ "$e_errored" -eq 0 ]; then
  echo "Bifrost.Domain.Tests ran no test" >&2
  expecto_status=1
fi
passed=$((passed + e_passed))
failed=$((failed + e_failed + e_errored))
skipped=$((skipped + e_ignored))

echo # Expecto leaves its last line unterminated (a colour reset); the closing line must stand alone.
# Name every failed C# test again next to the closing line: CI keeps only the tail of a long log.
failed_names=$(grep -E '^ +Failed [A-Za-z_][A-Za-z0-9_.]+' "$log" | sed -E 's/^ +Failed +//; s/ \[[^]]*\]$//' | sort -u)
if [ -n "$failed_names" ]; then
  echo "failed tests:"
  echo "$failed_names" | sed 's/^/  /'
  # …and why: each one's error message (up to 8 lines), for a failure seen only in CI's tail.
  echo "why they failed:"
  awk '/^ +Failed [A-Za-z_][A-Za-z0-9_.]+/ { name = $2; grab = 0; next }
       name != "" && /^ +Error Message:/ { grab = 8; print "  " name ":"; next }
       grab > 0 && /^ +(Stack Trace|Standard Output Messages):/ { grab = 0; name = ""; next }
       grab > 0 { print "    " $0; grab--; if (grab == 0) name = "" }' "$log"
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$expecto_status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit 0
