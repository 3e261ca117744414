//! Render: contact sheets (a grid of upright previews with index number, status mark, year,
//! place and the start of the caption), with Chinese text drawn from an embedded font.
//!
//! In: reported items of one sheet (a unit, a year or an event), the derived previews, the
//! profile's page layout, the language, the font. Out: page images (RGB) and, when asked, the
//! same pages as one PDF whose text is real text in an embedded, subsetted font (krilla). One
//! layout draws both, through [`Canvas`]. Invariants: Chinese renders on a machine with no fonts
//! installed (Noto Sans CJK SC, subset to GB2312 and the gazetteer, is compiled in; `--font`
//! picks another); nothing is written here; a photo without a preview gets a labelled empty
//! cell, never a missing one. The package's catalogue (src/package/book/catalogue.rs) draws its pages
//! through the same [`Canvas`] and [`PdfCanvas`], with the same font and colours.
//!
//! Size: about 1,060 lines of code and 230 of tests, kept in one file on purpose: one page
//! layout drawn on two canvases (the page image and the PDF page), which must stay in step
//! line for line.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::{Rgb, RgbImage};

use crate::imaging::decode;
use crate::lang::Lang;
use crate::messages::{self, Label, Phrase};
use crate::photo::DerivedDirs;
use crate::photo::Status;
use crate::profile::Sheets;
use crate::report::ItemReport;

/// The embedded font: Noto Sans CJK SC, subset (see assets/fonts/README.md).
pub const FONT_BYTES: &[u8] = include_bytes!("../assets/fonts/NotoSansSC-Regular-subset.otf");

/// The embedded font, parsed.
pub fn font() -> FontRef<'static> {
    FontRef::try_from_slice(FONT_BYTES).expect("the embedded font parses")
}

/// Paper.
pub const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
/// Text and rules.
pub const INK: Rgb<u8> = Rgb([30, 30, 30]);
/// Secondary text.
pub const GREY: Rgb<u8> = Rgb([120, 120, 120]);
/// The ground a photo sits on (and the box of a missing one).
pub const PANEL: Rgb<u8> = Rgb([225, 225, 225]);
const BURST: Rgb<u8> = Rgb([150, 60, 170]);

/// The colour and short mark of a status on a sheet.
pub fn status_mark(status: Status, lang: Lang) -> (Rgb<u8>, &'static str) {
    let colour = match status {
        Status::Accepted => Rgb([30, 140, 60]),
        Status::NeedsInfo => Rgb([210, 150, 0]),
        Status::Rejected => Rgb([200, 30, 30]),
        Status::Duplicate => Rgb([90, 90, 200]),
    };
    (colour, crate::messages::status(status, lang))
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
    pub fn draw(&self, canvas: &mut dyn Canvas, x: f32, y: f32, max_width: f32, text: &str) -> f32 {
        let (fitted, width) = self.fit(max_width, text);
        canvas.text(self, x, y, &fitted);
        width
    }

    /// `text` without control characters, cut to `max_width` with an ellipsis when too wide,
    /// and its width. One pass: the widths of every prefix are running sums, added in the
    /// order [`text_width`] adds them.
    fn fit(&self, max_width: f32, text: &str) -> (String, f32) {
        let scaled = self.font.as_scaled(PxScale::from(self.size));
        let mut chars = Vec::new();
        // prefix[k]: the width of the first k characters.
        let mut prefix = vec![0.0f32];
        for c in text.chars().filter(|c| !c.is_control()) {
            let last = prefix[prefix.len() - 1];
            prefix.push(last + scaled.h_advance(self.font.glyph_id(c)));
            chars.push(c);
        }
        let whole = prefix[chars.len()];
        if whole <= max_width {
            return (chars.into_iter().collect(), whole);
        }
        let ellipsis_width = text_width(self.font, self.size, "…");
        let mut keep = chars.len();
        while keep > 0 && prefix[keep] + ellipsis_width > max_width {
            keep -= 1;
        }
        chars.truncate(keep);
        chars.push('…');
        // The same sum text_width would make of the fitted text, already at hand.
        (chars.into_iter().collect(), prefix[keep] + ellipsis_width)
    }
}

/// Where the sheet layout draws: a page image, a PDF page, or both at once. Coordinates are
/// layout pixels (the profile's `page_width` × `page_height` at its `dpi`, 300 for A4); each
/// canvas maps them to its own page.
pub trait Canvas {
    /// Fills a rectangle.
    fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32, colour: Rgb<u8>);
    /// Draws text (already fitted) with its top-left corner at (`x`, `y`).
    fn text(&mut self, pen: &Pen<'_>, x: f32, y: f32, text: &str);
    /// Places a photo as large as fits in the box (`x`, `y`, `w`, `h`), centred.
    fn picture(&mut self, photo: &CellPhoto, x: u32, y: u32, w: u32, h: u32);
}

/// A photo as a cell shows it: its preview (what a PDF embeds, JPEG as it is) and its
/// thumbnail (what a page image at screen resolution is drawn from), both upright, with their
/// sizes read from their headers.
pub struct CellPhoto {
    preview: Vec<u8>,
    size: (u32, u32),
    thumbnail: Option<(Vec<u8>, (u32, u32))>,
}

impl CellPhoto {
    /// A photo's derived images; `None` when its preview is missing or not an image (its cell
    /// then says so).
    pub fn read(dirs: &DerivedDirs, content: &crate::photo::ContentHash) -> Option<CellPhoto> {
        let preview = std::fs::read(dirs.preview(content)).ok()?;
        CellPhoto::new(preview, std::fs::read(dirs.thumbnail(content)).ok())
    }

