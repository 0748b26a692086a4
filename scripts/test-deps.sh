#!/usr/bin/env bash
# Installs the Debian packages the tests need beyond the .NET SDK and Node.js/npm (see README "Prerequisites").
# Idempotent: does nothing when every package is installed; otherwise, as root, runs `apt-get update` once and
# installs the missing ones; not as root, names them and fails.
set -euo pipefail

# One list: add packages here. tmux: the monitor's terminal tests. (The Parquet codecs are managed: no libzstd/liblz4.)
packages=(tmux)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "test prerequisites missing: ${missing[*]} — install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing test prerequisites: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
