#!/bin/sh
# Starts the edge.
#  - With no certificate mounted at /etc/nginx/certs (tls.crt, tls.key), creates a self-signed
#    development certificate for localhost first: no manual step, nothing committed.
#  - Writes the per-client rate limit from EDGE_RATE_LIMIT (requests per second, default 50) and
#    EDGE_RATE_BURST (default 100), and where port 8080 redirects to from EDGE_PUBLIC_HTTPS_PORT
#    (the HTTPS port clients see, default 8443), into /tmp/edge, which nginx.conf includes.
set -eu
certs=/etc/nginx/certs
if [ ! -s "$certs/tls.crt" ] || [ ! -s "$certs/tls.key" ]; then
    echo "edge: no certificate mounted; creating a self-signed development certificate for localhost"
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$certs/tls.key" -out "$certs/tls.crt" 2>/dev/null
fi

rate=${EDGE_RATE_LIMIT:-50}
burst=${EDGE_RATE_BURST:-100}
public_port=${EDGE_PUBLIC_HTTPS_PORT:-8443}
for pair in "EDGE_RATE_LIMIT=$rate" "EDGE_RATE_BURST=$burst" "EDGE_PUBLIC_HTTPS_PORT=$public_port"; do
    case ${pair#*=} in
        ''|*[!0-9]*|0) echo "edge: ${pair%%=*} must be a whole number above 0, got '${pair#*=}'" >&2; exit 2 ;;
    esac
done
mkdir -p /tmp/edge
echo "limit_req_zone \$binary_remote_addr zone=per_client:10m rate=${rate}r/s;" > /tmp/edge/limit-zone.conf
echo "limit_req zone=per_client burst=${burst} nodelay;" > /tmp/edge/limit-req.conf
if [ "$public_port" = 443 ]; then
    echo "return 301 https://\$host\$request_uri;" > /tmp/edge/redirect.conf
else
    echo "return 301 https://\$host:${public_port}\$request_uri;" > /tmp/edge/redirect.conf
fi
exec nginx -g 'daemon off;'