    /// A photo from the bytes of its preview and, when there is one, its thumbnail; `None` when
    /// the preview's header cannot be read (a thumbnail whose header cannot is left out).
    pub fn new(preview: Vec<u8>, thumbnail: Option<Vec<u8>>) -> Option<CellPhoto> {
        let size = header_size(&preview)?;
        let thumbnail = thumbnail.and_then(|bytes| header_size(&bytes).map(|size| (bytes, size)));
        Some(CellPhoto {
            preview,
            size,
            thumbnail,
        })
    }

    /// The photo's size inside a `box_w` × `box_h` box.
    pub fn fitted(&self, box_w: u32, box_h: u32) -> (u32, u32) {
        decode::fit_box(self.size.0, self.size.1, box_w, box_h)
    }

    /// Pixels as large as fit in a `box_w` × `box_h` box: decoded from the thumbnail when it is
    /// at least that large, from the preview otherwise.
    pub fn pixels(&self, box_w: u32, box_h: u32) -> Option<RgbImage> {
        let (w, h) = self.fitted(box_w, box_h);
        let source = match &self.thumbnail {
            Some((bytes, (tw, th))) if *tw >= w && *th >= h => bytes,
            _ => &self.preview,
        };
        decode::decode_to_fit(source, box_w, box_h).ok()
    }
}

/// An image's width and height from its header, without decoding it.
fn header_size(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// A page image, drawn at `scale` page image pixels per layout pixel.
pub struct RasterCanvas<'a> {
    image: &'a mut RgbImage,
    scale: f32,
}

impl<'a> RasterCanvas<'a> {
    /// A page image at the layout's own resolution.
    pub fn new(image: &'a mut RgbImage) -> RasterCanvas<'a> {
        RasterCanvas::scaled(image, 1.0)
    }

    /// A page image at `scale` pixels per layout pixel (the profile's `image_dpi / dpi`).
    pub fn scaled(image: &'a mut RgbImage, scale: f32) -> RasterCanvas<'a> {
        RasterCanvas { image, scale }
    }

    /// Where a layout coordinate falls on the image: rounded, so rectangles that meet in the
    /// layout meet on the image.
    fn at(&self, v: u32) -> u32 {
        (v as f32 * self.scale).round() as u32
    }

    /// A layout rectangle on the image: left, top, width, height; a rectangle of any size is at
    /// least a pixel each way.
    fn rect(&self, x: u32, y: u32, w: u32, h: u32) -> (u32, u32, u32, u32) {
        let (left, top) = (self.at(x), self.at(y));
        let right = self.at(x.saturating_add(w)).max(left + u32::from(w > 0));
        let bottom = self.at(y.saturating_add(h)).max(top + u32::from(h > 0));
        (left, top, right - left, bottom - top)
    }

    /// Copies `picture` onto the image at its own size, its top-left corner at image pixel
    /// (`x`, `y`), clipped to the image.
    pub fn paste(&mut self, picture: &RgbImage, x: u32, y: u32) {
        // Row by row: a cell is a few hundred slice copies, not a pixel call per pixel.
        let (pw, ph) = self.image.dimensions();
        let w = picture.width().min(pw.saturating_sub(x)) as usize;
        let h = picture.height().min(ph.saturating_sub(y));
        if w == 0 {
            return;
        }
        let (stride, from_stride) = (3 * pw as usize, 3 * picture.width() as usize);
        let page: &mut [u8] = self.image;
        for row in 0..h as usize {
            let at = (y as usize + row) * stride + 3 * x as usize;
            page[at..at + 3 * w]
                .copy_from_slice(&picture.as_raw()[row * from_stride..row * from_stride + 3 * w]);
        }
    }
}

impl Canvas for RasterCanvas<'_> {
    fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32, colour: Rgb<u8>) {
        let (x, y, w, h) = self.rect(x, y, w, h);
        fill_rect(self.image, x, y, w, h, colour);
    }

    fn text(&mut self, pen: &Pen<'_>, x: f32, y: f32, text: &str) {
        let image = &mut *self.image;
        let size = pen.size * self.scale;
        let scaled = pen.font.as_scaled(PxScale::from(size));
        let baseline = y * self.scale + scaled.ascent();
        let mut caret = x * self.scale;
        GLYPHS.with_borrow_mut(|glyphs| {
            for c in text.chars() {
                let id = pen.font.glyph_id(c);
                let at = (caret, baseline);
                caret += scaled.h_advance(id);
                glyphs.draw_glyph(image, pen.font, id, size, at, pen.colour);
            }
        });
    }

    fn picture(&mut self, photo: &CellPhoto, x: u32, y: u32, w: u32, h: u32) {
        let (left, top, w, h) = self.rect(x, y, w, h);
        if let Some(pixels) = photo.pixels(w, h) {
            let (pw, ph) = pixels.dimensions();
            self.paste(
                &pixels,
                left + w.saturating_sub(pw) / 2,
                top + h.saturating_sub(ph) / 2,
            );
        }
    }
}

/// Sub-pixel positions a glyph is rasterised at, per axis: quarter pixels (a glyph is at most
/// an eighth of a pixel from where the layout put it, which no one can see).
const SUBPIXEL: f32 = 4.0;

/// How many glyph masks a worker keeps before starting afresh (a few MB at most).
const GLYPHS_KEPT: usize = 4096;

/// A glyph's coverage (0–255), rasterised once: its offset from the pixel it is placed at, its
/// width and its rows.
struct GlyphMask {
    left: i64,
    top: i64,
    width: usize,
    alpha: Vec<u8>,
}

