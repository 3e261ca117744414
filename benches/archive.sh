#!/usr/bin/env bash
# Memory at archive scale: what a run holds per photo, once the workers' buffers are paid for.
# The benchmark corpus of `benches/speed.sh` (224 photos; made by it, or by this script the same
# way) is hard-linked TIMES times into TIMES times the units, then `lightbox run` (turbojpeg
# build when it builds, else the default) goes over the corpus once and over the archive twice:
# a first run, which reads and inspects every photo, and a rerun, which takes every photo from
# the catalog and so shows the per-photo state without the decoding. (Each content is decoded
# once, so the first run decodes the corpus's 200 distinct photos and reads and hashes the other
# copies: what a photo costs in memory is all still there, the decoding time is not.) Then `lightbox package`
# over each run's work folder (reading the report's items; the hard links are copies of the
# corpus's photos, so the package itself holds about as many photos either way). Prints each
# command's time and peak memory (max RSS), and the memory each photo above the corpus's adds.
#
#   bash benches/archive.sh [TIMES]      (default 100: 22,400 photos; about 12 minutes on 2 cores)
#
# Writes under ${BENCH_DIR:-/tmp/lightbox-speed}.
set -euo pipefail
cd "$(dirname "$0")/.."
times=${1:-100}
corpus=${CORPUS:-../shared/corpus}
dir=${BENCH_DIR:-/tmp/lightbox-speed}
cores=$(nproc)
mkdir -p "$dir"
bin=$dir/lightbox-archive
if cargo build --release --quiet --features turbojpeg; then
    build=turbojpeg
else
    cargo build --release --quiet
    build=default
fi
cp target/release/lightbox "$bin"
# The benchmark corpus, made once (benches/corpus.sh).
source benches/corpus.sh
ensure_corpus "$dir" "$corpus"
photos=$(find "$dir/drops" -name '*.jpg' | wc -l)
archive=$dir/archive
rm -rf "$archive" "$dir/work-corpus" "$dir/work-archive"
mkdir -p "$archive"
for k in $(seq 1 "$times"); do
    for unit in "$dir/drops"/*; do
        cp -al "$unit" "$archive/$(basename "$unit")-$k"
    done
done

# Runs lightbox under GNU time; prints "seconds max_rss_kb" (findings make it exit 1).
measure() {
    /usr/bin/time -f '%e %M' -o "$dir/one" "$bin" --quiet --jobs "$cores" run "$@" >/dev/null 2>&1 || true
    tail -n 1 "$dir/one"
}
read -r corpus_s corpus_kb < <(measure "$dir/drops" --out "$dir/work-corpus")
read -r first_s first_kb < <(measure "$archive" --out "$dir/work-archive")
read -r again_s again_kb < <(measure "$archive" --out "$dir/work-archive")
read -r corpus_again_s corpus_again_kb < <(measure "$dir/drops" --out "$dir/work-corpus")
# Packages each work folder (a new package folder each time).
package() {
    rm -rf "$2"
    /usr/bin/time -f '%e %M' -o "$dir/one" "$bin" --quiet --jobs "$cores" package "$1" --to "$2" >/dev/null 2>&1 || true
    tail -n 1 "$dir/one"
}
read -r pkg_corpus_s pkg_corpus_kb < <(package "$dir/work-corpus" "$dir/package-corpus")
read -r pkg_archive_s pkg_archive_kb < <(package "$dir/work-archive" "$dir/package-archive")
packaged=$(($(wc -l < "$dir/package-archive/manifest.csv") - 1))
rm -rf "$archive" "$dir/work-archive" "$dir/package-corpus" "$dir/package-archive"

n=$((photos * times))
per_photo() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.2f", (a - b) / n }'; }
printf 'machine: %s cores, %s; %s build, %s jobs\n' "$cores" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" "$build" "$cores"
printf '%-40s %9s %9s\n' "run" "s" "peak MB"
row() { printf '%-40s %9.1f %9.0f\n' "$1" "$2" "$(awk -v k="$3" 'BEGIN { print k / 1024 }')"; }
row "corpus, $photos photos" "$corpus_s" "$corpus_kb"
row "corpus again (from the catalog)" "$corpus_again_s" "$corpus_again_kb"
row "archive, $n photos" "$first_s" "$first_kb"
row "archive again (from the catalog)" "$again_s" "$again_kb"
row "package of the corpus's run" "$pkg_corpus_s" "$pkg_corpus_kb"
row "package of the archive's run ($packaged photos)" "$pkg_archive_s" "$pkg_archive_kb"
printf 'per photo above the corpus: first run %s KB, rerun %s KB, package %s KB\n' \
    "$(per_photo "$first_kb" "$corpus_kb" $((n - photos)))" \
    "$(per_photo "$again_kb" "$corpus_again_kb" $((n - photos)))" \
    "$(per_photo "$pkg_archive_kb" "$pkg_corpus_kb" $((n - photos)))"
