//! Entropy check: walks the Huffman-coded data of a sequential JPEG, symbol by symbol and
//! without making pixels, to tell a picture whose data is corrupt from one that is whole.
//!
//! In: the bytes of a JPEG. Out: `Whole`, `Corrupt(damage)` or `Unknown` (progressive,
//! arithmetic-coded or lossless JPEGs, and headers this walk does not follow). Invariants: never
//! panics, reads nothing outside the slice, and is exact where the decoders are silent: corrupt
//! data makes the Huffman stream run out before the last block (libjpeg's "premature end of data
//! segment"), leave bytes over after it ("extraneous bytes before marker"), hold a code no
//! table has, or miss a restart marker. The pixel decoders fill such gaps with grey or garbage
//! without a word.
//!
//! It costs about as much as decoding the coefficients, so the inspector calls it only when the
//! decoded picture looks cut off (its last row one flat colour) or a decoder balked.

use crate::photo::Damage;

/// What the walk found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entropy {
    /// Every scan holds exactly its blocks.
    Whole,
    /// The data is damaged: where and how.
    Corrupt(Damage),
    /// A kind of JPEG this walk does not follow.
    Unknown,
}

/// A Huffman table in canonical form (JPEG Annex C).
#[derive(Clone, Debug, Default)]
struct Table {
    /// Largest code of each length, `-1` where there is none.
    max_code: [i32; 17],
    /// Index into `values` of the first code of each length, less that code.
    offset: [i32; 17],
    values: Vec<u8>,
}

impl Table {
    fn new(counts: &[u8], values: &[u8]) -> Table {
        let mut table = Table {
            max_code: [-1; 17],
            offset: [0; 17],
            values: values.to_vec(),
        };
        let (mut code, mut index) = (0i32, 0i32);
        for len in 1..=16 {
            let n = i32::from(counts[len - 1]);
            if n > 0 {
                table.offset[len] = index - code;
                code += n;
                index += n;
                table.max_code[len] = code - 1;
            }
            code <<= 1;
        }
        table
    }
}

/// Reads the entropy-coded bits of one scan.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    byte: u8,
    left: u32,
    /// Zero bits handed out past the end of the data: any means the data ran out.
    past_end: u64,
}

impl Bits<'_> {
    fn bit(&mut self) -> u32 {
        if self.left == 0 {
            match (self.data.get(self.pos), self.data.get(self.pos + 1)) {
                (Some(0xFF), Some(0x00)) => {
                    self.byte = 0xFF;
                    self.pos += 2;
                }
                // A marker, or the end of the file: the data is over.
                (Some(0xFF), _) | (None, _) => {
                    self.past_end += 1;
                    return 0;
                }
                (Some(&b), _) => {
                    self.byte = b;
                    self.pos += 1;
                }
            }
            self.left = 8;
        }
        self.left -= 1;
        u32::from(self.byte >> self.left) & 1
    }

    fn bits(&mut self, n: u8) {
        for _ in 0..n {
            self.bit();
        }
    }

    fn decode(&mut self, table: &Table) -> Result<u8, Damage> {
        let mut code = 0i32;
        for len in 1..=16 {
            code = (code << 1) | self.bit() as i32;
            if code <= table.max_code[len] {
                let at = usize::try_from(table.offset[len] + code).unwrap_or(usize::MAX);
                return table.values.get(at).copied().ok_or(Damage::ShortTable);
            }
        }
        Err(Damage::UnknownCode {
            at: self.pos as u64,
        })
    }

    /// Drops the bits left in the current byte (restart markers and the end are byte-aligned).
    fn align(&mut self) {
        self.left = 0;
    }
}

/// One frame component: sampling factors.
#[derive(Clone, Copy, Debug)]
struct Component {
    id: u8,
    h: u32,
    v: u32,
}

/// A big-endian u16 at `at`.
fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([
        *bytes.get(at)?,
        *bytes.get(at + 1)?,
    ])))
}

/// Walks the JPEG's scans. See the module header.
pub fn check(bytes: &[u8]) -> Entropy {
    walk(bytes).unwrap_or(Entropy::Unknown)
}

