#!/usr/bin/env bash
# The Debian packages `make test` needs, in one list: installs the missing ones when run as root
# (what .ci/run does on a fresh Debian 12), otherwise names them and the one command that installs
# them. `--without GROUP` (e.g. podman, for IMAGES_RUN=skip) leaves a group out. Called by
# `make system-packages` (the first step of `make test`) and by .ci/run.
set -euo pipefail

declare -A groups=(
  [base]="python3 python3-venv make git ca-certificates curl"
  [prometheus]="prometheus prometheus-node-exporter"  # promtool checks, live scrape tests
  [chromium]="chromium fonts-dejavu-core"             # real-browser tests (system browser, no download)
  [podman]="podman buildah debootstrap runc uidmap"   # daemonless image builds and runs
)
without=""
while (($#)); do
  case "$1" in
    --without) unset "groups[$2]"; without+=" --without $2"; shift 2 ;;
    *) echo "usage: $0 [--without GROUP]... (groups: base prometheus chromium podman)" >&2; exit 2 ;;
  esac
done

if ! command -v dpkg >/dev/null 2>&1; then
  echo "note: not a Debian system; each suite checks its own tools and says what to install."
  exit 0
fi

missing=()
for group in "${!groups[@]}"; do
  for package in ${groups[$group]}; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
done
if ((${#missing[@]} == 0)); then
  echo "ok: the Debian packages the suites need are installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "error: missing Debian packages: ${missing[*]}" >&2
  echo "       install them with: sudo $0$without" >&2
  exit 1
fi

echo "installing the missing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps the packaged daemons (prometheus, node-exporter) from starting: tests run their
# own. One the machine already has stays as it is.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}"
