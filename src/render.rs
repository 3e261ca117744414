//! Render: contact sheets (a grid of upright previews with index number, status mark, year,
//! place and the start of the caption), with Chinese text drawn from an embedded font.
//!
//! In: reported items of one unit, the derived previews, the profile's page layout, the
//! language. Out: page images (RGB). Invariants: Chinese renders on a machine with no fonts
//! installed (Noto Sans CJK SC, subset to GB2312 and the gazetteer, is compiled in); nothing is
//! written here; a photo without a preview gets a labelled empty cell, never a missing one.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::{Rgb, RgbImage};

use crate::inspect::{DerivedDirs, decode};
use crate::lang::Lang;
use crate::photo::Status;
use crate::profile::Sheets;
use crate::report::ItemReport;

/// The embedded font: Noto Sans CJK SC, subset (see assets/fonts/README.md).
pub const FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/NotoSansSC-Regular-subset.otf");

/// The embedded font, parsed.
pub fn font() -> FontRef<'static> {
    FontRef::try_from_slice(FONT_BYTES).expect("the embedded font parses")
}

const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const INK: Rgb<u8> = Rgb([30, 30, 30]);
const GREY: Rgb<u8> = Rgb([120, 120, 120]);
const PANEL: Rgb<u8> = Rgb([225, 225, 225]);

/// The colour and short mark of a status on a sheet.
pub fn status_mark(status: Status, lang: Lang) -> (Rgb<u8>, &'static str) {
    let colour = match status {
        Status::Accepted => Rgb([30, 140, 60]),
        Status::NeedsInfo => Rgb([210, 150, 0]),
        Status::Rejected => Rgb([200, 30, 30]),
        Status::Duplicate => Rgb([90, 90, 200]),
    };
    (colour, status.label(lang))
}

/// Characters of `text` the font cannot draw (they would print as empty boxes).
pub fn missing_glyphs(font: &FontRef<'_>, text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| !c.is_whitespace() && font.glyph_id(*c).0 == 0)
        .collect()
}

/// Width in pixels of `text` at `size`.
pub fn text_width(font: &FontRef<'_>, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    text.chars()
        .map(|c| scaled.h_advance(font.glyph_id(c)))
        .sum()
}

/// A font, a size and a colour: what text is drawn with.
#[derive(Clone, Copy)]
pub struct Pen<'f> {
    /// The font.
    pub font: &'f FontRef<'f>,
    /// Size in pixels.
    pub size: f32,
    /// Ink colour.
    pub colour: Rgb<u8>,
}

impl Pen<'_> {
    /// Draws `text` with its top-left corner at (`x`, `y`), clipped to `max_width` (an
    /// ellipsis marks the cut). Returns the width drawn.
    pub fn draw(&self, image: &mut RgbImage, x: f32, y: f32, max_width: f32, text: &str) -> f32 {
        let scale = PxScale::from(self.size);
        let scaled = self.font.as_scaled(scale);
        let ellipsis_width = text_width(self.font, self.size, "…");
        let mut chars: Vec<char> = text.chars().filter(|c| !c.is_control()).collect();
        if text_width(self.font, self.size, &chars.iter().collect::<String>()) > max_width {
            while !chars.is_empty()
                && text_width(self.font, self.size, &chars.iter().collect::<String>())
                    + ellipsis_width
                    > max_width
            {
                chars.pop();
            }
            chars.push('…');
        }
        let baseline = y + scaled.ascent();
        let mut caret = x;
        for c in chars {
            let id = self.font.glyph_id(c);
            let glyph = id.with_scale_and_position(scale, point(caret, baseline));
            caret += scaled.h_advance(id);
            let Some(outlined) = self.font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if px < 0
                    || py < 0
                    || px >= i64::from(image.width())
                    || py >= i64::from(image.height())
                {
                    return;
                }
                let pixel = image.get_pixel_mut(px as u32, py as u32);
                for ch in 0..3 {
                    let under = f32::from(pixel.0[ch]);
                    pixel.0[ch] = (under
                        + (f32::from(self.colour.0[ch]) - under) * coverage.clamp(0.0, 1.0))
                    .round() as u8;
                }
            });
        }
        caret - x
    }
}

fn fill_rect(image: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, colour: Rgb<u8>) {
    for py in y..(y + h).min(image.height()) {
        for px in x..(x + w).min(image.width()) {
            image.put_pixel(px, py, colour);
        }
    }
}

fn frame_rect(
    image: &mut RgbImage,
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    thickness: u32,
    colour: Rgb<u8>,
) {
    fill_rect(image, x, y, w, thickness, colour);
    fill_rect(
        image,
        x,
        y + h.saturating_sub(thickness),
        w,
        thickness,
        colour,
    );
    fill_rect(image, x, y, thickness, h, colour);
    fill_rect(
        image,
        x + w.saturating_sub(thickness),
        y,
        thickness,
        h,
        colour,
    );
}

