//! XMP: the descriptive fields of the XMP packet(s) a photo carries.
//!
//! In: the file's bytes, already in memory. The packet is found in a JPEG APP1 segment
//! (`http://ns.adobe.com/xap/1.0/\0`) together with its extended XMP
//! (`http://ns.adobe.com/xmp/extension/\0` chunks, reassembled by GUID and offset), a PNG `iTXt`
//! chunk keyed `XML:com.adobe.xmp`, TIFF IFD0 tag 700, a WebP `XMP ` chunk, or a GIF
//! `XMP DataXMP` application extension. Out: `Xmp`, the fields lightbox reads tags from
//! (dc:title, dc:description, dc:subject, dc:creator, photoshop:City/State/DateCreated/Headline,
//! Iptc4xmpCore:Location, xmp:CreateDate), with `rdf:Alt` language alternatives resolved
//! (Chinese first, then `x-default`, then the first).
//!
//! Invariants: properties are matched by namespace URI, never by prefix; malformed XML yields the
//! fields read before the error, never a panic or an error; an extended XMP whose chunks do not
//! cover its declared length is ignored whole (no half values); nothing outside `bytes` is read.
//!
//! Size: about 620 lines of code and 260 of tests (packets from real writers).

use std::collections::BTreeMap;

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

pub use crate::photo::Xmp;

use super::metadata::{jpeg_segments, tiff_ifd0_value};

const NS_RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const NS_DC: &str = "http://purl.org/dc/elements/1.1/";
const NS_PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
const NS_IPTC_CORE: &str = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/";
const NS_XMP: &str = "http://ns.adobe.com/xap/1.0/";
const NS_XMP_NOTE: &str = "http://ns.adobe.com/xmp/note/";
const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";

/// The JPEG APP1 signature of the main packet.
const JPEG_STANDARD: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
/// The JPEG APP1 signature of an extended XMP chunk.
const JPEG_EXTENDED: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
/// The PNG text keyword of the packet.
const PNG_KEYWORD: &[u8] = b"XML:com.adobe.xmp";
/// TIFF tag XMLPacket.
const TIFF_XMP_TAG: u16 = 700;

impl Xmp {
    /// True when no field has a value.
    pub fn is_empty(&self) -> bool {
        *self == Xmp::default()
    }

    /// Fills every empty field from `other`.
    fn fill_from(&mut self, other: Xmp) {
        fn fill<T: Default + PartialEq>(a: &mut T, b: T) {
            if *a == T::default() {
                *a = b;
            }
        }
        fill(&mut self.title, other.title);
        fill(&mut self.description, other.description);
        fill(&mut self.subject, other.subject);
        fill(&mut self.creator, other.creator);
        fill(&mut self.headline, other.headline);
        fill(&mut self.city, other.city);
        fill(&mut self.state, other.state);
        fill(&mut self.location, other.location);
        fill(&mut self.date_created, other.date_created);
        fill(&mut self.create_date, other.create_date);
    }
}

/// Reads the XMP of a file: `None` when it holds no packet, or no packet with any field
/// lightbox reads.
pub fn read(bytes: &[u8]) -> Option<Xmp> {
    read_checked(bytes).0
}

/// Reads the XMP of a file as [`read`] does, and says why a packet is not well-formed XML when
/// one is not (what was read before the fault is kept).
pub fn read_checked(bytes: &[u8]) -> (Option<Xmp>, Option<String>) {
    let mut xmp = Xmp::default();
    let mut error = None;
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let (standard, extended) = jpeg_packets(bytes);
        let mut extended_guid = None;
        if let Some(packet) = standard {
            let parsed = parse_packet(packet);
            extended_guid = parsed.extended_guid;
            error = parsed.error;
            xmp = parsed.xmp;
        }
        // The main packet names the extended one it belongs with (xmpNote:HasExtendedXMP).
        if let Some(full) = extended_guid.and_then(|guid| reassemble(&extended, &guid)) {
            let parsed = parse_packet(&full);
            error = error.or(parsed.error);
            xmp.fill_from(parsed.xmp);
        }
    } else {
        for packet in other_packets(bytes) {
            let parsed = parse_packet(&packet);
            error = error.or(parsed.error);
            xmp.fill_from(parsed.xmp);
        }
    }
    ((!xmp.is_empty()).then_some(xmp), error)
}