/// Glyph masks by glyph, size and sub-pixel position, for the font a sheet is drawn with: a
/// sheet repeats the same few hundred characters (place names, 科普, digits), each outlined and
/// rasterised anew before. The cache holds the font's bytes, so the font it serves is known
/// exactly (its bytes cannot be freed and their address reused while it is bound).
#[derive(Default)]
struct GlyphCache {
    font: Option<std::sync::Arc<Vec<u8>>>,
    masks: std::collections::HashMap<(u16, u32, u8, u8), Option<GlyphMask>>,
}

thread_local! {
    static GLYPHS: std::cell::RefCell<GlyphCache> = std::cell::RefCell::default();
}

impl GlyphCache {
    /// Serves `font` from now on (its masks kept if it is the font already served).
    fn bind(&mut self, font: &std::sync::Arc<Vec<u8>>) {
        if !self
            .font
            .as_ref()
            .is_some_and(|f| std::sync::Arc::ptr_eq(f, font))
        {
            self.font = Some(font.clone());
            self.masks.clear();
        }
    }

    /// Draws glyph `id` of `font` in `colour` with its origin at `at` (to the nearest quarter
    /// pixel). Its mask is rasterised once when `font` is the bound font, every time otherwise.
    fn draw_glyph(
        &mut self,
        image: &mut RgbImage,
        font: &FontRef<'_>,
        id: ab_glyph::GlyphId,
        size: f32,
        at: (f32, f32),
        colour: Rgb<u8>,
    ) {
        let split = |v: f32| {
            let steps = (v * SUBPIXEL).round();
            let whole = (steps / SUBPIXEL).floor();
            (whole as i64, (steps - whole * SUBPIXEL) as u8)
        };
        let ((x, fx), (y, fy)) = (split(at.0), split(at.1));
        let raster = || {
            let position = point(f32::from(fx) / SUBPIXEL, f32::from(fy) / SUBPIXEL);
            let outlined =
                font.outline_glyph(id.with_scale_and_position(PxScale::from(size), position))?;
            let bounds = outlined.px_bounds();
            let width = bounds.width() as usize;
            let mut alpha = vec![0u8; width * bounds.height() as usize];
            outlined.draw(|gx, gy, coverage| {
                if let Some(a) = alpha.get_mut(gy as usize * width + gx as usize) {
                    *a = (coverage.clamp(0.0, 1.0) * 255.0).round() as u8;
                }
            });
            Some(GlyphMask {
                left: bounds.min.x as i64,
                top: bounds.min.y as i64,
                width,
                alpha,
            })
        };
        let bound = self
            .font
            .as_ref()
            .is_some_and(|f| f.as_ptr() == font.font_data().as_ptr());
        if !bound {
            if let Some(mask) = raster() {
                blend(image, x + mask.left, y + mask.top, &mask, colour);
            }
            return;
        }
        let key = (id.0, size.to_bits(), fx, fy);
        if self.masks.len() >= GLYPHS_KEPT && !self.masks.contains_key(&key) {
            self.masks.clear();
        }
        if let Some(mask) = self.masks.entry(key).or_insert_with(raster) {
            blend(image, x + mask.left, y + mask.top, mask, colour);
        }
    }
}

/// Lays `colour` over `image` through `mask`, its top-left corner at (`left`, `top`), clipped to
/// the image; integer blending, rounded.
fn blend(image: &mut RgbImage, left: i64, top: i64, mask: &GlyphMask, colour: Rgb<u8>) {
    let (iw, ih) = (i64::from(image.width()), i64::from(image.height()));
    let stride = 3 * iw as usize;
    let raw: &mut [u8] = image;
    for (gy, row) in mask.alpha.chunks_exact(mask.width.max(1)).enumerate() {
        let py = top + gy as i64;
        if py < 0 || py >= ih {
            continue;
        }
        for (gx, &a) in row.iter().enumerate() {
            let px = left + gx as i64;
            if a == 0 || px < 0 || px >= iw {
                continue;
            }
            let at = py as usize * stride + 3 * px as usize;
            let a = u32::from(a);
            for (under, ink) in raw[at..at + 3].iter_mut().zip(colour.0) {
                *under = ((u32::from(*under) * (255 - a) + u32::from(ink) * a + 127) / 255) as u8;
            }
        }
    }
}

/// A PDF page being drawn: krilla's surface, scaled so page pixels map to points.
pub struct PdfCanvas<'s, 'p> {
    surface: &'s mut krilla::surface::Surface<'p>,
    font: krilla::text::Font,
}

impl<'s, 'p> PdfCanvas<'s, 'p> {
    /// Draws on `surface` (already scaled from layout pixels to points), text in `font` (see
    /// [`SheetFont::pdf_font`]).
    pub fn new(
        surface: &'s mut krilla::surface::Surface<'p>,
        font: krilla::text::Font,
    ) -> PdfCanvas<'s, 'p> {
        PdfCanvas { surface, font }
    }

    fn set_colour(&mut self, colour: Rgb<u8>) {
        self.surface.set_fill(Some(krilla::paint::Fill {
            paint: krilla::color::rgb::Color::new(colour.0[0], colour.0[1], colour.0[2]).into(),
            opacity: krilla::num::NormalizedF32::ONE,
            rule: krilla::paint::FillRule::default(),
        }));
    }
}

