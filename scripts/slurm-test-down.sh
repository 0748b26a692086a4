#!/bin/sh
# Stops the test Slurm started by slurm-test-up.sh: cancels what is left, then the daemons by their pid files
# (SIGTERM, SIGKILL after 10 s). munged is left running (harmless, and other tools may use it).
set -u
dir=${SLURM_TEST_DIR:-/var/tmp/bifrost-slurm}
scancel --user=root 2>/dev/null || true
for name in slurmd slurmctld; do
  pidfile="$dir/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || continue
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
done
exit 0
