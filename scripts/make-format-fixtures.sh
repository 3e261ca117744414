#!/usr/bin/env bash
# Makes the format fixtures: one small file per variant of every image format lightbox decodes,
# all from one corpus photo, plus the thumbnail vipsthumbnail makes of each, which the tests
# compare lightbox's own thumbnail with.
#
# In: ../shared/corpus/exif-orientation-examples/Landscape_1.jpg (MIT, Dave Perrett; see
# fixtures/README.md). Out: fixtures/formats/<variant>.<ext> and
# fixtures/formats/reference/<variant>.png (vipsthumbnail --size 320, upright, 8-bit sRGB).
# Needs Debian's imagemagick, libtiff-tools, libvips-tools, libheif-examples, libavif-bin and
# libjxl-tools:
#   apt-get install imagemagick libtiff-tools libvips-tools libheif-examples libavif-bin libjxl-tools
# Deterministic for one set of tool versions; rerun only to add a variant.
set -euo pipefail
cd "$(dirname "$0")/.."

SRC=${SRC:-../shared/corpus/exif-orientation-examples/Landscape_1.jpg}
OUT=fixtures/formats
IM=/usr/bin/convert
mkdir -p "$OUT/reference"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The picture: 192 x 128, 8-bit sRGB, no metadata. Its labels (top, left, right, bottom) show
# which way is up.
$IM "$SRC" -strip -resize 192x128 -depth 8 "$TMP/base.png"
$IM "$TMP/base.png" -compress none "$TMP/rgb8.tif"
$IM "$TMP/base.png" -colorspace Gray -compress none "$TMP/grey8.tif"
$IM "$TMP/base.png" -monochrome -type bilevel -depth 1 -compress none "$TMP/bilevel.tif"

tiff() { tiffcp "$@"; }

# TIFF: compressions, in strips and in tiles, with contiguous and separate planes.
tiff -c none "$TMP/grey8.tif" "$OUT/tiff-grey8-none.tif"
tiff -c lzw:2 "$TMP/rgb8.tif" "$OUT/tiff-rgb8-lzw-predictor.tif"
tiff -c zip "$TMP/rgb8.tif" "$OUT/tiff-rgb8-deflate.tif"
tiff -c packbits "$TMP/rgb8.tif" "$OUT/tiff-rgb8-packbits.tif"
tiff -c zip -t -w 64 -l 64 "$TMP/rgb8.tif" "$OUT/tiff-rgb8-tiles.tif"
tiff -c zip -p separate "$TMP/rgb8.tif" "$OUT/tiff-rgb8-planar-strips.tif"
tiff -c zip -p separate -t -w 64 -l 64 "$TMP/rgb8.tif" "$OUT/tiff-rgb8-planar-tiles.tif"
tiff -c jpeg:90 -r 16 "$TMP/rgb8.tif" "$OUT/tiff-jpeg-ycbcr-strips.tif"
tiff -c jpeg:90 -t -w 64 -l 64 "$TMP/rgb8.tif" "$OUT/tiff-jpeg-ycbcr-tiles.tif"
tiff -c jpeg:r:90 -r 16 "$TMP/rgb8.tif" "$OUT/tiff-jpeg-rgb.tif"
$IM "$TMP/base.png" -compress jpeg -quality 90 -sampling-factor 2x1 "$OUT/tiff-jpeg-ycbcr-422.tif"
tiff -c g3 "$TMP/bilevel.tif" "$OUT/tiff-ccitt-g3.tif"
tiff -c g3:2d "$TMP/bilevel.tif" "$OUT/tiff-ccitt-g3-2d.tif"
# Modified Huffman (compression 2): no libtiff tool writes it, libtiff's encoder does.
python3 scripts/tiff-mh.py "$TMP/bilevel.tif" "$OUT/tiff-ccitt-mh.tif"
tiff -c g4 "$TMP/bilevel.tif" "$OUT/tiff-ccitt-g4.tif"
tiff -c none "$TMP/bilevel.tif" "$OUT/tiff-bilevel-none.tif"
# Sample depths and kinds.
$IM "$TMP/base.png" -colorspace Gray -depth 2 -compress zip "$OUT/tiff-grey2.tif"
$IM "$TMP/base.png" -colorspace Gray -depth 4 -compress zip "$OUT/tiff-grey4.tif"
$IM "$TMP/base.png" -colorspace Gray -depth 16 -compress zip "$OUT/tiff-grey16.tif"
$IM "$TMP/base.png" -depth 16 -compress zip "$OUT/tiff-rgb16.tif"
$IM "$TMP/base.png" -depth 32 -define quantum:format=floating-point -compress zip \
  "$OUT/tiff-rgb-float32.tif"
