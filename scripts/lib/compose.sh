# shellcheck shell=bash disable=SC2034  # compose_cmd is for the scripts that source this
# Sourced by tests/stack/run.sh and bench/stack.sh: which Compose to call, and waiting until a
# compose project is healthy.

# Compose v2 (`docker compose`) where it is installed, else the v1 `docker-compose`.
if docker compose version >/dev/null 2>&1; then
    compose_cmd=(docker compose)
else
    compose_cmd=(docker-compose)
fi

# stack_wait_healthy COMPOSE_FUNCTION TIMEOUT_SECONDS
# Returns once every container of the project is running and healthy (or, like the one-shot
# `secrets`, has exited 0); fails after the timeout, listing the containers.
stack_wait_healthy() {
    local compose=$1 deadline=$(( $(date +%s) + $2 )) pending id state
    while :; do
        pending=0
        for id in $("$compose" ps -q); do
            state=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}' "$id")
            case $state in
                "running healthy "*|"exited none 0") ;;
                *) pending=$((pending + 1)) ;;
            esac
        done
        [[ $pending == 0 ]] && return 0
        if (( $(date +%s) > deadline )); then
            echo "compose: not healthy after $2 s" >&2
            "$compose" ps >&2
            return 1
        fi
        sleep 0.2
    done
}
