#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster in a temporary directory, on a free loopback port.
#
#   eval "$(scripts/pg-throwaway.sh start)"   # exports DATABASE_URL, PG_THROWAWAY_DIR, PG_THROWAWAY_PID
#   scripts/pg-throwaway.sh stop              # stops it (by PID) and deletes the directory
#
# Uses the server binaries in $PG_BIN (default /usr/lib/postgresql/15/bin). Tuned for tests:
# no fsync, many connections. Never use it for data you want to keep.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

start() {
    [[ -x "$PG_BIN/initdb" ]] || { echo "pg-throwaway: no PostgreSQL server binaries in $PG_BIN (set PG_BIN)" >&2; exit 1; }
    local dir port user
    dir=$(mktemp -d "${TMPDIR:-/tmp}/pg-throwaway.XXXXXX")
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    user=postgres
    # initdb refuses to run as root; a root caller runs the cluster as the `postgres` user.
    local run=()
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$dir"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$PG_BIN/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    "${run[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    local pid
    pid=$(head -1 "$dir/data/postmaster.pid")
    echo "export PG_THROWAWAY_DIR=$dir"
    echo "export PG_THROWAWAY_PID=$pid"
    echo "export PG_THROWAWAY_PORT=$port"
    echo "export DATABASE_URL=postgres://$user@127.0.0.1:$port/postgres"
}

stop() {
    local dir=${PG_THROWAWAY_DIR:?set by start}
    local pid=${PG_THROWAWAY_PID:-}
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"   # fast shutdown
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
