#!/usr/bin/env bash
# The test command (README; .ci/run calls exactly this). Formatting, clippy for the server and the
# browser builds, every Rust test against a throwaway private PostgreSQL cluster (or DATABASE_URL
# when set), then the browser tests in headless Chromium against a debug build. Ends with one
# summary line and exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
started=$SECONDS
LOGS="$(mktemp -d /tmp/callbackcloser-test-logs-XXXXXX)"

ensure_rust_tools
ensure_test_runner
ensure_build_npm_tools
ensure_browser_test_tools
ensure_contract_mocks
ensure_python_signers
ensure_postgres_binaries

cleanup() {
    [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    # shellcheck disable=SC2086
    [ -n "${PRISM_PIDS:-}" ] && kill $PRISM_PIDS 2>/dev/null
    [ -n "${PG_DIR:-}" ] && stop_cluster "$PG_DIR/pg" && rm -rf "$PG_DIR"
    return 0
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
    PG_DIR="$(mktemp -d /tmp/callbackcloser-pg-XXXXXX)"
    chmod 755 "$PG_DIR"
    port="$(free_port)"
    say "Starting a throwaway PostgreSQL cluster on 127.0.0.1:$port"
    start_cluster "$PG_DIR/pg" "$port" throwaway
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
fi

# Prism takes a few seconds to load Twilio's documents; it starts now and is awaited before the tests.
start_contract_mocks "$LOGS"

say "Formatting (cargo fmt --check)"
cargo fmt --all -- --check

say "Clippy, server build (with the test-only failpoints, so the slow drills are linted too)"
cargo clippy --features ssr,failpoints --all-targets -- -D warnings

say "Clippy, browser build"
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

say "Rust tests (unit, database, HTTP) against PostgreSQL"
wait_for_contract_mocks
rust_status=0
cargo nextest run --features ssr --no-fail-fast --test-threads 4 2>&1 | tee "$LOGS/nextest.log" || rust_status=$?
rust_summary="$(grep -E '^\s+Summary' "$LOGS/nextest.log" | tail -1 | sed -E 's/^\s+Summary \[[^]]*\] //')"

say "Building the debug site for the browser tests (cargo leptos build)"
cargo leptos build

say "Browser tests (headless Chromium)"
e2e_db="callbackcloser_e2e_$$"
# The demo server's simulated Twilio answers to these, and the browser tests sign webhooks with them.
export E2E_TWILIO_ACCOUNT_SID="AC$(printf 'e2e%.0s' 1 2 3 4 5 6 7 8 9 10)00"
export E2E_TWILIO_AUTH_TOKEN="e2e-twilio-auth-token-$$"
psql_url "$DATABASE_URL" "CREATE DATABASE $e2e_db" >/dev/null
port="$(free_port)"
env \
    DATABASE_URL="$(with_database "$DATABASE_URL" "$e2e_db")" \
    LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site" \
    LEPTOS_SITE_ADDR="127.0.0.1:$port" \
    PUBLIC_BASE_URL="http://127.0.0.1:$port" \
    DEMO_MODE=true \
    TWILIO_ACCOUNT_SID="$E2E_TWILIO_ACCOUNT_SID" \
    TWILIO_AUTH_TOKEN="$E2E_TWILIO_AUTH_TOKEN" \
    RUST_LOG=warn \
    "$CARGO_TARGET_DIR/debug/callbackcloser" serve >"$LOGS/server.log" 2>&1 &
SERVER_PID=$!
wait_for_http "http://127.0.0.1:$port/api/health" 60 || { cat "$LOGS/server.log"; die "the server did not become healthy"; }
e2e_status=0
# E2E_SCREENSHOTS=<dir>: the browser tests also save the README's screenshots there.
[ -n "${E2E_SCREENSHOTS:-}" ] && mkdir -p "$E2E_SCREENSHOTS"
E2E_BASE_URL="http://127.0.0.1:$port" node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$LOGS/e2e.tap" end2end/tests/ || e2e_status=$?
e2e_pass="$(grep -E '^# pass' "$LOGS/e2e.tap" | awk '{print $3}')"
e2e_fail="$(grep -E '^# fail' "$LOGS/e2e.tap" | awk '{print $3}')"

say "Release artifact (the release command's folder, from this debug build, started from a clean folder)"
{ kill "$SERVER_PID" && wait "$SERVER_PID"; } 2>/dev/null || true
SERVER_PID=
artifact_db="callbackcloser_artifact_$$"
psql_url "$DATABASE_URL" "CREATE DATABASE $artifact_db" >/dev/null
artifact_status=0
./scripts/release.sh --from-debug-build "$LOGS/artifact" &&
    ARTIFACT_DIR="$LOGS/artifact" ARTIFACT_DATABASE_URL="$(with_database "$DATABASE_URL" "$artifact_db")" \
    node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$LOGS/artifact.tap" end2end/release/ ||
    artifact_status=$?
rm -rf "$LOGS/artifact" # a copy of the debug binary
artifact_pass="$(grep -E '^# pass' "$LOGS/artifact.tap" 2>/dev/null | awk '{print $3}')"
artifact_fail="$(grep -E '^# fail' "$LOGS/artifact.tap" 2>/dev/null | awk '{print $3}')"

elapsed=$((SECONDS - started))
status=$(( rust_status != 0 || e2e_status != 0 || artifact_status != 0 ))
verdict=$([ "$status" = 0 ] && echo PASS || echo FAIL)
printf '\nSummary: %s — Rust: %s; browser: %s passed, %s failed; artifact: %s passed, %s failed; %dm%02ds\n' \
    "$verdict" "${rust_summary:-no summary}" "${e2e_pass:-0}" "${e2e_fail:-?}" \
    "${artifact_pass:-0}" "${artifact_fail:-?}" $((elapsed / 60)) $((elapsed % 60))
exit "$status"
