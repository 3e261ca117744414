#!/usr/bin/env python3
"""Makes the worst case for decode memory: N distinct 100-megapixel PNG scans (10000 x 10000,
RGB, 8 bits) in one unit's folder, each a few megabytes on disk (smooth gradients) and 300 MB
decoded.

In: the folder to write (`python3 scripts/make_big_scans.py OUT [N]`, N = 16). Out:
OUT/扫描件/scan-NN.png. Standard library only. Used to measure peak memory at `--jobs 16`:
`/usr/bin/time -v lightbox run OUT --out WORK --jobs 16` (README, "Memory").
"""

import struct
import sys
import zlib
from pathlib import Path

SIDE = 10_000


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def scan(path, seed):
    ihdr = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0)
    packer = zlib.compressobj(1)
    parts = []
    base = bytes((x * 7 + seed * 31) % 256 for x in range(256))
    for y in range(SIDE):
        # Filter 0, then a row whose colours drift with y and the scan's seed.
        shade = (y * 255 // SIDE + seed * 13) % 256
        row = bytearray(3 * SIDE)
        row[0::3] = (base * (SIDE // 256 + 1))[:SIDE]
        row[1::3] = bytes([shade]) * SIDE
        row[2::3] = bytes([(shade + seed * 40) % 256]) * SIDE
        parts.append(packer.compress(b"\0" + bytes(row)))
    parts.append(packer.flush())
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts))
    path.write_bytes(png + chunk(b"IEND", b""))


def main():
    out = Path(sys.argv[1]) / "扫描件"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    out.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        path = out / ("scan-%02d.png" % (n + 1))
        scan(path, n + 1)
        print(path, path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
