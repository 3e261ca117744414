//! An `.xls` workbook (BIFF, in an OLE compound file) measured and bounded before calamine
//! opens it: calamine reads every worksheet of an xls whole when it opens the file, allocating
//! each one's used rectangle (and reserving what its DIMENSIONS record declares), so one value
//! typed at `IV65536` costs half a gigabyte and a lying DIMENSIONS record aborts the process.
//!
//! In: the file's bytes. Out: a copy of them in which the cell records calamine would place
//! outside the table are turned into records it skips, the DIMENSIONS records say the rectangle
//! that is left, and the worksheets past [`super::sheet::MAX_SHEETS`] are emptied; with what
//! was left out per worksheet, the BIFF version and the code page record. The copy is what
//! calamine reads; the file is never written. Invariant: a worksheet whose rectangle is within
//! [`MAX_WHOLE_CELLS`] is left whole (the sheet reader then tells values outside its table as
//! for any sheet); a larger one loses its rightmost columns until what is left fits, and the
//! cells in them are told as outside the table (a value typed at `IV65536` beside a table in
//! `A1:G200` is the one cell left out). Each byte of the copy is changed in place: the compound
//! file's layout is untouched.

use std::collections::BTreeMap;

use super::sheet::{MAX_SHEETS, MAX_WHOLE_CELLS};

/// A record type no BIFF version uses: what a cell record left out becomes.
const SKIPPED: u16 = 0x1FFF;

/// What measuring an xls found and changed.
#[derive(Debug, Default)]
pub struct Bounded {
    /// The bytes for calamine, with the changes made.
    pub bytes: Vec<u8>,
    /// True for BIFF8 (Excel 97 and later, WPS): its text is Unicode whatever the code page
    /// record says.
    pub biff8: bool,
    /// The CODEPAGE record's value, when there is one.
    pub codepage: Option<u16>,
    /// Per worksheet (in the workbook's order): cells left out, and the first of them (row,
    /// column, 0-based).
    pub left_out: Vec<(usize, Option<(u32, u32)>)>,
    /// Cells of the rectangles calamine will allocate, all worksheets together.
    pub cells: u64,
}

/// Measures and bounds an xls; `None` when the bytes are not a compound file holding a
/// workbook stream this reader can follow (calamine then says what is wrong, if anything).
pub fn bound(bytes: &[u8]) -> Option<Bounded> {
    let file = Compound::new(bytes)?;
    let chunks = file.workbook()?;
    let mut stream: Vec<u8> = Vec::new();
    for &(offset, len) in &chunks {
        stream.extend_from_slice(bytes.get(offset..offset + len)?);
    }
    let mut bounded = Bounded {
        bytes: bytes.to_vec(),
        ..Bounded::default()
    };
    let mut patch = |at: usize, new: &[u8]| {
        for (i, b) in new.iter().enumerate() {
            if let Some(file_at) = file_offset(&chunks, at + i) {
                bounded.bytes[file_at] = *b;
            }
        }
    };
    // The globals: BIFF version, code page, where each worksheet starts.
    let mut sheets = Vec::new();
    for (at, typ, data) in records(&stream, 0) {
        match typ {
            0x0809 if at == 0 => {
                bounded.biff8 = data.get(..2).map(u16_at) == Some(0x0600);
            }
            0x0042 if data.len() >= 2 => bounded.codepage = Some(u16_at(data)),
            0x0085 if data.len() >= 4 => sheets.push(u32_at(data) as usize),
            0x000A => break,
            _ => {}
        }
    }
    for (n, start) in sheets.into_iter().enumerate() {
        let sheet = measure_sheet(&stream, start);
        let kept = if n < MAX_SHEETS {
            right_edge(&sheet.cells)
        } else {
            None
        };
        let mut count = 0;
        let mut first: Option<(u32, u32)> = None;
        let mut rect: Option<(u32, u32, u32, u32)> = None;
        let mut drop_string = false;
        for cell in &sheet.cells {
            let inside = match kept {
                Some(right) => cell.last_col <= right,
                None => false,
            };
            if cell.typ == 0x0207 {
                // A formula's text follows its formula: it goes where the formula went.
                if drop_string {
                    patch(cell.at, &SKIPPED.to_le_bytes());
                }
                continue;
            }
            drop_string = !inside;
            if inside {
                let (t, l, b, r) = rect.unwrap_or((cell.row, cell.col, cell.row, cell.last_col));
                rect = Some((
                    t.min(cell.row),
                    l.min(cell.col),
                    b.max(cell.row),
                    r.max(cell.last_col),
                ));
            } else {
                patch(cell.at, &SKIPPED.to_le_bytes());
                if n < MAX_SHEETS {
                    count += (cell.last_col - cell.col + 1) as usize;
                    if first.is_none_or(|f| (cell.row, cell.col) < f) {
                        first = Some((cell.row, cell.col));
                    }
                }
            }
        }
        // What calamine reserves and allocates is then the rectangle kept.
        let (t, l, b, r) = rect.unwrap_or((0, 0, 0, 0));
        for &(at, len) in &sheet.dimensions {
            let mut record = Vec::new();
            if rect.is_some() {
                match len {
                    10 => {
                        record.extend((t as u16).to_le_bytes());
                        record.extend(((b + 1) as u16).to_le_bytes());
                    }
                    _ => {
                        record.extend(t.to_le_bytes());
                        record.extend((b + 1).to_le_bytes());
                    }
                }
                record.extend((l as u16).to_le_bytes());
                record.extend(((r + 1) as u16).to_le_bytes());
            } else {
                record.resize(if len == 10 { 8 } else { 12 }, 0);
            }
            patch(at + 4, &record);
        }
        if rect.is_some() {
            bounded.cells += u64::from(b - t + 1) * u64::from(r - l + 1);
        }
        if n < MAX_SHEETS {
            bounded.left_out.push((count, first));
        }
    }
    Some(bounded)
}

