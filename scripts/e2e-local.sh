#!/usr/bin/env bash
# The browser end-to-end test against the whole stack, started from this checkout as local
# processes: a throwaway PostgreSQL, loan-api, portfolio-api, the gateway and web.
#
#   scripts/e2e-local.sh            # screenshots in artifacts/screenshots, logs in artifacts/e2e-logs
#
# Needs Debian's chromium and chromium-driver, and Selenium (pip install -r frontend/tests/e2e/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

artifacts=${ARTIFACTS:-artifacts}
mkdir -p "$artifacts/e2e-logs" "$artifacts/screenshots"
cargo build -q --workspace --bins
bin=target/debug

eval "$(scripts/pg-throwaway.sh start)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    scripts/pg-throwaway.sh stop
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
server=${DATABASE_URL%/*}
psql "$DATABASE_URL" -qX -c "CREATE DATABASE loans" -c "CREATE DATABASE portfolio"
loans_port=$(free_port); portfolio_port=$(free_port); gateway_port=$(free_port); web_port=$(free_port)

# The web tier's API key: random for this run, configured in the gateway only as its hash.
key=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
hash=$(printf %s "$key" | sha256sum | cut -d' ' -f1)

DATABASE_URL=$server/loans "$bin/loan-api" migrate >"$artifacts/e2e-logs/loan-api-setup.log"
DATABASE_URL=$server/loans "$bin/loan-api" seed >>"$artifacts/e2e-logs/loan-api-setup.log"
DATABASE_URL=$server/portfolio "$bin/portfolio-api" migrate >"$artifacts/e2e-logs/portfolio-api-setup.log"
DATABASE_URL=$server/portfolio "$bin/portfolio-api" seed >>"$artifacts/e2e-logs/portfolio-api-setup.log"

DATABASE_URL=$server/loans PORT=$loans_port "$bin/loan-api" serve >"$artifacts/e2e-logs/loan-api.log" 2>&1 &
pids+=($!)
DATABASE_URL=$server/portfolio PORT=$portfolio_port "$bin/portfolio-api" serve >"$artifacts/e2e-logs/portfolio-api.log" 2>&1 &
pids+=($!)
LOAN_API_URL=http://127.0.0.1:$loans_port PORTFOLIO_API_URL=http://127.0.0.1:$portfolio_port \
    API_KEYS="web:$hash:loans:write" PORT=$gateway_port "$bin/gateway" >"$artifacts/e2e-logs/gateway.log" 2>&1 &
pids+=($!)
API_URL=http://127.0.0.1:$gateway_port API_KEY=$key COOKIE_SECURE=false PORT=$web_port \
    "$bin/web" >"$artifacts/e2e-logs/web.log" 2>&1 &
pids+=($!)

for service in "loan-api:$loans_port" "portfolio-api:$portfolio_port" "gateway:$gateway_port" "web:$web_port"; do
    name=${service%%:*}; port=${service##*:}
    for _ in $(seq 100); do
        PORT=$port "$bin/$name" healthcheck 2>/dev/null && break
        sleep 0.1
    done
    PORT=$port "$bin/$name" healthcheck
done

E2E_BASE_URL=http://127.0.0.1:$web_port E2E_SCREENSHOTS=$artifacts/screenshots \
    python3 frontend/tests/e2e/browser_test.py
