#!/bin/sh
# Installs (if missing) and starts a one-node Slurm on loopback for the Slurm sweep test: Debian slurm-wlm + munge,
# slurmctld and slurmd as root, state under $SLURM_TEST_DIR (default /var/tmp/bifrost-slurm). Idempotent: a running
# cluster is left alone. Needs root. Settings from the measured single-node notes: loopback NodeAddr, no cgroups,
# no accounting, immediate scheduling, and kill_invalid_depend so a failed shard cancels the merge job instead of
# leaving it pending forever.
set -eu
dir=${SLURM_TEST_DIR:-/var/tmp/bifrost-slurm}
if [ "$(id -u)" != 0 ]; then echo "slurm-test-up: needs root" >&2; exit 2; fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi
mkdir -p "$dir/state" "$dir/spool" "$dir/log" /run/munge /etc/slurm
chown munge:munge /run/munge
[ -f /etc/munge/munge.key ] || { echo "slurm-test-up: /etc/munge/munge.key missing (munge package broken?)" >&2; exit 1; }
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged
  i=0; until munge -n 2>/dev/null | unmunge >/dev/null 2>&1; do i=$((i + 1)); [ $i -lt 50 ] || { echo "munged did not start" >&2; exit 1; }; sleep 0.1; done
fi
cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -1)
layout=$(slurmd -C | head -1 | grep -o 'Boards=[^ ]* SocketsPerBoard=[^ ]* CoresPerSocket=[^ ]* ThreadsPerCore=[^ ]*' || true)
mem=$(awk '/MemAvailable/ { printf "%d", $2 / 1024 / 2 }' /proc/meminfo)
conf=$(cat <<CONF
ClusterName=bifrost-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
DependencyParameters=kill_invalid_depend
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MinJobAge=300
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus $layout RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
)
printf '%s\n' "$conf" > /etc/slurm/slurm.conf
running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
running "$dir/slurmctld.pid" || slurmctld
running "$dir/slurmd.pid" || slurmd -N localhost
i=0
until sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; do
  i=$((i + 1)); [ $i -lt 300 ] || { echo "slurm-test-up: node not idle after 30 s" >&2; sinfo >&2 || true; exit 1; }
  [ $((i % 20)) -eq 0 ] && scontrol update nodename=localhost state=resume 2>/dev/null || true
  sleep 0.1
done
echo "slurm up: $(sinfo -h -o '%P %T %c cpus')"
