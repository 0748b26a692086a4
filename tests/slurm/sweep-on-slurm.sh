#!/bin/sh
# The Slurm sweep test, on a real Slurm (never a fake scheduler): starts a one-node cluster on loopback
# (scripts/slurm-test-up.sh, root), submits a sharded sweep of the sample with deploy/slurm/submit.sh (an sbatch array,
# one shard per task, and a merge job with --dependency=afterok), waits for both, and checks that the merged
# results.json is byte-identical to the same sweep run locally. Then stops the cluster. Exit 0 = pass.
#   tests/slurm/sweep-on-slurm.sh [path/to/bifrost-sim.dll]   (default: the Release build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dll=${1:-$root/Bifrost.Sim/bin/Release/net10.0/bifrost-sim.dll}
[ -f "$dll" ] || { echo "FAIL: no $dll (build Bifrost.Sim -c Release first)" >&2; exit 2; }
work=$(mktemp -d /var/tmp/bifrost-slurm-test.XXXXXX)
cleanup() { "$root/scripts/slurm-test-down.sh" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
"$root/scripts/slurm-test-up.sh"

sed 's/"clock_seconds": 1,/"clock_seconds": 10,/' "$root/data/sample/backtest.json" > "$work/base.json"
cat > "$work/sweep.json" <<'JSON'
{ "method": "grid", "metric": "total_pnl",
  "parameters": [ { "path": "strategy.rules[0].half_width", "values": [25, 50] },
                  { "path": "strategy.hedge_to", "values": ["target", "band_edge"] } ] }
JSON
export BIFROST_SIM="dotnet $dll"
$BIFROST_SIM sweep --data "$root/data/sample/xyz-2026-03-02.parquet" --config "$work/base.json" --sweep "$work/sweep.json" \
  --parallel 2 --out "$work/local" > "$work/local.log" 2>&1 || { cat "$work/local.log" >&2; echo "FAIL: local sweep" >&2; exit 1; }

ids=$("$root/deploy/slurm/submit.sh" "$root/data/sample/xyz-2026-03-02.parquet" "$work/base.json" "$work/sweep.json" 3 "$work/slurm" 1)
array=${ids% *} merge=${ids#* }
echo "submitted array job $array (3 shards) and merge job $merge"
deadline=$(( $(date +%s) + 600 ))
while [ -n "$(squeue -h -j "$array,$merge" 2>/dev/null)" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { squeue >&2; echo "FAIL: jobs not done in 600 s" >&2; exit 1; }
  sleep 1
done
for id in $array $merge; do
  scontrol show job "$id" | grep -oE 'JobId=[0-9]+|ArrayTaskId=[0-9]+|JobState=[A-Z_]+|ExitCode=[0-9:]+' | paste -sd' ' -
done
states=$(scontrol show job "$array" | grep -oE 'JobState=[A-Z_]+' | sort -u)
[ "$states" = "JobState=COMPLETED" ] || { cat "$work"/slurm/slurm-*.out >&2; echo "FAIL: array tasks: $states" >&2; exit 1; }
scontrol show job "$merge" | grep -q 'JobState=COMPLETED' || { cat "$work"/slurm/slurm-merge-*.out >&2; echo "FAIL: merge job" >&2; exit 1; }
ls "$work/slurm"/shard-*-of-3.json >/dev/null
if cmp "$work/local/results.json" "$work/slurm/merged/results.json"; then
  echo "PASS: Slurm array sweep merged = local sweep, byte for byte ($(wc -c < "$work/local/results.json") bytes, sha256 $(sha256sum "$work/local/results.json" | cut -c1-16))"
else
  diff "$work/local/results.json" "$work/slurm/merged/results.json" | head -20 >&2
  echo "FAIL: merged results differ from the local run" >&2; exit 1
fi