/// Whether the bounded workbook is small enough for calamine to read whole.
pub fn fits(bounded: &Bounded) -> bool {
    bounded.cells <= MAX_WHOLE_CELLS
}

/// A cell record of a worksheet: where it is in the stream, its type, its row and columns.
struct CellRecord {
    at: usize,
    typ: u16,
    row: u32,
    col: u32,
    last_col: u32,
}

/// A worksheet's cell records and its DIMENSIONS records (stream offset, data length).
struct SheetCells {
    cells: Vec<CellRecord>,
    dimensions: Vec<(usize, usize)>,
}

/// The rightmost column to keep: all of them when the worksheet's rectangle is within
/// [`MAX_WHOLE_CELLS`], else the most columns from the left whose rectangle is; `None` when no
/// cell can be kept.
fn right_edge(cells: &[CellRecord]) -> Option<u32> {
    // Each column's highest and lowest row (a formula's text record has no place of its own).
    let mut columns: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
    for cell in cells.iter().filter(|c| c.typ != 0x0207) {
        for col in cell.col..=cell.last_col {
            let (top, bottom) = columns.entry(col).or_insert((cell.row, cell.row));
            *top = (*top).min(cell.row);
            *bottom = (*bottom).max(cell.row);
        }
    }
    let left = *columns.keys().next()?;
    let (mut top, mut bottom) = (u32::MAX, 0);
    let mut edge = None;
    for (&col, &(t, b)) in &columns {
        (top, bottom) = (top.min(t), bottom.max(b));
        let cells = u64::from(bottom - top + 1) * u64::from(col - left + 1);
        if cells > MAX_WHOLE_CELLS {
            break;
        }
        edge = Some(col);
    }
    edge
}