fn walk(bytes: &[u8]) -> Option<Entropy> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut pos = 2;
    let mut frame: Option<(u32, u32, Vec<Component>)> = None;
    let mut dc: [Option<Table>; 4] = Default::default();
    let mut ac: [Option<Table>; 4] = Default::default();
    let mut restart = 0usize;
    loop {
        // Stray bytes between segments (a writer's miscounted length) say nothing about the
        // picture: on to the next marker, as libjpeg does.
        if *bytes.get(pos)? != 0xFF {
            pos += memchr::memchr(0xFF, bytes.get(pos..)?)?;
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos)?;
        pos += 1;
        match marker {
            0xD9 => return Some(Entropy::Whole),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = u16_at(bytes, pos)?;
        let segment = bytes.get(pos + 2..pos + len)?;
        match marker {
            0xC0 | 0xC1 => {
                let height = u32::try_from(u16_at(segment, 1)?).ok()?;
                let width = u32::try_from(u16_at(segment, 3)?).ok()?;
                let count = usize::from(*segment.get(5)?);
                let mut components = Vec::with_capacity(count);
                for c in 0..count {
                    let at = 6 + 3 * c;
                    let sampling = *segment.get(at + 1)?;
                    let (h, v) = (u32::from(sampling >> 4), u32::from(sampling & 15));
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
                        return None;
                    }
                    components.push(Component {
                        id: *segment.get(at)?,
                        h,
                        v,
                    });
                }
                if width == 0 || height == 0 || components.is_empty() {
                    return None;
                }
                frame = Some((width, height, components));
            }
            // Progressive, lossless, hierarchical, arithmetic: not walked.
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return None,
            0xC4 => {
                let mut at = 0;
                while at < segment.len() {
                    let class_id = segment[at];
                    let counts = segment.get(at + 1..at + 17)?;
                    let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
                    let values = segment.get(at + 17..at + 17 + total)?;
                    let table = Some(Table::new(counts, values));
                    let slot = usize::from(class_id & 15);
                    match class_id >> 4 {
                        0 => *dc.get_mut(slot)? = table,
                        1 => *ac.get_mut(slot)? = table,
                        _ => return None,
                    }
                    at += 17 + total;
                }
            }
            0xDD => restart = u16_at(segment, 0)?,
            0xDA => {
                let (width, height, components) = frame.as_ref()?;
                let count = usize::from(*segment.first()?);
                let mut scan = Vec::with_capacity(count);
                for c in 0..count {
                    let id = *segment.get(1 + 2 * c)?;
                    let tables = *segment.get(2 + 2 * c)?;
                    let component = *components.iter().find(|k| k.id == id)?;
                    let dc_table = dc.get(usize::from(tables >> 4))?.as_ref()?;
                    let ac_table = ac.get(usize::from(tables & 15))?.as_ref()?;
                    scan.push((component, dc_table, ac_table));
                }
                let h_max = components.iter().map(|c| c.h).max()?;
                let v_max = components.iter().map(|c| c.v).max()?;
                let start = pos + len;
                let mut reader = Bits {
                    data: bytes,
                    pos: start,
                    byte: 0,
                    left: 0,
                    past_end: 0,
                };
                if let Err(reason) = walk_scan(
                    &mut reader,
                    &scan,
                    (*width, *height),
                    (h_max, v_max),
                    restart,
                ) {
                    return Some(Entropy::Corrupt(reason));
                }
                pos = reader.pos;
                // After the last block only the next marker may follow.
                let mut rest = &bytes[pos.min(bytes.len())..];
                // Some encoders end a scan with one more restart marker.
                if let [0xFF, 0xD0..=0xD7, ..] = rest {
                    rest = &rest[2..];
                    pos += 2;
                }
                let extra = memchr::memchr_iter(0xFF, rest)
                    .find(|&i| {
                        rest.get(i + 1)
                            .is_some_and(|&b| b != 0x00 && !(0xD0..=0xD7).contains(&b))
                    })
                    .unwrap_or(rest.len());
                if extra > 0 {
                    return Some(Entropy::Corrupt(Damage::LeftOver {
                        bytes: extra as u64,
                    }));
                }
                continue;
            }
            _ => {}
        }
        pos += len;
    }
}

