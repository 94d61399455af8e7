#!/usr/bin/env bash
# Builds stand-in base images from Debian packages, for machines that cannot pull from a
# container registry (air-gapped CI, private mirrors, this project's build machines).
#
#   scripts/build-stand-in-images.sh            # builds what is missing
#   scripts/build-stand-in-images.sh --force    # rebuilds everything
#
# Images (local only, never pushed; the Dockerfiles keep the public images as their defaults):
#   stand-in/debian:bookworm   debootstrap --variant=minbase of Debian 12
#   stand-in/postgres:15       PostgreSQL 15 with the official image's entrypoint contract
#
# Needs root (debootstrap), debootstrap, and Docker. Debian's mirror must be reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

force=false
[[ "${1:-}" == "--force" ]] && force=true
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

have() { ! $force && docker image inspect "$1" >/dev/null 2>&1; }

if ! have stand-in/debian:bookworm; then
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    rootfs=$(mktemp -d "${TMPDIR:-/tmp}/stand-in-rootfs.XXXXXX")
    trap 'rm -rf "$rootfs"' EXIT
    echo "stand-in: debootstrap bookworm (about a minute)"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' - stand-in/debian:bookworm >/dev/null
    rm -rf "$rootfs"
    trap - EXIT
fi

if ! have stand-in/postgres:15; then
    echo "stand-in: postgres:15"
    docker build -q -t stand-in/postgres:15 scripts/stand-ins/postgres >/dev/null
fi

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^stand-in/'
