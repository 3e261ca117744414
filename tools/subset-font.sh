#!/usr/bin/env bash
# Regenerate the embeddable Simplified-Chinese caption font subsets in
# assets/fonts/ from Debian's fonts-noto-cjk package (Noto Sans CJK, OFL 1.1).
#
#   apt-get install -y fonts-noto-cjk
#   pip install fonttools
#   bash tools/subset-font.sh
#
# Outputs:
#   assets/fonts/NotoSansSC-Regular-subset.otf
#   assets/fonts/NotoSansSC-Bold-subset.otf   (only kept if < BOLD_MAX_BYTES)
#
# Environment overrides:
#   NOTO_CJK_DIR    directory holding NotoSansCJK-{Regular,Bold}.ttc
#                   (default /usr/share/fonts/opentype/noto)
#   BOLD_MAX_BYTES  size limit for the Bold subset (default 3000000)
#   PYTHON          python interpreter with fontTools (default python3)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT_DIR="$ROOT/assets/fonts"
NOTO_CJK_DIR=${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}
REGULAR_TTC="$NOTO_CJK_DIR/NotoSansCJK-Regular.ttc"
BOLD_TTC="$NOTO_CJK_DIR/NotoSansCJK-Bold.ttc"
BOLD_MAX_BYTES=${BOLD_MAX_BYTES:-3000000}
PYTHON=${PYTHON:-python3}
FAMILY="Noto Sans CJK SC"   # name ID 1 of the face to take out of the .ttc

# Gazetteer of Xinjiang place names (plus a few caption phrases).  Every
# character in it is kept in the subset, whether or not it is in GB2312.
GAZETTEER='
乌鲁木齐市 乌市 天山区 沙依巴克区 新市区 水磨沟区 头屯河区 达坂城区 米东区 乌鲁木齐县
克拉玛依市 克市 独山子区 克拉玛依区 白碱滩区 乌尔禾区
吐鲁番市 吐鲁番地区 高昌区 鄯善县 托克逊县
哈密市 哈密地区 伊州区 巴里坤哈萨克自治县 伊吾县
昌吉回族自治州 昌吉州 昌吉市 阜康市 呼图壁县 玛纳斯县 奇台县 吉木萨尔县 木垒哈萨克自治县
博尔塔拉蒙古自治州 博州 博乐市 阿拉山口市 精河县 温泉县
巴音郭楞蒙古自治州 巴州 库尔勒市 轮台县 尉犁县 若羌县 且末县 焉耆回族自治县 和静县 和硕县 博湖县
阿克苏地区 阿克苏市 库车市 库车县 温宿县 沙雅县 新和县 拜城县 乌什县 阿瓦提县 柯坪县
克孜勒苏柯尔克孜自治州 克州 阿图什市 阿克陶县 阿合奇县 乌恰县
喀什地区 喀什市 疏附县 疏勒县 英吉沙县 泽普县 莎车县 叶城县 麦盖提县 岳普湖县 伽师县 巴楚县
塔什库尔干塔吉克自治县
和田地区 和田市 和田县 墨玉县 皮山县 洛浦县 策勒县 于田县 民丰县
伊犁哈萨克自治州 伊犁州 伊犁州直 伊宁市 奎屯市 霍尔果斯市 伊宁县 察布查尔锡伯自治县 霍城县
巩留县 新源县 昭苏县 特克斯县 尼勒克县
塔城地区 塔城市 乌苏市 沙湾市 沙湾县 额敏县 托里县 裕民县 和布克赛尔蒙古自治县
阿勒泰地区 阿勒泰市 布尔津县 富蕴县 福海县 哈巴河县 青河县 吉木乃县
石河子市 阿拉尔市 图木舒克市 五家渠市 北屯市 铁门关市 双河市 可克达拉市 昆玉市 胡杨河市
新星市 白杨市 兵团 新疆生产建设兵团 新疆维吾尔自治区
全国科普日 新疆维吾尔自治区科学技术协会
'

# Extra symbols for contact-sheet captions: ✓ ✗ ● ○ ■ □ ▲ △ ★ ☆, ①–⑳,
# ← → ↑ ↓.  Code points the font lacks are reported and skipped.
SYMBOLS='✓✗●○■□▲△★☆①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳←→↑↓'

die() { echo "subset-font.sh: $*" >&2; exit 1; }

[ -f "$REGULAR_TTC" ] || die "$REGULAR_TTC not found (apt-get install -y fonts-noto-cjk)"
"$PYTHON" -c 'import fontTools' 2>/dev/null || die "fontTools missing (pip install fonttools)"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT_DIR"

# Index of the face whose family name (name ID 1) is exactly $FAMILY.
face_index() {
    "$PYTHON" - "$1" "$FAMILY" <<'PY'
import sys
from fontTools.ttLib import TTCollection
path, family = sys.argv[1], sys.argv[2]
coll = TTCollection(path, lazy=True)
hits = [i for i, f in enumerate(coll.fonts) if f["name"].getDebugName(1) == family]
if len(hits) != 1:
    sys.exit(f"expected exactly one face named {family!r} in {path}, found {hits}")
print(hits[0])
PY
}

