//! IPTC IIM: the descriptive datasets of the IPTC record a photo carries (our own reader: the
//! `iptc` crate empties values that are not UTF-8, and Chinese units write GBK).
//!
//! In: the file's bytes, already in memory. The record is found in JPEG APP13 segments
//! (`Photoshop 3.0\0`, 8BIM image resources, resource 0x0404; resources split over several APP13
//! segments are joined first), in TIFF IFD0 tag 33723, or in a PNG's ImageMagick raw profile
//! (`Raw profile type iptc`). Out: `Iptc` with ObjectName (2:05),
//! Keywords (2:25), DateCreated (2:55), By-line (2:80), City (2:90), Sub-location (2:92),
//! Province-State (2:95), Headline (2:105), Caption-Abstract (2:120), and the character set the
//! text was read with.
//!
//! Invariants: the text of one record is decoded with one character set: the one 1:90 declares
//! when lightbox knows it (ESC % G is UTF-8; Latin-1 and GB 2312 designations too), otherwise
//! detected from all of the record's text together (UTF-8, GBK/GB18030, Big5, Latin-1...), never
//! assumed; every length is bounds-checked, and a length running past the end ends the record
//! (what came before is kept): no input panics.

use encoding_rs::Encoding;

pub use crate::photo::Iptc;

use super::metadata::{jpeg_segments, tiff_ifd0_value};

/// The APP13 signature of Photoshop image resources.
const PHOTOSHOP: &[u8] = b"Photoshop 3.0\0";
/// The image resource holding the IPTC record.
const IPTC_RESOURCE: u16 = 0x0404;
/// TIFF tag IPTC-NAA.
const TIFF_IPTC_TAG: u16 = 33723;

/// The 1:90 CodedCharacterSet values (ISO 2022 escape sequences) lightbox knows: UTF-8,
/// ISO 8859-1 (as G1 or G2), GB 2312 (as G0 or G1).
fn declared_charset(value: &[u8]) -> Option<&'static Encoding> {
    match value {
        b"\x1b%G" => Some(encoding_rs::UTF_8),
        b"\x1b-A" | b"\x1b.A" => Some(encoding_rs::WINDOWS_1252),
        b"\x1b$A" | b"\x1b$)A" => Some(encoding_rs::GBK),
        _ => None,
    }
}

impl Iptc {
    /// True when no dataset lightbox reads has a value.
    pub fn is_empty(&self) -> bool {
        Iptc {
            charset: None,
            charset_declared: false,
            ..self.clone()
        } == Iptc::default()
    }
}

/// Reads the IPTC record of a file: `None` when it holds none, or none of the datasets lightbox
/// reads.
pub fn read(bytes: &[u8]) -> Option<Iptc> {
    read_checked(bytes).0
}

/// Reads the IPTC record of a file as [`read`] does, and says what is wrong with the record
/// when it does not read to its end.
pub fn read_checked(bytes: &[u8]) -> (Option<Iptc>, Option<String>) {
    let Some(record) = record(bytes) else {
        return (None, None);
    };
    let (iptc, fault) = parse_checked(&record);
    ((!iptc.is_empty()).then_some(iptc), fault)
}

/// The IIM record of a file, wherever its format keeps it.
fn record(bytes: &[u8]) -> Option<Vec<u8>> {
    Some(if bytes.starts_with(&[0xFF, 0xD8]) {
        let resources: Vec<u8> = jpeg_segments(bytes)
            .into_iter()
            .filter(|(marker, _)| *marker == 0xED)
            .filter_map(|(_, payload)| payload.strip_prefix(PHOTOSHOP))
            .flatten()
            .copied()
            .collect();
        photoshop_resource(&resources, IPTC_RESOURCE)?.to_vec()
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_record(bytes)?
    } else {
        tiff_ifd0_value(bytes, TIFF_IPTC_TAG)?.to_vec()
    })
}

