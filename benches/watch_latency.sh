#!/usr/bin/env bash
# The learner's loop, timed: from saving an exercise to its verdict on the
# screen of `cargo run -- watch`.
#
#   benches/watch_latency.sh [SAVES]      # 10 saves by default
#
# Copies the crate into a temporary folder (your exercises/ are never
# touched), starts `cargo run -- watch` there and times, in seconds:
#
# - `first watch`: from the command to the first report on screen;
# - each save: the layer Tanh solved (the reference's file saved as
#   exercises/tanh.rs), then the stub saved back, and so on, each timed
#   until the screen shows the new count (`exercises: 1/…`, then
#   `exercises: 0/…`); then the median.
#
# The build goes to target/watch-latency (kept between runs, so the first
# watch is timed warm after the first run). WATCH_TARGET_DIR=DIR picks
# another one: an empty one times a first watch on a clean clone. Note the
# load (`uptime`) beside the figures: another build running on the machine
# slows every figure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
saves="${1:-10}"
target="${WATCH_TARGET_DIR:-$root/target/watch-latency}"
work="$(mktemp -d)"
log="$work.log"
watch_pid=""
cleanup() {
    if [ -n "$watch_pid" ]; then
        kill -INT "$watch_pid" 2>/dev/null || true
        wait "$watch_pid" 2>/dev/null || true
    fi
    rm -rf "$work" "$log"
}
trap cleanup EXIT

for entry in Cargo.toml Cargo.lock README.md build.rs src core kernels watch exercises solutions tests benches examples assets data docs; do
    if [ -e "$root/$entry" ]; then
        cp -r "$root/$entry" "$work/"
    fi
done
stub="$(cat "$work/exercises/tanh.rs")"

now() { date +%s.%N; }
# How many reports the screen has shown, and the last one's count
# (`3 exercises: 0/`), read by one process: the polling below must not
# take the CPU that the build it times needs.
state() { awk '{ while (match($0, /exercises: [0-9]*\//)) { n++; last = substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH) } } END { print n + 0, last }' "$log"; }
# Waits (at most 20 minutes) for a report after the `$1`th that says `$2`,
# looking every `$3` seconds.
wait_report() {
    local after="$1" want="$2" every="$3" limit=$((SECONDS + 1200)) n last
    while read -r n last < <(state) && { [ "$n" -le "$after" ] || [ "$last" != "$want" ]; }; do
        if [ "$SECONDS" -gt "$limit" ]; then
            echo "no report saying '$want' after 20 minutes; the screen:" >&2
            tail -n 40 "$log" >&2
            exit 1
        fi
        if ! kill -0 "$watch_pid" 2>/dev/null; then
            echo "watch ended; the screen:" >&2
            tail -n 40 "$log" >&2
            exit 1
        fi
        sleep "$every"
    done
}

echo "load: $(uptime)"
cd "$work"
start="$(now)"
CARGO_TARGET_DIR="$target" cargo run --quiet -- watch >"$log" 2>&1 &
watch_pid=$!
# Five looks a second: a build of about a minute, timed to a fifth of a
# second, with next to no CPU taken from it.
wait_report 0 "exercises: 0/" 0.2
echo "first watch: $(echo "$(now) - $start" | bc) s"

times=()
for i in $(seq 1 "$saves"); do
    # Let the watch settle after its last report.
    sleep 1
    before="$(state | cut -d" " -f1)"
    if [ $((i % 2)) -eq 1 ]; then
        cp solutions/tanh.rs exercises/tanh.rs
        want="exercises: 1/"
    else
        printf '%s\n' "$stub" >exercises/tanh.rs
        want="exercises: 0/"
    fi
    t0="$(now)"
    wait_report "$before" "$want" 0.02
    t="$(echo "$(now) - $t0" | bc)"
    times+=("$t")
    printf 'save %2d: %.2f s\n' "$i" "$t"
done
median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}')"
printf 'median of %d saves: %.2f s\n' "$saves" "$median"
echo "load: $(uptime)"