/// One chunk of an extended XMP packet.
struct Chunk<'a> {
    guid: &'a [u8],
    full_length: usize,
    offset: usize,
    data: &'a [u8],
}

/// The main packet of a JPEG (the first APP1 XMP segment) and every extended XMP chunk.
fn jpeg_packets(bytes: &[u8]) -> (Option<&[u8]>, Vec<Chunk<'_>>) {
    let mut standard = None;
    let mut chunks = Vec::new();
    for (marker, payload) in jpeg_segments(bytes) {
        if marker != 0xE1 {
            continue;
        }
        if let Some(packet) = payload.strip_prefix(JPEG_STANDARD) {
            standard.get_or_insert(packet);
        } else if let Some(rest) = payload.strip_prefix(JPEG_EXTENDED) {
            // GUID (32 ASCII hex digits), full length (u32 BE), offset (u32 BE), data.
            let (Some(guid), Some(full), Some(offset), Some(data)) = (
                rest.get(..32),
                rest.get(32..36),
                rest.get(36..40),
                rest.get(40..),
            ) else {
                continue;
            };
            let be = |b: &[u8]| -> Option<usize> {
                usize::try_from(u32::from_be_bytes(b.try_into().ok()?)).ok()
            };
            if let (Some(full_length), Some(offset)) = (be(full), be(offset)) {
                chunks.push(Chunk {
                    guid,
                    full_length,
                    offset,
                    data,
                });
            }
        }
    }
    (standard, chunks)
}

/// Puts the chunks of one extended packet together. `None` unless the chunks cover every byte of
/// the declared length exactly once, in any order.
fn reassemble(chunks: &[Chunk<'_>], guid: &str) -> Option<Vec<u8>> {
    let mut parts: BTreeMap<usize, &[u8]> = BTreeMap::new();
    let mut full_length = None;
    for chunk in chunks.iter().filter(|c| c.guid == guid.as_bytes()) {
        if *full_length.get_or_insert(chunk.full_length) != chunk.full_length {
            return None;
        }
        parts.insert(chunk.offset, chunk.data);
    }
    let full_length = full_length?;
    let mut full = Vec::with_capacity(full_length.min(chunks.iter().map(|c| c.data.len()).sum()));
    for (offset, data) in parts {
        if offset != full.len() {
            return None;
        }
        full.extend_from_slice(data);
    }
    (full.len() == full_length).then_some(full)
}

/// The packets of a PNG, WebP, GIF or TIFF file.
fn other_packets(bytes: &[u8]) -> Vec<Vec<u8>> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_packets(bytes)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        webp_packet(bytes).into_iter().map(<[u8]>::to_vec).collect()
    } else if bytes.starts_with(b"GIF8") {
        gif_packet(bytes).into_iter().map(<[u8]>::to_vec).collect()
    } else if bytes.get(4..8) == Some(b"ftyp") {
        scanned_packet(bytes)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect()
    } else {
        tiff_ifd0_value(bytes, TIFF_XMP_TAG)
            .map(|packet| vec![packet.to_vec()])
            .unwrap_or_default()
    }
}

/// The XMP packet of a HEIF-family file (HEIC, AVIF): an item of type `mime` whose bytes are
/// the packet as it is, found by scanning for it as the XMP specification allows (an item the
/// writer compressed is not read).
fn scanned_packet(bytes: &[u8]) -> Option<&[u8]> {
    let start = memchr::memmem::find(bytes, b"<x:xmpmeta")?;
    let close = b"</x:xmpmeta>";
    let end = start + memchr::memmem::find(&bytes[start..], close)? + close.len();
    Some(&bytes[start..end])
}

/// PNG `iTXt` chunks keyed `XML:com.adobe.xmp`. Uncompressed text is read here; compressed text
/// goes through the PNG decoder (which inflates it). A `zTXt` chunk with that key (a
/// non-standard form) is not read.
fn png_packets(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    let mut compressed = false;
    let mut pos = 8;
    while let Some(header) = bytes.get(pos..pos + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let Some(data) = usize::try_from(len)
            .ok()
            .and_then(|len| bytes.get(pos + 8..(pos + 8).checked_add(len)?))
        else {
            break;
        };
        if &header[4..] == b"iTXt" {
            // keyword \0 flag method language \0 translated keyword \0 text
            let mut fields = data.splitn(2, |&b| b == 0);
            if fields.next() == Some(PNG_KEYWORD) {
                let rest = fields.next().unwrap_or_default();
                match rest {
                    [0, _, text @ ..] => {
                        let mut parts = text.splitn(3, |&b| b == 0);
                        if let (Some(_), Some(_), Some(text)) =
                            (parts.next(), parts.next(), parts.next())
                        {
                            packets.push(text.to_vec());
                        }
                    }
                    [1, ..] => compressed = true,
                    _ => {}
                }
            }
        }
        if &header[4..] == b"IEND" {
            break;
        }
        pos += 12 + data.len();
    }
    if compressed {
        use image::ImageDecoder;
        if let Ok(Some(packet)) = png_for_metadata(bytes).and_then(|mut d| d.xmp_metadata()) {
            packets.push(packet);
        }
    }
    packets
}

