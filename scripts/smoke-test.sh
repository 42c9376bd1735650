#!/usr/bin/env bash
# Checks that a backend serves: waits for readiness, then checks the health report, a lead round trip
# with the API token, and the metrics. Exits 0 when all pass, 1 naming the first failure, 2 on bad
# arguments.
#
#   smoke-test.sh <backend-url> [--timeout SECONDS] [--request-timeout SECONDS]
#
#   <backend-url>          the backend itself (e.g. http://127.0.0.1:3000 through kubectl port-forward):
#                          /health and /metrics are not reachable through the Ingress
#   --timeout SECONDS      how long to wait for readiness in all (default 120)
#   --request-timeout S    the limit of each request (default 10)
#
# The API token comes from API_TOKEN. The lead it creates is named "smoke test" with an address under
# leadms.invalid, and is marked lost at the end so it never counts as an open lead.
set -euo pipefail

usage() {
  sed -n '6,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
fail() {
  echo "smoke-test: FAILED: $*" >&2
  exit 1
}

url="" timeout=120 request_timeout=10
while (($# > 0)); do
  case $1 in
    --timeout) timeout=${2:-} && shift ;;
    --request-timeout) request_timeout=${2:-} && shift ;;
    -h | --help) usage ;;
    -*) echo "smoke-test: unknown option $1" >&2 && usage ;;
    *)
      [[ -z $url ]] || { echo "smoke-test: one URL only, got $url and $1" >&2 && usage; }
      url=${1%/}
      ;;
  esac
  shift
done
[[ $url =~ ^https?://[^/]+$ ]] || { echo "smoke-test: the backend URL must be http(s)://host[:port], got \"$url\"" >&2 && usage; }
[[ $timeout =~ ^[1-9][0-9]{0,4}$ ]] || { echo "smoke-test: --timeout must be a number of seconds, got \"$timeout\"" >&2 && usage; }
[[ $request_timeout =~ ^[1-9][0-9]{0,3}$ ]] ||
  { echo "smoke-test: --request-timeout must be a number of seconds, got \"$request_timeout\"" >&2 && usage; }
[[ -n ${API_TOKEN:-} ]] || { echo "smoke-test: API_TOKEN must hold the API token" >&2 && usage; }

body=$(mktemp)
trap 'rm -f "$body"' EXIT

# request METHOD PATH [DATA]: prints the status code; the body goes to $body.
request() {
  local args=(--silent --show-error --max-time "$request_timeout" --output "$body" --write-out '%{http_code}' -X "$1")
  [[ $2 == /api/leads* ]] && args+=(-H "authorization: Bearer $API_TOKEN")
  [[ -n ${3:-} ]] && args+=(-H "content-type: application/json" --data "$3")
  curl "${args[@]}" "$url$2" 2>/dev/null || echo "000"
}
# The value of the first string field of that name in the JSON body (the top-level one, which the
# backend writes first).
field() {
  { grep -o "\"$1\":\"[^\"]*\"" "$body" || true; } | head -n 1 | sed 's/.*:"\(.*\)"/\1/'
}

deadline=$((SECONDS + timeout))
attempt=0
until [[ $(request GET /health/ready) == 200 ]]; do
  attempt=$((attempt + 1))
  ((SECONDS < deadline)) || fail "not ready within ${timeout}s ($attempt attempts): $(head -c 300 "$body" 2>/dev/null)"
  sleep "$((attempt < 5 ? 1 : 3))"
done
echo "smoke-test: ready after $attempt retries" >&2

status=$(request GET /health)
[[ $status == 200 ]] || fail "GET /health answered $status: $(head -c 300 "$body")"
health=$(field status)
[[ $health == healthy || $health == degraded ]] || fail "GET /health reports \"$health\""
echo "smoke-test: health $health" >&2

email="smoke+$(date -u +%Y%m%d%H%M%S)-$RANDOM@leadms.invalid"
status=$(request POST /api/leads "{\"name\":\"smoke test\",\"email\":\"$email\",\"source\":\"other\"}")
[[ $status == 201 ]] || fail "creating a lead answered $status: $(head -c 300 "$body")"
id=$(field id)
[[ -n $id ]] || fail "the created lead has no id: $(head -c 300 "$body")"
status=$(request GET "/api/leads/$id")
[[ $status == 200 ]] || fail "reading lead $id answered $status"
[[ $(field email) == "$email" ]] || fail "lead $id came back with another email: $(head -c 300 "$body")"
status=$(request PATCH "/api/leads/$id/status" '{"status":"lost"}')
[[ $status == 200 ]] || fail "closing lead $id answered $status"
echo "smoke-test: lead round trip ok ($id)" >&2

status=$(request GET /metrics)
[[ $status == 200 ]] || fail "GET /metrics answered $status"
grep -q '^leadms_build_info{' "$body" || fail "GET /metrics has no leadms_build_info"
echo "smoke-test: metrics ok" >&2
echo "smoke-test: passed" >&2
