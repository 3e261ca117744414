#!/usr/bin/env bash
# The whole intake against the tools a user would pick instead, on the same photos, in the same
# run, interleaved: `lightbox run` (hash, metadata, checks, thumbnails, previews, perceptual
# hashes, dedupe, contact sheets, report), in the default pure-Rust build and in the `turbojpeg`
# build, against `vipsthumbnail --size 256`, ImageMagick's `convert -define jpeg:size=512x512
# -thumbnail 256x256`, and `djpeg -scale 1/8` and `-scale 1/4` (decoding only; 1/4 is the scale
# the 1000 px preview needs) where they are installed; on 1 core (taskset -c 0) and on all cores.
# Prints medians of the times, and the ratios build / tool and 1-core / all-core scaling as
# medians of the ratios within each round, and each build's peak memory (max RSS), also for ten
# times the photos (hard links of the same files in ten times the units). lightbox decodes each
# content once, so its planted copies cost only a read and a hash: the turbojpeg build and
# `djpeg -scale 1/8` are also timed on the photos without those copies.
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
mkdir -p "$dir"
# Both builds: the default (pure Rust) and the turbojpeg feature (needs cmake and nasm).
cargo build --release --quiet
cp target/release/lightbox "$dir/lightbox-rust"
turbo=0
if cargo build --release --quiet --features turbojpeg; then
    cp target/release/lightbox "$dir/lightbox-turbo"
    turbo=1
else
    echo "the turbojpeg build failed (cmake and nasm installed?): timing the default build only" >&2
fi
# The benchmark corpus, made once (benches/corpus.sh).
source benches/corpus.sh
ensure_corpus "$dir" "$corpus"
rm -rf "$dir/times" "$dir/drops10"
mkdir -p "$dir/times"
find "$dir/drops" -name '*.jpg' | sort > "$dir/files"
photos=$(wc -l < "$dir/files")
# The same intake without its planted copies (hard links): lightbox decodes each content once,
# so the copies cost it a read and a hash where the other tools decode them again. This pair
# shows the ratio on distinct photos alone.
rm -rf "$dir/distinct"
while read -r f; do
    case $(basename "$f") in 转发_*) continue ;; esac
    unit=$(basename "$(dirname "$f")")
    mkdir -p "$dir/distinct/$unit"
    ln "$f" "$dir/distinct/$unit/"
done < "$dir/files"
find "$dir/distinct" -name '*.jpg' | sort > "$dir/files-distinct"
distinct=$(wc -l < "$dir/files-distinct")

# Runs a command under GNU time; appends "seconds max_rss_kb" to times/NAME (findings exit 1).
measure() {
    local name=$1; shift
    /usr/bin/time -f '%e %M' -o "$dir/one" "$@" >/dev/null 2>&1 || true
    tail -n 1 "$dir/one" >> "$dir/times/$name"
}
median() { cut -d' ' -f"$2" "$dir/times/$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
has() { command -v "$1" >/dev/null; }

tools=(lightbox)
[ "$turbo" = 1 ] && tools+=(turbo)
builds=("${tools[@]}")
has vipsthumbnail && tools+=(vips256)
has convert && tools+=(magick)
has djpeg && tools+=(djpeg djpeg4)
# Timed but not paired with every build: the distinct photos, turbojpeg build against djpeg.
extra=()
[ "$turbo" = 1 ] && has djpeg && extra=(turbo-distinct djpeg-distinct)

# One tool on `n` cores.
run_tool() {
    local tool=$1 n=$2 pin=()
    [ "$n" = 1 ] && pin=(taskset -c 0)
    case $tool in
        lightbox | turbo)
            local bin=$dir/lightbox-rust
            [ "$tool" = turbo ] && bin=$dir/lightbox-turbo
            rm -rf "$dir/work"
            measure "$tool-$n" "${pin[@]}" "$bin" --quiet --jobs "$n" run "$dir/drops" --out "$dir/work" ;;
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
        djpeg4)
            # 1/4 is the scale the 1000 px preview needs of a 4000 px photo: the decode the
            # intake cannot do without.
            measure "djpeg4-$n" "${pin[@]}" xargs -a "$dir/files" -d '\n' -P "$n" -n 1 \
                djpeg -scale 1/4 -outfile /dev/null ;;
        turbo-distinct)
            rm -rf "$dir/work"
            measure "turbo-distinct-$n" "${pin[@]}" "$dir/lightbox-turbo" --quiet --jobs "$n" run "$dir/distinct" --out "$dir/work" ;;
        djpeg-distinct)
            measure "djpeg-distinct-$n" "${pin[@]}" xargs -a "$dir/files-distinct" -d '\n' -P "$n" -n 1 \
                djpeg -scale 1/8 -outfile /dev/null ;;
    esac
}

