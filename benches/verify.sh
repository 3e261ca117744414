#!/usr/bin/env bash
# Throughput of `lightbox verify` against `sha256sum` over the same bag, in the same run.
#
# In: SIZE_MB (default 400) of payload in FILES (default 80) files of random bytes, named as a
# package names its photos; LIGHTBOX (default target/debug/lightbox, whose dependencies, the
# hashes among them, are built optimized; build it with `cargo build`). Out: a table of seconds,
# MB/s and the ratio to sha256sum for sha256sum (one core), `lightbox verify --jobs 1` and
# `--jobs 2` (each checks SHA-256 and SHA-512 of every file, the tag files, names and
# Payload-Oxum). Each is timed best of 3 with the bag in the page cache (read once first), so
# the figures are hashing, not the disk. The bag is made with sha256sum and sha512sum, so
# lightbox's own writer is not involved; it is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB=${SIZE_MB:-400}
FILES=${FILES:-80}
LIGHTBOX=${LIGHTBOX:-${CARGO_TARGET_DIR:-target}/debug/lightbox}
[ -x "$LIGHTBOX" ] || { echo "no $LIGHTBOX: run cargo build first" >&2; exit 2; }

BAG=$(mktemp -d "${TMPDIR:-/tmp}/verify-bench.XXXXXX")
trap 'rm -rf "$BAG"' EXIT
per_file=$((SIZE_MB * 1000 * 1000 / FILES))
mkdir -p "$BAG/data/2015"
for i in $(seq 1 "$FILES"); do
  head -c "$per_file" /dev/urandom >"$BAG/data/2015/2015+克拉玛依市+科普进校园+$(printf %03d "$i").jpg"
done
(
  cd "$BAG"
  find data -type f | LC_ALL=C sort >files.lst
  xargs -d '\n' sha256sum <files.lst >manifest-sha256.txt
  xargs -d '\n' sha512sum <files.lst >manifest-sha512.txt
  bytes=$(xargs -d '\n' stat -c %s <files.lst | paste -sd+ | bc)
  rm files.lst
  printf 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n' >bagit.txt
  printf 'Source-Organization: benchmark\nPayload-Oxum: %s.%s\n' "$bytes" "$FILES" >bag-info.txt
  sha256sum bag-info.txt bagit.txt manifest-sha256.txt manifest-sha512.txt >tagmanifest-sha256.txt
)

# Best of 3 wall-clock seconds of a command.
best() {
  local best=""
  for _ in 1 2 3; do
    local start end t
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}

cat "$BAG"/data/2015/* >/dev/null # into the page cache
ref=$(best bash -c "cd '$BAG' && find data -type f -print0 | xargs -0 sha256sum")
j1=$(best "$LIGHTBOX" --quiet --jobs 1 verify "$BAG")
j2=$(best "$LIGHTBOX" --quiet --jobs 2 verify "$BAG")
"$LIGHTBOX" --quiet --lang en verify "$BAG" >/dev/null || { echo "verify did not pass the bag" >&2; exit 1; }

echo "payload: $SIZE_MB MB in $FILES files; $(nproc) cores; $(sha256sum --version | head -1)"
printf '%-40s %8s %8s %22s\n' "command" "seconds" "MB/s" "vs sha256sum (speed)"
row() { printf '%-40s %8.2f %8.0f %21.2fx\n' "$1" "$2" "$(echo "$SIZE_MB / $2" | bc -l)" "$(echo "$ref / $2" | bc -l)"; }
row "sha256sum (SHA-256, one core)" "$ref"
row "lightbox verify --jobs 1 (SHA-256+512)" "$j1"
row "lightbox verify --jobs 2 (SHA-256+512)" "$j2"
