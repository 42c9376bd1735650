#!/usr/bin/env bash
# Proves that the newest verified dump in BACKUP_DIR restores: restores it into a scratch database,
# checks that every table it recorded is there and that tables that had rows have rows, then drops the
# scratch database. Exits 1 on any failure.
#
# Settings:
#   BACKUP_DIR                   where dumps are kept (required)
#   VERIFY_DATABASE_PREFIX       name prefix of the scratch database (default restore_check)
#   VERIFY_JOBS                  parallel restore jobs (default 2)
# The connection comes from the standard PG* variables; the user needs CREATEDB.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/backup-lib.sh
source "$SCRIPT_DIR/backup-lib.sh"

BACKUP_DIR=${BACKUP_DIR:-}
PREFIX=${VERIFY_DATABASE_PREFIX:-restore_check}
JOBS=${VERIFY_JOBS:-2}
[[ -n $BACKUP_DIR ]] || die "BACKUP_DIR must name the directory dumps are kept in"
[[ $PREFIX =~ ^[a-z_][a-z0-9_]{0,30}$ ]] || die "VERIFY_DATABASE_PREFIX must be 1-31 lower-case letters, digits or _" value "$PREFIX"
require_integer VERIFY_JOBS "$JOBS" 1

latest=$(find "$BACKUP_DIR" -maxdepth 1 -name '*-????????T??????Z.json' -printf '%f\n' |
  sed -E 's/^(.*)-([0-9]{8}T[0-9]{6}Z)\.json$/\2 \1-\2/' | sort | tail -n 1 | cut -d ' ' -f 2)
[[ -n $latest ]] || die "no verified dump to check" dir "$BACKUP_DIR"
dump=$(dump_file_of "$BACKUP_DIR" "$latest") || die "the newest manifest has no dump file" dump "$latest"
manifest="$BACKUP_DIR/$latest.json"
scratch="${PREFIX}_$(date -u +%Y%m%d%H%M%S)_$$"

psql_admin() {
  psql --no-psqlrc --quiet --tuples-only --no-align --set ON_ERROR_STOP=1 --dbname=postgres "$@"
}
drop_scratch() {
  psql_admin --set scratch="$scratch" <<<'DROP DATABASE IF EXISTS :"scratch" WITH (FORCE)' >/dev/null 2>&1 ||
    log warn "could not drop the scratch database" database "$scratch"
}
trap drop_scratch EXIT

log info "restore check started" dump "$(basename "$dump")" scratchDatabase "$scratch"
"$SCRIPT_DIR/restore-database.sh" --dump "$dump" --target "$scratch" --jobs "$JOBS" ||
  die "the dump did not restore" dump "$(basename "$dump")"

# Every table the manifest lists must exist; those that had rows must have rows. The comparison runs
# in the scratch database, with the manifest passed in as a psql variable.
problems=$(psql --no-psqlrc --quiet --tuples-only --no-align --set ON_ERROR_STOP=1 --dbname="$scratch" \
  --set manifest="$(cat "$manifest")" <<'SQL'
SELECT format('%s %s', expected.key, CASE WHEN c.oid IS NULL THEN 'missing' ELSE 'empty' END)
FROM json_each_text((:'manifest')::json -> 'tables') AS expected
LEFT JOIN pg_class c ON c.oid = to_regclass(format('%I.%I', split_part(expected.key, '.', 1), split_part(expected.key, '.', 2)))
WHERE c.oid IS NULL
   OR (expected.value::boolean AND NOT (xpath('/row/r/text()', query_to_xml(
        format('SELECT EXISTS (SELECT 1 FROM %s) AS r', c.oid::regclass), false, true, '')))[1]::text::boolean)
SQL
)
tables=$(psql --no-psqlrc --quiet --tuples-only --no-align --set manifest="$(cat "$manifest")" --dbname="$scratch" \
  <<<"SELECT count(*) FROM json_object_keys((:'manifest')::json -> 'tables')")
if [[ -n $problems ]]; then
  while read -r table problem; do
    log error "restored table is $problem" table "$table"
  done <<<"$problems"
  die "restore check failed" dump "$(basename "$dump")"
fi
log info "restore check passed" dump "$(basename "$dump")" tables "$tables"