# The machine's load drifts over minutes: every other round runs the tools in reverse order, so
# drift within a round falls on each tool alike, and the ratios below pair the runs of a round.
for round in $(seq "$rounds"); do
    all_tools=("${tools[@]}" "${extra[@]}")
    order=("${all_tools[@]}")
    if [ $((round % 2)) = 0 ]; then
        order=()
        for ((i = ${#all_tools[@]} - 1; i >= 0; i--)); do order+=("${all_tools[$i]}"); done
    fi
    for n in 1 "$cores"; do
        for tool in "${order[@]}"; do
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
for build in "${builds[@]}"; do
    bin=$dir/lightbox-rust
    [ "$build" = turbo ] && bin=$dir/lightbox-turbo
    rm -rf "$dir/work10"
    measure "${build}10-$cores" "$bin" --quiet --jobs "$cores" run "$dir/drops10" --out "$dir/work10"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# The ratio of two tools' times within each round: the median over the rounds, and the range.
paired() {
    paste -d' ' "$dir/times/$1" "$dir/times/$2" | awk '{ printf "%.4f\n", $1 / $3 }' | sort -n |
        awk '{ v[NR] = $1 } END { printf "%.2f (%.2f-%.2f)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
printf 'machine: %s cores, %s\n' "$cores" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf 'intake: %s photos of 4000x3000 (8 units, 24 planted copies: %s distinct); medians of %s rounds\n' "$photos" "$distinct" "$rounds"
printf 'ratios: the median over the rounds of the two runs in the same round (lowest-highest)\n'
printf '%-36s %9s %9s %11s\n' "task" "1 core s" "$cores cores s" "ms/photo(1)"
label() {
    case $1 in
        lightbox) echo "lightbox run (pure Rust)" ;;
        turbo) echo "lightbox run (turbojpeg)" ;;
        vips256) echo "vipsthumbnail --size 256" ;;
        magick) echo "convert -thumbnail 256 (jpeg:size)" ;;
        djpeg) echo "djpeg -scale 1/8 (decode only)" ;;
        djpeg4) echo "djpeg -scale 1/4 (decode only)" ;;
        turbo-distinct) echo "lightbox run (turbojpeg), no copies" ;;
        djpeg-distinct) echo "djpeg -scale 1/8, no copies" ;;
    esac
}
for tool in "${tools[@]}" "${extra[@]}"; do
    one=$(median "$tool-1" 1)
    all=$(median "$tool-$cores" 1)
    n=$photos
    case $tool in *-distinct) n=$distinct ;; esac
    printf '%-36s %9.2f %9.2f %11.0f\n' "$(label "$tool")" "$one" "$all" "$(awk -v t="$one" -v n="$n" 'BEGIN { print 1000 * t / n }')"
done
for build in "${builds[@]}"; do
    for tool in "${tools[@]:${#builds[@]}}"; do
        printf 'ratio %-8s / %-36s 1 core %-17s %s cores %s\n' "$build" "$(label "$tool")" \
            "$(paired "$build-1" "$tool-1")" "$cores" "$(paired "$build-$cores" "$tool-$cores")"
    done
done
if [ ${#extra[@]} -gt 0 ]; then
    printf 'ratio turbo    / djpeg -scale 1/8 on the %s photos without the planted copies: 1 core %s, %s cores %s\n' \
        "$distinct" "$(paired turbo-distinct-1 djpeg-distinct-1)" "$cores" "$(paired "turbo-distinct-$cores" "djpeg-distinct-$cores")"
fi
for build in "${builds[@]}"; do
    printf '%-8s scaling 1 -> %s cores: %sx\n' "$build" "$cores" "$(paired "$build-1" "$build-$cores")"
done
for build in "${builds[@]}"; do
    rss1=$(median "$build-$cores" 2)
    rss10=$(median "${build}10-$cores" 2)
    printf '%-8s peak memory (%s jobs): %s photos %.0f MB; %s photos %.0f MB (%sx)\n' "$build" "$cores" \
        "$photos" "$(awk -v k="$rss1" 'BEGIN { print k / 1024 }')" \
        "$((photos * 10))" "$(awk -v k="$rss10" 'BEGIN { print k / 1024 }')" "$(ratio "$rss10" "$rss1")"
done
