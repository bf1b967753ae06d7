#!/usr/bin/env bash
# Build a stand-in for docker.io/library/python:3.11-slim-bookworm from Debian packages, so the
# Dockerfiles build unchanged without a registry. Cached in podman's store; rebuilt when missing.
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-docker.io/library/python:3.11-slim-bookworm}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
STANDIN_LABEL=org.stockwatch.standin

if podman image exists "$BASE_IMAGE"; then
  origin=$(podman image inspect --format "{{ index .Labels \"$STANDIN_LABEL\" }}" "$BASE_IMAGE")
  [[ $origin == "<no value>" || -z $origin ]] && origin="the upstream image"
  echo "base image $BASE_IMAGE is present ($origin)"
  exit 0
fi

for tool in debootstrap podman tar; do
  command -v "$tool" >/dev/null || {
    echo "error: '$tool' is missing; on Debian: apt-get install podman buildah debootstrap runc uidmap" >&2
    exit 1
  }
done

if [[ $(id -u) -ne 0 ]]; then
  echo "error: building the stand-in base needs root (debootstrap); or pull $BASE_IMAGE" >&2
  exit 1
fi

rootfs=$(mktemp -d /var/tmp/stockwatch-base.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "building stand-in $BASE_IMAGE with debootstrap (minbase bookworm) in $rootfs"
debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
  bookworm "$rootfs" "$DEBIAN_MIRROR" >"$rootfs.log" 2>&1 || {
  tail -n 30 "$rootfs.log" >&2
  echo "error: debootstrap failed (log above, full log in $rootfs.log)" >&2
  exit 1
}
rm -f "$rootfs.log"

# Behave like the official image: pip may install system-wide, and python, python3 and pip
# resolve under /usr/local/bin, where the official image keeps its interpreter.
rm -f "$rootfs"/usr/lib/python3.*/EXTERNALLY-MANAGED
ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python3"
ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip"
ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip3"

# Slim: what a running container never reads.
rm -rf "$rootfs"/usr/share/{doc,man,info,locale,lintian,linda}/* \
  "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log \
  "$rootfs"/var/cache/debconf/*-old
find "$rootfs" -name __pycache__ -prune -exec rm -rf {} +

tar --numeric-owner -C "$rootfs" -c . | podman import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL $STANDIN_LABEL=debootstrap-bookworm-$(date -u +%Y%m%d)" \
  --change 'CMD ["python3"]' \
  --quiet - "$BASE_IMAGE" >/dev/null
echo "ok: stand-in $BASE_IMAGE built ($(podman image inspect --format '{{.Size}}' "$BASE_IMAGE" \
  | awk '{printf "%.0f MB", $1/1e6}'))"
