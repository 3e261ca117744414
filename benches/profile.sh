#!/usr/bin/env bash
# Where a photo's time goes: samples `lightbox run` on one core with perf, then sums the samples'
# own time (not their callers') by stage, from the function names: decode, resize, encoding the
# derived JPEGs, the perceptual fingerprint, metadata, hashing, the coded-data walk, drawing the
# contact sheets, the kernel (reading, writing, page faults), memory copies and the rest.
#
#   bash benches/profile.sh [DROPS] [-- CARGO BUILD FLAGS]
#   bash benches/profile.sh /tmp/lightbox-speed/drops -- --features turbojpeg
#
# DROPS defaults to the intake benches/speed.sh makes (/tmp/lightbox-speed/drops). Needs perf
# (Debian's linux-perf). Prints a table of stages with their share of the samples and their
# milliseconds per photo (the run's wall time shared out by those shares).
set -euo pipefail
cd "$(dirname "$0")/.."
drops=${1:-/tmp/lightbox-speed/drops}
shift || true
[ "${1:-}" = "--" ] && shift
cargo build --release --quiet "$@"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
photos=$(find "$drops" -iname '*.jpg' | wc -l)
start=$(date +%s.%N)
perf record -q -F 499 -o "$dir/perf.data" taskset -c 0 target/release/lightbox --quiet --jobs 1 \
    run "$drops" --out "$dir/work" >/dev/null 2>&1 || true
end=$(date +%s.%N)
perf report -i "$dir/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
    grep -E '^ +[0-9.]+%' |
    awk -v photos="$photos" -v seconds="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" '
    {
        share = $1; sub("%", "", share)
        dso = $2; sym = ""
        for (i = 4; i <= NF; i++) sym = sym " " $i
        stage = "other"
        if (dso ~ /kernel/) stage = "kernel (read, write, page faults)"
        else if (sym ~ /decode_mcu|jsimd_idct|decompress_onepass|jpeg_idct|jsimd_ycc_|ycc_rgb|sep_upsample|h2v[12]_|jpeg_decoder::|zune_jpeg::|process_data_simple|decompress_data|jpeg_fill_bit_buffer|jpeg_huff_decode/) stage = "decode (JPEG to pixels)"
        else if (sym ~ /jpeg_encoder::|jsimd_fdct|jsimd_huff_encode|encode_mcu|jsimd_rgb_ycc|rgb_ycc|forward_DCT|jsimd_quantize|compress_data|jsimd_h2v2_downsample|jsimd_extrgb_ycc|emit_|flush_bits/) stage = "encode (derived JPEGs, sheet pages)"
        else if (sym ~ /fast_image_resize::/) stage = "resize"
        else if (sym ~ /lightbox::fingerprint::|image_hasher/) stage = "perceptual fingerprint"
        else if (sym ~ /blake3|sha2::|sha256/) stage = "hashing"
        else if (sym ~ /lightbox::inspect::entropy/) stage = "coded-data walk"
        else if (sym ~ /exif::|lightbox::inspect::metadata|lightbox::inspect::xmp|lightbox::inspect::iptc|quick_xml/) stage = "metadata (EXIF, XMP, IPTC)"
        else if (sym ~ /lightbox::render|ab_glyph|krilla|imageops|flate|miniz|zlib|adler/) stage = "contact sheets (drawing, PDF)"
        else if (sym ~ /memmove|memcpy|memset/) stage = "memory copies and fills"
        else if (sym ~ /sqlite/) stage = "catalog (SQLite)"
        else if (sym ~ /serde|json/) stage = "report (JSON)"
        total[stage] += share
    }
    END {
        for (s in total) printf "%.2f\t%s\t%.1f\n", total[s], s, total[s] / 100 * seconds * 1000 / photos
    }' | sort -rn | awk -F'\t' '{ printf "%-38s %6.1f %% %7.1f ms/photo\n", $2, $1, $3 }'
printf '%s photos, %.1f s on 1 core under perf (%.0f ms/photo)\n' "$photos" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
    "$(awk -v a="$start" -v b="$end" -v n="$photos" 'BEGIN { print (b - a) * 1000 / n }')"
