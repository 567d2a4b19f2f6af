#!/usr/bin/env bash
# The lecture's GPT on tiny Shakespeare read four ways: by characters, and
# by byte-pair tokens with vocabularies of 256 (the bytes), 512 and 1024
# (GPT-2's split pattern), at the lecture's settings, the same step count
# for all four:
#
#   bash benches/bpe_gpt.sh [TEXT] [STEPS] [OUT]
#
# TEXT defaults to ../shared/tinyshakespeare.txt, STEPS to the lecture's
# 5000, OUT (the tokenizers, checkpoints and logs) to target/bpe_gpt.
# Prints, per run, the data line (bytes per token), the parameters, the
# time per step and the final line (val loss and bits per byte).
set -euo pipefail
cd "$(dirname "$0")/.."
text=${1:-../shared/tinyshakespeare.txt}
steps=${2:-5000}
out=${3:-target/bpe_gpt}
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/backprop-ninja
uptime
for vocab in 256 512 1024; do
    "$bin" tokenizer train --text "$text" --vocab-size "$vocab" --pattern gpt2 \
        --out "$out/bpe$vocab.model" --force
done
run() {
    local name=$1
    shift
    "$bin" train gpt --text "$text" --steps "$steps" --chars 200 \
        --out "$out/$name.safetensors" --force "$@" >"$out/$name.log"
    echo "== $name"
    grep -E '^(data:|model:|trained |final:)' "$out/$name.log"
}
run chars
for vocab in 256 512 1024; do
    run "bpe$vocab" --tokenizer "$out/bpe$vocab.model"
done
uptime