/// The IIM record of a PNG: ImageMagick's `Raw profile type iptc` (or `8bim`) text chunk, which
/// the PNG decoder inflates; its text is a newline, the profile name, the length in bytes, then
/// the bytes in hex. The bytes are an IIM record or Photoshop image resources holding one.
fn png_record(bytes: &[u8]) -> Option<Vec<u8>> {
    use image::ImageDecoder;
    let mut decoder = super::xmp::png_for_metadata(bytes).ok()?;
    let text = decoder.iptc_metadata().ok()??;
    let mut lines = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty());
    let _name = lines.next()?;
    let length: usize = std::str::from_utf8(lines.next()?)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let hex: Vec<u8> = lines
        .flatten()
        .copied()
        .filter(u8::is_ascii_hexdigit)
        .collect();
    let digit = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let data: Vec<u8> = hex
        .chunks_exact(2)
        .take(length)
        .map_while(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect();
    if data.starts_with(b"8BIM") {
        photoshop_resource(&data, IPTC_RESOURCE).map(<[u8]>::to_vec)
    } else {
        Some(data)
    }
}

/// The data of the first Photoshop image resource `id` (`8BIM` blocks: signature, id, padded
/// Pascal name, size, data padded to even). Stops at anything that is not a resource block.
pub fn photoshop_resource(resources: &[u8], id: u16) -> Option<&[u8]> {
    let mut pos = 0;
    while let Some(header) = resources.get(pos..pos + 6) {
        if !matches!(&header[..4], b"8BIM" | b"PHUT" | b"AgHg" | b"DCSR") {
            return None;
        }
        let block_id = u16::from_be_bytes([header[4], header[5]]);
        let name_len = usize::from(*resources.get(pos + 6)?);
        // The name (length byte included) is padded to an even length.
        let size_at = pos + 6 + ((name_len + 2) & !1);
        let size = resources.get(size_at..size_at + 4)?;
        let size =
            usize::try_from(u32::from_be_bytes([size[0], size[1], size[2], size[3]])).ok()?;
        let data_at = size_at + 4;
        let data = resources.get(data_at..data_at.checked_add(size)?);
        if block_id == id {
            // A size past the end: take what is there (the record parser stops cleanly).
            return data.or_else(|| resources.get(data_at..));
        }
        data?;
        pos = data_at + size + (size & 1);
    }
    None
}

/// One dataset: record, number, value.
type Dataset<'a> = (u8, u8, &'a [u8]);

/// The datasets of an IIM record, in order. Stops at the first byte that is not a tag marker
/// (0x1C), or at a length running past the end; says which, unless what is left is only the
/// zero padding writers add.
fn datasets(record: &[u8]) -> (Vec<Dataset<'_>>, Option<String>) {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut fault = None;
    while let Some(&[0x1C, rec, num, hi, lo]) = record.get(pos..pos + 5) {
        let mut start = pos + 5;
        let len = u16::from_be_bytes([hi, lo]);
        let len = if len & 0x8000 != 0 {
            // Extended dataset: the low 15 bits give how many bytes hold the length.
            let count = usize::from(len & 0x7FFF);
            let Some(bytes) = record.get(start..start + count).filter(|_| count <= 8) else {
                fault = Some(format!("dataset {rec}:{num} has a bad extended length"));
                break;
            };
            start += count;
            let length = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            match usize::try_from(length) {
                Ok(length) => length,
                Err(_) => {
                    fault = Some(format!("dataset {rec}:{num} has a bad extended length"));
                    break;
                }
            }
        } else {
            usize::from(len)
        };
        let Some(value) = start
            .checked_add(len)
            .and_then(|end| record.get(start..end))
        else {
            fault = Some(format!(
                "dataset {rec}:{num} declares {len} bytes, {} are left",
                record.len().saturating_sub(start)
            ));
            break;
        };
        out.push((rec, num, value));
        pos = start + len;
    }
    if fault.is_none()
        && record
            .get(pos..)
            .is_some_and(|rest| rest.iter().any(|&b| b != 0))
    {
        fault = Some(format!("bytes that are not a dataset at offset {pos}"));
    }
    (out, fault)
}

/// Parses an IIM record (the data of resource 0x0404, or TIFF tag 33723).
pub fn parse(record: &[u8]) -> Iptc {
    parse_checked(record).0
}

