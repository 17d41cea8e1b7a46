#!/usr/bin/env bash
# The test-slow command (README; not part of every CI run): everything too slow for the main tier
# (quality.md §2.2). Runs the ignored Rust tests, which hold the long property runs and the
# kill/restart drills, against a throwaway private PostgreSQL cluster.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_rust_tools
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
cargo nextest run --features ssr --run-ignored ignored-only --no-fail-fast --no-tests=warn
