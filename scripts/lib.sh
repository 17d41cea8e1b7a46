# Shared by run.sh, test.sh and test-slow.sh (sourced, not executed).
#
# Installs only what is missing, and always outside the clone: cargo tools in ~/.cargo/bin, npm
# packages and cargo's target directory under $CALLBACKCLOSER_CACHE (default
# ~/.cache/callbackcloser), so a fresh clone reuses everything a previous one built.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${CALLBACKCLOSER_CACHE:-$HOME/.cache/callbackcloser}"
CARGO_LEPTOS_VERSION=0.3.10

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
# Leptos reads LEPTOS_OUTPUT_NAME at compile time; cargo-leptos sets it. Setting it for every
# cargo command keeps tests, clippy and cargo-leptos on one set of compiled dependencies.
export LEPTOS_OUTPUT_NAME=callbackcloser
export PATH="$CACHE/npm-tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\n\033[1;36m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "root is needed to run: $*"
    fi
}

apt_install() {
    command -v apt-get >/dev/null || die "$* missing and apt-get is not available: install it with your package manager"
    say "Installing $* (apt-get)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 || {
        as_root apt-get update -qq >/dev/null
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null
    }
}

# The build tools: the wasm target, cargo-leptos and the wasm-bindgen CLI matching Cargo.lock.
ensure_rust_tools() {
    command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain with rustup"
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "Adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
    if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
        say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (once; about 18 minutes on 2 cores)"
        # 0.3.11 needs a newer rustc; no_downloads: its helpers come from npm (below), never from the web.
        cargo install --locked cargo-leptos --version "$CARGO_LEPTOS_VERSION" --features no_downloads
    fi
    local bindgen
    bindgen="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")"
    if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$bindgen" ]; then
        say "Installing wasm-bindgen-cli $bindgen (must equal the wasm-bindgen crate)"
        # Without --locked: with it, one of its dependencies is missing from the registry.
        cargo install wasm-bindgen-cli --version "$bindgen"
    fi
}

# The test runner, for the test commands only (the release build does not need it).
ensure_test_runner() {
    if ! command -v cargo-nextest >/dev/null; then
        say "Installing cargo-nextest"
        cargo install --locked cargo-nextest
    fi
}

# ensure_npm_packages <folder with package.json and package-lock.json> <cache name> <link path>
# Installs the locked packages into the cache once per package.json + lockfile and links
# node_modules to them.
ensure_npm_packages() {
    local src="$1" dest="$CACHE/$2" link="$3" stamp
    command -v npm >/dev/null || die "npm not found: install Node.js (20 or newer) and npm"
    stamp="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)"
    if [ ! -d "$dest/node_modules" ] || [ "$(cat "$dest/.installed" 2>/dev/null)" != "$stamp" ]; then
        say "Installing npm packages: $2"
        mkdir -p "$dest"
        rm -rf "$dest/node_modules"
        cp "$src/package.json" "$src/package-lock.json" "$dest/"
        # `npm install` rather than `npm ci`: npm 11 leaves other platforms' optional packages
        # (Tailwind's native binaries) out of the lockfile and `npm ci` then refuses it. The
        # versions still come from the lockfile.
        (cd "$dest" && npm install --no-audit --no-fund --loglevel=error)
        echo "$stamp" >"$dest/.installed"
    fi
    [ -z "$link" ] || ln -sfn "$dest/node_modules" "$link"
}

# Tailwind CSS and wasm-opt for cargo-leptos; the root node_modules link lets Tailwind resolve
# `@import "tailwindcss"` from style/.
ensure_build_npm_tools() {
    ensure_npm_packages "$ROOT/tools/npm" npm-tools "$ROOT/node_modules"
}

ensure_browser_test_tools() {
    [ -x /usr/bin/chromium ] || apt_install chromium
    ensure_npm_packages "$ROOT/end2end" end2end "$ROOT/end2end/node_modules"
}

# A Python venv with the providers' own helper libraries (tools/python/requirements.txt), used as
# independent signers; exports SIGNER_PYTHON.
ensure_python_signers() {
    local dest="$CACHE/py-signers" stamp
    command -v python3 >/dev/null || die "python3 not found: install Python 3.9 or newer"
    stamp="$(sha256sum "$ROOT/tools/python/requirements.txt" | cut -d' ' -f1)"
    if [ ! -x "$dest/bin/python" ] || [ "$(cat "$dest/.installed" 2>/dev/null)" != "$stamp" ]; then
        say "Installing Python signers (twilio helper library)"
        rm -rf "$dest"
        python3 -m venv "$dest"
        "$dest/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/tools/python/requirements.txt"
        echo "$stamp" >"$dest/.installed"
    fi
    export SIGNER_PYTHON="$dest/bin/python"
}

