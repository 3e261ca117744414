//! The CCITT fax codings the `fax` crate does not decode as a whole: modified Huffman (TIFF
//! compression 2: rows of one-dimensional runs, each row starting on a byte, no end-of-line
//! codes) and two-dimensional Group 3 (T.4 with 2-D coding: after each end-of-line code a tag
//! bit says whether the row is coded as runs or against the row above, as Group 4 codes every
//! row). Built on the crate's code tables and bit reader.
//!
//! In: a strip's bytes (most significant bit first), the width, the number of rows expected.
//! Out: each row's colour changes (the positions where the colour flips, starting white, all
//! below the width), given to a callback as `fax::decoder` gives them. Decoding stops at the
//! first code that does not parse, after giving every row before it: a cut or damaged strip
//! keeps its top.

use std::convert::Infallible;

use fax::maps::{Mode, black, mode, white};
use fax::{BitReader, ByteReader, Color};

/// A reader over a strip's bytes, with two zero bytes after them: the code tables look a few
/// bits ahead, and the last row of a strip padded only to its byte must still be read (zeros
/// are fill, never a code).
fn reader(data: &[u8]) -> Option<impl BitReader + '_> {
    let bytes = data.iter().copied().chain([0, 0]);
    ByteReader::new(bytes.map(Ok::<u8, Infallible>)).ok()
}

/// One run of `colour`: make-up codes (64 pixels and more) up to the terminating code.
fn run(reader: &mut impl BitReader, colour: Color) -> Option<u16> {
    let mut total: u16 = 0;
    loop {
        let n = match colour {
            Color::White => white::decode(reader)?,
            Color::Black => black::decode(reader)?,
        };
        total = total.checked_add(n)?;
        if n < 64 {
            return Some(total);
        }
    }
}

/// A row coded as runs, alternating from white, until the width is filled.
fn one_dimensional(reader: &mut impl BitReader, width: u16) -> Option<Vec<u16>> {
    let mut changes = Vec::new();
    let (mut at, mut colour) = (0u16, Color::White);
    while at < width {
        at = at.checked_add(run(reader, colour)?)?;
        if at > width {
            return None;
        }
        if at < width {
            changes.push(at);
        }
        colour = !colour;
    }
    Some(changes)
}

/// A row coded against the row above (`reference`, its colour changes): the pass, horizontal
/// and vertical modes of T.4 section 4.2 (the same as T.6, Group 4).
fn two_dimensional(reader: &mut impl BitReader, reference: &[u16], width: u16) -> Option<Vec<u16>> {
    let mut changes: Vec<u16> = Vec::new();
    // a0 starts just before the row (an imaginary white pixel).
    let (mut a0, mut colour) = (-1i32, Color::White);
    let width_i = i32::from(width);
    // The first change on the row above right of a0: a0 never moves left, so neither does
    // this, and a row costs its changes once (a hostile row of thousands stays linear).
    let mut right = 0;
    while a0 < width_i {
        // b1: the first change on the row above right of a0 to the colour opposite a0's (the
        // even-numbered changes turn white to black), b2 the change after it.
        while reference.get(right).is_some_and(|&p| i32::from(p) <= a0) {
            right += 1;
        }
        let to_black = colour == Color::White;
        let k = (right..reference.len()).find(|&i| (i % 2 == 0) == to_black);
        let b1 = k.map_or(width_i, |k| i32::from(reference[k]));
        let b2 = k
            .and_then(|k| reference.get(k + 1))
            .map_or(width_i, |&p| i32::from(p));
        let push = |p: i32, changes: &mut Vec<u16>| -> Option<()> {
            if changes.last().is_some_and(|&last| i32::from(last) > p) || p > width_i {
                return None;
            }
            if p < width_i {
                changes.push(u16::try_from(p).ok()?);
            }
            Some(())
        };
        match mode::decode(reader)? {
            Mode::Pass => a0 = b2,
            Mode::Horizontal => {
                let start = a0.max(0);
                let a1 = start + i32::from(run(reader, colour)?);
                let a2 = a1 + i32::from(run(reader, !colour)?);
                push(a1, &mut changes)?;
                push(a2, &mut changes)?;
                a0 = a2;
            }
            Mode::Vertical(d) => {
                let a1 = b1 + i32::from(d);
                if a1 < a0.max(0) {
                    return None;
                }
                push(a1, &mut changes)?;
                a0 = a1;
                colour = !colour;
            }
            Mode::Extension | Mode::EOF => return None,
        }
    }
    Some(changes)
}