/// A PNG decoder for reading metadata chunks, what it inflates bounded by
/// [`HEADER_BYTES`](crate::imaging::decode::HEADER_BYTES): a chunk past the bound is left out
/// (a compressed colour profile silently; a text chunk as an error of that chunk), never
/// allocated.
///
/// # Errors
/// The decoder's, when the header cannot be read.
pub(crate) fn png_for_metadata(
    bytes: &[u8],
) -> image::ImageResult<image::codecs::png::PngDecoder<std::io::Cursor<&[u8]>>> {
    use crate::imaging::decode::{HEADER_BYTES, limits};
    image::codecs::png::PngDecoder::with_limits(std::io::Cursor::new(bytes), limits(HEADER_BYTES))
}

/// The `XMP ` chunk of a WebP (RIFF) file.
fn webp_packet(bytes: &[u8]) -> Option<&[u8]> {
    let mut pos = 12;
    while let Some(header) = bytes.get(pos..pos + 8) {
        let len = usize::try_from(u32::from_le_bytes([
            header[4], header[5], header[6], header[7],
        ]))
        .ok()?;
        let data = bytes.get(pos + 8..(pos + 8).checked_add(len)?)?;
        if &header[..4] == b"XMP " {
            return Some(data);
        }
        // Chunks are padded to an even length.
        pos += 8 + len + (len & 1);
    }
    None
}

/// The packet of a GIF: the application extension `XMP DataXMP`, whose data is the packet's
/// raw bytes followed by a 258-byte "magic trailer" (0x01, 0xFF, 0xFE ... 0x00, 0x00) that makes
/// the bytes parse as GIF sub-blocks. UTF-8 text never holds 0xFF or 0xFE, so the trailer's first
/// bytes end the packet.
fn gif_packet(bytes: &[u8]) -> Option<&[u8]> {
    const HEADER: &[u8] = b"\x21\xFF\x0BXMP DataXMP";
    let start = bytes.windows(HEADER.len()).position(|w| w == HEADER)? + HEADER.len();
    let rest = bytes.get(start..)?;
    let end = rest.windows(3).position(|w| w == b"\x01\xFF\xFE")?;
    rest.get(..end)
}

/// What one packet gave.
#[derive(Default)]
struct Parsed {
    xmp: Xmp,
    /// xmpNote:HasExtendedXMP: the GUID of the extended packet.
    extended_guid: Option<String>,
    /// Why the packet is not well-formed XML, when it is not.
    error: Option<String>,
}

/// The properties lightbox reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Property {
    Title,
    Description,
    Subject,
    Creator,
    Headline,
    City,
    State,
    Location,
    DateCreated,
    CreateDate,
    HasExtendedXmp,
}

impl Property {
    fn of(namespace: &str, local: &str) -> Option<Property> {
        Some(match (namespace, local) {
            (NS_DC, "title") => Property::Title,
            (NS_DC, "description") => Property::Description,
            (NS_DC, "subject") => Property::Subject,
            (NS_DC, "creator") => Property::Creator,
            (NS_PHOTOSHOP, "Headline") => Property::Headline,
            (NS_PHOTOSHOP, "City") => Property::City,
            (NS_PHOTOSHOP, "State") => Property::State,
            (NS_PHOTOSHOP, "DateCreated") => Property::DateCreated,
            (NS_IPTC_CORE, "Location") => Property::Location,
            (NS_XMP, "CreateDate") => Property::CreateDate,
            (NS_XMP_NOTE, "HasExtendedXMP") => Property::HasExtendedXmp,
            _ => return None,
        })
    }
}

