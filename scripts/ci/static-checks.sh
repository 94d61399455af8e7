#!/usr/bin/env bash
# Static checks of the repository's containers, workflows, Terraform and dependency graph. The
# same script runs in GitHub Actions (ci.yml), in .ci/run and on a laptop, and needs no network
# but PyPI, crates.io and Debian's mirror (for the first install only):
#
#   scripts/ci/static-checks.sh                       # every check
#   scripts/ci/static-checks.sh hadolint actionlint   # only these
#
# Checks (one result line each, exit status 1 when any fails):
#   checkov       Terraform (infra/, skipped while absent), Dockerfiles, GitHub workflows; .checkov.yaml
#   hadolint      every Dockerfile, failing at warning level; .hadolint.yaml
#   actionlint    .github/workflows, with shellcheck on every run: block
#   trivy-config  misconfigurations of HIGH or CRITICAL severity; .trivyignore.yaml
#   cargo-deny    advisories, licences, bans, sources; deny.toml
#
# Installs what is missing, once: shellcheck and git from Debian (apt-get), the Python tools
# pinned in scripts/ci/requirements.txt and constraints.txt into a venv (STATIC_CHECKS_VENV,
# default ${XDG_CACHE_HOME:-~/.cache}/lending-ci-venv), cargo-deny from crates.io into
# ~/.cargo/bin. Later runs reuse them.
#
# The advisory database: RUSTSEC_DB names a snapshot (advisory-db.tar.gz, a folder holding it,
# or an unpacked clone), default ../shared/rustsec beside the repository. With a snapshot the
# check runs offline; without one (GitHub Actions) cargo-deny fetches the database.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

readonly cargo_deny_version=0.20.2
readonly all_checks=(checkov hadolint actionlint trivy-config cargo-deny)
cache=${XDG_CACHE_HOME:-$HOME/.cache}
venv=${STATIC_CHECKS_VENV:-$cache/lending-ci-venv}
python=${PYTHON:-python3}

usage() {
    echo "usage: $0 [${all_checks[*]}]..." >&2
    exit 2
}

