#!/usr/bin/env bash
# Contract test: start the real `attest serve` on a temporary directory, then let schemathesis
# exercise every operation of the OpenAPI document the server itself serves, with generated
# inputs. Any 5xx, or any status, media type, body or header the document does not declare,
# fails the run (and CI). Two passes, because a token has one role: the issuer token for
# everything not tagged `admin`, then the admin token for the `admin` operations.
#
#   ATTEST_BIN        binary to test (default: $CARGO_TARGET_DIR or target, /debug/attest, built by cargo)
#   ST_MAX_EXAMPLES   generated cases per operation and phase (default 25)
#   ST_SEED           generation seed (default 1, so CI is repeatable); `random` explores
#   ST_KEEP_LOG       copy the server's log (JSON lines) to this file
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

SCHEMATHESIS_VERSION=4.32.5
venv="$root/target/schemathesis-$SCHEMATHESIS_VERSION"
if [[ ! -x "$venv/bin/st" ]]; then
    echo "== installing schemathesis $SCHEMATHESIS_VERSION"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

bin=${ATTEST_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/attest}
if [[ -z "${ATTEST_BIN:-}" ]]; then
    cargo build --locked --quiet --bin attest
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ -n "${ST_KEEP_LOG:-}" ]]; then cp "$work/server.log" "$ST_KEEP_LOG"; fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export ATTEST_LISTEN="127.0.0.1:$port" ATTEST_PUBLIC_BASE_URL="$base"
export ATTEST_RATE_LIMIT_PER_MINUTE=0 ATTEST_LOG_FORMAT=json RUST_LOG=info

cd "$work"
"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen('$base/readyz', timeout=1)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "attest serve exited:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    sleep 0.2
done

issuer=$("$bin" token create --role issuer --name schemathesis-issuer | tail -n 1)
admin=$("$bin" token create --role admin --name schemathesis-admin | tail -n 1)

# One real credential, so that generated requests also reach the code behind the 404s.
credential_id=$(python3 - "$base" "$issuer" <<'EOF'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
body = {"attempt_id": "CI-SCHEMATHESIS-1", "achievement": "mlops-foundation",
        "candidate": {"id": "cand-ci-1", "name": "Zoë Ångström", "email": "zoe@example.com"},
        "exam": {"version": "2026.1", "completed_at": "2026-11-20T14:03:00Z", "proctored": True,
                 "score": 812, "max_score": 1000}}
request = urllib.request.Request(f"{base}/api/v1/exam-results", data=json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request))["credential_id"])
EOF
)
credential_jwt=$(python3 -c "import urllib.request, sys; print(urllib.request.urlopen(sys.argv[1]).read().decode())" "$base/credentials/$credential_id.jwt")
sed -e "s/@CREDENTIAL_ID@/$credential_id/" -e "s/@CREDENTIAL_JWT@/$credential_jwt/" \
    "$root/.ci/schemathesis.toml" >"$work/schemathesis.toml"

common=(
    --config-file "$work/schemathesis.toml"
    run "$base/openapi.json"
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
    --max-examples "${ST_MAX_EXAMPLES:-25}"
    --request-timeout 30
)
seed=${ST_SEED:-1}
if [[ "$seed" != random ]]; then
    common+=(--seed "$seed")
fi

status=0
echo "== schemathesis: public, page and issuer operations (issuer token)"
"$venv/bin/st" "${common[@]}" --exclude-tag admin -H "Authorization: Bearer $issuer" || status=$?
echo "== schemathesis: admin operations (admin token)"
"$venv/bin/st" "${common[@]}" --include-tag admin -H "Authorization: Bearer $admin" || status=$?

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "attest serve died during the run:" >&2
    tail -n 50 "$work/server.log" >&2
    status=1
fi
if [[ $status -ne 0 ]]; then
    echo "schemathesis found problems (server log tail below)" >&2
    tail -n 30 "$work/server.log" >&2
fi
exit "$status"
