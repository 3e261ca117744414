#!/usr/bin/env bash
# Fuzz lightbox's untrusted-input readers for a bounded time: EXIF/XMP/IPTC metadata, tag
# sheets (xlsx/xls/csv), zip entry names, image decoding and the walk through JPEG coded data
# (targets in fuzz/fuzz_targets/).
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 60; run from anywhere)
#        FUZZ_TARGETS="metadata decode" scripts/fuzz.sh 300     (a subset of the targets)
#        FUZZ_ARGS="-max_len=16384" scripts/fuzz.sh 600          (extra libFuzzer options)
#
# Needs only the stable toolchain: cargo-fuzz's `-Z` flags are allowed with RUSTC_BOOTSTRAP=1.
# Installs cargo-fuzz when missing, seeds fuzz/corpus/<target>/ from the fixtures (small files
# only) and fuzz/seeds/<target>/, then runs each target for SECONDS_PER_TARGET with a 2 GiB RSS
# limit and a 10 s per-input timeout. Builds use one job (CARGO_BUILD_JOBS, default 1) and the
# fuzz crate's own target dir, fuzz/target. Findings land in fuzz/artifacts/<target>/
# (crash-*, timeout-*, oom-*); reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run <target> fuzz/artifacts/<target>/<file>
# and minimise it with `RUSTC_BOOTSTRAP=1 cargo fuzz tmin <target> <file>`.
# Exits 1 when any target found a crash, timeout or OOM in this run (2 on a build failure).
#
# Not part of CI (.ci/run): a fuzzing run is open-ended and slow; run it by hand.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_PER_TARGET=${1:-60}
TARGETS=${FUZZ_TARGETS:-metadata sheet zip_names decode entropy}
MAX_SEED_BYTES=$((300 * 1024))
MAX_SEEDS=40

if ! [[ $SECONDS_PER_TARGET =~ ^[0-9]+$ ]] || [ "$SECONDS_PER_TARGET" -eq 0 ]; then
  echo "usage: $0 [SECONDS_PER_TARGET]   (a positive whole number of seconds)" >&2
  exit 2
fi

export RUSTC_BOOTSTRAP=1
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# seed TARGET FILE...: copies up to MAX_SEEDS of the given files smaller than MAX_SEED_BYTES,
# smallest first, into fuzz/corpus/TARGET/ named by content (re-seeding adds no duplicates).
seed() {
  local target=$1
  shift
  local dir="fuzz/corpus/$target"
  mkdir -p "$dir"
  local n=0 size file sum
  while IFS=$'\t' read -r size file; do
    [ "$n" -ge "$MAX_SEEDS" ] && break
    sum=$(sha1sum <"$file" | cut -d' ' -f1)
    cp "$file" "$dir/seed-$sum"
    n=$((n + 1))
  done < <(
    for file in "$@"; do
      [ -f "$file" ] || continue
      size=$(stat -c %s "$file")
      [ "$size" -lt "$MAX_SEED_BYTES" ] && printf '%s\t%s\n' "$size" "$file"
    done | sort -n -k1,1
  )
  echo "seeded $target: $n file(s), $(find "$dir" -type f | wc -l) in the corpus"
}

mapfile -d '' BROKEN < <(find fixtures/broken -type f ! -name '*.py' -print0)
mapfile -d '' JPEGS < <(find fixtures/drops fixtures/metadata -type f \
  \( -iname '*.jpg' -o -iname '*.jpeg' \) -print0)
mapfile -d '' SHEETS < <(find fixtures -type f \
  \( -iname '*.xlsx' -o -iname '*.xls' -o -iname '*.ods' -o -iname '*.csv' \) -print0)
# One file per variant of every format (TIFF codings and layouts, HEIC, AVIF, JPEG XL, 12-bit,
# lossless and arithmetic JPEG, BMP, GIF, PNG): every decoder path gets a seed.
mapfile -d '' FORMATS < <(find fixtures/formats -maxdepth 1 -type f -print0)
mapfile -d '' FORMAT_JPEGS < <(find fixtures/formats -maxdepth 1 -type f -name '*.jpg' -print0)
own_seeds() { find "fuzz/seeds/$1" -type f -print0 2>/dev/null; }
mapfile -d '' META_SEEDS < <(own_seeds metadata)
mapfile -d '' DECODE_SEEDS < <(own_seeds decode)
mapfile -d '' SHEET_SEEDS < <(own_seeds sheet)
mapfile -d '' ZIP_SEEDS < <(own_seeds zip_names)

echo "== seeding fuzz/corpus/"
seed metadata "${META_SEEDS[@]}" "${BROKEN[@]}" "${JPEGS[@]}"
MAX_SEEDS=120 seed decode "${DECODE_SEEDS[@]}" "${FORMATS[@]}" "${BROKEN[@]}" "${JPEGS[@]}"
seed sheet "${SHEET_SEEDS[@]}" "${SHEETS[@]}"
seed zip_names "${ZIP_SEEDS[@]}"
seed entropy "${DECODE_SEEDS[@]}" "${FORMAT_JPEGS[@]}" "${BROKEN[@]}" "${JPEGS[@]}"

# One build of every target up front (lightbox is compiled once for all of them); `cargo fuzz
# run` below rebuilds only when src/ changed in the meantime.
echo "== building the fuzz targets (CARGO_BUILD_JOBS=$CARGO_BUILD_JOBS)"
if ! cargo fuzz build; then
  echo "fuzz: building the fuzz targets failed" >&2
  exit 2
fi

LOGS=fuzz/logs
mkdir -p "$LOGS"
summary=()
failed=0
for target in $TARGETS; do
  echo "== fuzzing $target for ${SECONDS_PER_TARGET}s"
  mkdir -p "fuzz/artifacts/$target"
  marker=$(mktemp)
  log="$LOGS/$target.log"
  status=0
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of options.
  cargo fuzz run "$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 ${FUZZ_ARGS:-} 2>&1 | tee "$log" || status=$?
  # Runs: the final stats when libFuzzer got to print them, else its last status line.
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  if [ -z "$runs" ]; then
    runs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#')
  fi
  secs=$(grep -oE '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n1 | awk '{print $5}')
  mapfile -t found < <(find "fuzz/artifacts/$target" -type f -newer "$marker" \
    \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \))
  slow=$(find "fuzz/artifacts/$target" -type f -newer "$marker" -name 'slow-unit-*' | wc -l)
  rm -f "$marker"
  line="$target: ${runs:-?} runs in ${secs:-<=$SECONDS_PER_TARGET}s, ${#found[@]} crash(es)/timeout(s)/OOM(s), $slow slow unit(s), exit $status"
  for file in "${found[@]}"; do
    line+=$'\n'"    $file"
  done
  if [ "${#found[@]}" -gt 0 ] || [ "$status" -ne 0 ]; then
    failed=1
  fi
  summary+=("$line")
done

echo
echo "== fuzz summary (${SECONDS_PER_TARGET}s per target; logs in $ROOT/$LOGS/)"
printf '%s\n' "${summary[@]}"
exit "$failed"
