#!/usr/bin/env bash
# Smoke test of a running environment through its public entry point (the web tier), the path
# a user's request takes: web -> gateway -> loan-api / portfolio-api -> PostgreSQL.
#
#   scripts/ci/smoke.sh https://app.staging.example.com
#   scripts/ci/smoke.sh http://127.0.0.1:3000        # a local stack (scripts/e2e-local.sh's)
#
# Checks, one line each: /health (web is up), /ready (web reaches the gateway), GET
# /api/stats (through the gateway to loan-api and its database) and GET /api/portfolio/insights
# (to portfolio-api). Each is retried for up to SMOKE_TIMEOUT seconds (default 120: a new
# deployment's targets may still be registering); exits 1 when any check fails.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 BASE_URL" >&2; exit 2; }
# An empty URL (the deploy job could not read the web_url output) must fail at once, not retry
# "GET /health" against nothing for two minutes.
if [[ ! "$1" =~ ^https?://[^/[:space:]]+ ]]; then
    echo "smoke: not an http(s) URL: '$1' (is web_url empty? check the deploy job's \"environment URL\" step)" >&2
    exit 2
fi
base=${1%/}
timeout=${SMOKE_TIMEOUT:-120}
request_id="smoke-${GITHUB_RUN_ID:-local}-$$"
body=$(mktemp)
trap 'rm -f "$body"' EXIT

# check NAME PATH JQ_FILTER: GET PATH until it answers 200 with a body JSON_FILTER accepts.
failed=0
check() {
    local name=$1 path=$2 filter=$3 started=$SECONDS status=""
    while true; do
        status=$(curl -sS -o "$body" -w '%{http_code}' --max-time 10 \
            -H "X-Request-Id: $request_id" -H 'Accept: application/json' "$base$path" 2>/dev/null || true)
        if [[ "$status" == 200 ]] && jq -e "$filter" "$body" >/dev/null 2>&1; then
            printf 'smoke: %-10s ok      GET %s (%ss)\n' "$name" "$path" "$((SECONDS - started))"
            return 0
        fi
        if (( SECONDS - started >= timeout )); then
            [[ "$status" == 000 || -z "$status" ]] && status="no answer"
            printf 'smoke: %-10s FAILED  GET %s: HTTP %s: %s\n' "$name" "$path" "$status" "$(head -c 300 "$body" 2>/dev/null)"
            failed=1
            return 0
        fi
        sleep 5
    done
}

echo "smoke: $base (X-Request-Id: $request_id)"
check health /health '.status == "ok"'
check ready /ready 'type == "object"'
check loans /api/stats '.total_loans | type == "number"'
check portfolio /api/portfolio/insights 'type == "array" and length > 0'
exit $failed
