#!/usr/bin/env bash
# A throwaway PostgreSQL server for the Postgres store's tests: 127.0.0.1 only, a free port, data
# and socket in a temporary folder, run as the `postgres` user (the server refuses root).
#
#   eval "$(bash scripts/postgres-server.sh start)"   # prints `export DATABASE_URL=…; export KEYCARD_PG_DIR=…;`
#   bash scripts/postgres-server.sh stop  [DIR]        # stops the server and deletes its folder
#   bash scripts/postgres-server.sh halt  [DIR] [MODE]  # stops it (pg_ctl stop -m fast|immediate), keeps the data
#   bash scripts/postgres-server.sh resume [DIR]       # starts a halted server again, same port and data
#
# DIR defaults to $KEYCARD_PG_DIR. initdb and pg_ctl are looked up on the PATH, then under
# /usr/lib/postgresql/*/bin and /usr/local/pgsql/bin (newest version first); set PG_BIN to override.
set -euo pipefail

die() { echo "postgres-server: $*" >&2; exit 1; }

find_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return; fi
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v pg_ctl)")"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r) /usr/local/pgsql/bin; do
    if [[ -x "$d/pg_ctl" && -x "$d/initdb" ]]; then echo "$d"; return; fi
  done
  die "initdb/pg_ctl not found (install the PostgreSQL server package or set PG_BIN)"
}

# Runs a server binary as `postgres` when we are root (Postgres refuses to run as root).
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

pg_start() {
  local dir=$1 bin port
  bin=$(find_bin)
  port=$(cat "$dir/port")
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1" start >/dev/null ||
    { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
}

cmd=${1:-}
case "$cmd" in
  start)
    bin=$(find_bin)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/keycard-pg.XXXXXX")
    mkdir -p "$dir/sock"
    if [[ "$(id -u)" == 0 ]]; then chown -R postgres: "$dir"; fi
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    # A port can be taken between probing and binding: retry a few times.
    for attempt in 1 2 3 4 5; do
      free_port >"$dir/port"
      if pg_start "$dir" 2>/dev/null; then break; fi
      [[ $attempt == 5 ]] && { cat "$dir/server.log" >&2; die "could not start postgres"; }
    done
    port=$(cat "$dir/port")
    if [[ -x "$bin/createdb" ]]; then
      as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres keycard
    else
      as_pg psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'CREATE DATABASE keycard' >/dev/null
    fi
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/keycard;"
    echo "export KEYCARD_PG_DIR=$dir;"
    ;;
  halt)
    dir=${2:-${KEYCARD_PG_DIR:-}}
    [[ -n "$dir" && -f "$dir/port" ]] || die "usage: $0 halt DIR (or set KEYCARD_PG_DIR)"
    mode=${3:-fast}
    [[ "$mode" == fast || "$mode" == immediate ]] || die "halt mode must be fast or immediate"
    as_pg "$(find_bin)/pg_ctl" -D "$dir/data" -m "$mode" -w stop >/dev/null
    ;;
  resume)
    dir=${2:-${KEYCARD_PG_DIR:-}}
    [[ -n "$dir" && -f "$dir/port" ]] || die "usage: $0 resume DIR (or set KEYCARD_PG_DIR)"
    pg_start "$dir"
    ;;
  stop)
    dir=${2:-${KEYCARD_PG_DIR:-}}
    [[ -n "$dir" && -f "$dir/port" ]] || die "usage: $0 stop DIR (or set KEYCARD_PG_DIR)"
    as_pg "$(find_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    case "$dir" in */keycard-pg.*) rm -rf "$dir" ;; *) die "refusing to delete $dir (not a keycard-pg folder)" ;; esac
    ;;
  *)
    die "usage: $0 start | stop [DIR] | halt [DIR] [fast|immediate] | resume [DIR]"
    ;;
esac
