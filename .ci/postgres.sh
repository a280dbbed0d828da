#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, on 127.0.0.1 only.
#
# Installs Debian's postgresql package when no server is found, makes a cluster under
# $HAVEN_PG_DIR (default: /tmp/haven-postgres-<uid>) tuned for tests (no fsync), starts it on
# $HAVEN_PG_PORT (default 54329) with a superuser `haven` (password `haven`; the tests create
# and drop databases, one per pytest worker) and a database `haven_test`.
# Idempotent and fast on a second run: a running cluster is reused as it is.
#
# Prints one line for the caller to eval, the rest goes to stderr:
#   eval "$(.ci/postgres.sh)"   # exports HAVEN_TEST_POSTGRES_URL=postgresql+psycopg://...
# `.ci/postgres.sh stop` stops the cluster (its files stay for the next start).
set -euo pipefail

PG_DIR=${HAVEN_PG_DIR:-/tmp/haven-postgres-$(id -u)}
PG_PORT=${HAVEN_PG_PORT:-54329}
PG_USER=haven
PG_PASSWORD=haven
PG_DATABASE=haven_test
DATA="$PG_DIR/data"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
  elif command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  fi
}

BINDIR=$(find_bindir)
if [ -z "$BINDIR" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    log "no PostgreSQL server found and no apt-get to install one"
    exit 1
  fi
  log "installing postgresql from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || true
  apt-get install -y -qq postgresql >&2
  BINDIR=$(find_bindir)
fi

# initdb and the server refuse to run as root: run them as the postgres user then.
if [ "$(id -u)" = 0 ]; then
  OWNER=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  OWNER=$(id -un)
  as_owner() { "$@"; }
fi

if [ "${1:-}" = stop ]; then
  if [ -f "$DATA/postmaster.pid" ]; then
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >&2
  fi
  exit 0
fi

mkdir -p "$PG_DIR"
chown "$OWNER" "$PG_DIR"
chmod 700 "$PG_DIR"

if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initialising a cluster in $DATA"
  password_file="$PG_DIR/password"
  echo "$PG_PASSWORD" >"$password_file"
  chown "$OWNER" "$password_file"
  as_owner "$BINDIR/initdb" -D "$DATA" -U "$PG_USER" --pwfile="$password_file" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$password_file"
  cat >>"$DATA/postgresql.conf" <<EOF
# Haven test cluster: throwaway data, so durability is traded for speed.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
fi

if ! as_owner "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null
fi

psql_as_owner() {
  as_owner "$BINDIR/psql" -h "$PG_DIR" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}
if [ "$(psql_as_owner -c "select 1 from pg_database where datname = '$PG_DATABASE'")" != 1 ]; then
  psql_as_owner -c "create database $PG_DATABASE" >&2
fi

echo "export HAVEN_TEST_POSTGRES_URL=postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DATABASE"
