#!/bin/bash
# The parts of the official postgres image's entrypoint this project relies on: initialise an
# empty PGDATA with POSTGRES_USER/POSTGRES_PASSWORD(_FILE)/POSTGRES_DB, run the init scripts
# once, then run the server as the postgres user, listening on all interfaces with password auth.
set -euo pipefail

if [[ "${1:0:1}" == '-' ]]; then
    set -- postgres "$@"
fi
if [[ "$1" != 'postgres' ]]; then
    exec "$@"
fi
shift

if [[ "$(id -u)" == '0' ]]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

if [[ -n "${POSTGRES_PASSWORD_FILE:-}" ]]; then
    POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
fi
user=${POSTGRES_USER:-postgres}
database=${POSTGRES_DB:-$user}
# As the official entrypoint does, for the init scripts.
export POSTGRES_USER=$user POSTGRES_DB=$database
if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set to initialise the database}"
    initdb -D "$PGDATA" -U "$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" -w start >/dev/null
    if [[ "$database" != 'postgres' ]]; then
        psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -c "CREATE DATABASE \"$database\"" >/dev/null
    fi
    for script in /docker-entrypoint-initdb.d/*; do
        case "$script" in
            *.sh)
                echo "running $script"
                # shellcheck source=/dev/null
                . "$script"
                ;;
            *.sql) echo "running $script"; psql -v ON_ERROR_STOP=1 -U "$user" -d "$database" -f "$script" ;;
            *) ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    echo "PostgreSQL init process complete; ready for start up."
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql "$@"
