#!/bin/sh
# Creates this installation's secrets on first start, in the `secrets` volume, and never again:
# database passwords, the web tier's API key (and the gateway's entry for it, as a hash) and
# the CSRF signing secret. Nothing secret is committed or baked into an image.
set -eu
dir=/secrets
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
write() {
    [ -s "$dir/$1" ] && return 0
    printf '%s' "$2" > "$dir/$1.tmp" && chmod 0444 "$dir/$1.tmp" && mv "$dir/$1.tmp" "$dir/$1"
    echo "secrets: created $1"
}
write postgres_password "$(random)"
write loans_db_password "$(random)"
write portfolio_db_password "$(random)"
write web_api_key "$(random)"
write csrf_secret "$(random)$(random)"
hash=$(printf '%s' "$(cat "$dir/web_api_key")" | sha256sum | cut -d' ' -f1)
write gateway_api_keys "web:$hash:loans:write"
echo "secrets: ready"
