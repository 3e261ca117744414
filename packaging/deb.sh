#!/usr/bin/env bash
# Builds the .deb: the fast build (libjpeg-turbo) with HEIC/AVIF (the system's libheif), its manual pages and the licences of what it
# bundles, then `cargo deb`. Needs cargo-deb (`cargo install cargo-deb --locked`), cmake and nasm.
# Out: the package path on stdout (under the cargo target folder's debian/).
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything but the package's path goes to stderr.
exec 3>&1 1>&2
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked --features turbojpeg,heif
rm -rf packaging/out
mkdir -p packaging/out/man
"$target/release/lightbox" man packaging/out/man
gzip -9n packaging/out/man/*.1
python3 packaging/licences.py packaging/out/THIRD-PARTY-LICENSES.txt
# Stripped: the release profile keeps line tables for profiling (158 MB); the package need not.
cargo deb --no-build --locked --strip
ls -t "$target"/debian/lightbox_*.deb | head -1 >&3
