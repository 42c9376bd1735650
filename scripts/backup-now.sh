#!/usr/bin/env bash
# Starts a backup now from the stack's postgres-backup CronJob, follows its logs and exits with the
# job's result.
#
#   backup-now.sh <stack> [--timeout SECONDS] [--dry-run]
#
#   <stack>            the Pulumi stack; the job runs in the namespace leadms-<stack>
#   --timeout SECONDS  how long to wait for the job to finish (default 3600)
#   --dry-run          print the kubectl commands instead of running them
#
# kubectl uses the current context (or KUBECONFIG); exit 0 when the job completes, 1 when it fails
# or does not finish in time, 2 on bad arguments. BACKUP_NOW_POLL_SECONDS sets how often the job's
# state is checked once its logs end (default 5).
set -euo pipefail

usage() {
  sed -n '5,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
fail() {
  echo "backup-now: $*" >&2
  exit 1
}

stack="" timeout=3600 dry_run=false
while (($# > 0)); do
  case $1 in
    --timeout) timeout=${2:-} && shift ;;
    --dry-run) dry_run=true ;;
    -h | --help) usage ;;
    -*) echo "backup-now: unknown option $1" >&2 && usage ;;
    *)
      [[ -z $stack ]] || { echo "backup-now: one stack only, got $stack and $1" >&2 && usage; }
      stack=$1
      ;;
  esac
  shift
done
[[ -n $stack ]] || { echo "backup-now: name the stack, e.g. backup-now.sh staging" >&2 && usage; }
[[ $stack =~ ^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$ ]] ||
  { echo "backup-now: \"$stack\" is not a stack name (lower-case letters, digits and -)" >&2 && usage; }
[[ $timeout =~ ^[1-9][0-9]{0,5}$ ]] || { echo "backup-now: --timeout must be a number of seconds, got \"$timeout\"" >&2 && usage; }

poll=${BACKUP_NOW_POLL_SECONDS:-5}
[[ $poll =~ ^[1-9][0-9]{0,3}$ ]] || { echo "backup-now: BACKUP_NOW_POLL_SECONDS must be a number of seconds, got \"$poll\"" >&2 && usage; }
namespace="leadms-$stack"
job="postgres-backup-manual-$(date -u +%Y%m%d-%H%M%S)"

if [[ $dry_run == true ]]; then
  echo "kubectl --namespace $namespace create job $job --from=cronjob/postgres-backup"
  echo "kubectl --namespace $namespace logs --follow --pod-running-timeout=${timeout}s job/$job"
  echo "kubectl --namespace $namespace get job $job --output jsonpath={.status.conditions[*].type}"
  exit 0
fi

kubectl --namespace "$namespace" create job "$job" --from=cronjob/postgres-backup >&2
echo "backup-now: started job $job in $namespace" >&2
deadline=$((SECONDS + timeout))

# Follow the logs until the container ends; a failed attempt is retried by the job (backoffLimit), so
# follow again until the job reaches a final condition.
while :; do
  remaining=$((deadline - SECONDS))
  ((remaining > 0)) || fail "job $job did not finish within ${timeout}s; it keeps running: kubectl --namespace $namespace get job $job"
  kubectl --namespace "$namespace" logs --follow --pod-running-timeout="${remaining}s" "job/$job" || true
  conditions=$(kubectl --namespace "$namespace" get job "$job" --output 'jsonpath={.status.conditions[*].type}')
  case " $conditions " in
    *" Complete "*)
      echo "backup-now: job $job completed" >&2
      exit 0
      ;;
    *" Failed "*) fail "job $job failed; see: kubectl --namespace $namespace describe job $job" ;;
  esac
  sleep "$poll"
done
