#!/usr/bin/env python3
"""Makes the .xls fixtures in fixtures/sheets/: BIFF8 workbooks as WPS and Chinese Excel save
them (code page 936 in the CODEPAGE record), with a title row merged across the table, an event
merged down several rows, a stray value at the last cell of the sheet (IV65536), and a workbook
of 70 worksheets whose table is on the third.

In: nothing (xlwt from PyPI: `pip install xlwt==1.3.0`). Out: the .xls files, small and
deterministic; run from the repository's root: `python3 scripts/make_sheet_fixtures.py`.
The tests read the committed files; this script is how they were made.
"""

import struct
import sys
from pathlib import Path

import xlwt

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "sheets"

HEADER = ["序号", "文件名", "年份", "地州市", "活动名称", "图片说明", "摄影者"]
ROWS = [
    (1, "IMG_0101.jpg", 2015, "哈密市", "全国科普日主场活动", "2015年9月19日，哈密市科协在市文化广场举办全国科普日主场活动，群众参观科普展板。", "王建国"),
    (2, "IMG_0102.jpg", 2015, "哈密市", "全国科普日主场活动", "科技工作者为中小学生演示机器人编程，现场互动热烈，吸引众多家长驻足。", "王建国"),
    (3, "老照片（一）.jpg", 2008, "吐鲁番市", "科普大篷车进乡村", "二〇〇八年科普大篷车开进鄯善县乡村，农牧民在车旁观看科普影片与实物展品。", "阿不都·热合曼"),
]


def table(ws, merged_event):
    """A title merged over the table, the header in row 2, the rows from row 3."""
    title = "全国科普日二十周年历史照片汇总表（哈密市科协）"
    ws.write_merge(0, 0, 0, len(HEADER) - 1, title)
    for col, name in enumerate(HEADER):
        ws.write(1, col, name)
    for r, row in enumerate(ROWS):
        for col, value in enumerate(row):
            if merged_event and col == 4 and r == 1:
                continue  # under the merged event cell
            if merged_event and col == 4 and r == 0:
                # One event over the first two photos, as units type it.
                ws.write_merge(2, 3, 4, 4, value)
                continue
            ws.write(2 + r, col, value)


def set_codepage(data, codepage):
    """Puts `codepage` in the CODEPAGE record xlwt wrote (1200): a same-length patch."""
    old = struct.pack("<HHH", 0x0042, 2, 1200)
    assert data.count(old) == 1, "one CODEPAGE record"
    return data.replace(old, struct.pack("<HHH", 0x0042, 2, codepage))


def save(book, name):
    path = OUT / name
    book.save(str(path))
    path.write_bytes(set_codepage(path.read_bytes(), 936))
    print(path, path.stat().st_size, "bytes")


def main():
    OUT.mkdir(parents=True, exist_ok=True)

    book = xlwt.Workbook(encoding="gbk")
    table(book.add_sheet("汇总表"), merged_event=True)
    save(book, "wps-cp936.xls")

    book = xlwt.Workbook(encoding="gbk")
    ws = book.add_sheet("汇总表")
    table(ws, merged_event=False)
    # A value typed by mistake at the sheet's last cell.
    ws.write(65535, 255, "误填")
    save(book, "stray-far-cell.xls")

    book = xlwt.Workbook(encoding="gbk")
    book.add_sheet("填表说明").write(0, 0, "请按下表填写每张照片的信息。")
    book.add_sheet("空白")
    table(book.add_sheet("汇总表"), merged_event=False)
    for n in range(4, 71):
        book.add_sheet("Sheet%d" % n).write(0, 0, n)
    save(book, "many-sheets.xls")


if __name__ == "__main__":
    sys.exit(main())
