#!/usr/bin/env python3
"""Rewrites a bilevel TIFF with CCITT modified Huffman coding (TIFF compression 2), which no
libtiff tool writes, through libtiff's own encoder (ctypes over libtiff.so.6).

In: a 1-bit TIFF (argv[1]). Out: the same rows, same photometric interpretation, one strip,
compression 2 (argv[2]). Used by scripts/make-format-fixtures.sh."""
import ctypes, sys
lib = ctypes.CDLL("libtiff.so.6")
lib.TIFFOpen.restype = ctypes.c_void_p
lib.TIFFOpen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
src = lib.TIFFOpen(sys.argv[1].encode(), b"r")
dst = lib.TIFFOpen(sys.argv[2].encode(), b"w")
def get(tag):
    v = ctypes.c_uint32()
    lib.TIFFGetField(ctypes.c_void_p(src), ctypes.c_uint32(tag), ctypes.byref(v))
    return v.value
width, length = get(256), get(257)
for tag, value in [(256, width), (257, length), (258, 1), (277, 1), (262, get(262)), (259, 2), (278, length), (284, 1)]:
    assert lib.TIFFSetField(ctypes.c_void_p(dst), ctypes.c_uint32(tag), ctypes.c_int(value)) == 1, tag
buf = ctypes.create_string_buffer((width + 7) // 8)
for row in range(length):
    assert lib.TIFFReadScanline(ctypes.c_void_p(src), buf, ctypes.c_uint32(row), ctypes.c_uint16(0)) == 1
    assert lib.TIFFWriteScanline(ctypes.c_void_p(dst), buf, ctypes.c_uint32(row), ctypes.c_uint16(0)) == 1
lib.TIFFClose(ctypes.c_void_p(src)); lib.TIFFClose(ctypes.c_void_p(dst))
