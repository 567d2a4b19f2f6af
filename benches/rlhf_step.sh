#!/usr/bin/env bash
# One RLHF step, REINFORCE with the k3 KL penalty, this crate beside
# PyTorch, f32, one thread each:
#
#   bash benches/rlhf_step.sh [RUNS]
#
# `cargo bench --features bench --bench rlhf_step` builds the chat model's
# size (vocabulary 45, block 53, n_embd 64, 4 layers, 4 heads) at its
# initialisation, samples a rollout of 16 prompts x 8 answers from it and
# exports both; benches/rlhf_step.py loads them into PyTorch, checks that
# its first two steps give the crate's losses and clipped gradients, and
# runs the same step. Then the two time their steps alternately, RUNS times
# each (default 2): 3 warm-up steps, then 25 steps timed one by one. The
# table shows each side's fastest step over the runs (the least disturbed
# by a shared machine's other work), its median over the steps of the run
# that gave it, and the median CPU time of the thread per step (the lowest
# over runs), which leaves out the time the machine kept it waiting for a
# core; the rows are what benches/rlhf_step.rs's and benches/rlhf_step.py's
# doc comments say. With RLHF_STEP_POLICY=FILE (a chat checkpoint, `sft`'s)
# both start from that model: answers that end as names do, a shorter
# rollout. Needs `pip install torch safetensors`.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load before: $(uptime)"
cargo build --release --features bench --bench rlhf_step --quiet
for run in $(seq "$runs"); do
    RLHF_STEP_RESULTS_ONLY=1 RLHF_STEP_EXPORT="$out/rollout.safetensors" \
        cargo bench --features bench --bench rlhf_step --quiet 2>/dev/null | tee -a "$out/results"
    python3 benches/rlhf_step.py "$out/rollout.safetensors" | tee -a "$out/results"
done
echo "load after: $(uptime)"
echo
awk '
/^RESULT / {
    side = ""; what = ""; ms = ""; med = ""; cpu = ""
    for (i = 2; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "side") side = kv[2]
        if (kv[1] == "what") what = kv[2]
        if (kv[1] == "ms_per_step") ms = kv[2] + 0
        if (kv[1] == "median_ms") med = kv[2] + 0
        if (kv[1] == "cpu_median_ms") cpu = kv[2] + 0
    }
    key = side "/" what
    if (!(key in best) || ms < best[key]) { best[key] = ms; median[key] = med }
    if (!(key in cpus) || cpu < cpus[key]) cpus[key] = cpu
}
END {
    n = split("update with_rewards_update rollout_update", rows, " ")
    label["update"] = "update: policy fwd+bwd, losses, clip, AdamW"
    label["with_rewards_update"] = "reference fwd (no grad), then update"
    label["rollout_update"] = "sample 128 (KV cache), then the above"
    printf "%-44s %26s %26s %13s\n", "step of 128 rows, ms", "crate", "PyTorch", "ratio"
    printf "%-44s %26s %26s %13s\n", "", "fastest / median /   CPU", "fastest / median /   CPU", "fastest  CPU"
    for (i = 1; i <= n; i++) {
        w = rows[i]
        c = (w in ours) ? ours[w] : w
        if (!(("crate/" c) in best) || !(("torch/" w) in best)) continue
        cm = "crate/" c; tm = "torch/" w
        printf "%-44s %7.1f / %6.1f / %6.1f %7.1f / %6.1f / %6.1f %6.2fx %5.2fx\n", label[w],
            best[cm], median[cm], cpus[cm], best[tm], median[tm], cpus[tm],
            best[tm] / best[cm], cpus[tm] / cpus[cm]
    }
    print "fastest: the fastest step of all runs, median: over the steps of its run;"
    print "CPU: the lowest median over runs of the thread CPU time per step"
    print "ratio = PyTorch / crate (above 1: the crate is faster)"
}' "$out/results"
