#!/usr/bin/env bash
# End-to-end benchmark: builds the release binary, starts real servers on a fresh temporary
# database (loopback only), drives them with wrk, and prints one table plus a JSON file.
#
#   benches/e2e.sh [--duration SECONDS] [--batches N] [--out FILE] [--database-url URL]
#
# Defaults: 10 s per load scenario, 3 batches of 1,000, bench-results/e2e.json, a fresh SQLite
# file in a temp directory. A `--database-url` (or ATTEST_BENCH_DATABASE_URL) is used as is
# (e.g. an empty PostgreSQL database): give one you can throw away.
#
# ATTEST_BENCH_BIN=PATH measures that binary instead of building this tree.
# Needs: cargo, wrk, curl, jq. The load generator runs on the same machine (one wrk thread) and
# competes with the server for CPU; on a shared machine repeat runs and compare medians.
set -euo pipefail

DURATION=10
BATCHES=3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench-results/e2e.json"
DB_URL="${ATTEST_BENCH_DATABASE_URL:-}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --batches) BATCHES="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --database-url) DB_URL="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
for tool in cargo wrk curl jq; do
    command -v "$tool" >/dev/null || { echo "e2e.sh needs $tool" >&2; exit 2; }
done

WRK_DIR="$ROOT/benches/wrk"
WORK="$(mktemp -d -t attest-e2e.XXXXXX)"
ROWS="$WORK/rows.jsonl"
SERVER_PID=""
: >"$ROWS"

cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [[ -n "${ATTEST_BENCH_BIN:-}" ]]; then
    BIN="$ATTEST_BENCH_BIN" # a binary built elsewhere (e.g. an older commit, to compare)
else
    echo "building release binary…" >&2
    (cd "$ROOT" && cargo build --release --quiet --bin attest)
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/attest"
fi

free_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    echo "no free port found" >&2
    return 1
}

PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
export ATTEST_CONFIG="$WORK/attest.toml"
export ATTEST_LISTEN="127.0.0.1:$PORT"
export ATTEST_PUBLIC_BASE_URL="$BASE"
export ATTEST_DATABASE_URL="${DB_URL:-sqlite://$WORK/attest.db}"
export ATTEST_KEYS_DIR="$WORK/keys"
export ATTEST_RATE_LIMIT_PER_MINUTE=0
export RUST_LOG="${RUST_LOG:-warn}"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$SERVER_PID/status"; }
# Resets VmHWM so each scenario reports its own peak (Linux clear_refs 5); if the kernel
# refuses, the peak since start is reported instead.
HWM_RESETS=1
reset_peak() { echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || HWM_RESETS=0; }

# start_server SUITE: starts `attest serve`, records start-to-healthy and idle RSS.
start_server() {
    local suite="$1" t0 t1
    t0="$(now_ms)"
    ATTEST_CRYPTOSUITE="$suite" "$BIN" serve >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    until curl -sf -o /dev/null "$BASE/healthz"; do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
        sleep 0.005
        if (($(now_ms) - t0 > 30000)); then echo "server not healthy after 30 s" >&2; exit 1; fi
    done
    t1="$(now_ms)"
    sleep 1
    row "start ($suite)" "start_to_healthy" \
        "$(jq -n --argjson ms $((t1 - t0)) --argjson idle "$(rss_kb VmRSS)" \
            '{start_to_healthy_ms: $ms, idle_rss_kb: $idle}')"
}

stop_server() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# row NAME KIND JSON: appends one result.
row() { jq -c --arg name "$1" --arg kind "$2" '. + {scenario: $name, kind: $kind}' <<<"$3" >>"$ROWS"; }

# run_wrk NAME CONNECTIONS SCRIPT [PATH]: a bounded load; the env carries the script's inputs.
run_wrk() {
    local name="$1" conns="$2" script="$3" path="${4:-/}" out stats
    reset_peak
    out="$(wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 30s -s "$WRK_DIR/$script" "$BASE$path")"
    stats="$(grep '^WRK_JSON ' <<<"$out" | sed 's/^WRK_JSON //')"
    row "$name" "load" "$(jq -c --argjson c "$conns" --argjson peak "$(rss_kb VmHWM)" \
        '{connections: $c, req_per_s: (.requests / (.duration_us / 1e6)), p50_ms: (.p50_us / 1e3),
          p99_ms: (.p99_us / 1e3), requests, bad_status, socket_errors, peak_rss_kb: $peak}' <<<"$stats")"
}

