#!/usr/bin/env bash
# Runs the backend against the machine's local PostgreSQL and Redis, with development defaults that
# any exported variable overrides. Creates the database on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/leadms_dev}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export REDIS_KEY_PREFIX="${REDIS_KEY_PREFIX:-leadms-dev:}"
export API_TOKEN="${API_TOKEN:-local-development-token-not-for-production}"
export HOST="${HOST:-127.0.0.1}"
export PORT="${PORT:-3000}"
export SHUTDOWN_DELAY_MS="${SHUTDOWN_DELAY_MS:-0}"

database="${DATABASE_URL##*/}"
database="${database%%\?*}"
admin_url="${DATABASE_URL%/*}/postgres"
if [ "$(psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '${database//\'/\'\'}'")" != "1" ]; then
  psql "$admin_url" -q -c "CREATE DATABASE \"${database//\"/\"\"}\""
  echo "created database ${database}" >&2
fi

npm run --silent build
exec node app/backend/dist/main.js
