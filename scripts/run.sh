#!/usr/bin/env bash
# `make run`: Bifrost's main job on its embedded default. Starts the replay gateway (a TWS-protocol server on
# 127.0.0.1 replaying the bundled synthetic session in a loop — each pass the next trading day on its virtual clock —
# with the 10-lot straddle seeded into its paper account) and the daemon in paper mode against it. Watch the daemon hedge here; attach the monitor from another terminal (printed
# below). Ctrl-C stops the daemon (Stop: cancel working orders, final status, exit 0) and then the gateway.
#
# Environment: BIFROST_PORT (default 7497), BIFROST_SPEED (replay speed, default 30), BIFROST_RUN_DIR (default var),
# BIFROST_RUN_SECONDS (stop by itself after this many seconds; unset = run until Ctrl-C).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
config=${CONFIG:-Release}
port=${BIFROST_PORT:-7497}
speed=${BIFROST_SPEED:-30}
dir=${BIFROST_RUN_DIR:-var}
data=data/sample/xyz-2026-03-02.parquet
sim="dotnet Bifrost.Sim/bin/$config/net10.0/bifrost-sim.dll"
daemon=(dotnet "Bifrost.Daemon/bin/$config/net10.0/bifrost-daemon.dll")

mkdir -p "$dir"
# The replay account starts empty on every run, so the store starts empty too (an old store would not reconcile).
rm -f "$dir"/bifrost.db "$dir"/bifrost.db-* "$dir"/bifrost.db.* "$dir"/ledger.jsonl "$dir"/gateway.log

$sim gateway --data "$data" --loop --port "$port" --speed "$speed" --ledger "$dir/ledger.jsonl" \
  --seed-position "XYZ 20260320 C 100:10" --seed-position "XYZ 20260320 P 100:10" > "$dir/gateway.log" 2>&1 &
gateway=$!
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  kill -TERM "$gateway" 2>/dev/null || true
  wait "$gateway" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 150); do
  grep -q "listening on" "$dir/gateway.log" 2>/dev/null && break
  kill -0 "$gateway" 2>/dev/null || { cat "$dir/gateway.log" >&2; echo "replay gateway failed to start" >&2; exit 1; }
  sleep 0.2
done
grep -q "listening on" "$dir/gateway.log" || { echo "replay gateway did not start in 30 s" >&2; exit 1; }

cat <<TXT
replay gateway: $(grep "listening on" "$dir/gateway.log") (speed x$speed, the session looped day after day, ledger $dir/ledger.jsonl, log $dir/gateway.log)
daemon:         paper mode, config config/paper-replay.json, store $dir/bifrost.db
monitor:        dotnet Bifrost.Tui/bin/$config/net10.0/bifrost-tui.dll --store $dir/bifrost.db
Ctrl-C stops the daemon, then the gateway.
TXT

BIFROST__CONNECTION__PORT=$port BIFROST__STORE__PATH="$dir/bifrost.db" "${daemon[@]}" run --config config/paper-replay.json &
daemon_pid=$!
if [ -n "${BIFROST_RUN_SECONDS:-}" ]; then
  ( sleep "$BIFROST_RUN_SECONDS"; kill -TERM "$daemon_pid" 2>/dev/null ) &
fi
set +e
wait "$daemon_pid"
status=$?
daemon_pid=
set -e
echo "daemon exited with $status; fills recorded: $(grep -c '"type":"fill"' "$dir/ledger.jsonl" 2>/dev/null || echo 0)"
exit $status
