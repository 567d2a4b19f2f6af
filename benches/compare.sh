#!/usr/bin/env bash
# Per-step time of the lectures' training loops, this crate beside PyTorch,
# measured one after the other on the same machine and data:
#
#   bash benches/compare.sh [DATA] [STEPS] [MODEL]
#
# DATA defaults to ../shared/names.txt (the lecture's 32,033 names), STEPS
# to 20000, MODEL to both: `mlp` (makemore part 4), `wavenet` (part 5) or
# `both`. PyTorch runs benches/pytorch_step.py: the same network, f32, one
# thread; for the MLP with the lecture's manual backward under torch.no_grad
# and with autograd, for the WaveNet (the lecture's layer classes) with
# autograd. Needs `pip install torch numpy`.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/names.txt}
steps=${2:-20000}
which=${3:-both}
case "$which" in
mlp) models=(mlp) ;;
wavenet) models=(wavenet) ;;
both) models=(mlp wavenet) ;;
*)
    echo "MODEL must be mlp, wavenet or both, not $which" >&2
    exit 2
    ;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cargo build --release --quiet

ours() { # model
    ./target/release/backprop-ninja train --model "$1" --data "$data" --steps "$steps" --samples 0 \
        --eval-every "$steps" --out "$out/m.safetensors" |
        sed -n 's/.*(\([0-9.]*\) µs\/step).*/\1/p'
}
torch() { # model mode
    python3 benches/pytorch_step.py --model "$1" --data "$data" --mode "$2" --time-steps "$steps" |
        sed -n 's/^RESULT .*us_per_step=\([0-9.]*\).*/\1/p'
}
row() { # label µs ours
    printf '%-48s %10.1f %7.1fx\n' "$1" "$2" "$(awk "BEGIN{print $2 / $3}")"
}

for model in "${models[@]}"; do
    mine=$(ours "$model")
    echo
    printf '%-48s %10s %8s\n' "$model: one training step, $steps steps" "µs/step" "vs ours"
    printf '%-48s %10.1f %8s\n' "backprop-ninja (solutions, f32)" "$mine" "1.0x"
    if [ "$model" = mlp ]; then
        row "PyTorch, manual backward, no_grad, 1 thread" "$(torch mlp manual)" "$mine"
    fi
    row "PyTorch, autograd, 1 thread" "$(torch "$model" autograd)" "$mine"
done
