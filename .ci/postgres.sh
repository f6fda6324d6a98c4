#!/usr/bin/env bash
# Starts or stops a PostgreSQL 15 server owned by the `postgres` user (the server refuses to run as root).
#   .ci/postgres.sh ensure-installed
#   .ci/postgres.sh start <data-dir> <port> [--throwaway]   prints the connection string
#   .ci/postgres.sh stop <data-dir> [--immediate]   --immediate: no checkpoint, clients cut off (the fault tests' outage)
# A throwaway server (tests) runs with fsync off; `make run` keeps the defaults.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

ensure_installed() {
  if [ ! -x "$PGBIN/initdb" ]; then
    echo "installing PostgreSQL (Debian package postgresql)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  fi
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
}

run_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local data=$1 port=$2 throwaway=${3:-}
  ensure_installed
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$data" && chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    run_as_postgres "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  local opts="-c listen_addresses=127.0.0.1 -p $port -k $data -c max_connections=300"
  [ "$throwaway" = "--throwaway" ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if ! run_as_postgres "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    run_as_postgres "$PGBIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -o "$opts" start >/dev/null
  fi
  echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
}

stop() {
  local data=$1 mode=fast
  [ "${2:-}" = "--immediate" ] && mode=immediate
  [ -f "$data/PG_VERSION" ] || return 0
  run_as_postgres "$PGBIN/pg_ctl" -D "$data" -m "$mode" -w stop >/dev/null 2>&1 || true
}

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

case "${1:-}" in
  ensure-installed) ensure_installed ;;
  start) start "$2" "$3" "${4:-}" ;;
  stop) stop "$2" "${3:-}" ;;
  free-port) free_port ;;
  *) echo "usage: $0 ensure-installed | start <dir> <port> [--throwaway] | stop <dir> [--immediate] | free-port" >&2; exit 2 ;;
esac