checks=("$@")
[[ ${#checks[@]} -eq 0 ]] && checks=("${all_checks[@]}")
for check in "${checks[@]}"; do
    [[ " ${all_checks[*]} " == *" $check "* ]] || usage
done

section() { printf '\n=== static-checks: %s ===\n' "$*"; }

# --- installation -------------------------------------------------------------------------------

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo "$@"
    else
        echo "static-checks: need root to run: $*" >&2
        return 1
    fi
}

apt_updated=false
apt_install() {
    if ! $apt_updated; then
        as_root apt-get update -qq
        apt_updated=true
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Installs each Debian package whose command is missing; arguments are command:package pairs.
need_commands() {
    local pair missing=()
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        echo "installing ${missing[*]} (apt-get)"
        apt_install "${missing[@]}"
    fi
}

python_tools_ready=false
python_tools() {
    $python_tools_ready && return 0
    local stamp
    stamp=$( (cat scripts/ci/requirements.txt scripts/ci/constraints.txt; "$python" --version) | sha256sum | cut -d' ' -f1)
    if [[ ! -x "$venv/bin/python" || "$(cat "$venv/.installed" 2>/dev/null)" != "$stamp" ]]; then
        echo "installing the Python tools into $venv (first run: a minute or two)"
        rm -rf "$venv"
        if ! "$python" -m venv "$venv" 2>/dev/null; then
            apt_install python3-venv
            "$python" -m venv "$venv"
        fi
        "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input \
            -r scripts/ci/requirements.txt -c scripts/ci/constraints.txt
        echo "$stamp" >"$venv/.installed"
    fi
    export PATH="$venv/bin:$PATH"
    python_tools_ready=true
}

cargo_deny() {
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    if [[ "$(cargo-deny --version 2>/dev/null)" != "cargo-deny $cargo_deny_version" ]]; then
        echo "installing cargo-deny $cargo_deny_version (cargo install; about five minutes on two cores)"
        cargo install --locked --quiet cargo-deny --version "$cargo_deny_version"
    fi
}

# --- the checks ---------------------------------------------------------------------------------

# Every Dockerfile in the tree, build output and dependencies left out.
dockerfiles() {
    find . \( -path ./target -o -path ./.git -o -path ./artifacts -o -name node_modules -o -name .terraform \) -prune \
        -o -type f \( -name Dockerfile -o -name '*.Dockerfile' -o -name 'Dockerfile.*' \) -print | sed 's|^\./||' | sort
}

check_hadolint() {
    python_tools
    local files
    mapfile -t files < <(dockerfiles)
    hadolint --version
    hadolint --config .hadolint.yaml --no-color "${files[@]}"
    note="${#files[@]} Dockerfiles"
}

check_actionlint() {
    need_commands shellcheck:shellcheck
    python_tools
    local files
    mapfile -t files < <(find .github/workflows -maxdepth 1 -type f \( -name '*.yml' -o -name '*.yaml' \) 2>/dev/null | sort)
    if [[ ${#files[@]} -eq 0 ]]; then
        note="skipped: no .github/workflows"
        return 0
    fi
    actionlint --version | head -1
    actionlint -no-color -shellcheck "$(command -v shellcheck)" "${files[@]}"
    note="${#files[@]} workflows"
}

check_checkov() {
    python_tools
    local frameworks="Dockerfiles, GitHub workflows"
    if [[ -d infra ]]; then
        frameworks="Terraform (infra/), $frameworks"
    else
        echo "infra/ is absent: the Terraform part is skipped"
    fi
    echo "checkov $(checkov --version)"
    # No calls home: no platform API key is set, and --skip-download keeps it from fetching
    # guideline mappings.
    BC_SKIP_MAPPING=TRUE checkov --config-file .checkov.yaml --directory .
    note=$frameworks
}

check_trivy_config() {
    python_tools
    trivy --version | head -1
    # --skip-check-update: the checks embedded in the binary, never the online bundle.
    trivy config --quiet --skip-check-update --cache-dir "$cache/trivy" \
        --severity HIGH,CRITICAL --exit-code 1 --ignorefile .trivyignore.yaml \
        --skip-dirs target --skip-dirs .git --skip-dirs artifacts --skip-dirs '**/.terraform' \
        .
    note="HIGH,CRITICAL; Dockerfiles$([[ -d infra ]] && echo ", Terraform")"
}

# Unpacks the advisory snapshot where deny.toml's db-path expects it; sets deny_args.
deny_args=()
advisory_database() {
    local source=${RUSTSEC_DB:-}
    if [[ -z "$source" ]]; then
        # Beside the repository (the project's machines), else the machines' shared folder.
        source=$root/../shared/rustsec
        [[ -e "$source" || ! -e /work/shared/rustsec ]] || source=/work/shared/rustsec
    fi
    local dbs=target/advisory-dbs
    if [[ ! -e "$source" ]]; then
        if [[ -n "${RUSTSEC_DB:-}" ]]; then
            echo "RUSTSEC_DB=$source does not exist" >&2
            return 1
        fi
        echo "advisory database: no snapshot at $source, cargo-deny fetches it into $dbs"
        deny_args=()
        return 0
    fi
    [[ -d "$source" && -f "$source/advisory-db.tar.gz" ]] && source=$source/advisory-db.tar.gz
    rm -rf "$dbs.new"
    mkdir -p "$dbs.new"
    if [[ -f "$source" ]]; then
        tar -xzf "$source" -C "$dbs.new"
    elif [[ -d "$source/crates" ]]; then
        # The folder name cargo-deny derives from the default database URL.
        ln -s "$(realpath "$source")" "$dbs.new/advisory-db-3157b0e258782691"
    else
        echo "RUSTSEC_DB=$source is neither advisory-db.tar.gz, a folder holding it, nor a clone" >&2
        return 1
    fi
    rm -rf "$dbs"
    mv "$dbs.new" "$dbs"
    local db commit newest
    db=$(find "$dbs" -mindepth 1 -maxdepth 1 -name 'advisory-db-*' | head -1)
    [[ -n "$db" ]] || { echo "no advisory-db-* folder in $source" >&2; return 1; }
    commit=$(git -C "$db" log -1 --format=%cd --date=short 2>/dev/null || echo unknown)
    newest=$(grep -rhoE '^date = "[0-9]{4}-[0-9]{2}-[0-9]{2}"' "$db/crates" | cut -d'"' -f2 | sort | tail -1)
    echo "advisory database: snapshot $source (last commit $commit, newest advisory $newest), offline"
    deny_args=(--offline)
    note="advisories as of $commit"
}

check_cargo_deny() {
    need_commands git:git
    cargo_deny
    cargo-deny --version
    advisory_database
    # cargo-deny reads the crate graph offline: have every crate of Cargo.lock in the cache.
    cargo fetch --locked --quiet
    cargo-deny "${deny_args[@]}" --locked check --hide-inclusion-graph advisories licenses bans sources
    [[ -n "$note" ]] || note="advisories fetched"
}

# --- run ----------------------------------------------------------------------------------------

run_check() {
    case $1 in
        checkov) check_checkov ;;
        hadolint) check_hadolint ;;
        actionlint) check_actionlint ;;
        trivy-config) check_trivy_config ;;
        cargo-deny) check_cargo_deny ;;
    esac
}

results=()
status=0
note_file=$(mktemp)
trap 'rm -f "$note_file"' EXIT
for check in "${checks[@]}"; do
    section "$check"
    started=$SECONDS
    # Each check runs in its own subshell, outside any condition so that errexit holds inside it:
    # its first failing command ends that check, not the script.
    : >"$note_file"
    set +e
    (
        set -e
        note=""
        run_check "$check"
        printf '%s' "$note" >"$note_file"
    )
    rc=$?
    set -e
    if [[ $rc -eq 0 ]]; then result=ok; else result=FAILED; status=1; fi
    detail=$(cat "$note_file")
    line=$(printf 'static-checks: %-13s %-6s %4ss%s' "$check" "$result" "$((SECONDS - started))" "${detail:+  ($detail)}")
    echo "$line"
    results+=("$line")
done

section "summary"
printf '%s\n' "${results[@]}"
exit $status