impl Canvas for PdfCanvas<'_, '_> {
    fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32, colour: Rgb<u8>) {
        let Some(rect) = krilla::geom::Rect::from_xywh(x as f32, y as f32, w as f32, h as f32)
        else {
            return;
        };
        let mut path = krilla::geom::PathBuilder::new();
        path.push_rect(rect);
        if let Some(path) = path.finish() {
            self.set_colour(colour);
            self.surface.draw_path(&path);
        }
    }

    fn text(&mut self, pen: &Pen<'_>, x: f32, y: f32, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let baseline = y + pen.font.as_scaled(PxScale::from(pen.size)).ascent();
        // ab_glyph's pixel size is the font's ascent-to-descent height; PDF sizes are ems.
        let em = pen.size * pen.font.units_per_em().unwrap_or(1000.0) / pen.font.height_unscaled();
        self.set_colour(pen.colour);
        self.surface.draw_text(
            krilla::geom::Point::from_xy(x, baseline),
            self.font.clone(),
            em,
            text,
            false,
            krilla::text::TextDirection::Auto,
        );
    }

    fn picture(&mut self, photo: &CellPhoto, x: u32, y: u32, w: u32, h: u32) {
        // The preview's own JPEG goes in as it is, scaled by the page: no decoding, no second
        // generation of JPEG loss, and sharper in print than any page image. A preview that is
        // not a JPEG (never one lightbox wrote) is decoded and encoded here.
        let (fw, fh) = photo.fitted(w, h);
        let data = match decode::sniff(&photo.preview) {
            decode::Sniffed::Image(crate::photo::Format::Jpeg) => photo.preview.clone(),
            _ => match photo
                .pixels(fw, fh)
                .and_then(|pixels| crate::imaging::encode_jpeg(&pixels, 85).ok())
            {
                Some(encoded) => encoded,
                None => return,
            },
        };
        let Ok(image) = krilla::image::Image::from_jpeg(data.into(), true) else {
            return;
        };
        let Some(size) = krilla::geom::Size::from_wh(fw as f32, fh as f32) else {
            return;
        };
        let (left, top) = (x + w.saturating_sub(fw) / 2, y + h.saturating_sub(fh) / 2);
        self.surface
            .push_transform(&krilla::geom::Transform::from_translate(
                left as f32,
                top as f32,
            ));
        self.surface.draw_image(image, size);
        self.surface.pop();
    }
}

/// Draws on two canvases at once: the page image and the PDF page share one layout pass.
struct Both<'a, 'b>(&'a mut dyn Canvas, &'b mut dyn Canvas);

impl Canvas for Both<'_, '_> {
    fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32, colour: Rgb<u8>) {
        self.0.fill_rect(x, y, w, h, colour);
        self.1.fill_rect(x, y, w, h, colour);
    }

    fn text(&mut self, pen: &Pen<'_>, x: f32, y: f32, text: &str) {
        self.0.text(pen, x, y, text);
        self.1.text(pen, x, y, text);
    }

    fn picture(&mut self, photo: &CellPhoto, x: u32, y: u32, w: u32, h: u32) {
        self.0.picture(photo, x, y, w, h);
        self.1.picture(photo, x, y, w, h);
    }
}

fn fill_rect(image: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, colour: Rgb<u8>) {
    let (iw, ih) = image.dimensions();
    let (x0, x1) = (x.min(iw) as usize, x.saturating_add(w).min(iw) as usize);
    let (y0, y1) = (y.min(ih) as usize, y.saturating_add(h).min(ih) as usize);
    let stride = 3 * iw as usize;
    let pixels: &mut [u8] = image;
    let [r, g, b] = colour.0;
    for row in y0..y1 {
        let span = &mut pixels[row * stride + 3 * x0..row * stride + 3 * x1];
        if r == g && g == b {
            span.fill(r);
        } else {
            for pixel in span.chunks_exact_mut(3) {
                pixel.copy_from_slice(&colour.0);
            }
        }
    }
}

/// Draws the frame of the rectangle (`x`, `y`, `w`, `h`), `thickness` wide, inside it.
pub fn frame_rect(
    canvas: &mut dyn Canvas,
    (x, y, w, h): (u32, u32, u32, u32),
    thickness: u32,
    colour: Rgb<u8>,
) {
    canvas.fill_rect(x, y, w, thickness, colour);
    canvas.fill_rect(x, y + h.saturating_sub(thickness), w, thickness, colour);
    canvas.fill_rect(x, y, thickness, h, colour);
    canvas.fill_rect(x + w.saturating_sub(thickness), y, thickness, h, colour);
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
    /// Cells name the unit too (a sheet by year or event mixes units).
    pub show_unit: bool,
}

/// The font sheets are drawn with: the embedded one, or a file from `--font`.
#[derive(Clone)]
pub struct SheetFont {
    bytes: std::sync::Arc<Vec<u8>>,
}

impl std::fmt::Debug for SheetFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SheetFont({} bytes)", self.bytes.len())
    }
}

impl SheetFont {
    /// The embedded Noto Sans CJK SC subset.
    pub fn embedded() -> SheetFont {
        SheetFont {
            bytes: std::sync::Arc::new(FONT_BYTES.to_vec()),
        }
    }

