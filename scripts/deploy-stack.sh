#!/usr/bin/env bash
# Deploys prebuilt images to a stack, smoke-tests the backend, and rolls back to the stack's last good
# images when the rollout or the smoke test fails. Called by .github/workflows/deploy.yml.
#
# A stack whose backend.deployment.strategy is "blue-green" instead deploys the new backend to the idle
# colour, smoke-tests that colour through its own Service, and only then moves traffic to it; when the
# switched release fails its smoke test, traffic goes back to the colour that still runs the old one.
#
#   deploy-stack.sh <stack> <backend-image> <frontend-image>
#
#   <backend-image>, <frontend-image>  references pinned by @sha256 digest
#
# Needs pulumi (logged in) and kubectl (KUBECONFIG) on PATH. After a good deploy the images are recorded
# in the stack tag `leadms-last-good-images`; a rollback deploys those again. DEPLOY_BACKEND_URL skips
# the port-forward and smoke-tests that URL instead; DEPLOY_SMOKE_TIMEOUT bounds each smoke test
# (seconds, default 180). Exits 0 when the new release passed, 1 when it was
# rolled back (or could not be), 2 on bad arguments.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly LAST_GOOD_TAG="leadms-last-good-images"
readonly PINNED='^[a-z0-9][a-z0-9._/:-]*@sha256:[a-f0-9]{64}$'

usage() {
  sed -n '5,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
note() { echo "deploy-stack: $*" >&2; }
# A GitHub Actions error annotation, and a plain line everywhere else.
fail() {
  echo "::error title=deploy $stack::$*"
  note "FAILED: $*"
  exit 1
}

(($# == 3)) || usage
stack=$1 backend=$2 frontend=$3
[[ $stack =~ ^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$ ]] || { note "\"$stack\" is not a stack name" && usage; }
[[ $backend =~ $PINNED ]] || { note "the backend image must be pinned by digest, got \"$backend\"" && usage; }
[[ $frontend =~ $PINNED ]] || { note "the frontend image must be pinned by digest, got \"$frontend\"" && usage; }
namespace="leadms-$stack"

# apply BACKEND FRONTEND: points the stack at the images and runs pulumi up.
apply() {
  pulumi config set --stack "$stack" --path images.mode prebuilt
  pulumi config set --stack "$stack" --path images.backend "$1"
  pulumi config set --stack "$stack" --path images.frontend "$2"
  pulumi up --stack "$stack" --yes --skip-preview --policy-pack policy
}

# smoke DEPLOYMENT SERVICE: waits for the Deployment's rollout, then runs the smoke test through the
# Service (a port-forward), or against DEPLOY_BACKEND_URL when that is set.
smoke() {
  local deployment=$1 service=$2 url=${DEPLOY_BACKEND_URL:-} forward="" status=0
  if [[ -z $url ]]; then
    kubectl --namespace "$namespace" rollout status "deployment/$deployment" --timeout=300s || return 1
    kubectl --namespace "$namespace" port-forward "service/$service" 18080:80 >/dev/null 2>&1 &
    forward=$!
    url="http://127.0.0.1:18080"
  fi
  API_TOKEN=$(kubectl --namespace "$namespace" get secret backend-api -o 'jsonpath={.data.API_TOKEN}' | base64 -d) \
    "$SCRIPT_DIR/smoke-test.sh" "$url" --timeout "${DEPLOY_SMOKE_TIMEOUT:-180}" || status=$?
  if [[ -n $forward ]]; then
    # Gone before the next smoke test forwards the same local port.
    kill "$forward" 2>/dev/null || true
    wait "$forward" 2>/dev/null || true
  fi
  return "$status"
}

strategy=$(pulumi config get --stack "$stack" --path backend.deployment.strategy 2>/dev/null || echo rolling)
if [[ $strategy == blue-green ]]; then
  active=$(pulumi config get --stack "$stack" --path backend.deployment.active)
  idle=$([[ $active == blue ]] && echo green || echo blue)
  switch() {
    pulumi config set --stack "$stack" --path backend.deployment.active "$1"
    pulumi up --stack "$stack" --yes --skip-preview --policy-pack policy
  }
  note "blue-green: deploying $backend to $idle while $active serves"
  # A colour without an image of its own runs the release image: pin the serving one before that changes.
  serving=$(pulumi config get --stack "$stack" --path "backend.deployment.images.$active" 2>/dev/null || true)
  if [[ -z $serving || $serving == null ]]; then
    serving=$(pulumi config get --stack "$stack" --path images.backend)
    pulumi config set --stack "$stack" --path "backend.deployment.images.$active" "$serving"
  fi
  pulumi config set --stack "$stack" --path "backend.deployment.images.$idle" "$backend"
  apply "$backend" "$frontend" || fail "the release did not roll out to $idle; traffic stays on $active"
  smoke "backend-$idle" "backend-$idle" || fail "$idle failed its smoke test; traffic stays on $active"
  if switch "$idle" && smoke "backend-$idle" backend; then
    pulumi stack tag set "$LAST_GOOD_TAG" "$backend $frontend" --stack "$stack"
    note "$stack serves the new release from $idle; $active keeps the previous one for a rollback"
    exit 0
  fi
  switch "$active" || fail "the switched release failed and switching back to $active failed too: $stack needs a person now"
  fail "the release failed after the switch; traffic is back on $active"
fi

last_good=$(pulumi stack tag get "$LAST_GOOD_TAG" --stack "$stack" 2>/dev/null || true)
note "deploying $backend and $frontend to $stack (last good: ${last_good:-none})"
if apply "$backend" "$frontend" && smoke backend backend; then
  pulumi stack tag set "$LAST_GOOD_TAG" "$backend $frontend" --stack "$stack"
  note "$stack runs the new release"
  exit 0
fi

[[ -n $last_good ]] || fail "the release failed and $stack has no last good release to roll back to"
read -r good_backend good_frontend <<<"$last_good"
note "the release failed: rolling $stack back to $good_backend $good_frontend"
if apply "$good_backend" "$good_frontend" && smoke backend backend; then
  fail "the release failed; $stack was rolled back to the last good release"
fi
fail "the release failed and so did the rollback: $stack needs a person now"