# Prism and Twilio's OpenAPI documents for the contract tests (quality.md §3).
TWILIO_OAI_PACKAGE="@twilio-alpha/mcp@0.7.0"
ensure_contract_mocks() {
    ensure_npm_packages "$ROOT/tools/contract" contract ""
    CONTRACT_SPECS="$CACHE/twilio-oai-0.7.0"
    if [ ! -f "$CONTRACT_SPECS/twilio_api_v2010.json" ] || [ ! -f "$CONTRACT_SPECS/twilio_messaging_v1.json" ]; then
        say "Fetching Twilio's OpenAPI documents ($TWILIO_OAI_PACKAGE)"
        local tmp
        tmp="$(mktemp -d)"
        # npm pack downloads the package alone, without installing its dependencies.
        (cd "$tmp" && npm pack "$TWILIO_OAI_PACKAGE" --silent >/dev/null)
        tar -xzf "$tmp"/*.tgz -C "$tmp" package/twilio-oai/spec/json/twilio_api_v2010.json \
            package/twilio-oai/spec/json/twilio_messaging_v1.json
        mkdir -p "$CONTRACT_SPECS"
        mv "$tmp"/package/twilio-oai/spec/json/*.json "$CONTRACT_SPECS/"
        rm -rf "$tmp"
    fi
}

# start_contract_mocks <log dir>: two Prism mocks on free ports; exports their URLs.
start_contract_mocks() {
    local logs="$1" api_port messaging_port prism="$CACHE/contract/node_modules/.bin/prism"
    api_port="$(free_port)"
    messaging_port="$(free_port)"
    "$prism" mock -h 127.0.0.1 -p "$api_port" "$CONTRACT_SPECS/twilio_api_v2010.json" >"$logs/prism-api.log" 2>&1 &
    PRISM_PIDS="$!"
    "$prism" mock -h 127.0.0.1 -p "$messaging_port" "$CONTRACT_SPECS/twilio_messaging_v1.json" >"$logs/prism-messaging.log" 2>&1 &
    PRISM_PIDS="$PRISM_PIDS $!"
    export TWILIO_CONTRACT_API_URL="http://127.0.0.1:$api_port"
    export TWILIO_CONTRACT_MESSAGING_URL="http://127.0.0.1:$messaging_port"
}

wait_for_contract_mocks() {
    local url
    for url in "$TWILIO_CONTRACT_API_URL" "$TWILIO_CONTRACT_MESSAGING_URL"; do
        for _ in $(seq 1 300); do
            # Any HTTP answer means Prism is listening (it answers unknown paths with 404).
            curl -s -o /dev/null "$url/" && continue 2
            sleep 0.2
        done
        die "Prism did not start at $url"
    done
}

# ---- PostgreSQL ----------------------------------------------------------------------------

pg_bin_dir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    done
    command -v initdb >/dev/null && dirname "$(readlink -f "$(command -v initdb)")"
    return 0
}

ensure_postgres_binaries() {
    [ -n "$(pg_bin_dir)" ] || apt_install postgresql
    PG_BIN="$(pg_bin_dir)"
    [ -n "$PG_BIN" ] || die "PostgreSQL server binaries (initdb, pg_ctl) not found"
    export PG_BIN
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null && return
    local port
    for port in $(seq 55000 55999); do
        (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    die "no free TCP port found"
}

# Postgres refuses to run as root; as root, cluster commands run as the postgres user.
pg_run() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Whether the cluster owner can reach a folder (as root, /root/... is closed to postgres).
pg_can_use() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- test -x "$1"; else test -x "$1"; fi
}

# start_cluster <data dir> <port> [throwaway]: initialise once, then start on 127.0.0.1 only.
# A throwaway cluster trades durability for speed (tests only).
start_cluster() {
    local dir="$1" port="$2" mode="${3:-}" options
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir" && chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
        pg_run "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
    fi
    options="-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=300"
    if [ "$mode" = throwaway ]; then
        options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    # Benchmarks: durable, with a production-sized buffer cache, so the kernel reclaiming page
    # cache (DAMON runs on these VMs) cannot turn hot pages into disk reads mid-measurement.
    if [ "$mode" = bench ]; then
        options="$options -c shared_buffers=1GB"
    fi
    pg_run "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 -o "$options" start >/dev/null ||
        die "PostgreSQL did not start; see $dir/server.log"
}

stop_cluster() {
    [ -n "${PG_BIN:-}" ] && pg_run "$PG_BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}

# psql_url <url> <sql>: runs one statement with the client next to the server binaries.
psql_url() {
    local psql="psql"
    [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/psql" ] && psql="$PG_BIN/psql"
    "$psql" "$1" -v ON_ERROR_STOP=1 -qAt -c "$2"
}

# The same server, another database: replaces the database name of a postgres:// URL.
with_database() {
    local url="$1" name="$2" base query=""
    case "$url" in *\?*) query="?${url#*\?}"; url="${url%%\?*}" ;; esac
    base="${url%/*}"
    echo "$base/$name$query"
}

wait_for_http() {
    local url="$1" seconds="${2:-60}" i
    for i in $(seq 1 $((seconds * 5))); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
