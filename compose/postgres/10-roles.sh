#!/bin/sh
# Runs once, when the database cluster is created: one database and one role per service. Each
# role owns its database (its migrations create the tables) and nothing else; nobody else may
# connect to it.
set -eu
loans_password=$(cat /run/secrets/loans_db_password)
portfolio_password=$(cat /run/secrets/portfolio_db_password)
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres <<SQL
CREATE ROLE loans LOGIN PASSWORD '$loans_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE loans OWNER loans;
REVOKE ALL ON DATABASE loans FROM PUBLIC;
CREATE ROLE portfolio LOGIN PASSWORD '$portfolio_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE portfolio OWNER portfolio;
REVOKE ALL ON DATABASE portfolio FROM PUBLIC;
SQL
for database in loans portfolio; do
    psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "$database" \
        -c "REVOKE ALL ON SCHEMA public FROM PUBLIC" -c "ALTER SCHEMA public OWNER TO $database"
done