# Signed 16-bit grey (SampleFormat 2), 0 to 32767 for black to white.
vips colourspace "$TMP/base.png" "$TMP/grey.v" b-w
vips linear "$TMP/grey.v" "$TMP/grey15.v" 128.5 0
vips cast "$TMP/grey15.v" "$OUT/tiff-grey-int16.tif[compression=deflate]" short
$IM "$TMP/base.png" -alpha set -channel A -fx '0.5+0.5*i/w' +channel -compress zip \
  "$OUT/tiff-rgba8.tif"
$IM "$TMP/base.png" -colors 64 -type Palette -compress zip "$OUT/tiff-palette.tif"
$IM "$TMP/base.png" -colorspace CMYK -compress zip "$OUT/tiff-cmyk.tif"
$IM "$TMP/base.png" -colorspace Lab -compress zip "$OUT/tiff-cielab.tif"
# Three pages: the first is the photo.
$IM "$TMP/base.png" \( "$TMP/base.png" -negate \) \( "$TMP/base.png" -flip \) -compress zip \
  "$OUT/tiff-multipage.tif"
# Stored turned: Orientation 6 (turn 90 degrees clockwise to view).
$IM "$TMP/base.png" -rotate 270 -compress zip "$TMP/turned.tif"
tiffset -s 274 6 "$TMP/turned.tif"
cp "$TMP/turned.tif" "$OUT/tiff-orientation6.tif"

# JPEG XL: lossy (VarDCT), lossless (Modular), and a JPEG recompressed losslessly.
$IM "$TMP/base.png" -quality 92 "$TMP/base.jpg"
cjxl --quiet -d 1.0 "$TMP/base.png" "$OUT/jxl-lossy.jxl"
cjxl --quiet -d 0 "$TMP/base.png" "$OUT/jxl-lossless.jxl"
cjxl --quiet --lossless_jpeg=1 "$TMP/base.jpg" "$OUT/jxl-from-jpeg.jxl"
$IM "$TMP/base.png" -depth 16 "$TMP/base16.png"
cjxl --quiet -d 1.0 "$TMP/base16.png" "$OUT/jxl-16bit.jxl"

# HEIC and AVIF: 8- and 10-bit, EXIF and XMP in the container; AVIF also turned by irot (90
# degrees anticlockwise to view), mirrored by imir, and as a 2 x 2 grid of tiles. (heif-enc
# writes no irot, imir or grid; libheif applies them alike to either.)
$IM "$TMP/base.png" -quality 92 "$TMP/plain.jpg"
exif_jpeg() { # A JPEG with an EXIF block holding a capture date and orientation 1.
  python3 - "$1" "$2" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
def entry(tag, typ, count, value):
    return struct.pack('>HHI', tag, typ, count) + value
date = b'2015:09:19 10:20:30\0'
# IFD0: Orientation, ExifIFD pointer; Exif IFD: DateTimeOriginal.
ifd0_at, exif_at = 8, 8 + 2 + 2 * 12 + 4
date_at = exif_at + 2 + 12 + 4
tiff = b'MM\0*' + struct.pack('>I', ifd0_at)
tiff += struct.pack('>H', 2) + entry(0x0112, 3, 1, struct.pack('>HH', 1, 0)) \
    + entry(0x8769, 4, 1, struct.pack('>I', exif_at)) + struct.pack('>I', 0)
tiff += struct.pack('>H', 1) + entry(0x9003, 2, len(date), struct.pack('>I', date_at)) \
    + struct.pack('>I', 0) + date
app1 = b'Exif\0\0' + tiff
segment = b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1
open(sys.argv[2], 'wb').write(data[:2] + segment + data[2:])
PY
}
exif_jpeg "$TMP/plain.jpg" "$TMP/exif.jpg"
heif-enc --quality 90 "$TMP/exif.jpg" -o "$OUT/heic-8bit-exif.heic"
heif-enc --quality 90 -b 10 "$TMP/base16.png" -o "$OUT/heic-10bit.heic"
avifenc --speed 8 --min 10 --max 20 "$TMP/exif.jpg" "$OUT/avif-8bit-exif.avif" >/dev/null
avifenc --speed 8 --min 10 --max 20 --depth 10 "$TMP/base16.png" "$OUT/avif-10bit.avif" >/dev/null
$IM "$TMP/base.png" -rotate 90 "$TMP/clockwise.png"
avifenc --speed 8 --min 10 --max 20 --irot 1 "$TMP/clockwise.png" "$OUT/avif-irot.avif" >/dev/null
$IM "$TMP/base.png" -flop "$TMP/flopped.png"
avifenc --speed 8 --min 10 --max 20 --imir 1 "$TMP/flopped.png" "$OUT/avif-imir.avif" >/dev/null
avifenc --speed 8 --min 10 --max 20 --grid 2x2 "$TMP/base.png" "$OUT/avif-grid.avif" >/dev/null

