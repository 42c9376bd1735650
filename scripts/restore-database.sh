#!/usr/bin/env bash
# Restores a dump written by backup-database.sh into a database, after checking its checksum.
#
#   restore-database.sh --target DB [--dump FILE] [--force] [--dry-run] [--jobs N]
#
#   --target DB    the database to restore into; created when it does not exist
#   --dump FILE    a dump file, as a path or a name in BACKUP_DIR; the newest verified dump by default
#   --force        restore into a database that already has tables (dropping what the dump recreates)
#   --dry-run      check everything and say what would be done, change nothing
#   --jobs N       parallel restore jobs (default 2)
#
# The connection comes from the standard PG* variables; PGDATABASE is not used. Restores run with
# --no-owner --no-acl, so the restoring user owns what is restored. Prints each table's row count at
# the end.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/backup-lib.sh
source "$SCRIPT_DIR/backup-lib.sh"

usage() {
  sed -n '4,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

target="" dump="" force=false dry_run=false jobs=2
while (($# > 0)); do
  case $1 in
    --target) target=${2:-} && shift ;;
    --dump) dump=${2:-} && shift ;;
    --force) force=true ;;
    --dry-run) dry_run=true ;;
    --jobs) jobs=${2:-} && shift ;;
    -h | --help) usage ;;
    *) log error "unknown argument" argument "$1" && usage ;;
  esac
  shift
done
[[ -n $target ]] || { log error "--target must name the database to restore into" && usage; }
require_integer --jobs "$jobs" 1
BACKUP_DIR=${BACKUP_DIR:-}

# Which dump: a path, a name in BACKUP_DIR, or the newest verified one there.
if [[ -z $dump ]]; then
  [[ -n $BACKUP_DIR ]] || die "BACKUP_DIR must be set to find the newest dump (or pass --dump FILE)"
  # The newest verified dump of any database in the directory.
  latest=$(find "$BACKUP_DIR" -maxdepth 1 -name '*-????????T??????Z.json' -printf '%f\n' |
    sed -E 's/^(.*)-([0-9]{8}T[0-9]{6}Z)\.json$/\2 \1-\2/' | sort | tail -n 1 | cut -d ' ' -f 2)
  [[ -n $latest ]] || die "no verified dump in BACKUP_DIR" dir "$BACKUP_DIR"
  dump=$(dump_file_of "$BACKUP_DIR" "$latest") || die "the newest manifest has no dump file" dump "$latest"
elif [[ ! -f $dump && -n $BACKUP_DIR && -f $BACKUP_DIR/$dump ]]; then
  dump="$BACKUP_DIR/$dump"
fi
[[ -f $dump ]] || die "no such dump file" dump "$dump"
case $dump in
  *.dump) compressed_by=pg_dump ;;
  *.dump.zst) compressed_by=zstd ;;
  *) die "not a dump written by backup-database.sh (.dump or .dump.zst)" dump "$dump" ;;
esac

verify_checksum "$dump" || die "refusing to restore a dump that fails its checksum" dump "$(basename "$dump")"

psql_admin() {
  psql --no-psqlrc --quiet --tuples-only --no-align --set ON_ERROR_STOP=1 --dbname=postgres "$@"
}
exists=$(psql_admin --set target="$target" <<<"SELECT count(*) FROM pg_database WHERE datname = :'target'")
tables=0
if ((exists == 1)); then
  tables=$(psql --no-psqlrc --quiet --tuples-only --no-align --dbname="$target" --command \
    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
  if ((tables > 0)) && [[ $force != true ]]; then
    die "the target database has tables; pass --force to restore over them" target "$target" tables "$tables"
  fi
fi

if [[ $dry_run == true ]]; then
  log info "dry run: would restore" dump "$(basename "$dump")" target "$target" \
    createDatabase "$([[ $exists == 1 ]] && echo no || echo yes)" existingTables "$tables" jobs "$jobs" \
    cleanFirst "$force"
  exit 0
fi

errors=$(mktemp)
scratch=""
cleanup() { rm -f -- "$errors" ${scratch:+"$scratch"}; }
trap cleanup EXIT

started=$(date +%s)
# Decompressed before anything changes, so a damaged stream stops the restore with nothing done.
if [[ $compressed_by == zstd ]]; then
  # Parallel restore needs a seekable archive: decompress to a file first (into TMPDIR).
  scratch=$(mktemp "${TMPDIR:-/tmp}/restore-XXXXXX.dump")
  zstd --quiet --decompress --force -o "$scratch" "$dump" 2>"$errors" ||
    die "the dump does not decompress" dump "$(basename "$dump")" error "$(tail -c 2000 "$errors")"
  archive=$scratch
else
  archive=$dump
fi

if ((exists == 0)); then
  psql_admin --set target="$target" <<<'CREATE DATABASE :"target"'
  log info "created the target database" target "$target"
fi

options=(--dbname="$target" --no-owner --no-acl --exit-on-error "--jobs=$jobs")
[[ $force == true ]] && options+=(--clean --if-exists)
log info "restore started" dump "$(basename "$dump")" target "$target" jobs "$jobs"
pg_restore "${options[@]}" "$archive" 2>"$errors" ||
  die "pg_restore failed" target "$target" error "$(tail -c 2000 "$errors")"
log info "restore finished" target "$target" seconds "$(($(date +%s) - started))"

# Exact row counts of every table, one log line each.
psql --no-psqlrc --quiet --tuples-only --no-align --field-separator=' ' --dbname="$target" --command "
  SELECT format('%s.%s', table_schema, table_name),
    (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
  FROM information_schema.tables
  WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
  ORDER BY 1" | while read -r table rows; do
  log info "row count" target "$target" table "$table" rows "$rows"
done
