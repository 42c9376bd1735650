#!/usr/bin/env bash
# Builds the backend and frontend images once, pushes them, and prints each as a reference pinned by
# digest, one `name=reference` line each (the format of $GITHUB_OUTPUT). Called by deploy.yml.
#
#   build-images.sh <repository> <tag>
#
#   <repository>  registry path the images go under, e.g. ghcr.io/acme/leadms
#   <tag>         the commit the images are built from; never "latest"
#
# docker must be logged in to the registry.
set -euo pipefail

usage() {
  sed -n '5,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
(($# == 2)) || usage
repository=$1 tag=$2
[[ $repository =~ ^[a-z0-9][a-z0-9._/:-]*[a-z0-9]$ ]] || { echo "build-images: \"$repository\" is not a registry path" >&2 && usage; }
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ && $tag != latest ]] ||
  { echo "build-images: \"$tag\" is not a tag this platform uses (and never latest)" >&2 && usage; }
cd "$(dirname "$0")/.."

for app in backend frontend; do
  image="$repository/$app:$tag"
  docker build --file "app/$app/Dockerfile" --tag "$image" --label "org.opencontainers.image.revision=$tag" . >&2
  docker push "$image" >&2
  digest=$(docker inspect --format '{{index .RepoDigests 0}}' "$image")
  [[ $digest == *@sha256:* ]] || { echo "build-images: no digest for $image after the push" >&2 && exit 1; }
  echo "$app=$digest"
done