# Code-point list for pyftsubset --unicodes-file (one hex code point a line).
GAZETTEER="$GAZETTEER" SYMBOLS="$SYMBOLS" "$PYTHON" - "$REGULAR_TTC" "$(face_index "$REGULAR_TTC")" \
    > "$WORK/unicodes.txt" <<'PY'
import os, sys, unicodedata
from fontTools.ttLib import TTFont

cps = set()
cps.update(range(0x20, 0x7F))              # ASCII printable
cps.update(range(0xA0, 0xC0))              # Latin-1 punctuation and symbols
cps.update((0xD7, 0xF7))                   # multiplication and division signs
cps.update((0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D,
            0x2022, 0x2026))               # dashes, quotes, bullet, ellipsis
cps.update(range(0x3000, 0x3040))          # CJK symbols and punctuation
cps.update(range(0xFF00, 0xFFF0))          # half-width and full-width forms
for lead in range(0xA1, 0xF8):             # every valid GB2312 two-byte code
    for trail in range(0xA1, 0xFF):
        try:
            cps.update(map(ord, bytes((lead, trail)).decode("gb2312")))
        except UnicodeDecodeError:
            pass
cps.update(ord(c) for c in os.environ["GAZETTEER"] if not c.isspace())

font = TTFont(sys.argv[1], fontNumber=int(sys.argv[2]), lazy=True)
cmap = font.getBestCmap()
for c in os.environ["SYMBOLS"]:
    if ord(c) in cmap:
        cps.add(ord(c))
    else:
        print(f"note: font has no glyph for U+{ord(c):04X} {c}; skipped", file=sys.stderr)

cps = {cp for cp in cps if unicodedata.category(chr(cp)) != "Cn"}  # unassigned
missing = sorted(cp for cp in cps if cp not in cmap)
if missing:
    print(f"note: {len(missing)} requested code points are not in the font "
          f"(e.g. {' '.join(f'U+{cp:04X}' for cp in missing[:8])})", file=sys.stderr)
for cp in sorted(cps):
    print(f"{cp:04X}")
PY

# Options, chosen by measuring the Regular subset (fonttools 4.68, 2.004 fonts):
# --no-hinting         strip CFF hints (ab_glyph and PDF viewers do not need them)
# --layout-features='' keep no GSUB/GPOS features: captions are drawn glyph by
#                      glyph (ab_glyph reads no GSUB/GPOS, and Noto CJK has no
#                      legacy 'kern' table).  '*' or pyftsubset's default list
#                      pulls in ~6,000 JP/KR/TC/alternate glyphs (2.9-3.0 MB);
#                      'kern,vert,vrt2' adds 218 vertical forms (+70 KB).
# (no --desubroutinize: flattening the CFF makes the .otf ~20 KB larger,
#                      although ~40 KB smaller once gzipped)
# --name-IDs='*'       keep every name record, incl. copyright (0), trademark (7),
#                      licence description (13) and licence URL (14)
# --notdef-outline     keep the .notdef box so missing characters show as tofu
subset() {  # subset TTC OUT
    local idx
    idx=$(face_index "$1")
    echo "subset-font.sh: $(basename "$1") face $idx ($FAMILY) -> ${2#"$ROOT"/}" >&2
    "$PYTHON" -m fontTools.subset "$1" \
        --font-number="$idx" \
        --unicodes-file="$WORK/unicodes.txt" \
        --output-file="$2" \
        --no-hinting \
        --layout-features='' \
        --name-IDs='*' \
        --name-languages='*' \
        --notdef-outline \
        --no-recalc-timestamp
    # The faces of the .ttc share one CFF table whose own names are those of
    # the JP face; give the subset's CFF the SC face's names from its name table.
    "$PYTHON" - "$2" <<'PY'
import sys
from fontTools.ttLib import TTFont
font = TTFont(sys.argv[1], recalcTimestamp=False)
name = font["name"]
cff = font["CFF "].cff
cff.fontNames[0] = name.getDebugName(6)
top = cff.topDictIndex[0]
top.FamilyName = name.getDebugName(1)
top.FullName = f"{name.getDebugName(1)} {name.getDebugName(2)}"
font.save(sys.argv[1])
PY
}

subset "$REGULAR_TTC" "$OUT_DIR/NotoSansSC-Regular-subset.otf"

BOLD_OUT="$OUT_DIR/NotoSansSC-Bold-subset.otf"
if [ -f "$BOLD_TTC" ]; then
    subset "$BOLD_TTC" "$WORK/bold.otf"
    size=$(stat -c %s "$WORK/bold.otf")
    if [ "$size" -lt "$BOLD_MAX_BYTES" ]; then
        mv "$WORK/bold.otf" "$BOLD_OUT"
    else
        echo "subset-font.sh: Bold subset is $size bytes (>= $BOLD_MAX_BYTES); skipped" >&2
        rm -f "$BOLD_OUT"
    fi
else
    echo "subset-font.sh: $BOLD_TTC not found; Bold skipped" >&2
fi

ls -l "$OUT_DIR"/*.otf >&2
