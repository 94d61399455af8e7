#!/usr/bin/env bash
# Plans and applies one environment of infra/ with the images a pipeline run produced. deploy.yml
# runs it; with AWS credentials for the environment a person can run the same thing:
#
#   IMAGE_TAG=<git sha> IMAGE_DIGESTS='{"loan-api":"sha256:…",…}' \
#     scripts/ci/terraform-deploy.sh plan staging      # writes target/deploy/staging/: tfplan,
#                                                      # plan.txt, summary.md, summary.json
#   scripts/ci/terraform-deploy.sh apply staging      # applies exactly that saved plan
#   scripts/ci/terraform-deploy.sh outputs staging    # terraform output -json (scripts/ci/ecs.sh)
#
# Environments are the GitHub environments deploy.yml deploys, each mapped to its Terraform root
# (the same map as infra/bootstrap's deploy_environments): staging -> infra/envs/staging,
# production -> infra/envs/prod. TF_ENV_DIR overrides the root; the plan and its inputs go to
# target/deploy/<environment> (PLAN_DIR overrides).
#
# The images reach Terraform as variables, in images.tfvars.json beside the plan: image_tag (the
# commit SHA every image is tagged with) and image_overrides, which pins each ECS service
# (loan-api, portfolio-api, gateway, web) to the digest CI pushed, so what runs is exactly what
# was scanned and signed. DEPLOYMENT_STRATEGY (rolling|canary), when set, is passed as
# deployment_strategy; otherwise the environment's terraform.tfvars decides.
#
# A plan that deletes an ECS service (a deployment_strategy switch replaces web and gateway) is
# refused unless ALLOW_SERVICE_REPLACEMENT=1: that is a maintenance-window change, never a
# side effect of a routine deployment.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() { echo "usage: $0 plan|apply|outputs staging|production" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
action=$1
environment=$2
case "$environment" in
    staging) dir=${TF_ENV_DIR:-infra/envs/staging} ;;
    production) dir=${TF_ENV_DIR:-infra/envs/prod} ;;
    *) usage ;;
esac
[[ -d "$dir" ]] || { echo "terraform-deploy: no Terraform root at $dir" >&2; exit 1; }
out=${PLAN_DIR:-target/deploy/$environment}
[[ "$out" == /* ]] || out=$PWD/$out

tf() { terraform -chdir="$dir" "$@"; }

init() {
    tf init -input=false -no-color -backend-config=backend.hcl >/dev/null
}

plan() {
    : "${IMAGE_TAG:?the commit SHA the images are tagged with}"
    : "${IMAGE_DIGESTS:?a JSON object: ECS service -> sha256 digest}"
    [[ "$IMAGE_TAG" =~ ^[0-9a-f]{40}$ ]] || { echo "terraform-deploy: IMAGE_TAG is not a commit SHA: $IMAGE_TAG" >&2; exit 1; }
    local services='["loan-api","portfolio-api","gateway","web"]'
    # Every ECS service needs a well-formed digest; the nginx images are not ECS services.
    jq -e --argjson services "$services" '
        type == "object" and all($services[] as $s | .[$s]; type == "string" and test("^sha256:[0-9a-f]{64}$"))
    ' <<<"$IMAGE_DIGESTS" >/dev/null || {
        echo "terraform-deploy: IMAGE_DIGESTS must map each of $services to sha256:<64 hex>: $IMAGE_DIGESTS" >&2
        exit 1
    }
    mkdir -p "$out"
    jq -n --arg tag "$IMAGE_TAG" --argjson digests "$IMAGE_DIGESTS" --argjson services "$services" \
        --arg strategy "${DEPLOYMENT_STRATEGY:-}" '
        {image_tag: $tag, image_overrides: ($digests | with_entries(select(.key as $k | $services | index($k))))}
        + (if $strategy == "" then {} else {deployment_strategy: $strategy} end)
    ' >"$out/images.tfvars.json"
    echo "terraform-deploy: $environment ($dir) with"
    cat "$out/images.tfvars.json"

    init
    tf plan -input=false -no-color -lock-timeout=5m -var-file="$out/images.tfvars.json" -out="$out/tfplan"
    tf show -no-color "$out/tfplan" >"$out/plan.txt"
    summarize
}

# From the saved plan's JSON: the resource-change counts (summary.md, for the job summary; the
# full plan stays in plan.txt and the artifact), the registry the services will pull from
# (summary.json, for scripts/ci/verify-images.sh), and the refusal to delete ECS services. The
# JSON holds sensitive values in clear, so it never lands beside the plan.
plan_json=""
trap 'rm -f "$plan_json"' EXIT
summarize() {
    local json
    plan_json=$(mktemp)
    json=$plan_json
    tf show -json "$out/tfplan" >"$json"
    jq '{
        image_registry: (.planned_values.outputs.image_registry.value // null),
        changes: ([.resource_changes[]? | .change.actions
            | if . == ["create"] then "create"
              elif . == ["update"] then "update"
              elif . == ["delete"] then "delete"
              elif (index("delete") != null and index("create") != null) then "replace"
              else empty end]
            | reduce .[] as $a ({create: 0, update: 0, replace: 0, delete: 0}; .[$a] += 1)),
        deleted_services: [.resource_changes[]? | select(.type == "aws_ecs_service" and (.change.actions | index("delete") != null)) | .address]
    }' "$json" >"$out/summary.json"
    jq -r --arg env "$environment" --arg tag "$IMAGE_TAG" '
        "### Terraform plan: \($env), images \($tag)",
        "",
        "| create | update | replace | destroy |",
        "| ---: | ---: | ---: | ---: |",
        "| \(.changes.create) | \(.changes.update) | \(.changes.replace) | \(.changes.delete) |",
        "",
        "The full plan is plan.txt in the run'"'"'s tfplan-\($env) artifact."
    ' "$out/summary.json" >"$out/summary.md"
    cat "$out/summary.md"

    local deleted
    mapfile -t deleted < <(jq -r '.deleted_services[]' "$out/summary.json")
    if [[ ${#deleted[@]} -gt 0 ]]; then
        if [[ "${ALLOW_SERVICE_REPLACEMENT:-}" == 1 ]]; then
            echo "terraform-deploy: this plan deletes ECS services (allowed by ALLOW_SERVICE_REPLACEMENT=1): ${deleted[*]}"
        else
            {
                echo "terraform-deploy: refusing a plan that deletes ECS services:"
                printf '  %s\n' "${deleted[@]}"
                echo "A routine deployment never deletes a service. Switching deployment_strategy does (web and"
                echo "gateway move between <name> and <name>-bg, and the HTTPS listener is re-created): do it in a"
                echo "maintenance window with ALLOW_SERVICE_REPLACEMENT=1 (docs/deploy.md, \"Canary deployments\")."
            } >&2
            rm -f "$out/tfplan"
            exit 1
        fi
    fi
}

apply() {
    [[ -f "$out/tfplan" ]] || { echo "terraform-deploy: no saved plan at $out/tfplan (run plan first)" >&2; exit 1; }
    init
    # The saved plan, nothing else: if the state moved since it was made, Terraform refuses it.
    tf apply -input=false -no-color -lock-timeout=5m "$out/tfplan"
}

outputs() {
    init
    tf output -json
}

case "$action" in
    plan) plan ;;
    apply) apply ;;
    outputs) outputs ;;
    *) usage ;;
esac