/// What a page header says.
#[derive(Clone, Debug)]
pub struct SheetHeader {
    /// Title, e.g. the unit's name.
    pub title: String,
    /// Date line, e.g. `2026-11-28`.
    pub date: String,
    /// Counts line.
    pub counts: String,
}

/// Renders contact-sheet pages for `items` (already in sheet order).
pub fn sheet_pages(
    items: &[&ItemReport],
    header: &SheetHeader,
    layout: &Sheets,
    dirs: &DerivedDirs,
    lang: Lang,
) -> Vec<RgbImage> {
    let font = font();
    let per_page = (layout.columns * layout.rows) as usize;
    let pages = items.len().div_ceil(per_page).max(1);
    let (pw, ph) = (layout.page_width, layout.page_height);
    let margin = pw / 25;
    let header_h = ph / 14;
    let gap = pw / 80;
    let cell_w = (pw - 2 * margin - (layout.columns - 1) * gap) / layout.columns;
    let cell_h = (ph - 2 * margin - header_h - (layout.rows - 1) * gap) / layout.rows;
    let text_size = (cell_w as f32 / 15.0).max(12.0);
    let text_block = (text_size * 3.6) as u32;
    let image_h = cell_h.saturating_sub(text_block);
    let mut out = Vec::with_capacity(pages);
    for page in 0..pages {
        let mut image = RgbImage::from_pixel(pw, ph, WHITE);
        let title_size = header_h as f32 * 0.38;
        Pen {
            font: &font,
            size: title_size,
            colour: INK,
        }
        .draw(
            &mut image,
            margin as f32,
            margin as f32,
            (pw - 2 * margin) as f32 * 0.7,
            &header.title,
        );
        let page_label = match lang {
            Lang::Zh => format!("第 {}/{} 页", page + 1, pages),
            Lang::En => format!("page {}/{}", page + 1, pages),
        };
        let small = header_h as f32 * 0.22;
        let label_w = text_width(&font, small, &page_label);
        Pen {
            font: &font,
            size: small,
            colour: INK,
        }
        .draw(
            &mut image,
            pw as f32 - margin as f32 - label_w,
            margin as f32,
            label_w + 1.0,
            &page_label,
        );
        let date_w = text_width(&font, small, &header.date);
        Pen {
            font: &font,
            size: small,
            colour: GREY,
        }
        .draw(
            &mut image,
            pw as f32 - margin as f32 - date_w,
            margin as f32 + small * 1.4,
            date_w + 1.0,
            &header.date,
        );
        Pen {
            font: &font,
            size: small,
            colour: GREY,
        }
        .draw(
            &mut image,
            margin as f32,
            margin as f32 + title_size * 1.5,
            (pw - 2 * margin) as f32,
            &header.counts,
        );
        fill_rect(
            &mut image,
            margin,
            margin + header_h - header_h / 8,
            pw - 2 * margin,
            3,
            INK,
        );
        for (slot, item) in items
            .iter()
            .skip(page * per_page)
            .take(per_page)
            .enumerate()
        {
            let col = slot as u32 % layout.columns;
            let row = slot as u32 / layout.columns;
            let x = margin + col * (cell_w + gap);
            let y = margin + header_h + row * (cell_h + gap);
            let cell = CellBox {
                x,
                y,
                w: cell_w,
                image_h,
                text_size,
            };
            draw_cell(&mut image, &font, item, cell, dirs, lang);
        }
        out.push(image);
    }
    out
}

/// Where a cell goes on the page and how large its parts are.
#[derive(Clone, Copy)]
struct CellBox {
    x: u32,
    y: u32,
    w: u32,
    image_h: u32,
    text_size: f32,
}

