#!/usr/bin/env bash
# Runs a command with a throwaway redis-server and Postgres 15 on 127.0.0.1 (REDIS_URL and
# DATABASE_URL exported), then stops both. `npm run test:servers` runs the whole suite this way,
# so that the Redis and Postgres server suites run instead of skipping.
#
#   bash scripts/with-servers.sh npm test
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/redis-server.sh start)"
eval "$(bash scripts/postgres-server.sh start)"
cleanup() {
  bash scripts/redis-server.sh stop >/dev/null 2>&1 || true
  bash scripts/postgres-server.sh stop "${KEYCARD_PG_DIR:-}" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$@"
