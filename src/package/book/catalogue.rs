//! `图录.pdf`: the printable catalogue of what a package sends.
//!
//! In: the packaged photos' manifest rows (in package order: by year), the bag's details and the
//! photos' derived previews. Out: the PDF's bytes: A4, a cover (the collection's title, counts of
//! photos, units and years, the date), contents by year with page numbers, then the photos year
//! by year, three or so to a page, each with its full caption, year and place, event,
//! photographer, unit and file name. Invariants: the text is real text in the embedded CJK font,
//! subsetted (selectable, extractable); each photo is its preview downscaled to
//! [`PREVIEW_EDGE`] pixels and re-encoded within [`PREVIEW_BUDGET`] bytes (the quality steps
//! down for a busy photo), never the original; a photo without a preview gets a labelled empty box; a caption too long for a
//! page is cut with an ellipsis; the same input gives the same bytes (the creation date is the
//! bag's date, krilla's document id is a hash of the content).

use ab_glyph::FontRef;

use super::{BookInfo, Counts, Previews, year_label};
use crate::lang::Lang;
use crate::manifest::ManifestEntry;
use crate::messages::{self, Label, Phrase, label};
use crate::render::{
    Canvas, CellPhoto, GREY, INK, PANEL, PdfCanvas, Pen, SheetFont, frame_rect, text_width,
};

/// Long edge, in pixels, of a photo in the catalogue (about 190 dpi at its printed size).
pub const PREVIEW_EDGE: u32 = 720;
/// JPEG qualities a photo in the catalogue is encoded at: the first that gives at most
/// [`PREVIEW_BUDGET`] bytes (a busy photo steps down; the last is taken whatever its size).
pub const PREVIEW_QUALITY: [u8; 4] = [66, 56, 46, 36];
/// Bytes a photo takes in the catalogue at most (but at the lowest quality).
pub const PREVIEW_BUDGET: usize = 60_000;

/// The layout's resolution: A4 at 300 dpi.
const DPI: f32 = 300.0;
const PAGE_W: u32 = 2480;
const PAGE_H: u32 = 3508;
const MARGIN: u32 = 200;
/// Where the body of a photo page starts (below the running head) and ends (above the folio).
const BODY_TOP: u32 = MARGIN + 110;
const BODY_BOTTOM: u32 = PAGE_H - MARGIN - 60;
/// A photo's box, and the gap between it and its text, and between entries.
const PHOTO_W: u32 = 1040;
const PHOTO_H: u32 = 780;
const GUTTER: u32 = 60;
const ENTRY_GAP: u32 = 90;
/// Text sizes (layout pixels) and line spacing.
const HEAD: f32 = 48.0;
const BODY: f32 = 38.0;
const SMALL: f32 = 32.0;
const LEADING: f32 = 1.45;
/// Height of a year's heading on its first page.
const YEAR_HEADING: u32 = 150;
/// Lines a field other than the caption takes at most (beside the photo).
const FIELD_LINES: usize = 2;
/// Contents lines per page.
const CONTENTS_LINES: usize = 30;

/// The text of one photo's entry, wrapped: the lines beside the photo, then those below it.
struct Entry {
    /// (size, colour is grey, line).
    lines: Vec<(f32, bool, String)>,
    height: u32,
}

/// A page of the catalogue.
enum Page {
    Cover,
    /// Contents: the years from this index on, up to [`CONTENTS_LINES`].
    Contents(usize),
    /// A year's photos: the year, whether its heading is on this page, the entries' indices.
    Photos(i32, bool, Vec<usize>),
}