    /// A font file (TrueType or OpenType).
    ///
    /// # Errors
    /// When the file cannot be read or is not a font; the error names the path.
    pub fn load(path: &std::path::Path) -> Result<SheetFont, crate::broken::Broken> {
        use crate::broken::{Broken, Given};
        let bytes = std::fs::read(path).map_err(|e| Broken::Unreadable {
            what: Given::Font,
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        FontRef::try_from_slice(&bytes).map_err(|e| Broken::Invalid {
            what: Given::Font,
            path: path.display().to_string(),
            reason: format!("{e:?}"),
        })?;
        Ok(SheetFont {
            bytes: std::sync::Arc::new(bytes),
        })
    }

    /// A short fingerprint of the font file: sheets drawn with another font are drawn anew.
    pub fn id(&self) -> String {
        blake3::hash(&self.bytes).to_hex()[..16].to_string()
    }

    /// The font for measuring and rasterising.
    pub fn glyphs(&self) -> FontRef<'_> {
        FontRef::try_from_slice(&self.bytes).expect("checked when loaded")
    }

    /// The font for a PDF (krilla embeds the glyphs a document uses); `None` when krilla
    /// cannot read it.
    pub fn pdf_font(&self) -> Option<krilla::text::Font> {
        krilla::text::Font::new(self.bytes.clone().into(), 0)
    }
}

thread_local! {
    /// Each worker draws its pages on one page image it keeps: a fresh page costs a page fault
    /// every 4 KB (1,600 for A4 at 150 dpi, 6,300 at 300), and every sheet has pages.
    static PAGE: std::cell::RefCell<RgbImage> = std::cell::RefCell::new(RgbImage::new(0, 0));
}

/// What a sheet is drawn with: its page layout, where the previews are, the language of its
/// labels and its font.
#[derive(Clone, Copy)]
pub struct SheetStyle<'a> {
    /// Page size, grid and resolution (the profile's `[sheets]`).
    pub layout: &'a Sheets,
    /// Where the previews drawn in the cells are.
    pub dirs: &'a DerivedDirs,
    /// The language of the page labels and status marks.
    pub lang: Lang,
    /// The font of every text on the sheet (embedded in the PDF).
    pub font: &'a SheetFont,
}

/// Which pages of a sheet one PDF file holds: `first..=last`, counted from 0, of `pages`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdfPart {
    /// The file's first page.
    pub first: usize,
    /// The file's last page.
    pub last: usize,
    /// The sheet's pages in all.
    pub pages: usize,
}

impl PdfPart {
    /// True when this file holds the whole sheet.
    pub fn whole(&self) -> bool {
        self.first == 0 && self.last + 1 == self.pages
    }
}

/// Where a sheet's files go as they are made: each page image (with its index from 0) as soon
/// as it is drawn, and each PDF as soon as its last page is.
pub struct SheetOutput<'o> {
    /// Takes each page image.
    pub page: &'o mut dyn FnMut(usize, &RgbImage) -> anyhow::Result<()>,
    /// Takes each PDF file, when PDFs are asked for.
    pub pdf: Option<&'o mut dyn FnMut(PdfPart, Vec<u8>) -> anyhow::Result<()>>,
}

/// Renders a sheet's pages, and its PDFs when `output.pdf` is set, in one layout pass. A sheet
/// of any length holds one page image in memory, and at most the layout's `pdf_pages` pages of
/// PDF: a longer sheet is split into several PDF files.
///
/// # Errors
/// When the PDF cannot be made (the font cannot be embedded), or `output` fails.
pub fn render_sheet(
    items: &[&ItemReport],
    header: &SheetHeader,
    style: &SheetStyle<'_>,
    output: SheetOutput<'_>,
) -> anyhow::Result<()> {
    let layout = style.layout;
    PAGE.with_borrow_mut(|image| {
        let (width, height) = layout.image_size();
        if image.dimensions() != (width, height) {
            *image = RgbImage::new(width, height);
        }
        render_into(image, items, header, style, output)
    })
}

fn render_into(
    image: &mut RgbImage,
    items: &[&ItemReport],
    header: &SheetHeader,
    style: &SheetStyle<'_>,
    output: SheetOutput<'_>,
) -> anyhow::Result<()> {
    let SheetOutput {
        page: page_done,
        pdf: mut pdf_done,
    } = output;
    let SheetStyle {
        layout,
        dirs,
        lang,
        font,
    } = *style;
    let glyphs = font.glyphs();
    GLYPHS.with_borrow_mut(|cache| cache.bind(&font.bytes));
    let per_page = (layout.columns * layout.rows) as usize;
    let count = items.len().div_ceil(per_page).max(1);
    let (pw, ph) = (layout.page_width, layout.page_height);
    let pdf_font = match pdf_done {
        Some(_) => Some(
            font.pdf_font()
                .ok_or_else(|| anyhow::anyhow!("the font cannot be embedded in a PDF"))?,
        ),
        None => None,
    };
    let per_file = layout.pdf_pages.max(1) as usize;
    let mut document: Option<krilla::Document> = None;
    // Page pixels to PDF points.
    let points = 72.0 / layout.dpi as f32;
    for page in 0..count {
        if pdf_font.is_some() && document.is_none() {
            document = Some(krilla::Document::new());
        }
        let on_page: Vec<&ItemReport> = items
            .iter()
            .skip(page * per_page)
            .take(per_page)
            .copied()
            .collect();
        let place = PagePlace {
            page,
            count,
            header,
        };
        match (&mut document, &pdf_font) {
            (Some(document), Some(pdf_font)) => {
                let settings =
                    krilla::page::PageSettings::from_wh(pw as f32 * points, ph as f32 * points)
                        .ok_or_else(|| anyhow::anyhow!("the page size is not valid"))?;
                let mut pdf_page = document.start_page_with(settings);
                let mut surface = pdf_page.surface();
                surface.push_transform(&krilla::geom::Transform::from_scale(points, points));
                {
                    let mut raster = RasterCanvas::scaled(image, layout.image_scale());
                    let mut vector = PdfCanvas {
                        surface: &mut surface,
                        font: pdf_font.clone(),
                    };
                    let mut both = Both(&mut raster, &mut vector);
                    draw_page(&mut both, &glyphs, &on_page, place, layout, dirs, lang);
                }
                surface.pop();
                surface.finish();
                pdf_page.finish();
            }
            _ => draw_page(
                &mut RasterCanvas::scaled(image, layout.image_scale()),
                &glyphs,
                &on_page,
                place,
                layout,
                dirs,
                lang,
            ),
        }
        page_done(page, image)?;
        let file_ends = (page + 1) % per_file == 0 || page + 1 == count;
        if file_ends && let (Some(finished), Some(pdf_done)) = (document.take(), pdf_done.as_mut())
        {
            let bytes = finished
                .finish()
                .map_err(|e| anyhow::anyhow!("the PDF cannot be written: {e:?}"))?;
            let part = PdfPart {
                first: page - page % per_file,
                last: page,
                pages: count,
            };
            pdf_done(part, bytes)?;
        }
    }
    Ok(())
}

