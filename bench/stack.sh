#!/usr/bin/env bash
# Budgets of the compose stack, measured: image sizes, time from `up` to all healthy, idle
# memory of every container, and GET /api/loans/{id} through the edge against loan-api direct.
#
#   bench/stack.sh                   # public base images
#   STACK_OFFLINE=1 bench/stack.sh   # local stand-ins (scripts/build-stand-in-images.sh)
#
# The whole stack is pinned to CPU 0 (cpuset) and the load generator, wrk in a container, to
# CPU 1. wrk runs inside the stack's networks: on backend-net for loan-api direct (no port is
# published there), on frontend-net for the edge, so both paths start from the same place.
# Rounds alternate direct and through-the-edge and the ratio is taken per round (the machine is
# shared and noisy). Prints a Markdown report; everything it started is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
duration=${DURATION:-10}
connections=${CONNECTIONS:-16}
export COMPOSE_PROJECT_NAME=lending-bench TAG=${TAG:-bench}
# shellcheck source=scripts/lib/compose.sh
source scripts/lib/compose.sh
env_args=()
debian_image=debian:bookworm-slim
if [[ "${STACK_OFFLINE:-0}" == 1 ]]; then
    scripts/build-stand-in-images.sh >/dev/null
    env_args=(--env-file .env.offline)
    debian_image=stand-in/debian:bookworm
fi
overlay=$(mktemp --suffix=.yml)
compose() { "${compose_cmd[@]}" "${env_args[@]}" -f docker-compose.yml -f "$overlay" "$@"; }
cleanup() {
    compose down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1 || true
    rm -f "$overlay"
}
trap cleanup EXIT

# Every service on CPU 0; the rate limits lifted (the load comes from one address).
cat >"$overlay" <<'YAML'
services:
  postgres: {cpuset: "0"}
  loan-api: {cpuset: "0"}
  portfolio-api: {cpuset: "0"}
  internal: {cpuset: "0"}
  web: {cpuset: "0"}
  gateway:
    cpuset: "0"
    environment: {RATE_LIMIT_PER_SECOND: "1000000", RATE_LIMIT_BURST: "1000000"}
  edge:
    cpuset: "0"
    environment: {EDGE_RATE_LIMIT: "1000000", EDGE_RATE_BURST: "1000000"}
YAML

echo "building images" >&2
compose build >/dev/null
docker build -q -t lending-bench/wrk - >/dev/null <<EOF
FROM ${debian_image}
RUN apt-get update && apt-get install -y --no-install-recommends wrk ca-certificates && rm -rf /var/lib/apt/lists/*
EOF

echo "## Compose stack budgets"
echo
echo "Measured $(date -u +%Y-%m-%d) by \`bench/stack.sh\` ($( [[ ${STACK_OFFLINE:-0} == 1 ]] && echo 'stand-in base images' || echo 'public base images'))."
echo
echo "| Image | Uncompressed | Compressed (docker save \| gzip) |"
echo "|---|---|---|"
for image in loan-api portfolio-api gateway web internal edge; do
    ref=lending/$image:$TAG
    bytes=$(docker image inspect -f '{{.Size}}' "$ref")
    gz=$(docker save "$ref" | gzip -6 | wc -c)
    printf '| %s | %.1f MB | %.1f MB |\n' "$image" "$(echo "$bytes / 1000000" | bc -l)" "$(echo "$gz / 1000000" | bc -l)"
done
echo

started=$(date +%s.%N)
compose up -d >/dev/null 2>&1
stack_wait_healthy compose 180
healthy=$(echo "$(date +%s.%N) - $started" | bc -l)
printf 'Time from \x60up -d\x60 (images built, fresh volumes) to every service healthy: **%.1f s**.\n\n' "$healthy"

sleep 10
echo "Idle memory (docker stats, 10 s after healthy):"
echo
echo "| Container | Memory |"
echo "|---|---|"
total=0
while read -r name usage; do
    printf '| %s | %s |\n' "${name#lending-bench[-_]}" "$usage"
    mib=$(python3 -c "
import re,sys; v=sys.argv[1]; n=float(re.match(r'[0-9.]+',v).group()); u=re.search(r'[A-Za-z]+',v).group()
print(n*{'B':1/1048576,'KiB':1/1024,'MiB':1,'GiB':1024}[u])" "$usage")
    total=$(echo "$total + $mib" | bc -l)
done < <(compose ps -q | xargs docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' | awk '{print $1, $2}')
printf '| **whole stack** | **%.1f MiB** |\n\n' "$total"

network() { docker network ls --format '{{.Name}}' | grep -E "^${COMPOSE_PROJECT_NAME}_?-?$1\$|^${COMPOSE_PROJECT_NAME}[-_]$1\$" | head -1; }
backend=$(network backend-net)
frontend=$(network frontend-net)
wrk() {
    local net=$1 url=$2
    docker run --rm --cpuset-cpus 1 --network "$net" lending-bench/wrk \
        wrk -t1 -c"$connections" -d"${duration}s" --latency "$url" 2>&1
}
rps() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '/ 99%/ {print $2}'; }
id=00000000-0000-0000-0000-000000000001
wrk "$backend" "http://loan-api:8000/api/loans/$id" >/dev/null  # warm up
wrk "$frontend" "https://edge:8443/api/loans/$id" >/dev/null

echo "GET /api/loans/{id}, $connections connections, ${duration} s per run, stack on CPU 0, wrk on CPU 1."
echo "Each round loads loan-api directly, then each tier in front of it, outermost last:"
echo
echo "| Round | loan-api | gateway → loan-api | internal → … | web → … | edge (HTTPS) → … | edge / direct |"
echo "|---|---|---|---|---|---|---|"
ratios=()
for round in $(seq "$rounds"); do
    row="| $round"
    for target in "$backend http://loan-api:8000" "$backend http://gateway:8002" \
                  "$backend http://internal:8080" "$frontend http://web:3000" "$frontend https://edge:8443"; do
        read -r net base <<<"$target"
        result=$(wrk "$net" "$base/api/loans/$id")
        rate=$(rps <<<"$result")
        [[ $base == http://loan-api:8000 ]] && direct=$rate
        row+=$(printf ' | %.0f req/s, p99 %s' "$rate" "$(p99 <<<"$result")")
    done
    ratio=$(echo "$rate / $direct" | bc -l)
    ratios+=("$ratio")
    printf '%s | %.2f |\n' "$row" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf '\nMedian ratio, through the edge / direct: **%.2f** (target ≥ 0.5).\n' "$median"