token() {
    "$BIN" token create --role "$1" --name "bench-$1-$RANDOM" 2>/dev/null | tail -n 1
}

# batch_body RUN: 1,000 passing Foundation results with unique attempts and candidates.
batch_body() {
    jq -nc --arg run "$1" '[range(1000) | tostring as $i | {
        attempt_id: "b-\($run)-\($i)", achievement: "mlops-foundation",
        candidate: {id: "bc-\($run)-\($i)", name: "Batch Candidate \($i)",
                    email: "bc-\($run)-\($i)@example.com"},
        exam: {version: "2026.1", completed_at: "2026-11-01T10:00:00Z", proctored: true,
               score: 850, max_score: 1000}}]'
}

# run_batches SUITE: N sequential batches of 1,000 (each one transaction), timed by curl.
run_batches() {
    local suite="$1" times=() issued=0 k t resp
    reset_peak
    for k in $(seq "$BATCHES"); do
        batch_body "$suite-$k-$RANDOM" >"$WORK/batch.json"
        resp="$WORK/batch-resp.json"
        t="$(curl -sf -o "$resp" -w '%{time_total}' -X POST "$BASE/api/v1/exam-results/batch" \
            -H "Authorization: Bearer $ISSUER" -H 'content-type: application/json' \
            --data-binary @"$WORK/batch.json")"
        issued=$((issued + $(jq '.summary.issued' "$resp")))
        times+=("$t")
        jq -r '.results[].credential_id // empty' "$resp" >>"$WORK/ids-$suite.txt"
    done
    row "batch issuance ($suite)" "batch" "$(printf '%s\n' "${times[@]}" | jq -sc \
        --argjson issued "$issued" --argjson peak "$(rss_kb VmHWM)" \
        'sort as $t | {batches: length, issued: $issued, seconds: $t,
          median_s: $t[(length / 2 | floor)],
          credentials_per_s: (1000 / $t[(length / 2 | floor)]),
          ms_per_credential: ($t[(length / 2 | floor)]),
          peak_rss_kb: $peak}')"
}

# Issuance with each suite on the same database (the suite is a server setting).
for SUITE in eddsa-rdfc-2022 eddsa-jcs-2022; do
    start_server "$SUITE"
    ISSUER="$(token issuer)"
    run_batches "$SUITE"
    BENCH_TOKEN="$ISSUER" BENCH_RUN="s-$SUITE-$RANDOM" run_wrk "single issuance ($SUITE)" 32 issue.lua
    # Samples for verification: 50 credentials of this suite, as served (JSON and JWT).
    head -n 50 "$WORK/ids-$SUITE.txt" | while read -r id; do
        curl -sf "$BASE/credentials/$id" | jq -c . >>"$WORK/vc-$SUITE.jsonl"
        curl -sf "$BASE/credentials/$id.jwt" >>"$WORK/jwt.txt"
        echo >>"$WORK/jwt.txt"
    done
    [[ "$SUITE" == eddsa-jcs-2022 ]] || stop_server
done
# Every credential of the last batches as vc+jwt: verifying 3,000 distinct ones in turn never
# finds one in the server's memory of recently verified credentials (1,024, cleared when full).
tail -n 3000 "$WORK/ids-eddsa-jcs-2022.txt" | xargs -P 4 -I{} curl -sf "$BASE/credentials/{}.jwt" -o "$WORK/one-{}.jwt"
for f in "$WORK"/one-*.jwt; do cat "$f"; echo; done >"$WORK/jwt-cold.txt"
rm -f "$WORK"/one-*.jwt

# eddsa-rdfc-2022 credentials no process has verified yet: every rdfc credential of the batches,
# each in several key orders (top-level entries rotated, then credentialSubject's too). The
# signature covers the canonical RDF, so every copy verifies; the verified-hash cache is keyed by
# the exact JSON, so every copy is a miss and costs a full JSON-LD conversion and RDFC-1.0 run.
# wrk sends them round-robin: at most one pass is made at the expected rates.
tail -n 3000 "$WORK/ids-eddsa-rdfc-2022.txt" | xargs -P 4 -I{} curl -sf "$BASE/credentials/{}" -o "$WORK/one-{}.json"
for f in "$WORK"/one-*.json; do jq -c . "$f"; done >"$WORK/rdfc-distinct.jsonl"
rm -f "$WORK"/one-*.json
jq -c 'range(0; 12) as $r | to_entries as $e | ($e | length) as $n | ($r % $n) as $k
    | ($e[$k:] + $e[:$k] | from_entries)
    | if $r >= $n and (.credentialSubject | type) == "object" then
        .credentialSubject |= (to_entries | .[1:] + .[:1] | from_entries) else . end' \
    "$WORK/rdfc-distinct.jsonl" | awk '!seen[$0]++' >"$WORK/rdfc-never-seen.jsonl"
