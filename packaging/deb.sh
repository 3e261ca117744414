#!/usr/bin/env bash
# Builds the .deb: the fast build (libjpeg-turbo), its manual pages and the licences of what it
# bundles, then `cargo deb`. Needs cargo-deb (`cargo install cargo-deb --locked`), cmake and nasm.
# Out: the package path on stdout (under the cargo target folder's debian/).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked --features turbojpeg >&2
rm -rf packaging/out
mkdir -p packaging/out/man
"$target/release/lightbox" man packaging/out/man
gzip -9n packaging/out/man/*.1
python3 packaging/licences.py packaging/out/THIRD-PARTY-LICENSES.txt >&2
cargo deb --no-build --locked >&2
ls -t "$target"/debian/lightbox_*.deb | head -1