/// Which page of how many, under which header.
#[derive(Clone, Copy)]
struct PagePlace<'h> {
    page: usize,
    count: usize,
    header: &'h SheetHeader,
}

/// Draws one page: the header, then a cell per item.
fn draw_page(
    canvas: &mut dyn Canvas,
    font: &FontRef<'_>,
    items: &[&ItemReport],
    place: PagePlace<'_>,
    layout: &Sheets,
    dirs: &DerivedDirs,
    lang: Lang,
) {
    let PagePlace {
        page,
        count: pages,
        header,
    } = place;
    let (pw, ph) = (layout.page_width, layout.page_height);
    let margin = pw / 25;
    let header_h = ph / 14;
    let gap = pw / 80;
    let cell_w = (pw - 2 * margin - (layout.columns - 1) * gap) / layout.columns;
    let cell_h = (ph - 2 * margin - header_h - (layout.rows - 1) * gap) / layout.rows;
    let text_size = (cell_w as f32 / 15.0).max(12.0);
    let text_block = (text_size * 3.6) as u32;
    let image_h = cell_h.saturating_sub(text_block);
    canvas.fill_rect(0, 0, pw, ph, WHITE);
    let title_size = header_h as f32 * 0.38;
    Pen {
        font,
        size: title_size,
        colour: INK,
    }
    .draw(
        canvas,
        margin as f32,
        margin as f32,
        (pw - 2 * margin) as f32 * 0.7,
        &header.title,
    );
    let page_label = messages::phrase(
        &Phrase::Page {
            page: page + 1,
            pages,
        },
        lang,
    );
    let small = header_h as f32 * 0.22;
    let label_w = text_width(font, small, &page_label);
    Pen {
        font,
        size: small,
        colour: INK,
    }
    .draw(
        canvas,
        pw as f32 - margin as f32 - label_w,
        margin as f32,
        label_w + 1.0,
        &page_label,
    );
    let date_w = text_width(font, small, &header.date);
    let grey = Pen {
        font,
        size: small,
        colour: GREY,
    };
    grey.draw(
        canvas,
        pw as f32 - margin as f32 - date_w,
        margin as f32 + small * 1.4,
        date_w + 1.0,
        &header.date,
    );
    grey.draw(
        canvas,
        margin as f32,
        margin as f32 + title_size * 1.5,
        (pw - 2 * margin) as f32,
        &header.counts,
    );
    canvas.fill_rect(
        margin,
        margin + header_h - header_h / 8,
        pw - 2 * margin,
        3,
        INK,
    );
    for (slot, item) in items.iter().enumerate() {
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
            show_unit: header.show_unit,
        };
        draw_cell(canvas, font, item, cell, dirs, lang);
    }
}

/// Where a cell goes on the page and how large its parts are.
#[derive(Clone, Copy)]
struct CellBox {
    x: u32,
    y: u32,
    w: u32,
    image_h: u32,
    text_size: f32,
    show_unit: bool,
}

