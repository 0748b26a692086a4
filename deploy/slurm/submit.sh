#!/bin/sh
# Submits a sharded Bifrost sweep to Slurm: an array job (one shard per task) and a merge job that runs only if every
# shard succeeded (--dependency=afterok). Inputs are staged by content hash under STAGE, so a task reads exactly the
# bytes that were submitted even if the originals change; the data keeps its file name (results name it).
#
#   deploy/slurm/submit.sh DATA CONFIG SWEEP SHARDS OUT [CPUS_PER_TASK]
#   env: BIFROST_SIM (default: bifrost-sim), STAGE (default: OUT/stage), SBATCH_EXTRA (e.g. "--partition=x")
# Prints "ARRAY_JOB_ID MERGE_JOB_ID". Results: OUT/shard-i-of-N.json, OUT/merged/.
set -eu
if [ $# -lt 5 ]; then echo "usage: $0 DATA CONFIG SWEEP SHARDS OUT [CPUS_PER_TASK]" >&2; exit 2; fi
data=$1 config=$2 spec=$3 shards=$4 out=$5 cpus=${6:-1}
case $shards in ''|*[!0-9]*|0) echo "submit: SHARDS must be a positive integer, got '$shards'" >&2; exit 2 ;; esac
for f in "$data" "$config" "$spec"; do [ -f "$f" ] || { echo "submit: no such file: $f" >&2; exit 2; }; done
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=${STAGE:-$out/stage}
stage_file() { # $1 file, $2 kind -> prints the staged path
  sha=$(sha256sum "$1" | cut -d' ' -f1)
  dir="$stage/$2/$sha"
  if [ ! -f "$dir/$(basename "$1")" ]; then
    mkdir -p "$dir"
    cp "$1" "$dir/.$(basename "$1").part" && mv "$dir/.$(basename "$1").part" "$dir/$(basename "$1")"
  fi
  echo "$dir/$(basename "$1")"
}
export BIFROST_SIM="${BIFROST_SIM:-bifrost-sim}"
export SWEEP_DATA="$(stage_file "$data" data)"
export SWEEP_CONFIG="$(stage_file "$config" config)"
export SWEEP_SPEC="$(stage_file "$spec" sweep)"
export SWEEP_SHARDS="$shards" SWEEP_OUT="$out"
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_EXTRA:-} --array="0-$((shards - 1))" --cpus-per-task="$cpus" \
  --output="$out/slurm-%A_%a.out" --export=ALL "$here/sweep-array.sbatch")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_EXTRA:-} --dependency="afterok:$array" --output="$out/slurm-merge-%j.out" \
  --export=ALL "$here/merge.sbatch")
merge=${merge%%;*}
echo "$array $merge"