# JPEG: CMYK (Adobe, inverted), progressive; arithmetic-coded, 12-bit and lossless (8- and
# 16-bit) by libjpeg-turbo 3's cjpeg, which Debian 12's libjpeg-turbo-progs (2.1) is too old
# for: the `turbojpeg` feature builds one (CJPEG=target/release/build/turbojpeg-sys-*/out/bin/cjpeg).
$IM "$TMP/base.png" -colorspace CMYK -quality 90 "$OUT/jpeg-cmyk.jpg"
$IM "$TMP/base.png" -quality 90 -interlace JPEG "$OUT/jpeg-progressive.jpg"
CJPEG=${CJPEG:-$(ls target/release/build/turbojpeg-sys-*/out/bin/cjpeg | head -1)}
$IM "$TMP/base.png" "$TMP/base.ppm"
"$CJPEG" -arithmetic -quality 90 "$TMP/base.ppm" >"$OUT/jpeg-arithmetic.jpg"
"$CJPEG" -precision 12 -quality 90 "$TMP/base.ppm" >"$OUT/jpeg-12bit.jpg"
"$CJPEG" -lossless 1 "$TMP/base.ppm" >"$OUT/jpeg-lossless.jpg"
"$CJPEG" -precision 16 -lossless 1 "$TMP/base.ppm" >"$OUT/jpeg-lossless16.jpg"

# PNG: 16-bit, interlaced, palette, grey with alpha.
$IM "$TMP/base.png" -depth 16 -define png:exclude-chunks=date,time "$OUT/png-rgb16.png"
$IM "$TMP/base.png" -interlace PNG -define png:exclude-chunks=date,time "$OUT/png-interlaced.png"
$IM "$TMP/base.png" -colors 64 -define png:exclude-chunks=date,time "PNG8:$OUT/png-palette.png"

# BMP: bottom-up (the usual), top-down, RLE8, OS/2 (BITMAPCOREHEADER).
$IM "$TMP/base.png" "BMP3:$OUT/bmp-24bit.bmp"
$IM "$TMP/base.png" -colors 256 -compress RLE "BMP3:$OUT/bmp-rle8.bmp"
$IM "$TMP/base.png" "BMP2:$OUT/bmp-os2.bmp"
# Top-down: the same 24-bit file with a negative height and its rows reversed.
python3 - "$OUT/bmp-24bit.bmp" "$OUT/bmp-top-down.bmp" <<'EOF'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
offset, = struct.unpack_from('<I', data, 10)
width, height = struct.unpack_from('<ii', data, 18)
row = (width * 3 + 3) & ~3
rows = [data[offset + i * row: offset + (i + 1) * row] for i in range(height)]
struct.pack_into('<i', data, 22, -height)
data[offset:offset + row * height] = b''.join(reversed(rows))
open(sys.argv[2], 'wb').write(data)
EOF

# GIF: the first frame of an animation, with an application extension nobody knows and an
# extension block of a kind no specification defines (label 0x99).
$IM "$TMP/base.png" \( "$TMP/base.png" -negate \) -delay 50 -loop 0 "$TMP/anim.gif"
python3 - "$TMP/anim.gif" "$OUT/gif-unknown-extension.gif" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
# After the header, screen descriptor and global colour table: an application extension
# block of a made-up application.
flags = data[10]
start = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
block = b'\x21\xff\x0bLIGHTBOXTST' + b'\x03\x01\x02\x03' + b'\x00'
block += b'\x21\x99\x03abc\x00'
open(sys.argv[2], 'wb').write(data[:start] + block + data[start:])
EOF

# The references: what vipsthumbnail makes of each (upright, 320 px box, never enlarged).
# libvips reads no tiled TIFF with separate planes: that one's reference is made from the same
# pixels in contiguous tiles.
for file in "$OUT"/*.*; do
  name=$(basename "$file")
  from=$file
  [ "$name" = tiff-rgb8-planar-tiles.tif ] && from=$OUT/tiff-rgb8-tiles.tif
  # libvips reads signed 16-bit grey as unsigned (half as bright): the same grey at 8 bits.
  [ "$name" = tiff-grey-int16.tif ] && from=$OUT/tiff-grey8-none.tif
  # These files carry no colour profile and hold the picture as ImageMagick wrote it (CMYK by
  # plain inversion, float RGB as sRGB values); libvips reads CMYK through a press profile and
  # float RGB as linear light. Their reference is the picture they were made from.
  case $name in tiff-cmyk.tif | jpeg-cmyk.jpg | tiff-rgb-float32.tif) from=$TMP/base.png ;; esac
  # Debian's libjpeg (2.1) reads no 12-bit or lossless JPEG, nor arithmetic coding in libvips's
  # build: the reference is the picture they were made from.
  case $name in jpeg-arithmetic.jpg | jpeg-12bit.jpg | jpeg-lossless*.jpg) from=$TMP/base.png ;; esac
  vipsthumbnail "$from" --size '320x320>' -o "$PWD/$OUT/reference/${name%.*}.png" 2>/dev/null
done
ls -l "$OUT" "$OUT/reference"
