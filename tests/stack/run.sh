#!/usr/bin/env bash
# The whole-stack test: builds the images, brings docker-compose.yml up (plus a test OTLP
# receiver), waits until every service is healthy, runs stack_test.py and the browser test
# against https://localhost:8443, and tears everything down again, volumes included.
#
#   tests/stack/run.sh                # on a machine that can pull the public base images
#   STACK_OFFLINE=1 tests/stack/run.sh   # builds local stand-ins first (no registry)
#
# Logs of every container go to artifacts/stack-logs, measurements to artifacts/stack.
set -euo pipefail
cd "$(dirname "$0")/../.."

artifacts=${ARTIFACTS:-artifacts}
mkdir -p "$artifacts/stack-logs" "$artifacts/stack" "$artifacts/screenshots"

# shellcheck source=scripts/lib/compose.sh
source scripts/lib/compose.sh
export COMPOSE_PROJECT_NAME=${COMPOSE_PROJECT_NAME:-lending-e2e}
files=(-f docker-compose.yml -f tests/stack/compose.test.yml)
env_args=()
if [[ "${STACK_OFFLINE:-0}" == 1 ]]; then
    scripts/build-stand-in-images.sh
    env_args=(--env-file .env.offline)
fi
compose() { "${compose_cmd[@]}" "${env_args[@]}" "${files[@]}" "$@"; }

export OTEL_EXPORTER_OTLP_ENDPOINT=http://otlp-receiver:4318
# The load tests come from one address, far above one client's fair share at the gateway; the
# edge keeps its default limit until stack_test.py has seen it answer 429.
export GATEWAY_RATE_LIMIT=5000 GATEWAY_RATE_BURST=5000
export TAG=${TAG:-e2e}

teardown() {
    local status=$?
    echo "stack: collecting logs and tearing down"
    for service in $(compose ps --services 2>/dev/null); do
        compose logs --no-color "$service" >"$artifacts/stack-logs/$service.log" 2>&1 || true
    done
    compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
    exit "$status"
}
trap teardown EXIT

echo "stack: building images"
build_started=$(date +%s)
compose build
echo "stack: images built in $(( $(date +%s) - build_started )) s"

echo "stack: starting"
up_started=$(date +%s.%N)
compose up -d
# Every long-running container healthy (the one-shot `secrets` has exited 0 by now).
stack_wait_healthy compose 180
healthy_after=$(python3 -c "import time; print(f'{time.time() - $up_started:.1f}')")
echo "stack: all healthy ${healthy_after} s after 'up'"
echo "$healthy_after" >"$artifacts/stack/up-to-healthy-seconds"

export STACK_COMPOSE="${compose_cmd[*]} ${env_args[*]} ${files[*]}"
export STACK_BASE_URL=https://localhost:${EDGE_HTTPS_PORT:-8443}
export STACK_HTTP_URL=http://localhost:${EDGE_HTTP_PORT:-8080}
export STACK_PROBE_IMAGE=${STACK_PROBE_IMAGE:-$( [[ "${STACK_OFFLINE:-0}" == 1 ]] && echo stand-in/debian:bookworm || echo debian:bookworm-slim)}
export STACK_ARTIFACTS=$artifacts/stack
python3 tests/stack/stack_test.py

echo "stack: browser test through the edge"
E2E_BASE_URL=$STACK_BASE_URL E2E_SCREENSHOTS=$artifacts/screenshots/stack \
    python3 frontend/tests/e2e/browser_test.py
