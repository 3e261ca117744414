//! A JPEG's quality, estimated from its quantisation tables: what the keeper rule compares
//! between two copies of one photo (the less compressed one is kept).
//!
//! In: a JPEG's bytes (only the segments before the image data are read). Out: the IJG quality
//! (1–100) whose scaled standard tables are nearest to the file's, or `None` without a DQT.
//! Invariant: never panics on any bytes; reads no further than the first SOS.

/// IJG (libjpeg) luminance and chrominance tables, in natural order (ITU T.81 K.1, K.2).
const STD_TABLES: [[u16; 64]; 2] = [
    [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69,
        56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81,
        104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ],
    [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99,
        99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ],
];

/// Natural (row-major) position of the k-th coefficient in zigzag order, as DQT stores them.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Estimates a JPEG's quality (1–100, the IJG scale most encoders use) from its quantisation
/// tables: the quality whose scaled standard tables are nearest to the file's (exact for files
/// written by libjpeg and its kin; the nearest equivalent for cameras' own tables). `None` when
/// the bytes hold no DQT segment before the image data.
pub fn jpeg_quality(bytes: &[u8]) -> Option<u8> {
    let tables = dqt_tables(bytes);
    let luma = tables[0].as_ref()?;
    let chroma = tables[1].as_ref();
    let scaled = |std: &[u16; 64], q: u32| {
        let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
        std.map(|v| ((u32::from(v) * scale + 50) / 100).clamp(1, 255))
    };
    let error = |actual: &[u16; 64], expected: &[u32; 64]| -> u64 {
        actual
            .iter()
            .zip(expected)
            .map(|(&a, &e)| u64::from(u32::from(a).abs_diff(e)))
            .sum()
    };
    (1..=100u32)
        .map(|q| {
            let mut e = error(luma, &scaled(&STD_TABLES[0], q));
            if let Some(chroma) = chroma {
                e += error(chroma, &scaled(&STD_TABLES[1], q));
            }
            (e, std::cmp::Reverse(q))
        })
        .min()
        .and_then(|(_, std::cmp::Reverse(q))| u8::try_from(q).ok())
}

/// The quantisation tables 0 and 1 of a JPEG, in natural order, from the segments before SOS.
fn dqt_tables(bytes: &[u8]) -> [Option<[u16; 64]>; 2] {
    let mut tables = [None, None];
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return tables;
    }
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            break;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let Some(body) = bytes.get(i + 4..i + 2 + len.max(2)) else {
            break;
        };
        if marker == 0xDB {
            let mut k = 0;
            while k < body.len() {
                let (precision, id) = (body[k] >> 4, usize::from(body[k] & 0x0F));
                let size = if precision == 0 { 64 } else { 128 };
                let Some(values) = body.get(k + 1..k + 1 + size) else {
                    break;
                };
                let mut table = [0u16; 64];
                for (z, &natural) in ZIGZAG.iter().enumerate() {
                    table[natural] = if precision == 0 {
                        u16::from(values[z])
                    } else {
                        u16::from_be_bytes([values[2 * z], values[2 * z + 1]])
                    };
                }
                if id < 2 {
                    tables[id] = Some(table);
                }
                k += 1 + size;
            }
        }
        i += 2 + len;
    }
    tables
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_estimate_matches_the_encoder_setting() {
        let img = image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x * y) % 251) as u8])
        });
        for q in [30, 50, 60, 70, 75, 80, 85, 90, 95, 98] {
            let bytes = super::super::encode_jpeg(&img, q).unwrap();
            assert_eq!(jpeg_quality(&bytes), Some(q), "quality {q}");
        }
        assert_eq!(jpeg_quality(b"\xFF\xD8\xFF\xD9"), None);
        assert_eq!(jpeg_quality(b"not a jpeg"), None);
        assert_eq!(jpeg_quality(b"\xFF\xD8\xFF\xDB\x00"), None);
    }
}