/// The catalogue's bytes (see the module's header).
///
/// # Errors
/// When the embedded font cannot go into a PDF, or krilla cannot write the document.
pub fn catalogue(
    entries: &[ManifestEntry],
    info: &BookInfo,
    previews: &dyn Previews,
) -> anyhow::Result<Vec<u8>> {
    let font = SheetFont::embedded();
    let glyphs = font.glyphs();
    let pdf_font = font
        .pdf_font()
        .ok_or_else(|| anyhow::anyhow!("the font cannot be embedded in a PDF"))?;
    let lang = info.lang;
    let texts: Vec<Entry> = entries
        .iter()
        .enumerate()
        .map(|(n, e)| entry_text(&glyphs, n + 1, e, lang))
        .collect();
    let years = years_of(entries);
    let (pages, first_page) = paginate(entries, &texts, &years);
    let mut document = krilla::Document::new();
    let (y, m, d) = info.ymd();
    let mut metadata = krilla::metadata::Metadata::new()
        .title(format!(
            "{} · {}",
            info.title,
            label(Label::Catalogue, lang)
        ))
        .language(lang.tag().to_string())
        .creator("lightbox".to_string())
        .creation_date(krilla::metadata::DateTime::new(y).month(m).day(d));
    if !info.source_organization.is_empty() {
        metadata = metadata.authors(vec![info.source_organization.clone()]);
    }
    document.set_metadata(metadata);
    let points = 72.0 / DPI;
    let total = pages.len();
    for (index, page) in pages.iter().enumerate() {
        let settings =
            krilla::page::PageSettings::from_wh(PAGE_W as f32 * points, PAGE_H as f32 * points)
                .ok_or_else(|| anyhow::anyhow!("the page size is not valid"))?;
        let mut pdf_page = document.start_page_with(settings);
        let mut surface = pdf_page.surface();
        surface.push_transform(&krilla::geom::Transform::from_scale(points, points));
        {
            let mut canvas = PdfCanvas::new(&mut surface, pdf_font.clone());
            let pen = |size: f32, colour| Pen {
                font: &glyphs,
                size,
                colour,
            };
            match page {
                Page::Cover => cover(&mut canvas, &glyphs, entries, info),
                Page::Contents(from) => {
                    contents(&mut canvas, &glyphs, &years, *from, &first_page, lang)
                }
                Page::Photos(year, heading, on_page) => {
                    pen(SMALL, GREY).draw(
                        &mut canvas,
                        MARGIN as f32,
                        MARGIN as f32,
                        (PAGE_W - 2 * MARGIN) as f32 * 0.75,
                        &info.title,
                    );
                    right(
                        &mut canvas,
                        pen(SMALL, GREY),
                        MARGIN as f32,
                        &year_label(*year, lang),
                    );
                    canvas.fill_rect(MARGIN, MARGIN + 55, PAGE_W - 2 * MARGIN, 3, INK);
                    let mut top = BODY_TOP;
                    if *heading {
                        let count = entries.iter().filter(|e| e.year == *year).count();
                        pen(70.0, INK).draw(
                            &mut canvas,
                            MARGIN as f32,
                            top as f32 + 10.0,
                            (PAGE_W - 2 * MARGIN) as f32,
                            &year_heading(*year, count, lang),
                        );
                        top += YEAR_HEADING;
                    }
                    for &i in on_page {
                        draw_entry(
                            &mut canvas,
                            &glyphs,
                            &entries[i],
                            &texts[i],
                            top,
                            previews,
                            lang,
                        );
                        top += texts[i].height + ENTRY_GAP;
                    }
                }
            }
            if !matches!(page, Page::Cover) {
                let folio = format!("{} / {}", index + 1, total);
                let w = text_width(&glyphs, SMALL, &folio);
                pen(SMALL, GREY).draw(
                    &mut canvas,
                    (PAGE_W as f32 - w) / 2.0,
                    (PAGE_H - MARGIN) as f32,
                    w + 1.0,
                    &folio,
                );
            }
        }
        surface.pop();
        surface.finish();
        pdf_page.finish();
    }
    document.set_outline(outline(&years, &first_page, lang));
    document
        .finish()
        .map_err(|e| anyhow::anyhow!("the PDF cannot be written: {e:?}"))
}

/// The years of `entries` in package order, each with its count.
fn years_of(entries: &[ManifestEntry]) -> Vec<(i32, usize)> {
    let mut years: Vec<(i32, usize)> = Vec::new();
    for e in entries {
        match years.iter_mut().find(|(y, _)| *y == e.year) {
            Some((_, n)) => *n += 1,
            None => years.push((e.year, 1)),
        }
    }
    years
}

