#!/usr/bin/env bash
# The release command (operations.md §15, docs/deploy.md): builds the production site and server
# with cargo-leptos and assembles a self-contained folder and tarball:
#
#   dist/callbackcloser/
#     callbackcloser            server binary (migrations embedded)
#     site/                     pkg/ (wasm, js, css) and the public/ assets
#     Leptos.toml               production site settings, read from the working directory
#     callbackcloser.service    example systemd unit
#     env.example               every variable, with comments
#     VERSION                   crate version and git commit
#   dist/callbackcloser-<version>-linux-<arch>.tar.gz
#
# Start it from that folder with only environment variables and a Postgres URL:
#   cd dist/callbackcloser && APP_ENV=production DATABASE_URL=… ./callbackcloser serve
#
# Usage: scripts/release.sh [--from-debug-build] [OUT_DIR]
#   OUT_DIR              where the folder goes (default dist/callbackcloser)
#   --from-debug-build   assemble the same folder from the debug build `cargo leptos build` made,
#                        without a release build; the test command uses it to check the layout
#                        (the Dockerfile and real releases never do)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

profile=release
if [ "${1:-}" = "--from-debug-build" ]; then
    profile=debug
    shift
fi
out="${1:-$ROOT/dist/callbackcloser}"

if [ "$profile" = release ]; then
    ensure_rust_tools
    ensure_build_npm_tools
    say "Building the production site and server (cargo leptos build --release)"
    cargo leptos build --release
fi
binary="$CARGO_TARGET_DIR/$profile/callbackcloser"
site="$CARGO_TARGET_DIR/site"
[ -x "$binary" ] || die "no $profile server binary at $binary (run cargo leptos build first)"
[ -f "$site/pkg/$LEPTOS_OUTPUT_NAME.wasm" ] || die "no site at $site (run cargo leptos build first)"

say "Assembling $out"
rm -rf "$out"
mkdir -p "$out"
cp "$binary" "$out/callbackcloser"
if [ "$profile" = release ] && command -v strip >/dev/null; then
    strip "$out/callbackcloser"
fi
cp -R "$site" "$out/site"
cp Leptos.toml "$out/Leptos.toml"
cp deploy/callbackcloser.service "$out/callbackcloser.service"
cp .env.example "$out/env.example"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
printf 'callbackcloser %s (%s, %s build)\n' "$version" "$commit" "$profile" >"$out/VERSION"

if [ "$profile" = release ]; then
    tarball="$(dirname "$out")/callbackcloser-$version-linux-$(uname -m).tar.gz"
    tar -czf "$tarball" -C "$(dirname "$out")" "$(basename "$out")"
    say "Release ready: $out and $tarball ($(du -sh "$out" | cut -f1))"
else
    say "Folder ready (debug build): $out"
fi
