#!/usr/bin/env bash
# Dumps one PostgreSQL database into BACKUP_DIR, verifies the dump, records its checksum and manifest,
# then applies retention. The connection comes from the standard PG* variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE).
#
# Settings:
#   BACKUP_DIR                 where dumps are kept (required)
#   BACKUP_RETENTION_DAYS      verified dumps older than this are deleted (default 14)
#   BACKUP_RETENTION_COUNT     at most this many verified dumps are kept (default 14)
#   BACKUP_ZSTD_LEVEL          zstd compression level (default 1: measured 15-25 % faster than 3 for
#                              a dump 12 % larger, still a fifth smaller than gzip's)
#
# Nothing appears under a final name until the dump is complete and verified: it is written as
# *.partial and renamed. Any failure exits 1 and leaves existing dumps untouched. Retention runs only
# after a new dump is verified, and never deletes the newest verified dump.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/backup-lib.sh
source "$SCRIPT_DIR/backup-lib.sh"

BACKUP_DIR=${BACKUP_DIR:-}
RETENTION_DAYS=${BACKUP_RETENTION_DAYS:-14}
RETENTION_COUNT=${BACKUP_RETENTION_COUNT:-14}
ZSTD_LEVEL=${BACKUP_ZSTD_LEVEL:-1}

[[ -n $BACKUP_DIR ]] || die "BACKUP_DIR must name the directory dumps are kept in"
[[ -n ${PGDATABASE:-} ]] || die "PGDATABASE must name the database to dump"
require_integer BACKUP_RETENTION_DAYS "$RETENTION_DAYS" 1
require_integer BACKUP_RETENTION_COUNT "$RETENTION_COUNT" 1
require_integer BACKUP_ZSTD_LEVEL "$ZSTD_LEVEL" 1
mkdir -p "$BACKUP_DIR"
[[ -w $BACKUP_DIR ]] || die "BACKUP_DIR is not writable" dir "$BACKUP_DIR"

# One run at a time per directory; a second one leaves at once.
exec 9>"$BACKUP_DIR/.backup.lock"
flock --nonblock 9 || die "another backup is running in this directory" dir "$BACKUP_DIR"

# With the lock held, a *.partial file can only be left by a run that died: remove it.
for stale in "$BACKUP_DIR"/*.partial; do
  [[ -e $stale ]] || continue
  rm -f -- "$stale"
  log warn "removed a partial file of an interrupted run" file "$(basename "$stale")"
done

psql_value() {
  psql --no-psqlrc --quiet --tuples-only --no-align --set ON_ERROR_STOP=1 "$@"
}

server_version=$(psql_value --command "SHOW server_version" 2>&1) ||
  die "cannot connect to the database" database "$PGDATABASE" host "${PGHOST:-local socket}" error "$server_version"
pg_dump_version=$(pg_dump --version)
pg_dump_major=$(sed -E 's/^pg_dump \(PostgreSQL\) ([0-9]+).*/\1/' <<<"$pg_dump_version")
prefix=$(dump_prefix "$PGDATABASE")

# Free space: the newest dump's size with a quarter to spare, or half the database when there is none.
needed_bytes=$(psql_value --command "SELECT pg_database_size(current_database()) / 2")
newest_id=$(verified_ids "$BACKUP_DIR" "$prefix" | tail -n 1)
if [[ -n $newest_id ]] && newest_file=$(dump_file_of "$BACKUP_DIR" "$newest_id"); then
  needed_bytes=$(($(stat -c %s "$newest_file") * 5 / 4))
fi
free_bytes=$(($(df -P -k "$BACKUP_DIR" | awk 'NR == 2 { print $4 }') * 1024))
if ((free_bytes < needed_bytes)); then
  die "not enough free space for a dump" dir "$BACKUP_DIR" neededBytes "$needed_bytes" freeBytes "$free_bytes"
fi

started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
id="$prefix-$(date -u -d "$started_at" +%Y%m%dT%H%M%SZ)"
# pg_dump 16 and newer compress with zstd themselves; pg_dump 15 pipes an uncompressed dump to zstd,
# several times faster than its own zlib, and smaller.
if ((pg_dump_major >= 16)); then
  format="custom-zstd"
  final="$BACKUP_DIR/$id.dump"
else
  format="custom-zstd-pipe"
  final="$BACKUP_DIR/$id.dump.zst"
fi
[[ ! -e $final ]] || die "a dump of this second exists already" dump "$(basename "$final")"
partial="$final.partial"
errors=$(mktemp)
finished=false
cleanup() {
  [[ $finished == true ]] || rm -f -- "$partial" "$BACKUP_DIR/$id.sha256.partial" "$BACKUP_DIR/$id.json.partial"
  rm -f -- "$errors"
}
trap cleanup EXIT

