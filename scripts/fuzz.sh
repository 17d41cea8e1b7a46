#!/usr/bin/env bash
# Coverage-guided fuzzing of the webhook parsers (quality.md §2.2, test-slow; docs/fuzzing.md):
# every target in fuzz/ runs for FUZZ_SECONDS (default 60) under cargo-fuzz and libFuzzer.
#
# cargo-fuzz needs a nightly compiler. With a `nightly` rustup toolchain it is used; otherwise,
# only when FUZZ_ALLOW_BOOTSTRAP=1, the stable compiler is told to accept nightly flags
# (RUSTC_BOOTSTRAP=1); otherwise the run is skipped with a message and exits 0.
#
# Usage: scripts/fuzz.sh [target …]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT/fuzz"

CARGO_FUZZ_VERSION=0.13.2
seconds="${FUZZ_SECONDS:-60}"

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
elif [ "${FUZZ_ALLOW_BOOTSTRAP:-}" = 1 ]; then
    say "No nightly toolchain: the stable compiler takes nightly flags (RUSTC_BOOTSTRAP=1)"
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
else
    say "Fuzzing skipped: no nightly toolchain (install one with 'rustup toolchain install nightly', or set FUZZ_ALLOW_BOOTSTRAP=1)"
    exit 0
fi
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
    say "Installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
# The fuzz crate starts from the project's lock file, so it builds the same dependency versions.
[ -f Cargo.lock ] || cp ../Cargo.lock Cargo.lock

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <("${fuzz[@]}" list)
export CARGO_TARGET_DIR="$CACHE/fuzz-target"
failed=()
for target in "${targets[@]}"; do
    say "Fuzzing $target for ${seconds}s"
    mkdir -p "corpus/$target"
    if ! "${fuzz[@]}" run "$target" "corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 |
        tee "$CACHE/fuzz-$target.log" | grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==|SUMMARY|thread .* panicked)'; then
        failed+=("$target")
    fi
    grep -q 'Done [0-9]* runs' "$CACHE/fuzz-$target.log" || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
    die "fuzzing found a failure in: ${failed[*]} (inputs under fuzz/artifacts/; logs in $CACHE/fuzz-*.log)"
fi
say "Fuzzing: ${#targets[@]} targets, ${seconds}s each, no failure"
