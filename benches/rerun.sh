#!/usr/bin/env bash
# Incremental reruns, measured: a first run over a generated intake, a rerun with nothing
# changed, and a rerun after one new unit arrives. Prints the times and their ratios to the
# first run (targets: unchanged rerun < 5% of the first run; a new unit about that unit alone).
#
#   bash benches/rerun.sh [UNITS] [PER_UNIT]     (default 8 units x 25 photos of 4000x3000)
#
# Needs ../shared/corpus (real photos) or CORPUS=/path. Writes under ${BENCH_DIR:-/tmp/lightbox-rerun}.
set -euo pipefail
cd "$(dirname "$0")/.."
units=${1:-8}
per_unit=${2:-25}
corpus=${CORPUS:-../shared/corpus}
dir=${BENCH_DIR:-/tmp/lightbox-rerun}
cargo build --release --quiet --example make_corpus
cargo build --release --quiet
bin=target/release/lightbox
rm -rf "$dir"
mkdir -p "$dir"
target/release/examples/make_corpus "$dir/drops" "$units" "$per_unit" "$corpus"
# Hold one unit back: it "arrives" later.
late=$(ls "$dir/drops" | tail -n 1)
mkdir -p "$dir/later"
mv "$dir/drops/$late" "$dir/later/"

# Wall time of a command in seconds (the exit code is ignored: findings exit 1).
seconds() { local start end; start=$(date +%s%N); "$@" >/dev/null || true; end=$(date +%s%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" -v k="$3" 'BEGIN { printf "%.2f", k * a / b }'; }

# Reference: the whole intake with every unit, from an empty work folder.
cp -r "$dir/later/$late" "$dir/full-$late"
t_first=$(seconds "$bin" run "$dir/drops" --out "$dir/work" --quiet)
t_same=$(seconds "$bin" run "$dir/drops" --out "$dir/work" --quiet)
mv "$dir/later/$late" "$dir/drops/"
t_new=$(seconds "$bin" run "$dir/drops" --out "$dir/work" --quiet)
# The new unit alone, from an empty work folder: what "about that unit alone" is measured against.
mkdir -p "$dir/alone"
mv "$dir/full-$late" "$dir/alone/$late"
t_alone=$(seconds "$bin" run "$dir/alone" --out "$dir/work-alone" --quiet)

printf 'machine: %s cores, %s\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf 'intake: %s units x %s photos (%s arrives later)\n' "$units" "$per_unit" "$late"
printf 'first run (%s units)          %8.2f s\n' "$((units - 1))" "$t_first"
printf 'rerun, nothing changed        %8.2f s  = %5.1f%% of the first run\n' "$t_same" "$(ratio "$t_same" "$t_first" 100)"
printf 'rerun after one new unit      %8.2f s  = %5.2fx the new unit alone (%.2f s)\n' "$t_new" "$(ratio "$t_new" "$t_alone" 1)" "$t_alone"