/// Walks one scan's blocks; `Err` with the reason when the data does not hold exactly them.
fn walk_scan(
    reader: &mut Bits,
    scan: &[(Component, &Table, &Table)],
    (width, height): (u32, u32),
    (h_max, v_max): (u32, u32),
    restart: usize,
) -> Result<(), Damage> {
    // The units of the scan: MCUs when interleaved, blocks of the one component otherwise.
    let interleaved = scan.len() > 1;
    let count = if let [(c, _, _)] = scan {
        let cols = (width * c.h).div_ceil(h_max).div_ceil(8);
        let rows = (height * c.v).div_ceil(v_max).div_ceil(8);
        u64::from(cols) * u64::from(rows)
    } else {
        u64::from(width.div_ceil(8 * h_max)) * u64::from(height.div_ceil(8 * v_max))
    };
    for unit in 0..count {
        if restart > 0 && unit > 0 && unit % restart as u64 == 0 {
            reader.align();
            let expected = 0xD0 + ((unit / restart as u64 - 1) % 8) as u8;
            match (reader.data.get(reader.pos), reader.data.get(reader.pos + 1)) {
                (Some(0xFF), Some(&m)) if m == expected => reader.pos += 2,
                _ => {
                    return Err(Damage::RestartMissing {
                        marker: expected - 0xD0,
                        at: reader.pos as u64,
                    });
                }
            }
        }
        for (component, dc, ac) in scan {
            let blocks = if interleaved {
                component.h * component.v
            } else {
                1
            };
            for _ in 0..blocks {
                let size = reader.decode(dc)?;
                if size > 16 {
                    return Err(Damage::DcTooLong { bits: size });
                }
                reader.bits(size);
                let mut k = 1;
                while k < 64 {
                    let rs = reader.decode(ac)?;
                    let (run, size) = (rs >> 4, rs & 15);
                    if size == 0 {
                        if run != 15 {
                            break;
                        }
                        k += 16;
                    } else {
                        k += usize::from(run);
                        reader.bits(size);
                        k += 1;
                    }
                }
                if k > 64 {
                    return Err(Damage::TooManyCoefficients { count: k as u64 });
                }
            }
        }
        if reader.past_end > 0 {
            return Err(Damage::EndsEarly { unit, count });
        }
    }
    reader.align();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
    }

    /// Every JPEG below `fixtures/` whose name does not say it is broken.
    fn good_jpegs() -> Vec<std::path::PathBuf> {
        walkdir::WalkDir::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
            .into_iter()
            .filter_map(Result::ok)
            .map(walkdir::DirEntry::into_path)
            .filter(|p| {
                let name = p.to_string_lossy().to_lowercase();
                (name.ends_with(".jpg") || name.ends_with(".jpeg"))
                    && !name.contains("/broken/")
                    && !name.contains("损坏")
                    && std::fs::read(p).is_ok_and(|b| b.starts_with(&[0xFF, 0xD8]))
            })
            .collect()
    }

    #[test]
    fn whole_files_walk_whole() {
        let files = good_jpegs();
        assert!(files.len() > 10, "{files:?}");
        let mut whole = 0;
        for path in &files {
            match check(&std::fs::read(path).unwrap()) {
                Entropy::Whole => whole += 1,
                Entropy::Unknown => {}
                Entropy::Corrupt(damage) => panic!("{}: {damage:?}", path.display()),
            }
        }
        assert!(whole * 2 > files.len(), "{whole} of {} walked", files.len());
    }

    #[test]
    fn corrupt_cut_and_padded_data_is_told() {
        let Entropy::Corrupt(reason) = check(&fixture("fixtures/broken/corrupt-huffman.jpg"))
        else {
            panic!("corrupt-huffman.jpg walks whole");
        };
        assert!(!matches!(reason, Damage::Decoder { .. }), "{reason:?}");
        let good = fixture("fixtures/broken/cmyk.jpg");
        let good = if check(&good) == Entropy::Whole {
            good
        } else {
            std::fs::read(&good_jpegs()[0]).unwrap()
        };
        assert_eq!(check(&good), Entropy::Whole);
        // Bytes slipped in before the end marker: left over after the last block.
        let eoi = good.len() - 2;
        let mut padded = good[..eoi].to_vec();
        padded.extend([0x12, 0x34, 0x56, 0x78]);
        padded.extend(&good[eoi..]);
        assert!(matches!(
            check(&padded),
            Entropy::Corrupt(Damage::LeftOver { .. })
        ));
        // A stretch of the data dropped: it runs out before the last block (or breaks a code).
        let sos = good.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let mid = sos + (eoi - sos) / 2;
        let cut = [&good[..mid], &good[mid + 700..]].concat();
        assert!(
            matches!(check(&cut), Entropy::Corrupt(_)),
            "{:?}",
            check(&cut)
        );
        // Never a panic on a prefix.
        for end in (0..good.len()).step_by(997) {
            let _ = check(&good[..end]);
        }
    }
}
