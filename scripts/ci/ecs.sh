#!/usr/bin/env bash
# The ECS side of a deployment (deploy.yml), driven by the environment's Terraform outputs. Needs
# the AWS CLI, jq, terraform and credentials for the environment.
#
#   IMAGE_DIGESTS='{"loan-api":"sha256:…",…}' scripts/ci/ecs.sh migrate staging loan-api portfolio-api
#       Before the services move: for each service, registers a one-off revision of the task
#       definition the service runs now (not the family's latest revision, which may be an
#       unfinished registration) with the new image, runs it once with the command ["migrate"]
#       on the service's subnets and security group, waits for it to stop and fails unless the
#       container exited 0. The one-off revision is deregistered however the script ends.
#       SKIP_MIGRATIONS=1 skips them all (a rollback to older images: migrations only go
#       forward, and an older binary does not know the newer ones the database already has).
#   scripts/ci/ecs.sh wait staging
#       After terraform apply: for each service that rolls (no CodeDeploy), waits until its
#       primary deployment runs the task definition Terraform registered and reached COMPLETED.
#       A deployment the circuit breaker rolled back (the previous version keeps serving) fails.
#   scripts/ci/ecs.sh canary staging DIR
#       For each service CodeDeploy deploys (canary strategy): writes the task definition
#       Terraform registered to DIR/<service>-task-definition.json and prints
#       <service>={"cluster":…,"name":…,"application":…,"deployment_group":…,"task_definition":…}
#       (GITHUB_OUTPUT lines for aws-actions/amazon-ecs-deploy-task-definition).
#
# MIGRATE_TIMEOUT and ROLLOUT_TIMEOUT (seconds, default 900 and 1800) bound the waits.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() { echo "usage: $0 migrate ENV SERVICE... | wait ENV | canary ENV DIR" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
action=$1
environment=$2
shift 2

outputs=$(scripts/ci/terraform-deploy.sh outputs "$environment")
output() { jq -r "$1" <<<"$outputs"; }
cluster=$(output '.cluster_name.value // empty')
if [[ -z "$cluster" ]]; then
    echo "ecs: the $environment state has no stack yet; its first deployment is the bootstrap in docs/deploy.md" >&2
    exit 1
fi
service_field() { output ".services.value[\"$1\"].$2 // empty"; }

# The one-off task definition revision in use, deregistered on any exit (failure, timeout,
# cancellation); SIGINT and SIGTERM become an exit so the EXIT trap runs.
one_off=""
deregister_one_off() {
    if [[ -n "$one_off" ]]; then
        aws ecs deregister-task-definition --task-definition "$one_off" >/dev/null ||
            echo "ecs: could not deregister $one_off; deregister it by hand" >&2
        one_off=""
    fi
}
trap deregister_one_off EXIT
trap 'exit 130' INT TERM

