#!/usr/bin/env bash
# Tokens per second of the GPT's sampler with and without its KV cache,
# side by side in one run (release, one thread):
#
#   bash benches/sampling.sh [DATA] [STEPS]
#
# trains makemore's Transformer on DATA (default ../shared/names.txt, the
# embedded names if it is missing) for STEPS steps (default 5000), then
# runs `cargo bench --features bench --bench sampling` on it: 1,000 names
# cached, uncached (the same names, checked) and batched, and 500
# characters from the lecture's model.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/names.txt}
steps=${2:-2000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
data_args=()
if [ -f "$data" ]; then data_args=(--data "$data"); fi
uptime
cargo run --release --features bench --quiet -- train gpt "${data_args[@]}" --steps "$steps" \
    --out "$out/names.safetensors" --samples 5
SAMPLING_NAMES_MODEL="$out/names.safetensors" \
    cargo bench --features bench --bench sampling
uptime
