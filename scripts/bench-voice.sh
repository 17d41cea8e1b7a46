#!/usr/bin/env bash
# Voice-webhook latency benchmark (quality.md §7; not a test): a release build against its own
# durable PostgreSQL cluster seeded with 50 businesses, 500 tracking numbers and 150 000 past
# calls; signed voice webhooks at RATE/s (default 200) for SECONDS (default 60) after a 10 s
# warm-up, spread over every number. Prints p50/p95/p99/max as Markdown; the figures are kept
# in docs/performance.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
RATE="${RATE:-200}"
SECONDS_RUN="${SECONDS_RUN:-60}"
WARMUP="${WARMUP:-10}"

ensure_rust_tools
ensure_postgres_binaries

say "Release build of the server and the load generator"
cargo build --release --features ssr --bin callbackcloser --example bench_voice

WORK="$(mktemp -d /tmp/callbackcloser-bench-XXXXXX)"
chmod 755 "$WORK"
cleanup() {
    [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    stop_cluster "$WORK/pg"
    rm -rf "$WORK"
}
trap cleanup EXIT

pg_port="$(free_port)"
say "PostgreSQL on 127.0.0.1:$pg_port (durable settings)"
start_cluster "$WORK/pg" "$pg_port"
psql_url "postgres://postgres@127.0.0.1:$pg_port/postgres" "CREATE DATABASE bench" >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/bench"
"$CARGO_TARGET_DIR/release/callbackcloser" migrate >/dev/null

say "Seeding 50 businesses, 500 numbers, 150 000 calls"
psql_url "$DATABASE_URL" "
INSERT INTO businesses (name, notify_phone, subscription_status, stripe_price_id)
    SELECT 'Bench business ' || g, '+15125550111', 'ACTIVE', 'price_bench' FROM generate_series(1, 50) g;
INSERT INTO phone_numbers (business_id, e164, twilio_sid, forwarding_number, recording_enabled)
    SELECT b.id, '+1737' || lpad((2000000 + row_number() OVER (ORDER BY b.id, g))::text, 7, '0'),
           'PN' || md5(b.id::text || g), '+15125550142', g % 2 = 0
    FROM businesses b, generate_series(1, 10) g;
INSERT INTO calls (call_sid, business_id, phone_number_id, from_e164, to_e164, caller_kind, outcome, missed_reason, created_at)
    SELECT 'CAseed' || g, n.business_id, n.id, '+1512' || lpad((1000000 + g)::text, 7, '0'), n.e164, 'external',
           CASE WHEN g % 3 = 0 THEN 'missed' ELSE 'answered' END, CASE WHEN g % 3 = 0 THEN 'no_answer' END,
           now() - (g || ' minutes')::interval
    FROM generate_series(1, 150000) g
    JOIN LATERAL (SELECT id, business_id, e164 FROM phone_numbers ORDER BY id OFFSET (g % 500) LIMIT 1) n ON true;
ANALYZE;" >/dev/null
psql_url "$DATABASE_URL" "SELECT e164 FROM phone_numbers" >"$WORK/numbers.txt"

port="$(free_port)"
base="http://127.0.0.1:$port"
token="bench-auth-token-0123456789"
say "Server (release) on $base"
APP_ENV=development LEPTOS_SITE_ADDR="127.0.0.1:$port" PUBLIC_BASE_URL="$base" \
    SESSION_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')" \
    DATA_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)" \
    TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000 TWILIO_AUTH_TOKEN="$token" \
    TWILIO_VALIDATE_SIGNATURE=true RATE_LIMIT_TWILIO_AUTH_MAX=10000 RUST_LOG=warn \
    SUPPORT_EMAIL=bench@callbackcloser.test LEPTOS_OUTPUT_NAME=callbackcloser \
    "$CARGO_TARGET_DIR/release/callbackcloser" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_for_http "$base/api/health" 60 || { cat "$WORK/server.log"; die "server did not start"; }

say "Load: $RATE/s for $SECONDS_RUN s after $WARMUP s warm-up"
{
    echo "Voice webhook latency, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
    echo
    "$CARGO_TARGET_DIR/release/examples/bench_voice" "$base" "$token" "$WORK/numbers.txt" "$RATE" "$SECONDS_RUN" "$WARMUP"
    echo "| server RSS after the run | $(awk '/VmRSS/ {print $2 " " $3}' "/proc/$SERVER_PID/status") |"
    # Server-side time (request in to response out) from the app's own histogram, warm-up included.
    curl -fsS "$base/metrics" | awk -F'[{}" ]+' '
        /^http_request_duration_seconds_bucket\{route="\/api\/twilio\/voice"/ { le[$5] = $6 }
        /^http_request_duration_seconds_count\{route="\/api\/twilio\/voice"/ { total = $4 }
        END { for (b in le) if (b != "+Inf") printf "| server-side ≤ %s s | %.2f %% |\n", b, 100 * le[b] / total }' | sort -k4 -g
} | tee "$ROOT/target-bench-voice.md"
say "Report written to target-bench-voice.md (copy the figures into docs/performance.md)"