fn draw_cell(
    image: &mut RgbImage,
    font: &FontRef<'_>,
    item: &ItemReport,
    cell: CellBox,
    dirs: &DerivedDirs,
    lang: Lang,
) {
    let CellBox {
        x,
        y,
        w,
        image_h,
        text_size,
    } = cell;
    fill_rect(image, x, y, w, image_h, PANEL);
    let preview = item
        .photo
        .as_ref()
        .filter(|p| p.decoded)
        .and_then(|p| image::open(dirs.preview(&p.content)).ok())
        .map(|i| i.into_rgb8());
    match preview {
        Some(preview) => {
            let (tw, th) = fit_box(preview.width(), preview.height(), w, image_h);
            let small = decode::resize(&preview, tw, th);
            image::imageops::replace(
                image,
                &small,
                i64::from(x + (w - tw) / 2),
                i64::from(y + (image_h - th) / 2),
            );
        }
        None => {
            let label = match lang {
                Lang::Zh => "无法预览",
                Lang::En => "no preview",
            };
            let lw = text_width(font, text_size, label);
            Pen {
                font,
                size: text_size,
                colour: GREY,
            }
            .draw(
                image,
                x as f32 + (w as f32 - lw) / 2.0,
                (y + image_h / 2) as f32 - text_size / 2.0,
                w as f32,
                label,
            );
        }
    }
    let (colour, mark) = status_mark(item.status, lang);
    if item.status != Status::Accepted {
        frame_rect(image, x, y, w, image_h, 8, colour);
    }
    // Index badge, top-left, and status label, top-right.
    let index = item.index.to_string();
    let badge_w = text_width(font, text_size, &index) as u32 + (text_size * 0.8) as u32;
    let badge_h = (text_size * 1.4) as u32;
    fill_rect(image, x, y, badge_w, badge_h, INK);
    Pen {
        font,
        size: text_size,
        colour: WHITE,
    }
    .draw(
        image,
        x as f32 + text_size * 0.4,
        y as f32 + text_size * 0.15,
        badge_w as f32,
        &index,
    );
    let mark_w = text_width(font, text_size, mark) as u32 + (text_size * 0.8) as u32;
    fill_rect(image, x + w - mark_w, y, mark_w, badge_h, colour);
    Pen {
        font,
        size: text_size,
        colour: WHITE,
    }
    .draw(
        image,
        (x + w - mark_w) as f32 + text_size * 0.4,
        y as f32 + text_size * 0.15,
        mark_w as f32,
        mark,
    );
    // Text lines: year and place; caption start; file name.
    let unknown = match lang {
        Lang::Zh => "？",
        Lang::En => "?",
    };
    let year = item
        .tags
        .year
        .as_ref()
        .map(|t| t.value.to_string())
        .unwrap_or_else(|| unknown.to_string());
    let place = item
        .tags
        .place
        .as_ref()
        .map(|t| t.value.prefecture().unwrap_or(&t.value.value).to_string())
        .unwrap_or_else(|| unknown.to_string());
    let event = item
        .tags
        .event
        .as_ref()
        .map(|t| t.value.as_str())
        .unwrap_or(unknown);
    let caption = item
        .tags
        .caption
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_else(|| match lang {
            Lang::Zh => "（缺图片说明）".to_string(),
            Lang::En => "(no caption)".to_string(),
        });
    // A rejected photo shows why instead of its caption.
    let reason = item
        .findings
        .first()
        .filter(|_| item.status == Status::Rejected)
        .map(|f| f.message.clone());
    let line_h = text_size * 1.15;
    let top = (y + image_h) as f32 + text_size * 0.2;
    Pen {
        font,
        size: text_size,
        colour: INK,
    }
    .draw(
        image,
        x as f32,
        top,
        w as f32,
        &format!("{year} · {place} · {event}"),
    );
    match reason {
        Some(reason) => Pen {
            font,
            size: text_size * 0.9,
            colour,
        }
        .draw(image, x as f32, top + line_h, w as f32, &reason),
        None => Pen {
            font,
            size: text_size * 0.9,
            colour: INK,
        }
        .draw(image, x as f32, top + line_h, w as f32, &caption),
    };
    let file_name = item.path.rsplit('/').next().unwrap_or(&item.path);
    Pen {
        font,
        size: text_size * 0.8,
        colour: GREY,
    }
    .draw(image, x as f32, top + 2.0 * line_h, w as f32, file_name);
}

/// The largest size with the image's aspect ratio inside a box (upscaling allowed: previews are
/// small and the page is large).
fn fit_box(width: u32, height: u32, box_w: u32, box_h: u32) -> (u32, u32) {
    let scale = (f64::from(box_w) / f64::from(width)).min(f64::from(box_h) / f64::from(height));
    (
        ((f64::from(width) * scale) as u32).clamp(1, box_w),
        ((f64::from(height) * scale) as u32).clamp(1, box_h),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_draws_every_gazetteer_name_and_caption() {
        let font = font();
        let profile = crate::profile::Profile::embedded();
        let mut text = String::from(
            "2015年9月19日，克拉玛依市科协在第一中学开展科普进校园活动。通过 待补信息 不可用 重复 第 1/2 页 …",
        );
        for p in &profile.gazetteer.prefectures {
            text.push_str(&p.name);
            p.aliases
                .iter()
                .chain(&p.counties)
                .for_each(|n| text.push_str(n));
        }
        assert_eq!(missing_glyphs(&font, &text), Vec::<char>::new());
        assert_eq!(missing_glyphs(&font, "\u{10FFFD}"), vec!['\u{10FFFD}']);
    }

    #[test]
    fn draws_ink_inside_the_box() {
        let font = font();
        let mut image = RgbImage::from_pixel(200, 60, WHITE);
        let drawn = Pen {
            font: &font,
            size: 30.0,
            colour: INK,
        }
        .draw(&mut image, 5.0, 5.0, 190.0, "科普日");
        assert!(drawn > 60.0);
        let dark = image.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark > 100, "only {dark} dark pixels");
    }
}