/// Parses an IIM record as [`parse`] does, and says what is wrong with it when it does not
/// read to its end.
pub fn parse_checked(record: &[u8]) -> (Iptc, Option<String>) {
    let (datasets, fault) = datasets(record);
    let declared = datasets
        .iter()
        .find(|&&(rec, num, _)| (rec, num) == (1, 90))
        .and_then(|&(_, _, v)| declared_charset(v.trim_ascii_end()));
    let texts: Vec<&[u8]> = datasets
        .iter()
        .filter(|(rec, num, _)| *rec == 2 && TEXT_DATASETS.contains(num))
        .map(|(_, _, v)| *v)
        .collect();
    let encoding = declared.or_else(|| detect(&texts));
    // GB18030 decodes every GBK sequence the same way, and the four-byte forms too.
    let decoder = match encoding {
        Some(e) if e == encoding_rs::GBK => encoding_rs::GB18030,
        Some(e) => e,
        None => encoding_rs::UTF_8,
    };
    let decode = |v: &[u8]| -> Option<String> {
        let v = &v[..v.iter().position(|&b| b == 0).unwrap_or(v.len())];
        let text = decoder.decode_without_bom_handling(v).0;
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    };
    let mut iptc = Iptc {
        charset: encoding.map(|e| e.name().to_string()),
        charset_declared: declared.is_some(),
        ..Iptc::default()
    };
    for &(rec, num, value) in &datasets {
        if rec != 2 {
            continue;
        }
        let slot = match num {
            5 => &mut iptc.object_name,
            105 => &mut iptc.headline,
            120 => &mut iptc.caption,
            90 => &mut iptc.city,
            92 => &mut iptc.sub_location,
            95 => &mut iptc.province_state,
            55 => &mut iptc.date_created,
            25 => {
                iptc.keywords.extend(decode(value));
                continue;
            }
            80 => {
                iptc.by_line.extend(decode(value));
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = if num == 55 {
                iptc_date(value)
            } else {
                decode(value)
            };
        }
    }
    (iptc, fault)
}

/// The datasets of record 2 read as text.
const TEXT_DATASETS: [u8; 8] = [5, 25, 80, 90, 92, 95, 105, 120];

/// The character set of a record's text, `None` when it is all ASCII. Valid UTF-8 is UTF-8;
/// anything else goes to chardetng with all of the record's text at once (the more text, the
/// surer the guess), so GBK, Big5 and Latin-1 are told apart rather than assumed.
pub fn detect(texts: &[&[u8]]) -> Option<&'static Encoding> {
    if texts.iter().all(|t| t.is_ascii()) {
        return None;
    }
    if texts.iter().all(|t| std::str::from_utf8(t).is_ok()) {
        return Some(encoding_rs::UTF_8);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    for text in texts {
        detector.feed(text, false);
        detector.feed(b"\n", false);
    }
    detector.feed(b"", true);
    Some(detector.guess(None, chardetng::Utf8Detection::Deny))
}

/// `20190915` → `2019-09-15`; zeros for an unknown month or day shorten the date (`2019`,
/// `2019-09`); anything that is not eight digits with a plausible year is `None`.
fn iptc_date(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, month, day) = (&text[..4], &text[4..6], &text[6..]);
    let y: u32 = year.parse().ok()?;
    if !(1800..=2100).contains(&y) {
        return None;
    }
    Some(match (month, day) {
        ("00", _) => year.to_string(),
        (_, "00") => format!("{year}-{month}"),
        _ => format!("{year}-{month}-{day}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GBK: &[u8] = include_bytes!("../../fixtures/metadata/iptc-gbk.jpg");
    const UTF8: &[u8] = include_bytes!("../../fixtures/metadata/iptc-utf8.jpg");

    fn dataset(record: u8, number: u8, value: &[u8]) -> Vec<u8> {
        let mut d = vec![0x1C, record, number];
        d.extend(u16::try_from(value.len()).unwrap().to_be_bytes());
        d.extend(value);
        d
    }

    #[test]
    fn a_record_that_does_not_read_to_its_end_says_why() {
        let mut record = dataset(2, 120, "说明".as_bytes());
        assert_eq!(parse_checked(&record).1, None);
        record.extend([0, 0, 0]);
        assert_eq!(parse_checked(&record).1, None, "zero padding is not damage");
        let mut record = dataset(2, 120, "说明".as_bytes());
        record.extend([0x1C, 2, 5, 0x13, 0x88, b'x']);
        let (iptc, fault) = parse_checked(&record);
        assert_eq!(
            iptc.caption.as_deref(),
            Some("说明"),
            "what came before is kept"
        );
        assert!(fault.unwrap().contains("5000"));
    }

    /// Photoshop resources holding one IIM record.
    fn resources(record: &[u8]) -> Vec<u8> {
        let mut r = b"8BIM\x04\x04\0\0".to_vec();
        r.extend(u32::try_from(record.len()).unwrap().to_be_bytes());
        r.extend(record);
        if record.len() % 2 == 1 {
            r.push(0);
        }
        r
    }

    /// A JPEG whose APP13 segments carry `parts` (each prefixed with the Photoshop signature).
    fn jpeg(parts: &[&[u8]]) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8];
        for part in parts {
            let payload = [PHOTOSHOP, part].concat();
            bytes.extend([0xFF, 0xED]);
            bytes.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
            bytes.extend(payload);
        }
        bytes.extend([0xFF, 0xD9]);
        bytes
    }

    #[test]
    fn gbk_without_1_90_is_detected() {
        let iptc = read(GBK).expect("the fixture has IPTC");
        assert_eq!(
            iptc,
            Iptc {
                object_name: Some("科普进校园".into()),
                headline: Some("克拉玛依市科普进校园活动".into()),
                caption: Some(
                    "2015年9月19日，克拉玛依市科协在市第一中学开展科普进校园活动，科技辅导员为学生演示机器人编程。"
                        .into()
                ),
                keywords: vec!["科普".into(), "校园".into(), "机器人".into()],
                by_line: vec!["王建国".into()],
                city: Some("克拉玛依市".into()),
                sub_location: Some("独山子区".into()),
                province_state: Some("新疆维吾尔自治区".into()),
                date_created: Some("2015-09-19".into()),
                charset: Some("GBK".into()),
                charset_declared: false,
            }
        );
    }

    #[test]
    fn utf8_declared_by_1_90() {
        let iptc = read(UTF8).expect("the fixture has IPTC");
        assert_eq!(iptc.object_name.as_deref(), Some("流动科技馆进乡村"));
        assert_eq!(iptc.by_line, vec!["阿依古丽·买买提".to_string()]);
        assert_eq!(iptc.city.as_deref(), Some("喀什地区"));
        assert_eq!(iptc.sub_location.as_deref(), Some("莎车县"));
        assert_eq!(iptc.keywords.len(), 2);
        assert_eq!(iptc.date_created.as_deref(), Some("2017-09-16"));
        assert_eq!(
            (iptc.charset.as_deref(), iptc.charset_declared),
            (Some("UTF-8"), true)
        );
    }

    #[test]
    fn detection_tells_gbk_big5_utf8_and_latin1_apart() {
        let caption = |bytes: &[u8]| {
            let iptc = parse(&dataset(2, 120, bytes));
            (iptc.caption, iptc.charset)
        };
        let (encoding, text) = (
            encoding_rs::BIG5,
            "全國科普日活動在新疆大學舉行，學生們參觀了實驗室。",
        );
        let (caption_big5, charset) = caption(&encoding.encode(text).0);
        assert_eq!(caption_big5.as_deref(), Some(text));
        assert_eq!(charset.as_deref(), Some("Big5"));
        let text = "全国科普日活动在新疆大学举行，学生们参观了实验室。";
        let (caption_gbk, charset) = caption(&encoding_rs::GBK.encode(text).0);
        assert_eq!(caption_gbk.as_deref(), Some(text));
        assert_eq!(charset.as_deref(), Some("GBK"));
        // Short UTF-8 is UTF-8 (a blind GB18030 fallback would turn it into other characters).
        assert_eq!(caption("张伟".as_bytes()).0.as_deref(), Some("张伟"));
        let latin = "Müller, Zürich – Straße";
        let (caption_latin, charset) = caption(&encoding_rs::WINDOWS_1252.encode(latin).0);
        assert_eq!(caption_latin.as_deref(), Some(latin));
        assert_eq!(charset.as_deref(), Some("windows-1252"));
        // All ASCII: no charset to report.
        assert_eq!(caption(b"Science Day"), (Some("Science Day".into()), None));
    }

    #[test]
    fn one_charset_for_the_whole_record() {
        // A short name alone could be anything; with the caption beside it, it is GBK.
        let mut record = dataset(2, 80, &encoding_rs::GBK.encode("张伟").0);
        record.extend(dataset(
            2,
            120,
            &encoding_rs::GBK
                .encode("2018年9月15日，新疆大学在乌鲁木齐市举办全国科普日实验室开放日。")
                .0,
        ));
        let iptc = parse(&record);
        assert_eq!(iptc.by_line, vec!["张伟".to_string()]);
        assert_eq!(iptc.charset.as_deref(), Some("GBK"));
    }

    #[test]
    fn a_length_past_the_end_stops_the_record() {
        let mut record = dataset(2, 5, b"Event");
        record.extend([0x1C, 2, 120, 0x03, 0xE8]); // 1000 bytes declared
        record.extend(b"short");
        let iptc = parse(&record);
        assert_eq!(iptc.object_name.as_deref(), Some("Event"));
        assert_eq!(iptc.caption, None);
        // Extended lengths: 4 bytes of length; and a length field itself cut off.
        let mut extended = vec![0x1C, 2, 120, 0x80, 0x04, 0, 0, 0, 5];
        extended.extend(b"Hello");
        assert_eq!(parse(&extended).caption.as_deref(), Some("Hello"));
        assert_eq!(parse(&[0x1C, 2, 120, 0x80, 0x04, 0]).caption, None);
        assert_eq!(parse(&[0x1C, 2, 120, 0xFF, 0xFF]).caption, None);
        // Padding or garbage after the datasets ends the record.
        let mut padded = dataset(2, 90, b"Urumqi");
        padded.extend([0, 0, 0x1C]);
        assert_eq!(parse(&padded).city.as_deref(), Some("Urumqi"));
    }

    #[test]
    fn resources_split_over_two_segments_and_hostile_resources() {
        let record = dataset(2, 90, "喀什".as_bytes());
        let res = resources(&record);
        let (a, b) = res.split_at(7);
        assert_eq!(
            read(&jpeg(&[a, b])).and_then(|i| i.city).as_deref(),
            Some("喀什")
        );
        // The resource of interest after another, with a name and odd sizes.
        let mut two = b"8BIM\x04\x0C\x03abc\0\0\0\x03xyz\0".to_vec();
        two.extend(&res);
        assert_eq!(
            photoshop_resource(&two, IPTC_RESOURCE),
            Some(record.as_slice())
        );
        // Sizes past the end, truncated headers, other signatures: no panic.
        let mut huge = b"8BIM\x04\x04\0\0\xFF\xFF\xFF\xFF".to_vec();
        huge.extend(dataset(2, 90, b"Kashgar"));
        assert_eq!(
            read(&jpeg(&[&huge])).and_then(|i| i.city).as_deref(),
            Some("Kashgar")
        );
        for bytes in [
            &b"8BIM"[..],
            b"8BIM\x04\x04",
            b"8BIM\x04\x04\xFF",
            b"XXXX\x04\x04\0\0",
        ] {
            assert_eq!(read(&jpeg(&[bytes])), None);
        }
        for cut in 0..GBK.len().min(2000) {
            let _ = read(&GBK[..cut]);
        }
    }

    #[test]
    fn dates() {
        assert_eq!(iptc_date(b"20190915").as_deref(), Some("2019-09-15"));
        assert_eq!(iptc_date(b"20190900").as_deref(), Some("2019-09"));
        assert_eq!(iptc_date(b"20190000").as_deref(), Some("2019"));
        assert_eq!(iptc_date(b"00000000"), None);
        assert_eq!(iptc_date(b"2019-09-15"), None);
        assert_eq!(iptc_date("二〇一九".as_bytes()), None);
    }

    #[test]
    fn declared_latin1_and_gb2312() {
        let mut record = dataset(1, 90, b"\x1b-A");
        record.extend(dataset(2, 90, b"Z\xfcrich"));
        let iptc = parse(&record);
        assert_eq!(iptc.city.as_deref(), Some("Zürich"));
        assert!(iptc.charset_declared);
        let mut record = dataset(1, 90, b"\x1b$A");
        record.extend(dataset(2, 90, &encoding_rs::GBK.encode("和田").0));
        assert_eq!(parse(&record).city.as_deref(), Some("和田"));
    }
}
