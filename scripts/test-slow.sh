#!/usr/bin/env bash
# The test-slow command (README; not part of every CI run): everything too slow for the main tier
# (quality.md §2.2). Runs the ignored Rust tests, which hold the long property runs, the kill and
# restart drills (R5, with the test-only `failpoints` feature) and the PostgreSQL restart under load
# (R8, on a cluster of its own), against a throwaway private PostgreSQL cluster.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_rust_tools
ensure_test_runner
ensure_postgres_binaries

cleanup() { [ -n "${PG_DIR:-}" ] && stop_cluster "$PG_DIR/pg" && rm -rf "$PG_DIR"; return 0; }
trap cleanup EXIT
if [ -z "${DATABASE_URL:-}" ]; then
    PG_DIR="$(mktemp -d /tmp/callbackcloser-pg-XXXXXX)"
    chmod 755 "$PG_DIR"
    port="$(free_port)"
    start_cluster "$PG_DIR/pg" "$port" throwaway
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
fi

say "Slow tier: ignored tests (long property runs, restart drills)"
cargo nextest run --features ssr,failpoints --run-ignored ignored-only --no-fail-fast --no-tests=warn

say "Slow tier: coverage-guided fuzzing of the webhook parsers (skipped without a nightly toolchain)"
"$ROOT/scripts/fuzz.sh"
