# Sourced by the benchmark scripts: the benchmark corpus, made once.
#
#   ensure_corpus DIR CORPUS    makes DIR/drops from the real photos in CORPUS (8 units x 25
#                               photos of 4000x3000 at q90 with EXIF, plus 24 planted copies)
#
# The corpus is deterministic: it is made again only when its generator, its sources or its size
# changed (making it takes minutes). Run from the project root.
ensure_corpus() {
    local dir=$1 corpus=$2 stamp
    stamp=$( (sha256sum examples/make_corpus.rs Cargo.lock; ls -l "$corpus"; echo "8 25 24") | sha256sum | cut -c1-16)
    if [ "$(cat "$dir/drops.stamp" 2>/dev/null)" != "$stamp" ]; then
        cargo build --release --quiet --example make_corpus
        rm -rf "$dir/drops" "$dir/drops10"
        PLANTED=24 target/release/examples/make_corpus "$dir/drops" 8 25 "$corpus" >/dev/null
        echo "$stamp" > "$dir/drops.stamp"
    fi
}
