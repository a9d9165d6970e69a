#!/usr/bin/env bash
# Starts or stops a throwaway redis-server for the Redis test suites: 127.0.0.1 only, a free
# port, data in a fresh temporary folder, no persistence (the suites that need AOF start their
# own private server through test/redis-server.ts).
#
#   eval "$(bash scripts/redis-server.sh start)"   # exports REDIS_URL, REDIS_PID_FILE, REDIS_DIR
#   npx vitest run src/stores/redis test/redis
#   bash scripts/redis-server.sh stop              # reads REDIS_PID_FILE (or $1) and removes the folder
set -euo pipefail

server=${REDIS_SERVER:-$(command -v redis-server || true)}

start() {
  if [[ -z "$server" ]]; then
    echo "redis-server not found: install it (apt-get install redis-server) or set REDIS_SERVER" >&2
    exit 1
  fi
  local dir port pidfile
  dir=$(mktemp -d "${TMPDIR:-/tmp}/keycard-redis.XXXXXX")
  pidfile="$dir/redis.pid"
  for attempt in 1 2 3 4 5; do
    # A free port from the kernel; the tiny window before redis binds it is covered by retrying.
    port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    if "$server" --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes --pidfile "$pidfile" \
      --logfile "$dir/redis.log" --save '' --appendonly no --protected-mode yes >/dev/null 2>&1; then
      for _ in $(seq 1 100); do
        if [[ -s "$pidfile" ]] && node -e "
          const c=require('net').connect($port,'127.0.0.1');
          c.on('data',d=>process.exit(String(d).startsWith('+PONG')?0:1));
          c.on('error',()=>process.exit(1));
          c.write('PING\r\n');" 2>/dev/null; then
          echo "export REDIS_URL=redis://127.0.0.1:$port"
          echo "export REDIS_PID_FILE=$pidfile"
          echo "export REDIS_DIR=$dir"
          return 0
        fi
        sleep 0.05
      done
      [[ -s "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
  done
  echo "redis-server did not start; log:" >&2
  cat "$dir/redis.log" >&2 || true
  rm -rf "$dir"
  exit 1
}

stop() {
  local pidfile=${1:-${REDIS_PID_FILE:-}}
  if [[ -z "$pidfile" || ! -f "$pidfile" ]]; then
    echo "usage: REDIS_PID_FILE=… $0 stop (or: $0 stop PIDFILE)" >&2
    exit 1
  fi
  local pid dir
  pid=$(cat "$pidfile")
  dir=$(dirname "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$pid" 2>/dev/null || true
  case "$dir" in "${TMPDIR:-/tmp}"/keycard-redis.*) rm -rf "$dir" ;; esac
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
