#!/usr/bin/env bash
# The tokenizer's speed, side by side on one machine, one thread:
#
#   bash benches/tokenizer.sh [TEXT] [VOCAB_SIZE] [FLOOR_CHARS]
#
# TEXT defaults to ../shared/tinyshakespeare.txt, VOCAB_SIZE to 1024,
# FLOOR_CHARS to 100000. Training (GPT-2 pattern): this crate's
# `tokenizer train` beside rustbpe and Hugging Face tokenizers
# (benches/tokenizer_train.py; pip install rustbpe tokenizers regex), and
# minbpe's naive Python loop on the first FLOOR_CHARS characters, beside
# this crate on the same slice. Encoding the whole text with GPT-2's merges:
# this crate's encoder beside tiktoken-rs (examples/tokenizer_encode.rs,
# `--features pretrained`), ids checked equal.
set -euo pipefail
cd "$(dirname "$0")/.."
text=${1:-../shared/tinyshakespeare.txt}
vocab=${2:-1024}
floor=${3:-100000}
export RAYON_NUM_THREADS=1 RAYON_RS_NUM_CPUS=1 TOKENIZERS_PARALLELISM=false
echo "load: $(uptime)"
cargo build --release --quiet
python3 benches/tokenizer_train.py target/release/backprop-ninja "$text" "$vocab" "$floor"
echo
cargo run --release --quiet --features pretrained --example tokenizer_encode -- "$text" gpt2
