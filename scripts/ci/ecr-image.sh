#!/usr/bin/env bash
# Is this commit's image already in ECR? images.yml asks before it pushes. ECR tags are
# immutable, so pushing a SHA tag that exists fails: a re-run of the workflow, or the same
# commit reaching main after develop (a fast-forward merge), would otherwise break at the push.
# When the image exists it is reused as it is: same digest, same signature, nothing rebuilt.
#
#   scripts/ci/ecr-image.sh REPOSITORY SHA [TAG...]
#
# REPOSITORY is the ECR repository name (lending/web) in the current account and region.
# When SHA is a tag there, prints `digest=sha256:…` (a GITHUB_OUTPUT line) and gives the same
# image each further TAG it lacks (a release version on a v* tag push) by putting its manifest
# under that tag, which moves no layers; a TAG already on another image fails. When SHA is not
# there, prints nothing. Any other error (credentials, permissions) fails.
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 REPOSITORY SHA [TAG...]" >&2; exit 2; }
repository=$1
sha=$2
shift 2

# digest_of TAG: the digest TAG names, or nothing when the tag does not exist.
digest_of() {
    local out
    if out=$(aws ecr describe-images --repository-name "$repository" --image-ids "imageTag=$1" \
        --query 'imageDetails[0].imageDigest' --output text 2>&1); then
        echo "$out"
    elif [[ "$out" == *ImageNotFoundException* ]]; then
        return 0
    else
        echo "ecr-image: describe-images $repository:$1 failed: $out" >&2
        return 1
    fi
}

digest=$(digest_of "$sha")
[[ -n "$digest" ]] || exit 0
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "ecr-image: unexpected digest for $repository:$sha: $digest" >&2; exit 1; }
echo "ecr-image: $repository:$sha exists ($digest); reusing it instead of pushing again" >&2

for tag in "$@"; do
    [[ "$tag" == "$sha" ]] && continue
    existing=$(digest_of "$tag")
    if [[ "$existing" == "$digest" ]]; then
        continue
    elif [[ -n "$existing" ]]; then
        echo "ecr-image: $repository:$tag already names $existing, not $digest; tags are immutable" >&2
        exit 1
    fi
    manifest=$(aws ecr batch-get-image --repository-name "$repository" --image-ids "imageDigest=$digest" \
        --accepted-media-types \
        application/vnd.oci.image.index.v1+json \
        application/vnd.docker.distribution.manifest.list.v2+json \
        application/vnd.oci.image.manifest.v1+json \
        application/vnd.docker.distribution.manifest.v2+json \
        --output json)
    aws ecr put-image --repository-name "$repository" --image-tag "$tag" \
        --image-manifest "$(jq -r '.images[0].imageManifest' <<<"$manifest")" \
        --image-manifest-media-type "$(jq -r '.images[0].imageManifestMediaType' <<<"$manifest")" >/dev/null
    echo "ecr-image: tagged $repository@$digest as $tag" >&2
done

echo "digest=$digest"