/// The cell records calamine reads in the worksheet substream starting at `start`.
fn measure_sheet(stream: &[u8], start: usize) -> SheetCells {
    let mut cells = Vec::new();
    let mut dimensions = Vec::new();
    let mut depth = 0usize;
    let mut seen_bof = false;
    for (at, typ, data) in records(stream, start) {
        if typ == 0x0809 {
            if seen_bof {
                depth += 1;
            }
            seen_bof = true;
            continue;
        }
        if typ == 0x000A {
            if depth == 0 {
                break;
            }
            depth -= 1;
            continue;
        }
        if depth > 0 {
            continue;
        }
        let position = |data: &[u8]| -> Option<(u32, u32)> {
            Some((
                u32::from(u16_at(data.get(0..2)?)),
                u32::from(u16_at(data.get(2..4)?)),
            ))
        };
        let cell = match typ {
            0x0200 => {
                dimensions.push((at, data.len()));
                None
            }
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                position(data).map(|(row, col)| (row, col, col))
            }
            0x00BD if data.len() >= 6 => position(data).map(|(row, col)| {
                let last = u32::from(u16_at(&data[data.len() - 2..]));
                (row, col, last.max(col))
            }),
            0x0207 => Some((0, 0, 0)),
            _ => None,
        };
        if let Some((row, col, last_col)) = cell {
            cells.push(CellRecord {
                at,
                typ,
                row,
                col,
                last_col,
            });
        }
    }
    SheetCells { cells, dimensions }
}

/// The records of a BIFF stream from `start`: (offset, type, data).
fn records(stream: &[u8], start: usize) -> impl Iterator<Item = (usize, u16, &[u8])> {
    let mut at = start;
    std::iter::from_fn(move || {
        let head = stream.get(at..at + 4)?;
        let (typ, len) = (u16_at(&head[..2]), usize::from(u16_at(&head[2..])));
        let data = stream.get(at + 4..at + 4 + len)?;
        let here = at;
        at += 4 + len;
        Some((here, typ, data))
    })
}

/// The file offset of byte `at` of a stream laid out in `chunks` (file offset, length).
fn file_offset(chunks: &[(usize, usize)], mut at: usize) -> Option<usize> {
    for &(offset, len) in chunks {
        if at < len {
            return Some(offset + at);
        }
        at -= len;
    }
    None
}