/// A property value: plain text, or the items of an `rdf:Alt`/`rdf:Bag`/`rdf:Seq` with their
/// `xml:lang`.
#[derive(Default)]
struct Value {
    text: String,
    items: Vec<(Option<String>, String)>,
    /// The property holds structure lightbox does not read (a struct, a nested description).
    structured: bool,
}

impl Parsed {
    /// Stores a property's value; the first value of a property wins.
    fn set(&mut self, property: Property, value: Value) {
        let text = |v: &Value| -> Option<String> {
            let text = if v.items.is_empty() {
                clean(&v.text)
            } else {
                pick_language(&v.items)
            };
            text.filter(|_| !v.structured || !v.items.is_empty())
        };
        let list = |v: &Value| -> Vec<String> {
            if v.items.is_empty() {
                text(v).into_iter().collect()
            } else {
                v.items.iter().filter_map(|(_, t)| clean(t)).collect()
            }
        };
        let x = &mut self.xmp;
        let slot = match property {
            Property::Title => &mut x.title,
            Property::Description => &mut x.description,
            Property::Headline => &mut x.headline,
            Property::City => &mut x.city,
            Property::State => &mut x.state,
            Property::Location => &mut x.location,
            Property::DateCreated => &mut x.date_created,
            Property::CreateDate => &mut x.create_date,
            Property::HasExtendedXmp => &mut self.extended_guid,
            Property::Subject | Property::Creator => {
                let slot = if property == Property::Subject {
                    &mut x.subject
                } else {
                    &mut x.creator
                };
                if slot.is_empty() {
                    *slot = list(&value);
                }
                return;
            }
        };
        if slot.is_none() {
            *slot = text(&value);
        }
    }
}

/// Trimmed text, `None` when blank.
fn clean(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The language alternative to use: Chinese (`zh`, `zh-CN`, `zh-Hans`...) first, then
/// `x-default`, then the first non-blank item; items of a Bag or Seq (no language) are joined
/// with `, `.
fn pick_language(items: &[(Option<String>, String)]) -> Option<String> {
    let lang_is = |item: &&(Option<String>, String), test: &dyn Fn(&str) -> bool| {
        item.0.as_deref().is_some_and(test) && !item.1.trim().is_empty()
    };
    let zh = |l: &str| l.eq_ignore_ascii_case("zh") || l.to_ascii_lowercase().starts_with("zh-");
    let default = |l: &str| l.eq_ignore_ascii_case("x-default");
    if items.iter().any(|i| i.0.is_some()) {
        let chosen = items
            .iter()
            .find(|i| lang_is(i, &zh))
            .or_else(|| items.iter().find(|i| lang_is(i, &default)))
            .or_else(|| items.iter().find(|i| !i.1.trim().is_empty()))?;
        return clean(&chosen.1);
    }
    let joined: Vec<&str> = items
        .iter()
        .map(|i| i.1.trim())
        .filter(|t| !t.is_empty())
        .collect();
    clean(&joined.join(", "))
}

/// The packet's bytes as text: UTF-8 unless a BOM or the NUL pattern says UTF-16 (the XMP
/// specification allows UTF-16 and UTF-32; UTF-32 is not seen in photos and is not read).
fn packet_text(packet: &[u8]) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(packet) {
        return encoding
            .decode_without_bom_handling(&packet[bom..])
            .0
            .into_owned();
    }
    match packet {
        [b'<', 0, ..] => encoding_rs::UTF_16LE.decode_without_bom_handling(packet).0,
        [0, b'<', ..] => encoding_rs::UTF_16BE.decode_without_bom_handling(packet).0,
        _ => String::from_utf8_lossy(packet),
    }
    .into_owned()
}