log info "dump started" database "$PGDATABASE" serverVersion "$server_version" format "$format" dump "$(basename "$final")"
if [[ $format == "custom-zstd" ]]; then
  pg_dump --format=custom --compress="zstd:$ZSTD_LEVEL" --file="$partial" 2>"$errors" ||
    die "pg_dump failed" error "$(tail -c 2000 "$errors")"
else
  pg_dump --format=custom --compress=0 2>"$errors" | zstd --quiet --threads=0 "-$ZSTD_LEVEL" -o "$partial" ||
    die "pg_dump or zstd failed" error "$(tail -c 2000 "$errors")"
  sync -- "$partial"
fi

# Verify: the archive's table of contents must read back. (A write that failed has failed the pipe
# already; the checksum guards the file from here on, and the weekly restore check reads it all.)
if [[ $format == "custom-zstd" ]]; then
  toc=$(pg_restore --list "$partial" 2>"$errors") || die "the dump does not read back" error "$(tail -c 2000 "$errors")"
else
  # pg_restore stops reading after the table of contents, so zstd may see a closed pipe: only
  # pg_restore's status counts (pipefail is off in this subshell).
  toc=$(
    set +o pipefail
    zstd --quiet --decompress --stdout "$partial" 2>/dev/null | pg_restore --list 2>"$errors"
  ) ||
    die "the dump does not read back" error "$(tail -c 2000 "$errors")"
fi
table_data_entries=$(grep -c ' TABLE DATA ' <<<"$toc" || true)

sha256=$(file_sha256 "$partial")
size_bytes=$(stat -c %s "$partial")
finished_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# The manifest is built by the server, which escapes every value (psql interpolates :'name' from stdin,
# not from --command); `tables` records which tables had rows, for the restore check.
psql_value --set file="$(basename "$final")" --set server_version="$server_version" \
  --set pg_dump_version="$pg_dump_version" --set format="$format" --set started_at="$started_at" \
  --set finished_at="$finished_at" --set size_bytes="$size_bytes" --set sha256="$sha256" \
  --set table_data_entries="$table_data_entries" >"$BACKUP_DIR/$id.json.partial" <<'SQL'
SELECT json_build_object(
  'file', :'file', 'database', current_database(), 'serverVersion', :'server_version',
  'pgDumpVersion', :'pg_dump_version', 'format', :'format', 'startedAt', :'started_at',
  'finishedAt', :'finished_at', 'sizeBytes', :'size_bytes'::bigint, 'sha256', :'sha256',
  'tableDataEntries', :'table_data_entries'::int,
  'tables', coalesce((
    SELECT json_object_agg(format('%s.%s', table_schema, table_name), has_rows ORDER BY table_schema, table_name)
    FROM (
      SELECT table_schema, table_name,
        (xpath('/row/r/text()', query_to_xml(
          format('SELECT EXISTS (SELECT 1 FROM %I.%I) AS r', table_schema, table_name), false, true, '')))[1]::text::boolean AS has_rows
      FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
    ) AS t), '{}'::json))
SQL
printf '%s  %s\n' "$sha256" "$(basename "$final")" >"$BACKUP_DIR/$id.sha256.partial"

# Into place: the dump, its checksum, then the manifest that marks it verified.
mv -- "$partial" "$final"
mv -- "$BACKUP_DIR/$id.sha256.partial" "$BACKUP_DIR/$id.sha256"
mv -- "$BACKUP_DIR/$id.json.partial" "$BACKUP_DIR/$id.json"
sync -- "$BACKUP_DIR"
finished=true
log info "dump verified" dump "$(basename "$final")" sizeBytes "$size_bytes" sha256 "$sha256" \
  tableDataEntries "$table_data_entries" startedAt "$started_at" finishedAt "$finished_at"

# Retention, newest first: keep RETENTION_COUNT dumps younger than RETENTION_DAYS, and always the newest.
now=$(date -u +%s)
kept=0
while read -r old_id; do
  [[ -n $old_id ]] || continue
  age_days=$(((now - $(id_epoch "$old_id")) / 86400))
  if [[ $old_id == "$id" ]] || { ((kept < RETENTION_COUNT)) && ((age_days < RETENTION_DAYS)); }; then
    kept=$((kept + 1))
    continue
  fi
  # The manifest goes first: a dump without one is no longer offered for restore.
  rm -f -- "$BACKUP_DIR/$old_id.json" "$BACKUP_DIR/$old_id.sha256" "$BACKUP_DIR/$old_id.dump" "$BACKUP_DIR/$old_id.dump.zst"
  log info "deleted by retention" dump "$old_id" ageDays "$age_days"
done < <(verified_ids "$BACKUP_DIR" "$prefix" | sort -r)
log info "backup finished" dump "$(basename "$final")" keptDumps "$kept"