fn u16_at(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn u32_at(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// An OLE compound file, read only as far as finding one stream's sectors.
struct Compound<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
}

/// The end of a sector chain.
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

impl<'a> Compound<'a> {
    fn new(bytes: &'a [u8]) -> Option<Compound<'a>> {
        if !bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return None;
        }
        let shift = u16_at(bytes.get(0x1E..0x20)?);
        if shift != 9 && shift != 12 {
            return None;
        }
        let sector = 1usize << shift;
        let mut file = Compound {
            bytes,
            sector,
            fat: Vec::new(),
        };
        // The FAT's sectors: 109 in the header, the rest in the DIFAT chain.
        let mut fat_sectors: Vec<u32> = (0..109)
            .filter_map(|i| bytes.get(0x4C + 4 * i..0x50 + 4 * i).map(u32_at))
            .filter(|&s| s < 0xFFFF_FFFA)
            .collect();
        let mut difat = u32_at(bytes.get(0x44..0x48)?);
        let mut guard = 0;
        while difat < 0xFFFF_FFFA && guard < bytes.len() / sector {
            let data = file.sector_bytes(difat)?;
            let per = sector / 4 - 1;
            fat_sectors.extend(
                (0..per)
                    .map(|i| u32_at(&data[4 * i..]))
                    .filter(|&s| s < 0xFFFF_FFFA),
            );
            difat = u32_at(&data[4 * per..]);
            guard += 1;
        }
        for s in fat_sectors {
            let data = file.sector_bytes(s)?;
            file.fat.extend(data.chunks_exact(4).map(u32_at));
        }
        Some(file)
    }

    fn sector_bytes(&self, n: u32) -> Option<&'a [u8]> {
        let start = (n as usize + 1).checked_mul(self.sector)?;
        self.bytes.get(start..start + self.sector)
    }

    /// The sectors of the chain from `first`, in order (a loop ends it).
    fn chain(&self, first: u32) -> Option<Vec<u32>> {
        let mut out = Vec::new();
        let mut next = first;
        while next != END_OF_CHAIN {
            if out.len() > self.fat.len() {
                return None;
            }
            out.push(next);
            next = *self.fat.get(next as usize)?;
        }
        Some(out)
    }

    /// The file's chunks (offset, length) holding the `Workbook` (or BIFF5's `Book`) stream.
    fn workbook(&self) -> Option<Vec<(usize, usize)>> {
        let header = self.bytes;
        let directory = self.chain(u32_at(header.get(0x30..0x34)?))?;
        let cutoff = u32_at(header.get(0x38..0x3C)?) as u64;
        let mut entries = Vec::new();
        for s in directory {
            entries.extend(self.sector_bytes(s)?.chunks_exact(128));
        }
        let name = |e: &[u8]| -> String {
            let len = usize::from(u16_at(&e[0x40..0x42])).min(64);
            let units: Vec<u16> = e[..len]
                .chunks_exact(2)
                .map(u16_at)
                .take_while(|&u| u != 0)
                .collect();
            String::from_utf16_lossy(&units)
        };
        let size = |e: &[u8]| u64::from(u32_at(&e[0x78..0x7C]));
        let start = |e: &[u8]| u32_at(&e[0x74..0x78]);
        let root = entries.first().filter(|e| e[0x42] == 5)?;
        let stream = entries
            .iter()
            .find(|e| e[0x42] == 2 && name(e) == "Workbook")
            .or_else(|| entries.iter().find(|e| e[0x42] == 2 && name(e) == "Book"))?;
        let len = usize::try_from(size(stream)).ok()?;
        let mut chunks = Vec::new();
        let mut left = len;
        if size(stream) >= cutoff {
            for s in self.chain(start(stream))? {
                let offset = (s as usize + 1).checked_mul(self.sector)?;
                let take = left.min(self.sector);
                chunks.push((offset, take));
                left -= take;
                if left == 0 {
                    break;
                }
            }
        } else {
            // A small stream lives in the mini stream: 64-byte sectors inside the root's
            // chain, chained by the mini FAT.
            let mini_fat: Vec<u32> = self
                .chain(u32_at(header.get(0x3C..0x40)?))?
                .into_iter()
                .filter_map(|s| self.sector_bytes(s))
                .flat_map(|d| d.chunks_exact(4).map(u32_at))
                .collect();
            let container = self.chain(start(root))?;
            let mini = 64usize;
            let mut next = start(stream);
            let mut steps = 0;
            while next != END_OF_CHAIN && left > 0 && steps <= mini_fat.len() {
                let at = next as usize * mini;
                let host = *container.get(at / self.sector)?;
                let offset = (host as usize + 1) * self.sector + at % self.sector;
                let take = left.min(mini);
                chunks.push((offset, take));
                left -= take;
                next = *mini_fat.get(next as usize)?;
                steps += 1;
            }
        }
        (left == 0).then_some(chunks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/sheets")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn a_stray_far_cell_is_left_out_and_the_rectangle_shrinks() {
        let bounded = bound(&fixture("stray-far-cell.xls")).unwrap();
        assert!(bounded.biff8);
        assert_eq!(bounded.codepage, Some(936));
        assert_eq!(bounded.left_out, vec![(1, Some((65_535, 255)))]);
        // The table is 5 rows of 7 columns.
        assert_eq!(bounded.cells, 5 * 7);
        assert!(fits(&bounded));
    }

    #[test]
    fn worksheets_past_the_searched_ones_are_emptied() {
        let bounded = bound(&fixture("many-sheets.xls")).unwrap();
        assert_eq!(bounded.left_out.len(), MAX_SHEETS);
        assert!(bounded.left_out.iter().all(|(n, _)| *n == 0));
        // The 64 searched: a note, an empty sheet, the table, 61 numbers.
        assert_eq!(bounded.cells, 1 + 5 * 7 + 61);
    }

    #[test]
    fn bytes_that_are_not_a_compound_file_are_not_measured() {
        assert!(bound(b"PK\x03\x04 not ole").is_none());
        let mut cut = fixture("wps-cp936.xls");
        cut.truncate(1000);
        assert!(bound(&cut).is_none());
    }
}
