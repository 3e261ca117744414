#!/usr/bin/env bash
# The whole intake against the tools a user would pick instead, on the same photos, in the same
# run, interleaved: `lightbox run` (hash, metadata, checks, thumbnails, previews, perceptual
# hashes, dedupe, contact sheets, report) against `vipsthumbnail --size 256`, ImageMagick's
# `convert -define jpeg:size=512x512 -thumbnail 256x256` and `djpeg -scale 1/8` (decoding only)
# where they are installed; on 1 core (taskset -c 0) and on all cores. Prints medians, the ratios
# lightbox / tool and 1-core / all-core scaling, and lightbox's peak memory (max RSS), also for
# ten times the photos (hard links of the same files in ten times the units).
#
#   bash benches/speed.sh [ROUNDS]       (default 3; medians of ROUNDS)
#
# Needs ../shared/corpus (real photos) or CORPUS=/path. The other tools come from Debian's
# libvips-tools, imagemagick and libjpeg-turbo-progs. Writes under ${BENCH_DIR:-/tmp/lightbox-speed}.
# The intake: 8 units x 25 photos of 4000x3000 at quality 90 with EXIF, plus 24 planted copies.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
corpus=${CORPUS:-../shared/corpus}
dir=${BENCH_DIR:-/tmp/lightbox-speed}
cores=$(nproc)
cargo build --release --quiet --example make_corpus
cargo build --release --quiet
bin=$PWD/target/release/lightbox
rm -rf "$dir"
mkdir -p "$dir/times"
PLANTED=24 target/release/examples/make_corpus "$dir/drops" 8 25 "$corpus" >/dev/null
find "$dir/drops" -name '*.jpg' | sort > "$dir/files"
photos=$(wc -l < "$dir/files")

# Runs a command under GNU time; appends "seconds max_rss_kb" to times/NAME (findings exit 1).
measure() {
    local name=$1; shift
    /usr/bin/time -f '%e %M' -o "$dir/one" "$@" >/dev/null 2>&1 || true
    tail -n 1 "$dir/one" >> "$dir/times/$name"
}
median() { cut -d' ' -f"$2" "$dir/times/$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
has() { command -v "$1" >/dev/null; }

tools=(lightbox)
has vipsthumbnail && tools+=(vips256)
has convert && tools+=(magick)
has djpeg && tools+=(djpeg)

# One tool on `n` cores.
run_tool() {
    local tool=$1 n=$2 pin=()
    [ "$n" = 1 ] && pin=(taskset -c 0)
    case $tool in
        lightbox)
            rm -rf "$dir/work"
            measure "lightbox-$n" "${pin[@]}" "$bin" --quiet --jobs "$n" run "$dir/drops" --out "$dir/work" ;;
        vips256)
            rm -rf "$dir/vips" && mkdir -p "$dir/vips"
            measure "vips256-$n" env VIPS_CONCURRENCY=1 "${pin[@]}" xargs -a "$dir/files" -d '\n' -P "$n" -n 16 \
                vipsthumbnail --size 256 -o "$dir/vips/%s.jpg" ;;
        magick)
            measure "magick-$n" "${pin[@]}" xargs -a "$dir/files" -d '\n' -P "$n" -I{} \
                convert -define jpeg:size=512x512 {} -thumbnail 256x256 jpg:/dev/null ;;
        djpeg)
            measure "djpeg-$n" "${pin[@]}" xargs -a "$dir/files" -d '\n' -P "$n" -n 1 \
                djpeg -scale 1/8 -outfile /dev/null ;;
    esac
}

for round in $(seq "$rounds"); do
    for n in 1 "$cores"; do
        for tool in "${tools[@]}"; do
            run_tool "$tool" "$n"
        done
    done
    echo "round $round of $rounds done" >&2
done

# Ten times the photos: memory must stay bounded by the workers, not the photo count.
mkdir -p "$dir/drops10"
for k in $(seq 0 9); do
    for unit in "$dir/drops"/*; do
        cp -al "$unit" "$dir/drops10/$(basename "$unit")-$k"
    done
done
rm -rf "$dir/work10"
measure "lightbox10-$cores" "$bin" --quiet --jobs "$cores" run "$dir/drops10" --out "$dir/work10"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf 'machine: %s cores, %s\n' "$cores" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf 'intake: %s photos of 4000x3000 (8 units, 24 planted copies); medians of %s rounds\n' "$photos" "$rounds"
printf '%-36s %9s %9s %11s\n' "task" "1 core s" "$cores cores s" "ms/photo(1)"
label() {
    case $1 in
        lightbox) echo "lightbox run (whole intake)" ;;
        vips256) echo "vipsthumbnail --size 256" ;;
        magick) echo "convert -thumbnail 256 (jpeg:size)" ;;
        djpeg) echo "djpeg -scale 1/8 (decode only)" ;;
    esac
}
for tool in "${tools[@]}"; do
    one=$(median "$tool-1" 1)
    all=$(median "$tool-$cores" 1)
    printf '%-36s %9.2f %9.2f %11.0f\n' "$(label "$tool")" "$one" "$all" "$(awk -v t="$one" -v n="$photos" 'BEGIN { print 1000 * t / n }')"
done
for tool in "${tools[@]:1}"; do
    printf 'ratio lightbox / %-26s 1 core %5s   %s cores %5s\n' "$(label "$tool")" \
        "$(ratio "$(median lightbox-1 1)" "$(median "$tool-1" 1)")" "$cores" \
        "$(ratio "$(median "lightbox-$cores" 1)" "$(median "$tool-$cores" 1)")"
done
printf 'lightbox scaling 1 -> %s cores: %sx\n' "$cores" "$(ratio "$(median lightbox-1 1)" "$(median "lightbox-$cores" 1)")"
rss1=$(median "lightbox-$cores" 2)
rss10=$(median "lightbox10-$cores" 2)
printf 'lightbox peak memory: %s photos %.0f MB; %s photos %.0f MB (%sx)\n' "$photos" "$(awk -v k="$rss1" 'BEGIN { print k / 1024 }')" \
    "$((photos * 10))" "$(awk -v k="$rss10" 'BEGIN { print k / 1024 }')" "$(ratio "$rss10" "$rss1")"