/// A year's heading, with its count of photos.
fn year_heading(year: i32, photos: usize, lang: Lang) -> String {
    messages::phrase(&Phrase::Year { year, photos }, lang)
}

/// The pages, and the index of each year's first page (in `years`' order). Each year starts a
/// page; entries are stacked while they fit.
fn paginate(
    entries: &[ManifestEntry],
    texts: &[Entry],
    years: &[(i32, usize)],
) -> (Vec<Page>, Vec<usize>) {
    let mut pages = vec![Page::Cover];
    let contents_pages = years.len().div_ceil(CONTENTS_LINES).max(1);
    pages.extend((0..contents_pages).map(|p| Page::Contents(p * CONTENTS_LINES)));
    let mut first_page = Vec::new();
    for &(year, _) in years {
        first_page.push(pages.len());
        let mut top = BODY_TOP + YEAR_HEADING;
        let mut on_page: Vec<usize> = Vec::new();
        let mut heading = true;
        for (i, _) in entries.iter().enumerate().filter(|(_, e)| e.year == year) {
            let height = texts[i].height;
            if !on_page.is_empty() && top + height > BODY_BOTTOM {
                pages.push(Page::Photos(year, heading, std::mem::take(&mut on_page)));
                heading = false;
                top = BODY_TOP;
            }
            on_page.push(i);
            top += height + ENTRY_GAP;
        }
        pages.push(Page::Photos(year, heading, on_page));
    }
    (pages, first_page)
}

/// The first line of `text` wrapped to `width` at `size`, and the text after it. A line breaks
/// at a newline, or before the character that would overflow, or at the last space before it
/// when that character is Latin; control characters are left out; a line holds at least one
/// character.
fn first_line<'t>(font: &FontRef<'_>, size: f32, width: f32, text: &'t str) -> (String, &'t str) {
    let mut line = String::new();
    let mut used = 0.0;
    let mut buf = [0u8; 4];
    // The last space on the line: where it is on the line, and where the text after it starts.
    let mut space: Option<(usize, usize)> = None;
    for (at, c) in text.char_indices() {
        if c == '\n' {
            return (line, &text[at + 1..]);
        }
        if c.is_control() {
            continue;
        }
        let advance = text_width(font, size, c.encode_utf8(&mut buf));
        if used + advance > width && !line.is_empty() {
            let latin = c.is_alphanumeric() && (c as u32) < 0x1100;
            if latin && let Some((on_line, after)) = space.filter(|&(s, _)| s > 0) {
                line.truncate(on_line);
                return (line, &text[after..]);
            }
            let rest = &text[at..];
            return (line, rest.strip_prefix(' ').unwrap_or(rest));
        }
        used += advance;
        if c == ' ' {
            space = Some((line.len(), at + 1));
        }
        line.push(c);
    }
    (line, "")
}

/// `text` wrapped to `width` at `size` (see [`first_line`]); an empty text is one empty line.
fn wrap(font: &FontRef<'_>, size: f32, width: f32, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest = text;
    loop {
        let (line, after) = first_line(font, size, width, rest);
        lines.push(line);
        if after.is_empty() {
            return lines;
        }
        rest = after;
    }
}

