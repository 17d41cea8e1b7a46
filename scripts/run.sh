#!/usr/bin/env bash
# The run command (README): builds with cargo-leptos and serves on http://127.0.0.1:3000.
# Uses DATABASE_URL when set, else a private PostgreSQL cluster kept under .data/. Without
# Twilio and Stripe keys it runs in demo mode (simulated calls, texts and payments) and says so.
# Extra arguments go to `cargo leptos serve` (e.g. --release).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

ensure_rust_tools
ensure_build_npm_tools

if [ -z "${DATABASE_URL:-}" ]; then
    ensure_postgres_binaries
    data="$ROOT/.data"
    mkdir -p "$data"
    if ! pg_can_use "$data"; then
        # Postgres runs as its own user and cannot enter this clone (e.g. under /root).
        data="/var/tmp/callbackcloser-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)"
        mkdir -p "$data" && chmod 755 "$data"
        say "PostgreSQL cannot reach $ROOT/.data; keeping the cluster in $data"
    fi
    cluster="$data/pg"
    if pg_run "$PG_BIN/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
        port="$(cat "$data/port")"
    else
        port="$(cat "$data/port" 2>/dev/null || true)"
        if [ -z "$port" ] || (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then port="$(free_port)"; fi
        say "Starting the private PostgreSQL cluster on 127.0.0.1:$port ($cluster)"
        start_cluster "$cluster" "$port"
        echo "$port" >"$data/port"
        trap 'say "Stopping PostgreSQL"; stop_cluster "$cluster"' EXIT
    fi
    admin_url="postgres://postgres@127.0.0.1:$port/postgres"
    if [ -z "$(psql_url "$admin_url" "SELECT 1 FROM pg_database WHERE datname = 'callbackcloser'")" ]; then
        psql_url "$admin_url" "CREATE DATABASE callbackcloser" >/dev/null
    fi
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/callbackcloser"
fi

has_key() {
    [ -n "${!1:-}" ] || { [ -f .env ] && grep -qE "^$1=.+" .env; }
}
if has_key TWILIO_ACCOUNT_SID || has_key STRIPE_SECRET_KEY; then
    mode="live (Twilio and Stripe keys are configured)"
else
    export DEMO_MODE=true
    mode="demo (DEMO_MODE=true: no Twilio or Stripe keys, so calls, texts and payments are simulated)"
fi

say "CallbackCloser on http://127.0.0.1:3000, mode: $mode"
cargo leptos serve "$@"
