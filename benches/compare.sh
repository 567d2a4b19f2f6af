#!/usr/bin/env bash
# Per-step time of the lecture's training loop, this crate beside PyTorch,
# measured one after the other on the same machine and data:
#
#   bash benches/compare.sh [DATA] [STEPS]
#
# DATA defaults to ../shared/names.txt (the lecture's 32,033 names), STEPS
# to 20000. PyTorch runs benches/pytorch_step.py: the same network, f32, one
# thread, with the lecture's manual backward under torch.no_grad and with
# autograd. Needs `pip install torch numpy`.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/names.txt}
steps=${2:-20000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cargo build --release --quiet
ours=$(./target/release/backprop-ninja train --data "$data" --steps "$steps" --samples 0 --eval-every "$steps" --out "$out/m.safetensors" |
    sed -n 's/.*(\([0-9.]*\) µs\/step).*/\1/p')
manual=$(python3 benches/pytorch_step.py --data "$data" --mode manual --time-steps "$steps" | sed -n 's/^RESULT .*us_per_step=\([0-9.]*\).*/\1/p')
autograd=$(python3 benches/pytorch_step.py --data "$data" --mode autograd --time-steps "$steps" | sed -n 's/^RESULT .*us_per_step=\([0-9.]*\).*/\1/p')

printf '%-44s %10s %8s\n' "one training step, $steps steps" "µs/step" "speedup"
printf '%-44s %10.1f %8s\n' "backprop-ninja (solutions, f32)" "$ours" "1.0x"
printf '%-44s %10.1f %7.1fx\n' "PyTorch, manual backward, no_grad, 1 thread" "$manual" "$(awk "BEGIN{print $manual / $ours}")"
printf '%-44s %10.1f %7.1fx\n' "PyTorch, autograd, 1 thread" "$autograd" "$(awk "BEGIN{print $autograd / $ours}")"
