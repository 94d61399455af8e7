#!/usr/bin/env bash
# Before a deployment: every image the plan pins must carry a cosign signature made by this
# repository's images.yml, on main, develop or a v* tag (keyless: a Fulcio certificate for the
# workflow's GitHub OIDC identity, logged in Rekor). deploy.yml's plan job runs it after the
# plan, so an unsigned or foreign digest stops the run before anyone approves it.
#
#   IMAGE_DIGESTS='{"loan-api":"sha256:…",…}' scripts/ci/verify-images.sh REGISTRY
#
# REGISTRY is <host>/<namespace> the services pull from: image_registry in the plan's
# summary.json (scripts/ci/terraform-deploy.sh). An ECR host is logged in to first with the
# current AWS credentials (the plan role reads ECR). GITHUB_REPOSITORY (owner/name) names the
# signer; GITHUB_SERVER_URL defaults to https://github.com. Needs cosign, jq, docker, aws.
set -euo pipefail

[[ $# -eq 1 && -n "$1" ]] || { echo "usage: $0 REGISTRY (host/namespace)" >&2; exit 2; }
registry=${1%/}
: "${IMAGE_DIGESTS:?a JSON object: service -> sha256 digest}"
repository=${GITHUB_REPOSITORY:?owner/name of the repository whose images.yml signs the images}
server=${GITHUB_SERVER_URL:-https://github.com}

# The certificate's subject is the workflow file at the ref it ran on, for example
# https://github.com/octo/lending/.github/workflows/images.yml@refs/heads/main.
# shellcheck disable=SC2001 # one bracket expression; ${var//} would need a pass per character
escape() { sed 's/[][\.*^$?+(){}|]/\\&/g' <<<"$1"; }
identity="^$(escape "$server/$repository")/\.github/workflows/images\.yml@refs/(heads/(main|develop)|tags/v[^/]+)\$"
issuer=https://token.actions.githubusercontent.com

host=${registry%%/*}
if [[ "$host" =~ ^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$ ]]; then
    aws ecr get-login-password --region "${BASH_REMATCH[1]}" |
        docker login --username AWS --password-stdin "$host" >/dev/null
fi

failed=0
for service in loan-api portfolio-api gateway web; do
    digest=$(jq -r --arg s "$service" '.[$s] // empty' <<<"$IMAGE_DIGESTS")
    if [[ ! "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
        echo "verify-images: no digest for $service" >&2
        failed=1
        continue
    fi
    image="$registry/$service@$digest"
    if cosign verify --certificate-identity-regexp "$identity" --certificate-oidc-issuer "$issuer" \
        "$image" >/dev/null 2>"${TMPDIR:-/tmp}/cosign-$service.err"; then
        echo "verify-images: $service ok      $image"
    else
        echo "verify-images: $service FAILED  $image: not signed by $repository's images.yml on main, develop or a v* tag" >&2
        sed 's/^/    /' "${TMPDIR:-/tmp}/cosign-$service.err" >&2
        failed=1
    fi
    rm -f "${TMPDIR:-/tmp}/cosign-$service.err"
done
exit $failed
