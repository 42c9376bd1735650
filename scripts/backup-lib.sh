# shellcheck shell=bash
# Shared by backup-database.sh, restore-database.sh and verify-backup.sh (sourced, never run): JSON log
# lines on stdout, and how dumps are named and found in the backup directory.
#
# A dump is three files, named after the database and the UTC time the dump started:
#   <database>-<YYYYmmddTHHMMSSZ>.dump      custom format, zstd-compressed by pg_dump 16 and newer ("custom-zstd")
#   <database>-<YYYYmmddTHHMMSSZ>.dump.zst  custom format, uncompressed, piped through zstd by pg_dump 15 ("custom-zstd-pipe")
#   <database>-<...>.sha256                 sha256sum of the dump file
#   <database>-<...>.json                   manifest; written last, so its presence marks a verified dump

SCRIPT_NAME=${SCRIPT_NAME:-$(basename "$0")}

# A value as a JSON string: backslash, quote and control characters escaped or dropped.
json_string() {
  local value=$1
  value=${value//\\/\\\\}
  value=${value//\"/\\\"}
  value=${value//$'\n'/\\n}
  value=${value//$'\r'/\\r}
  value=${value//$'\t'/\\t}
  printf '"%s"' "$(printf '%s' "$value" | tr -d '\000-\010\013\014\016-\037')"
}

# log LEVEL MESSAGE [KEY VALUE]...: one JSON object per line; integer values are written as numbers.
log() {
  local level=$1 message=$2 line
  shift 2
  line="{\"time\":$(json_string "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"),\"level\":$(json_string "$level")"
  line+=",\"script\":$(json_string "$SCRIPT_NAME"),\"msg\":$(json_string "$message")"
  while (($# >= 2)); do
    if [[ $2 =~ ^-?[0-9]{1,18}$ ]]; then
      line+=",$(json_string "$1"):$2"
    else
      line+=",$(json_string "$1"):$(json_string "$2")"
    fi
    shift 2
  done
  printf '%s}\n' "$line"
}

# die MESSAGE [KEY VALUE]...: logs an error and exits 1 (EXIT traps still clean up).
die() {
  log error "$@"
  exit 1
}

# require_integer NAME VALUE MIN: a setting that must be an integer of at least MIN.
require_integer() {
  if ! [[ $2 =~ ^[0-9]{1,9}$ ]] || (($2 < $3)); then
    die "$1 must be an integer >= $3, got \"$2\"" setting "$1"
  fi
}

# The prefix of every dump of a database: its name with anything but letters, digits, _ and - replaced.
dump_prefix() {
  printf '%s' "${1//[^A-Za-z0-9_-]/_}"
}

# The dump file of an id (`<prefix>-<timestamp>`), whichever format it was written in.
dump_file_of() {
  local dir=$1 id=$2
  if [[ -f $dir/$id.dump ]]; then
    printf '%s' "$dir/$id.dump"
  elif [[ -f $dir/$id.dump.zst ]]; then
    printf '%s' "$dir/$id.dump.zst"
  else
    return 1
  fi
}

# Ids of the verified dumps of a database prefix in a directory, oldest first.
verified_ids() {
  local dir=$1 prefix=$2 manifest
  for manifest in "$dir/$prefix"-????????T??????Z.json; do
    [[ -f $manifest ]] || continue
    basename "$manifest" .json
  done | sort
}

# The timestamp in an id as seconds since the epoch.
id_epoch() {
  local stamp=${1##*-}
  date -u -d "${stamp:0:4}-${stamp:4:2}-${stamp:6:2}T${stamp:9:2}:${stamp:11:2}:${stamp:13:2}Z" +%s
}

# The sha256 of a file, in hex. OpenSSL uses the CPU's SHA instructions (about three times faster
# than sha256sum here); sha256sum stands in where openssl is not installed.
file_sha256() {
  if command -v openssl >/dev/null; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    sha256sum "$1" | cut -d ' ' -f 1
  fi
}

# Checks a dump against its .sha256; logs and returns 1 on a mismatch or a missing checksum.
verify_checksum() {
  local file=$1 dir name id expected
  dir=$(dirname "$file")
  name=$(basename "$file")
  id=${name%.zst}
  id=${id%.dump}
  if [[ ! -f $dir/$id.sha256 ]]; then
    log error "no checksum file for the dump" dump "$name"
    return 1
  fi
  expected=$(cut -d ' ' -f 1 "$dir/$id.sha256")
  if [[ $(file_sha256 "$file") != "$expected" ]]; then
    log error "checksum mismatch: the dump is corrupt" dump "$name"
    return 1
  fi
  log info "checksum verified" dump "$name"
}