NEVER_SEEN="$(wc -l <"$WORK/rdfc-never-seen.jsonl")"

# Verification (64 clients, every check including status), reads, PDFs: on the last server.
# The samples are 50 credentials verified over and over (an employer re-checking), except the
# "3,000 distinct" run.
export BENCH_METHOD=POST BENCH_PATH=/credentials/verify
BENCH_LINES="$WORK/jwt.txt" BENCH_CONTENT_TYPE=application/vc+jwt \
    run_wrk "verify vc+jwt" 64 rotate.lua
BENCH_LINES="$WORK/jwt-cold.txt" BENCH_CONTENT_TYPE=application/vc+jwt \
    run_wrk "verify vc+jwt, 3,000 distinct" 64 rotate.lua
BENCH_LINES="$WORK/vc-eddsa-jcs-2022.jsonl" run_wrk "verify eddsa-jcs-2022" 64 rotate.lua
BENCH_LINES="$WORK/vc-eddsa-rdfc-2022.jsonl" run_wrk "verify eddsa-rdfc-2022" 64 rotate.lua
BENCH_LINES="$WORK/rdfc-never-seen.jsonl" \
    run_wrk "verify eddsa-rdfc-2022, never seen ($NEVER_SEEN distinct)" 64 rotate.lua
export BENCH_METHOD=GET
echo "/status/revocation-1" >"$WORK/status.txt"
BENCH_LINES="$WORK/status.txt" run_wrk "GET /status/{list}" 64 rotate.lua
head -n 50 "$WORK/ids-eddsa-jcs-2022.txt" | sed 's|^|/v/|' >"$WORK/v.txt"
BENCH_LINES="$WORK/v.txt" run_wrk "GET /v/{id}" 64 rotate.lua
head -n 50 "$WORK/ids-eddsa-jcs-2022.txt" | sed 's|^|/credentials/|; s|$|.pdf|' >"$WORK/pdf.txt"
BENCH_LINES="$WORK/pdf.txt" run_wrk "GET /credentials/{id}.pdf" 8 rotate.lua
stop_server

# Bulk render: a separate fresh SQLite database holding exactly 1,000 credentials, issued by
# the CLI.
export ATTEST_CONFIG="$WORK/render/attest.toml" ATTEST_KEYS_DIR="$WORK/render/keys"
export ATTEST_DATABASE_URL="sqlite://$WORK/render/attest.db"
mkdir -p "$WORK/render"
batch_body "render" >"$WORK/render/results.json"
"$BIN" issue "$WORK/render/results.json" >/dev/null 2>&1
t0="$(now_ms)"
/usr/bin/time -f '%M' -o "$WORK/render/maxrss" \
    "$BIN" render --all --out "$WORK/render/pdf" >/dev/null 2>&1
t1="$(now_ms)"
count="$(find "$WORK/render/pdf" -name '*.pdf' | wc -l)"
row "bulk render (attest render --all)" "render" "$(jq -nc --argjson n "$count" \
    --argjson ms $((t1 - t0)) --argjson peak "$(cat "$WORK/render/maxrss")" \
    '{pdfs: $n, seconds: ($ms / 1e3), pdfs_per_s: ($n / ($ms / 1e3)), ms_per_pdf: ($ms / $n),
      peak_rss_kb: $peak}')"

# One table and the JSON file.
mkdir -p "$(dirname "$OUT")"
jq -s --arg commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    --arg when "$(date -u +%FT%TZ)" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --argjson cpus "$(nproc)" --argjson duration "$DURATION" --argjson hwm "$HWM_RESETS" \
    --arg db "$(sed -E 's|//[^@/]*@|//***@|' <<<"${DB_URL:-sqlite (temp file)}")" \
    '{commit: $commit, when: $when, cpus: $cpus, load_average_at_end: $load,
      database: $db, seconds_per_scenario: $duration, peak_rss_is_per_scenario: ($hwm == 1),
      results: .}' "$ROWS" >"$OUT"

jq -r -f "$ROOT/benches/table.jq" "$OUT" | column -t -s $'\t'
echo "written: $OUT" >&2
