#!/usr/bin/env bash
# Per-step time of the lectures' training loops, this crate beside PyTorch,
# measured one after the other on the same machine and data:
#
#   bash benches/compare.sh [DATA] [STEPS] [MODEL]
#
# DATA defaults to ../shared/names.txt (the lecture's 32,033 names), STEPS
# to 20000 (500 for the GPTs), MODEL to both: `mlp` (makemore part 4),
# `wavenet` (part 5), `both` (the two), `gpt-shakespeare`, `gpt-names`, `gpt`
# (the two GPTs of lecture 7) or `all`. The Shakespeare GPT reads TEXT
# (environment; default ../shared/tinyshakespeare.txt). PyTorch runs
# benches/pytorch_step.py: the same network, f32, one thread; for the MLP
# with the lecture's manual backward under torch.no_grad and with autograd,
# for the WaveNet (the lecture's layer classes) with autograd; and
# benches/pytorch_gpt.py for the GPTs (autograd and torch.optim.AdamW).
# Needs `pip install torch numpy`.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/names.txt}
text=${TEXT:-../shared/tinyshakespeare.txt}
steps_arg=${2:-}
steps=${steps_arg:-20000}
which=${3:-both}
case "$which" in
mlp) models=(mlp) ;;
wavenet) models=(wavenet) ;;
both) models=(mlp wavenet) ;;
gpt-shakespeare | gpt-names) models=("$which") ;;
gpt) models=(gpt-shakespeare gpt-names) ;;
all) models=(mlp wavenet gpt-shakespeare gpt-names) ;;
*)
    echo "MODEL must be mlp, wavenet, both, gpt-shakespeare, gpt-names, gpt or all, not $which" >&2
    exit 2
    ;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cargo build --release --quiet

ours() { # model
    ./target/release/backprop-ninja train "$1" --data "$data" --steps "$steps" --samples 0 \
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

# ---- GPT (lecture 7) ----------------------------------------------------------
# Both sides: mean wall-clock µs per step of batch sampling + forward + backward +
# (gradient clipping for names) + AdamW, one thread, f32, and the same split by
# phase. PyTorch: benches/pytorch_gpt.py --setting shakespeare|names --time N (20
# untimed warm-up steps first); ours: train gpt --steps N.
torch_gpt() { # setting file steps -> "µs/step|phases"
    python3 benches/pytorch_gpt.py --setting "$1" --data "$2" --time "$3" |
        sed -n -e 's/^timed .*: [0-9.]* us\/step (\(.*\) us).*/phases \1/p' \
            -e 's/^RESULT .*us_per_step=\([0-9.]*\) .*/\1/p' | paste -sd'|' | awk -F'|' '{print $2 "|" $1}'
}
# Ours: the trainer times its own steps (evaluations not counted) and prints
# "trained N steps in S s (X µs/step)" and a line of phases.
ours_gpt() { # setting steps -> "µs/step|phases"
    case "$1" in
    shakespeare) args=(--text "$text" --chars 1) ;;
    names) args=(--data "$data" --samples 0) ;;
    esac
    ./target/release/backprop-ninja train gpt "${args[@]}" --steps "$2" \
        --eval-every "$2" --eval-batches 1 --out "$out/g.safetensors" |
        sed -n -e 's/.*(\([0-9.]*\) µs\/step).*/\1/p' -e 's/^  per step: \(.*\)/phases \1/p' |
        paste -sd'|'
}
gpt_rows() { # setting
    local setting=$1 file n mine theirs
    file=$([ "$setting" = shakespeare ] && echo "$text" || echo "$data")
    n=${steps_arg:-500}
    mine=$(ours_gpt "$setting" "$n")
    theirs=$(torch_gpt "$setting" "$file" "$n")
    echo
    printf '%-48s %10s %8s\n' "gpt $setting: one training step, $n steps" "µs/step" "vs ours"
    printf '%-48s %10.1f %8s\n' "backprop-ninja (solutions, f32)" "${mine%%|*}" "1.0x"
    row "PyTorch, autograd + AdamW, 1 thread" "${theirs%%|*}" "${mine%%|*}"
    echo "  backprop-ninja ${mine#*|}"
    echo "  PyTorch ${theirs#*|} µs"
}
# ---- end GPT ------------------------------------------------------------------

for model in "${models[@]}"; do
    case "$model" in
    gpt-*)
        gpt_rows "${model#gpt-}"
        continue
        ;;
    esac
    mine=$(ours "$model")
    echo
    printf '%-48s %10s %8s\n' "$model: one training step, $steps steps" "µs/step" "vs ours"
    printf '%-48s %10.1f %8s\n' "backprop-ninja (solutions, f32)" "$mine" "1.0x"
    if [ "$model" = mlp ]; then
        row "PyTorch, manual backward, no_grad, 1 thread" "$(torch mlp manual)" "$mine"
    fi
    row "PyTorch, autograd, 1 thread" "$(torch "$model" autograd)" "$mine"
done