/// Skips fill bits (zeros) and the end-of-line code they lead to (eleven zeros and a one).
fn end_of_line(reader: &mut impl BitReader) -> Option<()> {
    let mut zeros = 0;
    while reader.peek(1)? == 0 {
        reader.consume(1).ok()?;
        zeros += 1;
    }
    if zeros < 11 {
        return None;
    }
    reader.consume(1).ok()
}

/// Decodes modified Huffman (TIFF compression 2): `rows` rows of runs, each from a byte
/// boundary. Returns how many rows it gave.
pub fn modified_huffman(
    data: &[u8],
    width: u16,
    rows: usize,
    line: &mut dyn FnMut(&[u16]),
) -> usize {
    let Some(mut reader) = reader(data) else {
        return 0;
    };
    for done in 0..rows {
        let Some(changes) = one_dimensional(&mut reader, width) else {
            return done;
        };
        line(&changes);
        let skip = reader.bits_to_byte_boundary();
        if reader.consume(skip).is_err() {
            return done + 1;
        }
    }
    rows
}

/// Decodes Group 3 with 2-D coding (T.4 options bit 0): an end-of-line code before each row,
/// then a tag bit (1: the row is runs, 0: it is coded against the row above). Returns how many
/// rows it gave.
pub fn group3_2d(data: &[u8], width: u16, rows: usize, line: &mut dyn FnMut(&[u16])) -> usize {
    let Some(mut reader) = reader(data) else {
        return 0;
    };
    let mut reference: Vec<u16> = Vec::new();
    for done in 0..rows {
        let row = end_of_line(&mut reader).and_then(|()| {
            let tag = reader.peek(1)?;
            reader.consume(1).ok()?;
            if tag == 1 {
                one_dimensional(&mut reader, width)
            } else {
                two_dimensional(&mut reader, &reference, width)
            }
        });
        let Some(changes) = row else {
            return done;
        };
        line(&changes);
        reference = changes;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use fax::{BitWriter, Bits, VecWriter};

    /// A picture of `rows` rows as colour changes: bars whose edges move from row to row (so
    /// vertical, pass and horizontal modes all occur), a long run past 64 (make-up codes), a
    /// row that starts black, an all-white row.
    fn picture(width: u16, rows: usize) -> Vec<Vec<u16>> {
        (0..rows)
            .map(|y| {
                let y = y as u16;
                match y % 7 {
                    0 => vec![],
                    1 => vec![0, 3, 100 + y, 180],
                    _ => vec![5 + y % 4, 20, 22 + y % 3, 90, 91, 150 + y % 5]
                        .into_iter()
                        .filter(|&p| p < width)
                        .collect(),
                }
            })
            .collect()
    }

    fn put_run(out: &mut VecWriter, colour: Color, mut n: u16) {
        let encode = |v: u16| match colour {
            Color::White => white::encode(v),
            Color::Black => black::encode(v),
        };
        while n >= 64 {
            let makeup = (n / 64 * 64).min(2560);
            out.write(encode(makeup).unwrap()).unwrap();
            n -= makeup;
        }
        out.write(encode(n).unwrap()).unwrap();
    }

    fn put_runs(out: &mut VecWriter, changes: &[u16], width: u16) {
        let mut at = 0;
        let mut colour = Color::White;
        for &p in changes.iter().chain([width].iter()) {
            put_run(out, colour, p - at);
            at = p;
            colour = !colour;
        }
    }

    fn pad_to_byte(out: &mut VecWriter) -> Vec<u8> {
        out.pad();
        std::mem::replace(out, VecWriter::new()).finish()
    }

    #[test]
    fn modified_huffman_rows_come_back() {
        let (width, rows) = (192u16, 20);
        let want = picture(width, rows);
        let mut data = Vec::new();
        for row in &want {
            let mut out = VecWriter::new();
            put_runs(&mut out, row, width);
            data.extend(pad_to_byte(&mut out));
        }
        let mut got = Vec::new();
        let n = modified_huffman(&data, width, rows, &mut |c| got.push(c.to_vec()));
        assert_eq!(n, rows);
        assert_eq!(got, want);
        // Cut short: the rows before the cut.
        let mut top = Vec::new();
        let n = modified_huffman(&data[..data.len() / 2], width, rows, &mut |c| {
            top.push(c.to_vec());
        });
        assert!(n > 0 && n < rows, "{n}");
        assert_eq!(top[..], want[..top.len()]);
    }

    /// The 2-D coding of a row against the one above, as T.4's encoder makes it.
    fn put_2d(out: &mut VecWriter, reference: &[u16], row: &[u16], width: u16) {
        let w = i32::from(width);
        let change = |list: &[u16], after: i32, to_black: bool| -> (i32, i32) {
            let k = list
                .iter()
                .enumerate()
                .position(|(i, &p)| i32::from(p) > after && (i % 2 == 0) == to_black);
            let first = k.map_or(w, |k| i32::from(list[k]));
            let next = k.and_then(|k| list.get(k + 1)).map_or(w, |&p| i32::from(p));
            (first, next)
        };
        let (mut a0, mut colour) = (-1i32, Color::White);
        while a0 < w {
            let to_black = colour == Color::White;
            let (a1, a2) = change(row, a0, to_black);
            let (b1, b2) = change(reference, a0, to_black);
            if b2 < a1 {
                out.write(mode::encode(Mode::Pass).unwrap()).unwrap();
                a0 = b2;
            } else if (a1 - b1).abs() <= 3 {
                out.write(mode::encode(Mode::Vertical((a1 - b1) as i8)).unwrap())
                    .unwrap();
                a0 = a1;
                colour = !colour;
            } else {
                out.write(mode::encode(Mode::Horizontal).unwrap()).unwrap();
                put_run(out, colour, (a1 - a0.max(0)) as u16);
                put_run(out, !colour, (a2 - a1) as u16);
                a0 = a2;
            }
        }
    }

    #[test]
    fn two_dimensional_group3_rows_come_back() {
        let (width, rows) = (192u16, 30);
        let want = picture(width, rows);
        let mut out = VecWriter::new();
        let eol = Bits { data: 1, len: 12 };
        let mut reference: Vec<u16> = Vec::new();
        for (y, row) in want.iter().enumerate() {
            out.write(eol).unwrap();
            // Every fourth row as runs (tag 1), the rest against the row above (tag 0).
            if y % 4 == 0 {
                out.write(Bits { data: 1, len: 1 }).unwrap();
                put_runs(&mut out, row, width);
            } else {
                out.write(Bits { data: 0, len: 1 }).unwrap();
                put_2d(&mut out, &reference, row, width);
            }
            reference = row.clone();
        }
        let data = pad_to_byte(&mut out);
        let mut got = Vec::new();
        let n = group3_2d(&data, width, rows, &mut |c| got.push(c.to_vec()));
        assert_eq!(n, rows);
        assert_eq!(got, want);
    }

    #[test]
    fn garbage_gives_no_rows_and_no_panic() {
        for data in [&[][..], &[0xFF; 40][..], &[0x00; 40][..], &[0x5A; 3][..]] {
            let mut rows = 0;
            let _ = group3_2d(data, 100, 10, &mut |_| rows += 1);
            let _ = modified_huffman(data, 100, 10, &mut |_| rows += 1);
            assert!(rows <= 20);
        }
    }
}