/// The lines of a photo's entry: heading, facts, file name, caption (wrapped beside the photo,
/// then below it at full width), and the entry's height; cut with an ellipsis to a page.
fn entry_text(font: &FontRef<'_>, number: usize, e: &ManifestEntry, lang: Lang) -> Entry {
    let or_none = |s: &str| match s.trim() {
        "" => "—".to_string(),
        s => s.to_string(),
    };
    let side_w = (PAGE_W - 2 * MARGIN - PHOTO_W - GUTTER) as f32;
    let full_w = (PAGE_W - 2 * MARGIN) as f32;
    let place = [e.place.trim(), e.county.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut lines: Vec<(f32, bool, String)> = Vec::new();
    // Each of these is a few lines at most, so the caption always starts beside the photo.
    let mut push = |size: f32, grey: bool, text: &str| {
        let mut wrapped = wrap(font, size, side_w, text);
        if wrapped.len() > FIELD_LINES {
            wrapped.truncate(FIELD_LINES);
            if let Some(last) = wrapped.last_mut() {
                last.pop();
                last.push('…');
            }
        }
        lines.extend(wrapped.into_iter().map(|line| (size, grey, line)));
    };
    push(HEAD, false, &format!("{number}. {}", or_none(&e.event)));
    push(
        BODY,
        false,
        &format!("{} · {}", year_label(e.year, lang), or_none(&place)),
    );
    let [who, unit, file] =
        [Label::PhotographerIs, Label::UnitIs, Label::FileIs].map(|l| label(l, lang));
    push(BODY, false, &format!("{who}{}", or_none(&e.photographer)));
    push(BODY, false, &format!("{unit}{}", or_none(&e.unit)));
    push(SMALL, true, &format!("{file}{}", e.file));
    let height_of = |lines: &[(f32, bool, String)]| -> f32 {
        lines.iter().map(|(size, _, _)| size * LEADING).sum()
    };
    // The caption: beside the photo while there is room, then below it at full width.
    let caption = match e.caption.trim() {
        "" => label(Label::NoCaption, lang).to_string(),
        c => c.to_string(),
    };
    let mut side = height_of(&lines) + BODY * 0.4;
    let limit = (BODY_BOTTOM - BODY_TOP - YEAR_HEADING) as f32;
    let mut rest = caption.as_str();
    let mut below: Vec<String> = Vec::new();
    // Lines past what a page holds are not wrapped (a caption may be any length).
    let most = (limit / (BODY * LEADING)) as usize + 1;
    while !rest.is_empty() && below.len() <= most {
        let beside = side + BODY * LEADING <= PHOTO_H as f32;
        let width = if beside { side_w } else { full_w };
        let (line, after) = first_line(font, BODY, width, rest);
        rest = after;
        if beside {
            lines.push((BODY, false, line));
            side += BODY * LEADING;
        } else {
            below.push(line);
        }
    }
    let below_top = (PHOTO_H as f32).max(side) + BODY * 0.4;
    let fit = ((limit - below_top) / (BODY * LEADING)).max(0.0) as usize;
    if below.len() > fit || (!rest.is_empty() && below.len() == fit) {
        below.truncate(fit);
        if let Some(last) = below.last_mut() {
            let cut: String = last
                .chars()
                .take(last.chars().count().saturating_sub(1))
                .collect();
            *last = format!("{cut}…");
        }
    }
    let height = match below.is_empty() {
        true => (PHOTO_H as f32).max(side),
        false => below_top + below.len() as f32 * BODY * LEADING,
    };
    // Lines below the photo are marked by a size the caption never has beside it.
    lines.extend(below.into_iter().map(|l| (-BODY, false, l)));
    Entry {
        lines,
        height: height.ceil() as u32,
    }
}

/// Draws a photo's entry with its top at `top`: the photo (or a labelled box), its lines.
fn draw_entry(
    canvas: &mut dyn Canvas,
    font: &FontRef<'_>,
    e: &ManifestEntry,
    text: &Entry,
    top: u32,
    previews: &dyn Previews,
    lang: Lang,
) {
    let photo = previews.preview(e).and_then(|bytes| {
        let pixels =
            crate::imaging::decode::decode_to_fit(&bytes, PREVIEW_EDGE, PREVIEW_EDGE).ok()?;
        let mut jpeg = Vec::new();
        for quality in PREVIEW_QUALITY {
            jpeg = crate::imaging::encode_jpeg(&pixels, quality).ok()?;
            if jpeg.len() <= PREVIEW_BUDGET {
                break;
            }
        }
        CellPhoto::new(jpeg, None)
    });
    match photo {
        Some(photo) => canvas.picture(&photo, MARGIN, top, PHOTO_W, PHOTO_H),
        None => {
            canvas.fill_rect(MARGIN, top, PHOTO_W, PHOTO_H, PANEL);
            frame_rect(canvas, (MARGIN, top, PHOTO_W, PHOTO_H), 3, GREY);
            let no_preview = label(Label::NoPreview, lang);
            let w = text_width(font, BODY, no_preview);
            Pen {
                font,
                size: BODY,
                colour: GREY,
            }
            .draw(
                canvas,
                MARGIN as f32 + (PHOTO_W as f32 - w) / 2.0,
                (top + PHOTO_H / 2) as f32 - BODY / 2.0,
                PHOTO_W as f32,
                no_preview,
            );
        }
    }
    let side_x = (MARGIN + PHOTO_W + GUTTER) as f32;
    let (mut y_side, mut y_below) = (top as f32, 0.0f32);
    for (size, grey, line) in &text.lines {
        let pen = Pen {
            font,
            size: size.abs(),
            colour: if *grey { GREY } else { INK },
        };
        if *size > 0.0 {
            pen.draw(
                canvas,
                side_x,
                y_side,
                (PAGE_W - MARGIN) as f32 - side_x,
                line,
            );
            y_side += size * LEADING;
        } else {
            if y_below == 0.0 {
                y_below = (top + PHOTO_H) as f32 + BODY * 0.4;
                y_below = y_below.max(y_side + BODY * 0.4);
            }
            pen.draw(
                canvas,
                MARGIN as f32,
                y_below,
                (PAGE_W - 2 * MARGIN) as f32,
                line,
            );
            y_below += size.abs() * LEADING;
        }
    }
}

/// Draws `text` right-aligned to the right margin with its top at `y`.
fn right(canvas: &mut dyn Canvas, pen: Pen<'_>, y: f32, text: &str) {
    let w = text_width(pen.font, pen.size, text);
    pen.draw(canvas, (PAGE_W - MARGIN) as f32 - w, y, w + 1.0, text);
}

/// Draws the cover: title, what this is, who sends it, the counts and the date.
fn cover(canvas: &mut dyn Canvas, font: &FontRef<'_>, entries: &[ManifestEntry], info: &BookInfo) {
    let lang = info.lang;
    let width = (PAGE_W - 2 * MARGIN) as f32;
    let centred = |canvas: &mut dyn Canvas, size: f32, colour, y: f32, text: &str| -> f32 {
        let mut y = y;
        for line in wrap(font, size, width, text) {
            let w = text_width(font, size, &line);
            Pen { font, size, colour }.draw(canvas, (PAGE_W as f32 - w) / 2.0, y, w + 1.0, &line);
            y += size * LEADING;
        }
        y
    };
    let mut y = centred(canvas, 110.0, INK, 1000.0, &info.title);
    y = centred(canvas, 80.0, INK, y + 60.0, label(Label::Catalogue, lang));
    canvas.fill_rect(PAGE_W / 2 - 300, y as u32 + 60, 600, 4, INK);
    y += 180.0;
    if !info.source_organization.trim().is_empty() {
        y = centred(canvas, 56.0, INK, y, &info.source_organization);
    }
    if let Some(part) = info.part_label() {
        y = centred(canvas, 48.0, INK, y, &part);
    }
    let counts = Counts::of(entries);
    y = centred(canvas, 48.0, INK, y + 40.0, &counts.line(lang));
    if entries.is_empty() {
        let none = label(Label::EmptyPackage, lang);
        centred(canvas, 48.0, INK, y, none);
    }
    centred(
        canvas,
        44.0,
        GREY,
        (PAGE_H - MARGIN - 300) as f32,
        &info.date,
    );
}

/// Draws a contents page: the years from `from` on, each with its count and first page.
fn contents(
    canvas: &mut dyn Canvas,
    font: &FontRef<'_>,
    years: &[(i32, usize)],
    from: usize,
    first_page: &[usize],
    lang: Lang,
) {
    let pen = |size: f32| Pen {
        font,
        size,
        colour: INK,
    };
    pen(80.0).draw(
        canvas,
        MARGIN as f32,
        MARGIN as f32,
        (PAGE_W - 2 * MARGIN) as f32,
        label(Label::Contents, lang),
    );
    let mut y = (MARGIN + 220) as f32;
    if years.is_empty() {
        pen(BODY * 1.2).draw(
            canvas,
            MARGIN as f32,
            y,
            (PAGE_W - 2 * MARGIN) as f32,
            label(Label::NoPhotos, lang),
        );
    }
    let size = BODY * 1.3;
    for (k, &(year, count)) in years.iter().enumerate().skip(from).take(CONTENTS_LINES) {
        let line = year_heading(year, count, lang);
        let page = (first_page[k] + 1).to_string();
        let w = pen(size).draw(canvas, MARGIN as f32, y, 1200.0, &line);
        let page_w = text_width(font, size, &page);
        let dots_from = MARGIN as f32 + w + 30.0;
        let dots_to = (PAGE_W - MARGIN) as f32 - page_w - 30.0;
        let dot_w = text_width(font, size, "·").max(1.0) * 1.6;
        let dots = ((dots_to - dots_from) / dot_w).max(0.0) as usize;
        Pen {
            font,
            size,
            colour: GREY,
        }
        .draw(canvas, dots_from, y, dots_to - dots_from, &"·".repeat(dots));
        right(canvas, pen(size), y, &page);
        y += size * 2.0;
    }
}

/// The PDF's outline: contents, then a node per year at its first page.
fn outline(years: &[(i32, usize)], first_page: &[usize], lang: Lang) -> krilla::outline::Outline {
    use krilla::destination::XyzDestination;
    use krilla::outline::{Outline, OutlineNode};
    let top = krilla::geom::Point::from_xy(0.0, 0.0);
    let mut outline = Outline::new();
    outline.push_child(OutlineNode::new(
        label(Label::Contents, lang).to_string(),
        XyzDestination::new(1, top),
    ));
    for (&(year, count), &page) in years.iter().zip(first_page) {
        outline.push_child(OutlineNode::new(
            year_heading(year, count, lang),
            XyzDestination::new(page, top),
        ));
    }
    outline
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::font;

    #[test]
    fn wraps_chinese_anywhere_and_latin_at_spaces() {
        let font = font();
        let width = text_width(&font, BODY, "克拉玛依市科协在第一");
        let lines = wrap(
            &font,
            BODY,
            width + 1.0,
            "克拉玛依市科协在第一中学开展科普进校园活动",
        );
        assert_eq!(
            lines,
            ["克拉玛依市科协在第一", "中学开展科普进校园活", "动"]
        );
        let width = text_width(&font, BODY, "science day at the");
        let lines = wrap(&font, BODY, width + 1.0, "science day at the first school");
        assert_eq!(lines, ["science day at the", "first school"]);
        assert_eq!(wrap(&font, BODY, 1.0, "ab"), ["a", "b"]);
        assert_eq!(wrap(&font, BODY, 100.0, ""), [""]);
    }

    #[test]
    fn a_caption_longer_than_a_page_is_cut_to_one() {
        let font = font();
        let mut e =
            crate::package::book::tests::entry("2015/a.jpg", 2015, "克拉玛依市", "克拉玛依市科协");
        e.caption = "很长的图片说明".repeat(2000);
        e.event = "活动".repeat(5000);
        e.unit = "unit ".repeat(5000);
        let text = entry_text(&font, 1, &e, Lang::Zh);
        assert!(text.height <= BODY_BOTTOM - BODY_TOP - YEAR_HEADING);
        assert!(text.lines.last().unwrap().2.ends_with('…'));
        // The event takes two lines, cut; the year and place follow.
        assert!(text.lines[0].2.starts_with("1. 活动活动"));
        assert!(text.lines[1].2.ends_with('…'));
        assert!(text.lines[2].2.starts_with("2015 · 克拉玛依市"));
        e.caption = "短".into();
        assert_eq!(entry_text(&font, 1, &e, Lang::Zh).height, PHOTO_H);
    }
}
