#!/usr/bin/env bash
# Runs loan-api on http://localhost:8000 against a throwaway local PostgreSQL 15, with the demo
# loans loaded. Ctrl-C stops both. (Until the compose stack lands, this is "run the stack".)
#
# Needs the PostgreSQL 15 server binaries (Debian: apt-get install postgresql-15) and Rust.
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/pg-throwaway.sh start)"
trap 'scripts/pg-throwaway.sh stop' EXIT
psql "$DATABASE_URL" -qX -c "CREATE DATABASE loans"
export DATABASE_URL="${DATABASE_URL%/*}/loans"
export LOG_FORMAT=${LOG_FORMAT:-pretty}

cargo build --release -p loan-api
target/release/loan-api migrate
target/release/loan-api seed
echo "loan-api: http://localhost:${PORT:-8000}/api/loans  (docs: /docs, Ctrl-C to stop)"
target/release/loan-api serve