migrate() {
    [[ $# -gt 0 ]] || usage
    if [[ "${SKIP_MIGRATIONS:-}" == 1 ]]; then
        echo "ecs: SKIP_MIGRATIONS=1: no migrations for $* (rollback: the database keeps its newer schema)"
        return 0
    fi
    : "${IMAGE_DIGESTS:?a JSON object: service -> sha256 digest}"
    local registry network timeout=${MIGRATE_TIMEOUT:-900}
    registry=$(output '.image_registry.value')
    network=$(output '.run_task_network_configuration.value')
    local service
    for service in "$@"; do
        local name current security_group digest image definition run task started status exit_code reason
        name=$(service_field "$service" service_name)
        security_group=$(service_field "$service" security_group_id)
        digest=$(jq -r --arg s "$service" '.[$s] // empty' <<<"$IMAGE_DIGESTS")
        [[ -n "$name" && -n "$security_group" ]] || { echo "ecs: no service $service in the $environment outputs" >&2; exit 1; }
        [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "ecs: no digest for $service in IMAGE_DIGESTS" >&2; exit 1; }
        image="$registry/$service@$digest"
        current=$(aws ecs describe-services --cluster "$cluster" --services "$name" \
            --query 'services[0].taskDefinition' --output text)
        [[ "$current" == arn:* ]] || { echo "ecs: $service: the service $name has no task definition ($current)" >&2; exit 1; }

        definition=$(aws ecs describe-task-definition --task-definition "$current" --query taskDefinition --output json |
            jq --arg name "$service" --arg image "$image" '
                .containerDefinitions |= map(if .name == $name then .image = $image else . end)
                | del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
                      .registeredAt, .registeredBy, .deregisteredAt)')
        one_off=$(aws ecs register-task-definition --cli-input-json "$definition" \
            --query taskDefinition.taskDefinitionArn --output text)
        echo "ecs: $service: migrating with $image ($one_off, from $current)"

        run=$(aws ecs run-task --cluster "$cluster" --launch-type FARGATE --task-definition "$one_off" \
            --started-by ci-migrate \
            --network-configuration "$(jq -c --arg sg "$security_group" '.awsvpcConfiguration.securityGroups = [$sg]' <<<"$network")" \
            --overrides "$(jq -nc --arg name "$service" '{containerOverrides: [{name: $name, command: ["migrate"]}]}')" \
            --output json)
        task=$(jq -r '.tasks[0].taskArn // empty' <<<"$run")
        if [[ "$task" != arn:* ]]; then
            echo "ecs: $service: the migration task did not start:" >&2
            jq -r '.failures[]? | "  \(.arn // "-"): \(.reason // "?") \(.detail // "")"' <<<"$run" >&2
            exit 1
        fi

        started=$SECONDS
        status=""
        while (( SECONDS - started < timeout )); do
            status=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" --query 'tasks[0].lastStatus' --output text)
            [[ "$status" == STOPPED ]] && break
            sleep 10
        done
        deregister_one_off
        if [[ "$status" != STOPPED ]]; then
            echo "ecs: $service: the migration task $task is still $status after ${timeout}s; stopping it" >&2
            aws ecs stop-task --cluster "$cluster" --task "$task" --reason "migration timed out in CI" >/dev/null
            exit 1
        fi
        exit_code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" \
            --query "tasks[0].containers[?name=='$service'].exitCode | [0]" --output text)
        if [[ "$exit_code" != 0 ]]; then
            reason=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" --query 'tasks[0].stoppedReason' --output text)
            echo "ecs: $service: migration failed (exit code $exit_code, $reason); logs: $(service_field "$service" log_group)" >&2
            exit 1
        fi
        echo "ecs: $service: migrations applied ($((SECONDS - started))s)"
    done
}

wait_rolling() {
    local timeout=${ROLLOUT_TIMEOUT:-1800} service
    for service in $(output '.services.value | to_entries[] | select(.value.codedeploy == null) | .key'); do
        local name expected started deployment task_definition state reason
        name=$(service_field "$service" service_name)
        expected=$(service_field "$service" task_definition_arn)
        started=$SECONDS
        while true; do
            deployment=$(aws ecs describe-services --cluster "$cluster" --services "$name" \
                --query "services[0].deployments[?status=='PRIMARY'] | [0]" --output json)
            task_definition=$(jq -r '.taskDefinition' <<<"$deployment")
            state=$(jq -r '.rolloutState' <<<"$deployment")
            reason=$(jq -r '.rolloutStateReason // ""' <<<"$deployment")
            if [[ "$task_definition" != "$expected" ]]; then
                echo "ecs: $service: the primary deployment runs $task_definition, not $expected: the circuit breaker rolled back, the previous version is serving ($reason)" >&2
                aws ecs describe-services --cluster "$cluster" --services "$name" --query 'services[0].events[:10].[createdAt,message]' --output text >&2
                exit 1
            fi
            case "$state" in
                COMPLETED) echo "ecs: $service: $expected is serving ($((SECONDS - started))s)"; break ;;
                FAILED)
                    echo "ecs: $service: deployment failed: $reason" >&2
                    aws ecs describe-services --cluster "$cluster" --services "$name" --query 'services[0].events[:10].[createdAt,message]' --output text >&2
                    exit 1 ;;
            esac
            if (( SECONDS - started >= timeout )); then
                echo "ecs: $service: deployment still $state after ${timeout}s" >&2
                exit 1
            fi
            sleep 15
        done
    done
}

canary() {
    [[ $# -eq 1 ]] || usage
    local dir=$1 service arn file
    mkdir -p "$dir"
    for service in $(output '.services.value | to_entries[] | select(.value.codedeploy != null) | .key'); do
        arn=$(service_field "$service" task_definition_arn)
        file="$dir/$service-task-definition.json"
        aws ecs describe-task-definition --task-definition "$arn" --query taskDefinition --output json >"$file"
        jq -c --arg s "$service" --arg cluster "$cluster" --arg file "$file" '.services.value[$s]
            | "\($s)=" + ({cluster: $cluster, name: .service_name, application: .codedeploy.application,
                           deployment_group: .codedeploy.deployment_group, task_definition: $file} | tojson)' \
            -r <<<"$outputs"
    done
}

case "$action" in
    migrate) migrate "$@" ;;
    wait) wait_rolling ;;
    canary) canary "$@" ;;
    *) usage ;;
esac
