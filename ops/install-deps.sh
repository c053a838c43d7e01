#!/usr/bin/env bash
# Installs the system packages PseudoTrack builds and tests against, with apt-get,
# only those that are missing. Idempotent: a second run installs nothing.
# Usage: ops/install-deps.sh          (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  ffmpeg
  libzstd-dev zstd
  libopenblas-dev liblapacke-dev
  libsqlite3-dev
  libssl-dev
  zlib1g-dev
  python3-venv
  munge slurmctld slurmd slurm-client   # the one-node Slurm cluster of make test (ops/slurm/local-cluster.sh)
  chromium chromium-driver fonts-dejavu-core
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} system packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: not root and no sudo; install them with apt-get as root" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -q >/tmp/pseudotrack-apt-update.log 2>&1; then
  echo "install-deps: 'apt-get update' failed; see /tmp/pseudotrack-apt-update.log" >&2
  tail -n 20 /tmp/pseudotrack-apt-update.log >&2
  exit 1
fi
if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/pseudotrack-apt-install.log 2>&1; then
  echo "install-deps: 'apt-get install ${missing[*]}' failed:" >&2
  tail -n 30 /tmp/pseudotrack-apt-install.log >&2
  exit 1
fi

still=()
for p in "${missing[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
  echo "install-deps: still missing after install: ${still[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${#missing[@]} package(s)"