/// Parses one packet. Stops at the first XML error and keeps what was read before it.
fn parse_packet(packet: &[u8]) -> Parsed {
    let text = packet_text(packet);
    let mut reader = NsReader::from_str(text.trim_end_matches('\0'));
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.check_comments = false;

    let mut parsed = Parsed::default();
    // Element path: (is rdf:Description, is rdf:li) per open element.
    let mut path: Vec<Frame> = Vec::new();
    // The property being read: its kind, the depth of its element, its value so far.
    let mut current: Option<(Property, usize, Value)> = None;
    // The open rdf:li: its language and text so far.
    let mut item: Option<(Option<String>, String)> = None;

    loop {
        let (namespace, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(ns), event)) => (Some(ns.0.to_string()), event),
            Ok((_, event)) => (None, event),
            Err(e) => {
                parsed.error = Some(format!("not well-formed XML: {e}"));
                break;
            }
        };
        let (start, empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                end_element(&mut path, &mut current, &mut item, &mut parsed);
                continue;
            }
            Event::Text(text) => {
                push_text(&mut current, &mut item, &text.xml10_content());
                continue;
            }
            Event::CData(text) => {
                push_text(&mut current, &mut item, &text.xml10_content());
                continue;
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(
                        reference.into_inner().as_ref(),
                    )
                    .map(str::to_string),
                    Err(_) => None,
                };
                if let Some(resolved) = resolved {
                    push_text(&mut current, &mut item, &resolved);
                }
                continue;
            }
            Event::Eof => {
                if let Some(open) = path.len().checked_sub(1) {
                    parsed.error = Some(format!(
                        "the packet ends inside {} open element{}",
                        open + 1,
                        if open == 0 { "" } else { "s" }
                    ));
                }
                break;
            }
            _ => continue,
        };
        let local = start.local_name().into_inner().to_string();
        let ns = namespace.as_deref().unwrap_or("");
        let is_description = ns == NS_RDF && local == "Description";
        let parent_is_description = path.last().is_some_and(|f| f.description);
        let depth = path.len();
        if is_description && current.is_none() {
            // Simple properties may be written as attributes of rdf:Description.
            for (property, value) in attribute_properties(&reader, &start) {
                parsed.set(
                    property,
                    Value {
                        text: value,
                        ..Value::default()
                    },
                );
            }
        } else if let Some((_, prop_depth, value)) = current.as_mut() {
            let container = ns == NS_RDF && matches!(local.as_str(), "Alt" | "Bag" | "Seq");
            if ns == NS_RDF && local == "li" && depth == *prop_depth + 2 {
                item = Some((xml_lang(&reader, &start), String::new()));
            } else if !(container && depth == *prop_depth + 1) {
                value.structured = true;
            }
        } else if parent_is_description && let Some(property) = Property::of(ns, &local) {
            let mut value = Value::default();
            // `<prop rdf:resource="..."/>` or `<prop rdf:parseType="Resource">`: not text.
            if start.attributes().flatten().any(|a| {
                let (ans, _) = reader.resolver().resolve_attribute(a.key);
                matches!(ans, ResolveResult::Bound(n) if n.0 == NS_RDF)
            }) {
                value.structured = true;
            }
            current = Some((property, depth, value));
        }
        path.push(Frame {
            description: is_description,
        });
        if empty {
            end_element(&mut path, &mut current, &mut item, &mut parsed);
        }
    }
    parsed
}

/// One open element.
struct Frame {
    /// It is an `rdf:Description`: its children are properties.
    description: bool,
}

/// Closes the innermost open element: ends an `rdf:li` or a property.
fn end_element(
    path: &mut Vec<Frame>,
    current: &mut Option<(Property, usize, Value)>,
    item: &mut Option<(Option<String>, String)>,
    parsed: &mut Parsed,
) {
    path.pop();
    let depth = path.len();
    let Some((property, prop_depth, value)) = current.as_mut() else {
        return;
    };
    if depth == *prop_depth + 2
        && let Some(done) = item.take()
    {
        value.items.push(done);
    } else if depth == *prop_depth {
        let property = *property;
        if let Some((_, _, value)) = current.take() {
            parsed.set(property, value);
        }
        *item = None;
    }
}

/// Appends text to the open `rdf:li`, else to the property's own text.
fn push_text(
    current: &mut Option<(Property, usize, Value)>,
    item: &mut Option<(Option<String>, String)>,
    text: &str,
) {
    if let Some((_, text_so_far)) = item.as_mut() {
        text_so_far.push_str(text);
    } else if let Some((_, _, value)) = current.as_mut() {
        value.text.push_str(text);
    }
}

/// The `xml:lang` attribute of an element.
fn xml_lang(reader: &NsReader<&[u8]>, start: &BytesStart<'_>) -> Option<String> {
    start.attributes().flatten().find_map(|a| {
        let (ns, local) = reader.resolver().resolve_attribute(a.key);
        let is_lang = local.into_inner() == "lang"
            && (matches!(ns, ResolveResult::Bound(n) if n.0 == NS_XML) || a.key.0 == "xml:lang");
        is_lang
            .then(|| a.normalized_value(XmlVersion::Implicit1_0).ok())
            .flatten()
            .map(|v| v.trim().to_string())
    })
}

