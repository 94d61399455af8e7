#!/usr/bin/env bash
# Refreshes (or, with --check, verifies) each service's `.sqlx/` query cache, which lets
# `sqlx::query!` be checked at compile time without a database (SQLX_OFFLINE=true, the default
# in .cargo/config.toml).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres scripts/sqlx-prepare.sh [--check]
#
# For each service with a `migrations/` folder it creates a scratch database on that server,
# applies the migrations, and compiles the service against it with SQLX_OFFLINE_DIR set, which
# makes the sqlx macros write their query metadata (what `cargo sqlx prepare` does, without
# needing sqlx-cli).
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
[[ "${1:-}" == "--check" ]] && check=true
: "${DATABASE_URL:?point DATABASE_URL at a PostgreSQL server (scripts/pg-throwaway.sh start gives one)}"

status=0
for migrations in services/*/migrations; do
    service_dir=$(dirname "$migrations")
    service=$(basename "$service_dir")
    scratch="sqlx_prepare_${service//-/_}"
    url="${DATABASE_URL%/*}/$scratch"
    psql "$DATABASE_URL" -qX -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" -c "CREATE DATABASE $scratch"
    for file in "$migrations"/*.sql; do
        psql "$url" -qX -v ON_ERROR_STOP=1 -f "$file" >/dev/null
    done

    out="$service_dir/.sqlx"
    $check && out=$(mktemp -d)
    rm -rf "${out:?}"/query-*.json
    mkdir -p "$out"
    cargo clean -q -p "$service"
    SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$(realpath "$out")" DATABASE_URL="$url" \
        cargo check -q -p "$service" --all-targets
    psql "$DATABASE_URL" -qX -c "DROP DATABASE $scratch WITH (FORCE)"

    if $check; then
        if diff -r "$out" "$service_dir/.sqlx" >/dev/null; then
            echo "sqlx-prepare: $service: .sqlx is up to date"
        else
            echo "sqlx-prepare: $service: .sqlx is stale; run scripts/sqlx-prepare.sh and commit the result" >&2
            diff -r "$out" "$service_dir/.sqlx" >&2 || true
            status=1
        fi
        rm -rf "$out"
    else
        echo "sqlx-prepare: $service: $(find "$out" -name "query-*.json" | wc -l) queries written to $out"
    fi
done
exit $status
