#!/usr/bin/env bash
# Prints the size of the hydrated wasm bundle as `cargo leptos build --release` ships it, without
# building the server: the `frontend` crate in the `wasm-release` profile, wasm-bindgen, then
# wasm-opt with the flags cargo-leptos passes. A figure printer (design target: ≤ 400 KB gzipped),
# not part of the test run.
#   scripts/wasm-size.sh            build, then print raw / after wasm-opt / gzipped
#   WASM_SIZE_DIR=dir scripts/wasm-size.sh   keep the outputs in `dir` (default target/wasm-size)
set -euo pipefail
cd "$(dirname "$0")/.."

target=${CARGO_TARGET_DIR:-target}
out=${WASM_SIZE_DIR:-$target/wasm-size}

# As cargo-leptos invokes it (lib-default-features = false, lib-profile-release); the
# `--cfg erase_components` flag comes from .cargo/config.toml.
cargo build --package=frontend --lib --target=wasm32-unknown-unknown --no-default-features \
  --profile=wasm-release

mkdir -p "$out"
wasm-bindgen --target=web --no-typescript --out-name=bridgekeeper --out-dir="$out" \
  "$target/wasm32-unknown-unknown/wasm-release/frontend.wasm"
# cargo-leptos' default wasm-opt flags (no `wasm-opt-features` in Cargo.toml).
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$out/bridgekeeper_bg.wasm" -o "$out/bridgekeeper.opt.wasm"

kb() { awk -v b="$1" 'BEGIN { printf "%8.1f KB", b / 1024 }'; }
raw=$(stat -c %s "$out/bridgekeeper_bg.wasm")
opt=$(stat -c %s "$out/bridgekeeper.opt.wasm")
gz=$(gzip -9 -c "$out/bridgekeeper.opt.wasm" | wc -c)
js=$(gzip -9 -c "$out/bridgekeeper.js" | wc -c)
echo "wasm after wasm-bindgen: $(kb "$raw")"
echo "wasm after wasm-opt -Oz: $(kb "$opt")"
echo "wasm gzipped (-9):       $(kb "$gz")   (target ≤ 400 KB)"
echo "js glue gzipped (-9):    $(kb "$js")   (unminified)"