/// The properties written as attributes of an `rdf:Description`.
fn attribute_properties(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
) -> Vec<(Property, String)> {
    start
        .attributes()
        .flatten()
        .filter_map(|a| {
            let (ns, local) = reader.resolver().resolve_attribute(a.key);
            let ResolveResult::Bound(ns) = ns else {
                return None;
            };
            let property = Property::of(ns.0, local.into_inner())?;
            let value = a.normalized_value(XmlVersion::Implicit1_0).ok()?;
            Some((property, value.into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG whose colour profile (iCCP) inflates to 32 MiB from a few kilobytes: the metadata
    /// readers leave the profile out instead of holding it, the header still reads, and the
    /// picture still decodes (its own bound follows its pixels, not the largest allowed).
    #[test]
    fn a_png_colour_profile_bomb_is_left_out_not_inflated() {
        let mut info = png::Info::with_size(16, 16);
        info.color_type = png::ColorType::Rgb;
        info.bit_depth = png::BitDepth::Eight;
        info.icc_profile = Some(vec![0u8; 32 << 20].into());
        let mut bytes = Vec::new();
        {
            let encoder = png::Encoder::with_info(&mut bytes, info).unwrap();
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&[90u8; 16 * 16 * 3]).unwrap();
        }
        assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
        use image::ImageDecoder;
        let mut decoder = png_for_metadata(&bytes).unwrap();
        assert_eq!(decoder.dimensions(), (16, 16));
        assert_eq!(decoder.icc_profile().unwrap(), None);
        let decoded = crate::imaging::decode::decode(
            &bytes,
            crate::photo::Format::Png,
            None,
            100,
            200_000_000,
        )
        .unwrap();
        assert_eq!(decoded.pixels.get_pixel(3, 3).0, [90, 90, 90]);
    }

    const FIXTURE: &[u8] = include_bytes!("../../fixtures/metadata/xmp.jpg");

    /// A JPEG of SOI, the given APP1 payloads, and EOI.
    fn jpeg(app1: &[&[u8]]) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8];
        for payload in app1 {
            bytes.extend([0xFF, 0xE1]);
            bytes.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
            bytes.extend(*payload);
        }
        bytes.extend([0xFF, 0xD9]);
        bytes
    }

    fn packet(description: &str) -> String {
        format!(
            r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{NS_RDF}">{description}</rdf:RDF></x:xmpmeta>"#
        )
    }

    fn standard(xml: &str) -> Vec<u8> {
        [JPEG_STANDARD, xml.as_bytes()].concat()
    }

    #[test]
    fn reads_the_fixture_with_its_extended_packet() {
        let xmp = read(FIXTURE).expect("the fixture has XMP");
        assert_eq!(
            xmp,
            Xmp {
                // zh-CN wins over x-default.
                title: Some("全国科普日实验室开放日".into()),
                description: Some(
                    "2019年9月15日，新疆大学化学学院师生在全国科普日实验室开放日为中学生演示趣味化学实验。"
                        .into()
                ),
                subject: vec!["科普日".into(), "化学".into()],
                creator: vec!["张伟".into()],
                // From the extended packet, whose two chunks come last-first.
                headline: Some("新疆大学化学实验室开放日".into()),
                // Attributes of rdf:Description, under the prefix `ps`.
                city: Some("乌鲁木齐市".into()),
                state: Some("新疆维吾尔自治区".into()),
                location: Some("新疆大学".into()),
                date_created: Some("2019-09-15".into()),
                create_date: Some("2019-09-15T10:20:00+08:00".into()),
            }
        );
    }

    #[test]
    fn a_missing_extended_chunk_drops_the_extended_packet_only() {
        // Keep the standard packet and the second extended chunk; drop the first.
        let segments = jpeg_segments(FIXTURE);
        let app1: Vec<&[u8]> = segments
            .iter()
            .filter(|(m, _)| *m == 0xE1)
            .map(|(_, p)| *p)
            .collect();
        assert_eq!(app1.len(), 3, "standard + two chunks");
        let xmp = read(&jpeg(&[app1[0], app1[1]])).expect("the standard packet still reads");
        assert_eq!(xmp.headline, None);
        assert_eq!(xmp.city.as_deref(), Some("乌鲁木齐市"));
        // A chunk whose declared length disagrees with its sibling: ignored as well.
        let mut odd = app1[2].to_vec();
        let at = JPEG_EXTENDED.len() + 32;
        odd[at..at + 4].copy_from_slice(&9999u32.to_be_bytes());
        let xmp = read(&jpeg(&[app1[0], app1[1], &odd])).unwrap();
        assert_eq!(xmp.headline, None);
    }

    #[test]
    fn not_xml_or_broken_xml_gives_what_was_read() {
        assert_eq!(read(&jpeg(&[&standard("this is not XML <<< &&& >")])), None);
        assert_eq!(read(&jpeg(&[&standard("")])), None);
        assert_eq!(read(&jpeg(&[JPEG_STANDARD])), None);
        // Cut off inside the second property: the first is kept, the unfinished one is not.
        let full = packet(
            r#"<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>活动</dc:title><dc:description>说明</dc:description></rdf:Description>"#,
        );
        let cut = &full[..full.find("说明").unwrap() + "说明".len()];
        let xmp = read(&jpeg(&[&standard(cut)])).expect("the title was read");
        assert_eq!(xmp.title.as_deref(), Some("活动"));
        assert_eq!(xmp.description, None);
        // Mismatched end tags do not lose the values.
        let odd = packet(
            r#"<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>甲</dc:titel><dc:creator>乙</dc:creator></rdf:Description>"#,
        );
        assert!(read(&jpeg(&[&standard(&odd)])).is_some());
    }

    #[test]
    fn matches_namespaces_not_prefixes() {
        let xml = packet(
            r#"<rdf:Description xmlns:photoshop="http://example.com/not-photoshop/" xmlns:p="http://ns.adobe.com/photoshop/1.0/" photoshop:City="假的" p:State="新疆"><photoshop:Headline>假的</photoshop:Headline><undeclared:City>也是假的</undeclared:City></rdf:Description>"#,
        );
        let xmp = read(&jpeg(&[&standard(&xml)])).expect("State is real");
        assert_eq!(
            xmp,
            Xmp {
                state: Some("新疆".into()),
                ..Xmp::default()
            }
        );
    }

    #[test]
    fn language_alternatives_fall_back_to_x_default_then_the_first() {
        let alt = |items: &str| {
            let xml = packet(&format!(
                r#"<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt>{items}</rdf:Alt></dc:title></rdf:Description>"#
            ));
            read(&jpeg(&[&standard(&xml)])).and_then(|x| x.title)
        };
        assert_eq!(
            alt(
                r#"<rdf:li xml:lang="en">Day</rdf:li><rdf:li xml:lang="x-default">Default</rdf:li>"#
            )
            .as_deref(),
            Some("Default")
        );
        assert_eq!(
            alt(r#"<rdf:li xml:lang="en">Day</rdf:li><rdf:li xml:lang="de">Tag</rdf:li>"#)
                .as_deref(),
            Some("Day")
        );
        assert_eq!(
            alt(r#"<rdf:li xml:lang="x-default">Default</rdf:li><rdf:li xml:lang="zh-Hans">科普日</rdf:li>"#)
                .as_deref(),
            Some("科普日")
        );
        // A blank Chinese item does not hide the default.
        assert_eq!(
            alt(r#"<rdf:li xml:lang="zh-CN"> </rdf:li><rdf:li xml:lang="x-default">Default</rdf:li>"#)
                .as_deref(),
            Some("Default")
        );
        // Character and predefined entity references are resolved.
        assert_eq!(
            alt(r#"<rdf:li xml:lang="x-default">A &amp; B &#x79D1;&#26222;</rdf:li>"#).as_deref(),
            Some("A & B 科普")
        );
    }

    #[test]
    fn structures_are_not_read_as_text() {
        let xml = packet(
            r#"<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"><dc:title rdf:parseType="Resource"><dc:x>no</dc:x></dc:title><photoshop:City><rdf:Description><rdf:value>no</rdf:value></rdf:Description></photoshop:City><dc:creator><rdf:Seq><rdf:li>甲</rdf:li><rdf:li>乙</rdf:li></rdf:Seq></dc:creator></rdf:Description>"#,
        );
        let xmp = read(&jpeg(&[&standard(&xml)])).unwrap();
        assert_eq!(xmp.title, None);
        assert_eq!(xmp.city, None);
        assert_eq!(xmp.creator, vec!["甲".to_string(), "乙".to_string()]);
    }

    fn small_packet() -> String {
        packet(
            r#"<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="喀什地区"/>"#,
        )
    }

    fn city(bytes: &[u8]) -> Option<String> {
        read(bytes).and_then(|x| x.city)
    }

    #[test]
    fn finds_packets_in_png_tiff_webp_and_gif() {
        let xml = small_packet();
        // PNG: signature, iTXt (keyword, flag 0, method 0, no language, no translation), IEND.
        let mut itxt = PNG_KEYWORD.to_vec();
        itxt.extend([0, 0, 0, 0, 0]);
        itxt.extend(xml.as_bytes());
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        for (kind, data) in [(&b"iTXt"[..], itxt.as_slice()), (b"IEND", &[])] {
            png.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
            png.extend(kind);
            png.extend(data);
            png.extend([0; 4]); // CRC, not checked
        }
        assert_eq!(city(&png).as_deref(), Some("喀什地区"));

        // TIFF, little-endian: IFD0 with one entry, tag 700 type BYTE.
        let mut tiff = b"II*\0".to_vec();
        tiff.extend(8u32.to_le_bytes());
        tiff.extend(1u16.to_le_bytes());
        tiff.extend(700u16.to_le_bytes());
        tiff.extend(1u16.to_le_bytes());
        tiff.extend(u32::try_from(xml.len()).unwrap().to_le_bytes());
        tiff.extend(26u32.to_le_bytes());
        tiff.extend(0u32.to_le_bytes());
        tiff.extend(xml.as_bytes());
        assert_eq!(city(&tiff).as_deref(), Some("喀什地区"));
        // The same TIFF with the value's offset past the end: nothing, no panic.
        let mut broken = tiff.clone();
        broken[18..22].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(city(&broken), None);

        // WebP: RIFF, an odd-sized chunk (padded), then `XMP `.
        let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
        webp.extend(b"VP8X");
        webp.extend(3u32.to_le_bytes());
        webp.extend([0, 0, 0, 0]);
        webp.extend(b"XMP ");
        webp.extend(u32::try_from(xml.len()).unwrap().to_le_bytes());
        webp.extend(xml.as_bytes());
        assert_eq!(city(&webp).as_deref(), Some("喀什地区"));

        // GIF: the XMP application extension and its magic trailer.
        let mut gif = b"GIF89a".to_vec();
        gif.extend(b"\x21\xFF\x0BXMP DataXMP");
        gif.extend(xml.as_bytes());
        gif.extend([0x01]);
        gif.extend((0..=255u8).rev());
        gif.extend([0x00, 0x00, 0x3B]);
        assert_eq!(city(&gif).as_deref(), Some("喀什地区"));
    }

    #[test]
    fn utf16_packets_are_decoded() {
        let xml = small_packet();
        let mut utf16: Vec<u8> = vec![0xFE, 0xFF];
        utf16.extend(xml.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(
            city(&jpeg(&[&[JPEG_STANDARD, &utf16].concat()])).as_deref(),
            Some("喀什地区")
        );
    }

    #[test]
    fn hostile_containers_do_not_panic() {
        let xml = small_packet();
        let good = jpeg(&[&standard(&xml)]);
        for cut in 0..good.len() {
            let _ = read(&good[..cut]);
        }
        // Segment length past the end, length below 2, garbage after SOI.
        for bytes in [
            &b"\xFF\xD8\xFF\xE1\xFF\xFFhttp://ns.adobe.com/xap/1.0/\0<x/>"[..],
            b"\xFF\xD8\xFF\xE1\x00\x01",
            b"\xFF\xD8garbage",
            b"\xFF\xD8\xFF",
            b"\x89PNG\r\n\x1a\n\xFF\xFF\xFF\xFFiTXt",
            b"RIFF\0\0\0\0WEBPXMP \xFF\xFF\xFF\xFF",
            b"GIF89a\x21\xFF\x0BXMP DataXMP<x/>",
            b"MM\0*\xFF\xFF\xFF\xFF",
        ] {
            assert_eq!(read(bytes), None);
        }
        // Extended chunks with a huge declared length and no standard packet.
        let mut chunk = JPEG_EXTENDED.to_vec();
        chunk.extend([b'A'; 32]);
        chunk.extend(u32::MAX.to_be_bytes());
        chunk.extend(0u32.to_be_bytes());
        chunk.extend(b"<x/>");
        assert_eq!(read(&jpeg(&[&chunk])), None);
    }
}
