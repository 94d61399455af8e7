#!/usr/bin/env bash
# Builds stand-in base images from Debian packages, for machines that cannot pull from a
# container registry (air-gapped CI, private mirrors, this project's build machines).
#
#   scripts/build-stand-in-images.sh            # builds what is missing
#   scripts/build-stand-in-images.sh --force    # rebuilds everything
#
# Images (local only, never pushed; the Dockerfiles keep the public images as their defaults):
#   stand-in/debian:bookworm   debootstrap --variant=minbase of Debian 12
#   stand-in/postgres:15       for postgres:15-alpine: PostgreSQL 15, same entrypoint contract
#   stand-in/rust:1.95         for rust:1.95-bookworm: this machine's Rust toolchain, cargo-chef
#                              and CA certificates on Debian 12 with a C toolchain
#   stand-in/distroless-cc     for gcr.io/distroless/cc-debian12:nonroot: glibc, CA certificates,
#                              uid 65532, no shell
#   stand-in/nginx:1.27        for nginxinc/nginx-unprivileged:1.27-alpine: nginx as uid 101
#
# It also writes .env.offline, which points docker compose at these images:
#   docker compose --env-file .env.offline up --build
#
# Needs root (debootstrap), debootstrap, Docker, and Rust (rustup) on this machine. Debian's
# mirror and crates.io must be reachable.
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

if ! have stand-in/rust:1.95; then
    echo "stand-in: rust:1.95 (this machine's toolchain)"
    context=$(mktemp -d "${TMPDIR:-/tmp}/stand-in-rust.XXXXXX")
    sysroot=$(rustc --print sysroot)
    mkdir -p "$context/toolchain"
    cp -a "$sysroot/bin" "$sysroot/lib" "$context/toolchain/"
    cargo_chef=$(command -v cargo-chef || true)
    if [[ -z "$cargo_chef" ]]; then
        cargo install -q cargo-chef --locked --version 0.1.73 --root "$context/chef"
        cargo_chef="$context/chef/bin/cargo-chef"
    fi
    cp "$cargo_chef" "$context/toolchain/bin/"
    cp /etc/ssl/certs/ca-certificates.crt "$context/"
    cp scripts/stand-ins/rust/Dockerfile "$context/"
    docker build -q -t stand-in/rust:1.95 "$context" >/dev/null
    rm -rf "$context"
fi

if ! have stand-in/distroless-cc; then
    echo "stand-in: distroless-cc"
    docker build -q -t stand-in/distroless-cc scripts/stand-ins/runtime >/dev/null
fi

if ! have stand-in/nginx:1.27; then
    echo "stand-in: nginx:1.27"
    docker build -q -t stand-in/nginx:1.27 scripts/stand-ins/nginx >/dev/null
fi

cat > .env.offline <<'ENV'
# Written by scripts/build-stand-in-images.sh: the stand-in base images, for machines that
# cannot pull. Use with: docker compose --env-file .env.offline up --build
RUST_IMAGE=stand-in/rust:1.95
RUNTIME_IMAGE=stand-in/distroless-cc
NGINX_IMAGE=stand-in/nginx:1.27
POSTGRES_IMAGE=stand-in/postgres:15
DEBIAN_IMAGE=stand-in/debian:bookworm
ENV

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep '^stand-in/'