fn draw_cell(
    canvas: &mut dyn Canvas,
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
        show_unit,
    } = cell;
    canvas.fill_rect(x, y, w, image_h, PANEL);
    let photo = item
        .photo
        .as_ref()
        .filter(|p| p.decoded)
        .and_then(|p| CellPhoto::read(dirs, &p.content));
    match photo {
        Some(photo) => canvas.picture(&photo, x, y, w, image_h),
        None => {
            let label = messages::label(Label::CannotPreview, lang);
            let lw = text_width(font, text_size, label);
            Pen {
                font,
                size: text_size,
                colour: GREY,
            }
            .draw(
                canvas,
                x as f32 + (w as f32 - lw) / 2.0,
                (y + image_h / 2) as f32 - text_size / 2.0,
                w as f32,
                label,
            );
        }
    }
    // A burst shot is accepted but waits for the curator's pick: marked as such.
    let burst = item.status == Status::Accepted
        && item
            .findings
            .iter()
            .any(|f| matches!(f.finding.check, crate::photo::Check::Burst { .. }));
    let (colour, mark) = if burst {
        (BURST, messages::label(Label::Burst, lang))
    } else {
        status_mark(item.status, lang)
    };
    if item.status != Status::Accepted || burst {
        frame_rect(canvas, (x, y, w, image_h), 8, colour);
    }
    // Index badge, top-left, and status label, top-right.
    let index = item.index.to_string();
    let badge_w = text_width(font, text_size, &index) as u32 + (text_size * 0.8) as u32;
    let badge_h = (text_size * 1.4) as u32;
    canvas.fill_rect(x, y, badge_w, badge_h, INK);
    Pen {
        font,
        size: text_size,
        colour: WHITE,
    }
    .draw(
        canvas,
        x as f32 + text_size * 0.4,
        y as f32 + text_size * 0.15,
        badge_w as f32,
        &index,
    );
    let mark_w = text_width(font, text_size, mark) as u32 + (text_size * 0.8) as u32;
    canvas.fill_rect(x + w - mark_w, y, mark_w, badge_h, colour);
    Pen {
        font,
        size: text_size,
        colour: WHITE,
    }
    .draw(
        canvas,
        (x + w - mark_w) as f32 + text_size * 0.4,
        y as f32 + text_size * 0.15,
        mark_w as f32,
        mark,
    );
    // Text lines: year and place; caption start; file name.
    let unknown = messages::label(Label::Unknowable, lang);
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
        .unwrap_or_else(|| messages::label(Label::CaptionMissing, lang).to_string());
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
        canvas,
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
        .draw(canvas, x as f32, top + line_h, w as f32, &reason),
        None => Pen {
            font,
            size: text_size * 0.9,
            colour: INK,
        }
        .draw(canvas, x as f32, top + line_h, w as f32, &caption),
    };
    let file_name = if show_unit {
        item.path.as_str()
    } else {
        item.path.rsplit('/').next().unwrap_or(&item.path)
    };
    Pen {
        font,
        size: text_size * 0.8,
        colour: GREY,
    }
    .draw(canvas, x as f32, top + 2.0 * line_h, w as f32, file_name);
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
    fn paints_rectangles_and_pictures_clipped_to_the_page() {
        let mut page = RgbImage::from_pixel(10, 8, WHITE);
        let mut canvas = RasterCanvas::new(&mut page);
        // Runs off the right and the bottom.
        canvas.fill_rect(6, 5, 10, 10, Rgb([1, 2, 3]));
        let picture = RgbImage::from_fn(4, 3, |x, y| Rgb([x as u8, y as u8, 9]));
        canvas.paste(&picture, 8, 0);
        canvas.fill_rect(0, 0, 2, 1, INK);
        for (x, y, pixel) in page.enumerate_pixels() {
            let expected = if x < 2 && y == 0 {
                INK
            } else if x >= 8 && y < 3 {
                Rgb([(x - 8) as u8, y as u8, 9])
            } else if x >= 6 && y >= 5 {
                Rgb([1, 2, 3])
            } else {
                WHITE
            };
            assert_eq!(*pixel, expected, "at {x},{y}");
        }
    }

    /// A JPEG of one colour.
    fn solid_jpeg(width: u32, height: u32, colour: Rgb<u8>) -> Vec<u8> {
        crate::imaging::encode_jpeg(&RgbImage::from_pixel(width, height, colour), 95).unwrap()
    }

    #[test]
    fn a_cell_photo_is_fitted_centred_and_drawn_from_the_thumbnail_when_it_is_large_enough() {
        let (red, blue) = (Rgb([220, 20, 20]), Rgb([20, 20, 220]));
        let photo =
            CellPhoto::new(solid_jpeg(400, 200, red), Some(solid_jpeg(48, 24, blue))).unwrap();
        // The box is 80 x 80 layout pixels: 40 x 40 on a half-scale page, where the photo is
        // 40 x 20 and the thumbnail serves; 80 x 40 at full scale, where only the preview does.
        for (scale, side, colour) in [(0.5, 40, blue), (1.0, 80, red)] {
            let mut page = RgbImage::from_pixel(100, 100, WHITE);
            RasterCanvas::scaled(&mut page, scale).picture(&photo, 20, 20, 80, 80);
            let (left, top) = ((20.0 * scale) as u32, (20.0 * scale) as u32);
            let near =
                |p: &Rgb<u8>, c: Rgb<u8>| p.0.iter().zip(c.0).all(|(a, b)| a.abs_diff(b) < 12);
            // A band of the box's height above and below the photo stays white.
            let (band_top, band_bottom) = (top + side / 4, top + side * 3 / 4);
            for y in 0..100 {
                for x in 0..100 {
                    let inside =
                        (left..left + side).contains(&x) && (band_top..band_bottom).contains(&y);
                    let pixel = page.get_pixel(x, y);
                    match inside {
                        true => assert!(near(pixel, colour), "scale {scale}: {pixel:?} at {x},{y}"),
                        false => assert_eq!(*pixel, WHITE, "scale {scale}: at {x},{y}"),
                    }
                }
            }
        }
        // No thumbnail: the preview serves at every scale; no readable preview: no photo.
        let alone =
            CellPhoto::new(solid_jpeg(400, 200, red), Some(b"not an image".to_vec())).unwrap();
        let mut page = RgbImage::from_pixel(100, 100, WHITE);
        RasterCanvas::scaled(&mut page, 0.5).picture(&alone, 20, 20, 80, 80);
        assert!(page.get_pixel(30, 30).0[0] > 200 && page.get_pixel(30, 30).0[2] < 60);
        assert!(CellPhoto::new(b"%PDF-1.4".to_vec(), None).is_none());
    }

    #[test]
    fn a_half_scale_page_draws_what_the_layout_says_at_half_the_size() {
        let font = font();
        let draw = |page: &mut RgbImage, scale: f32, size: f32, (x, y): (f32, f32)| {
            let mut canvas = RasterCanvas::scaled(page, scale);
            canvas.fill_rect(10, 10, 41, 3, INK);
            Pen {
                font: &font,
                size,
                colour: INK,
            }
            .draw(&mut canvas, x, y, 400.0, "第 1/2 页 克拉玛依");
        };
        let mut half = RgbImage::from_pixel(120, 40, WHITE);
        draw(&mut half, 0.5, 30.0, (10.0, 20.0));
        // The same text at half the size and position on a page at its own scale; the rule's
        // edges rounded to whole pixels (10..51 is 5..26, 10..13 is 5..7).
        let mut direct = RgbImage::from_pixel(120, 40, WHITE);
        {
            let mut canvas = RasterCanvas::new(&mut direct);
            canvas.fill_rect(5, 5, 21, 2, INK);
            Pen {
                font: &font,
                size: 15.0,
                colour: INK,
            }
            .draw(&mut canvas, 5.0, 10.0, 200.0, "第 1/2 页 克拉玛依");
        }
        assert!(half == direct);
        assert!(half.pixels().filter(|p| p.0[0] < 128).count() > 200);
        // A rule thinner than a pixel at this scale is still drawn, a pixel wide.
        let mut thin = RgbImage::from_pixel(20, 20, WHITE);
        RasterCanvas::scaled(&mut thin, 0.25).fill_rect(8, 8, 40, 1, INK);
        assert_eq!(thin.pixels().filter(|p| **p == INK).count(), 10);
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
        .draw(
            &mut RasterCanvas::new(&mut image),
            5.0,
            5.0,
            190.0,
            "科普日",
        );
        assert!(drawn > 60.0);
        let dark = image.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark > 100, "only {dark} dark pixels");
    }

    /// Draws three lines of `text` at different sizes and sub-pixel offsets, with `sheet`'s
    /// font bound to this thread's glyph cache or with the cache emptied and unbound.
    fn three_lines(sheet: &SheetFont, bound: bool, text: &str) -> RgbImage {
        GLYPHS.with_borrow_mut(|cache| match bound {
            true => cache.bind(&sheet.bytes),
            false => *cache = GlyphCache::default(),
        });
        let font = sheet.glyphs();
        let mut image = RgbImage::from_pixel(520, 110, WHITE);
        for (line, x) in [3.0f32, 3.3, 3.6].into_iter().enumerate() {
            Pen {
                font: &font,
                size: 24.0 + 0.5 * line as f32,
                colour: INK,
            }
            .draw(
                &mut RasterCanvas::new(&mut image),
                x,
                4.0 + 34.5 * line as f32,
                510.0,
                text,
            );
        }
        image
    }

    #[test]
    fn glyphs_from_the_cache_are_the_glyphs_drawn_afresh() {
        let sheet = SheetFont::embedded();
        // Repeated characters at every size and offset: a key that left out either would
        // hand one line's glyphs to another.
        let text = "2015+克拉玛依市+科普进校园 2015 克拉玛依";
        let fresh = three_lines(&sheet, false, text);
        let filling = three_lines(&sheet, true, text);
        let hits = three_lines(&sheet, true, text);
        assert!(fresh.pixels().filter(|p| p.0[0] < 128).count() > 1000);
        assert!(fresh == filling, "drawn while filling the cache");
        assert!(fresh == hits, "drawn from the cache");
        assert!(GLYPHS.with_borrow(|cache| !cache.masks.is_empty()));
    }

    #[test]
    fn quarter_pixel_glyphs_carry_the_ink_of_exact_ones() {
        // The exact rendering: each glyph rasterised at its own position, blended in floats.
        let font = font();
        let (size, x, y, text) = (26.0, 4.37, 5.0, "科普进校园 2023");
        let mut exact = RgbImage::from_pixel(260, 40, WHITE);
        let scaled = font.as_scaled(PxScale::from(size));
        let mut caret = x;
        for c in text.chars() {
            let id = font.glyph_id(c);
            let glyph = id.with_scale_and_position(size, point(caret, y + scaled.ascent()));
            caret += scaled.h_advance(id);
            let Some(outlined) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let pixel = exact.get_pixel_mut(
                    (bounds.min.x as i64 + i64::from(gx)) as u32,
                    (bounds.min.y as i64 + i64::from(gy)) as u32,
                );
                for ch in 0..3 {
                    let under = f32::from(pixel.0[ch]);
                    pixel.0[ch] = (under + (f32::from(INK.0[ch]) - under) * coverage).round() as u8;
                }
            });
        }
        let mut drawn = RgbImage::from_pixel(260, 40, WHITE);
        Pen {
            font: &font,
            size,
            colour: INK,
        }
        .draw(&mut RasterCanvas::new(&mut drawn), x, y, 250.0, text);
        // Ink (darkness summed) is the same to a hundredth, and no pixel differs by more than
        // a quarter of the range (an edge moved by an eighth of a pixel; a pixel off is 225).
        let ink =
            |image: &RgbImage| -> u64 { image.as_raw().iter().map(|&v| u64::from(255 - v)).sum() };
        let (a, b) = (ink(&exact), ink(&drawn));
        assert!(a.abs_diff(b) * 100 < a, "ink {a} exact, {b} drawn");
        let worst = exact
            .as_raw()
            .iter()
            .zip(drawn.as_raw())
            .map(|(&a, &b)| a.abs_diff(b))
            .max()
            .unwrap_or(0);
        assert!(worst <= 64, "a pixel differs by {worst} grey levels");
        assert!(exact != RgbImage::from_pixel(260, 40, WHITE));
    }
}
