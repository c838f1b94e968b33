//! Visible signatures: where the widget goes (a page and a rectangle) and what it shows (an
//! image, such as the signer's handwritten signature or the agency's seal, scaled to fit the
//! rectangle with its aspect kept, its transparency kept as a soft mask).

use std::io::Write as _;

use crate::Error;
use crate::font::{Font, TextEncoder};
use crate::object::{Dict, Object, Stream, decode_text};
use crate::writer::IncrementalUpdate;

/// The largest image kyso draws, in pixels (width × height): 40 megapixels, far above any
/// signature or seal scan, so a hostile PNG cannot make it allocate gigabytes.
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;

/// A decoded image, 8 bits per component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// `true`: one gray component per pixel; `false`: RGB.
    pub gray: bool,
    /// The colour samples, row by row.
    pub samples: Vec<u8>,
    /// The alpha channel, one byte per pixel, when the image has transparency.
    pub alpha: Option<Vec<u8>>,
    /// The PNG's physical pixel size (its pHYs chunk), horizontal and vertical pixels per
    /// metre, when it gives one.
    pub pixels_per_meter: Option<(u32, u32)>,
}

impl Image {
    /// Decodes a PNG (any bit depth, palette, gray or colour, with or without alpha or a
    /// tRNS chunk) to 8-bit gray or RGB samples and an optional alpha channel.
    pub fn from_png(data: &[u8]) -> Result<Image, Error> {
        let bad = |e: png::DecodingError| Error::Appearance(format!("not a readable PNG: {e}"));
        let mut decoder = png::Decoder::new(std::io::Cursor::new(data));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let header = decoder.read_header_info().map_err(bad)?;
        let (w, h) = (header.width, header.height);
        let pixels_per_meter = header
            .pixel_dims
            .filter(|d| d.unit == png::Unit::Meter && d.xppu > 0 && d.yppu > 0)
            .map(|d| (d.xppu, d.yppu));
        if w == 0 || h == 0 || u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
            return Err(Error::Appearance(format!(
                "the image is {w}×{h} pixels: kyso draws images of at most {MAX_IMAGE_PIXELS} \
                 pixels"
            )));
        }
        let mut reader = decoder.read_info().map_err(bad)?;
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| Error::Appearance("the image is too large to decode".into()))?;
        let mut buf = vec![0u8; size];
        let frame = reader.next_frame(&mut buf).map_err(bad)?;
        let pixels = usize::try_from(u64::from(frame.width) * u64::from(frame.height))
            .map_err(|_| Error::Appearance("the image is too large".into()))?;
        let channels = match frame.color_type {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            png::ColorType::Indexed => {
                return Err(Error::Appearance("a palette PNG was not expanded".into()));
            }
        };
        if frame.bit_depth != png::BitDepth::Eight {
            return Err(Error::Appearance(
                "the PNG was not reduced to 8 bits".into(),
            ));
        }
        let row = usize::try_from(frame.width).unwrap_or(0) * channels;
        let stride = frame.line_size;
        let data = buf.get(..frame.buffer_size()).unwrap_or(&[]);
        let mut samples = Vec::with_capacity(pixels * channels.min(3));
        let mut alpha = Vec::with_capacity(if channels % 2 == 0 { pixels } else { 0 });
        for line in data.chunks(stride.max(1)).take(frame.height as usize) {
            let line = line.get(..row).unwrap_or(line);
            for px in line.chunks_exact(channels) {
                match px {
                    [g] => samples.push(*g),
                    [g, a] => {
                        samples.push(*g);
                        alpha.push(*a);
                    }
                    [r, g, b] => samples.extend_from_slice(&[*r, *g, *b]),
                    [r, g, b, a] => {
                        samples.extend_from_slice(&[*r, *g, *b]);
                        alpha.push(*a);
                    }
                    _ => {}
                }
            }
        }
        let gray = channels <= 2;
        if samples.len() != pixels * if gray { 1 } else { 3 } {
            return Err(Error::Appearance(
                "the PNG's pixel data is incomplete".into(),
            ));
        }
        let alpha = (channels % 2 == 0 && alpha.iter().any(|&a| a != 255)).then_some(alpha);
        Ok(Image {
            width: frame.width,
            height: frame.height,
            gray,
            samples,
            alpha,
            pixels_per_meter,
        })
    }

    /// The image's size in points at its physical resolution (the PNG's pHYs), if it has one.
    pub fn physical_size(&self) -> Option<(f64, f64)> {
        let (x, y) = self.pixels_per_meter?;
        let points_per_meter = 72.0 / 0.0254;
        Some((
            f64::from(self.width) / f64::from(x) * points_per_meter,
            f64::from(self.height) / f64::from(y) * points_per_meter,
        ))
    }

    /// Width over height.
    pub fn aspect(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height.max(1))
    }
}

/// Where a visible signature goes and what it shows.
#[derive(Debug, Clone, Default)]
pub struct Appearance {
    /// The page, counted from 1.
    pub page: usize,
    /// `[x1, y1, x2, y2]` in PDF points from the lower-left corner of the page as PDF readers
    /// show it (its CropBox, turned by the page's /Rotate); any two opposite corners. `None`:
    /// the rectangle of the existing empty signature field being signed (`page` is then that
    /// field's).
    pub rect: Option<[f64; 4]>,
    /// The picture drawn in the rectangle, if any.
    pub image: Option<Image>,
    /// Lines of text drawn in the rectangle (below the picture when there is one).
    pub text: Option<TextBlock>,
    /// A thin frame around the rectangle (the registry's incoming stamp).
    pub frame: bool,
    /// Text drawn elsewhere on the same page by the same signature (the document's number
    /// and date the registry fills in when it applies the seal): the widget's rectangle grows
    /// to hold them, so the signature covers them and every reader shows them as part of it
    /// (one widget: readers such as poppler do not follow a signature field with several).
    pub marks: Vec<Mark>,
}

/// Horizontal alignment of text lines in their box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    Left,
    #[default]
    Center,
    Right,
}

/// Lines of text in one font and size, black.
#[derive(Debug, Clone)]
pub struct TextBlock {
    pub lines: Vec<String>,
    pub font: Font,
    /// Font size in points.
    pub size: f64,
    pub align: Align,
}

impl TextBlock {
    /// Line height: 1.2 × the size.
    pub fn leading(&self) -> f64 {
        self.size * 1.2
    }

    /// The width and height the lines need, with `PAD` around them.
    pub fn extent(&self) -> (f64, f64) {
        let w = self
            .lines
            .iter()
            .map(|l| self.font.width(l, self.size))
            .fold(0.0, f64::max);
        (
            w + 2.0 * PAD,
            self.leading() * self.lines.len() as f64 + 2.0 * PAD,
        )
    }

    /// The first character no glyph of the font draws, if any.
    pub fn missing_char(&self) -> Option<char> {
        self.lines.iter().find_map(|l| self.font.missing_char(l))
    }
}

/// Padding around text in its box, in points.
pub const PAD: f64 = 2.0;

/// A line of text a signature draws at a place of its own on its page.
#[derive(Debug, Clone)]
pub struct Mark {
    /// The page, counted from 1.
    pub page: usize,
    /// The start of the text's baseline, in the page's displayed coordinates (as `rect`).
    pub at: [f64; 2],
    pub text: String,
    pub font: Font,
    pub size: f64,
}

/// A page as readers show it: its CropBox (else MediaBox) and its /Rotate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageGeometry {
    /// `[llx, lly, urx, ury]` in default user space.
    pub crop: [f64; 4],
    /// 0, 90, 180 or 270: how far readers turn the page clockwise.
    pub rotate: u16,
}

impl PageGeometry {
    /// Reads the page's boxes and rotation (inherited through the page tree).
    pub fn of(doc: &crate::Document<'_>, page: crate::ObjRef) -> Result<PageGeometry, Error> {
        Ok(PageGeometry {
            crop: page_box(doc, page)?,
            rotate: page_rotate(doc, page)?,
        })
    }

    /// Width and height as shown.
    pub fn size(&self) -> (f64, f64) {
        let (w, h) = (self.crop[2] - self.crop[0], self.crop[3] - self.crop[1]);
        if self.rotate % 180 == 90 {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// A point in default user space → the page as shown (origin at its lower-left corner).
    pub fn to_display(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        let (u, v) = (x - self.crop[0], y - self.crop[1]);
        let (w, h) = (self.crop[2] - self.crop[0], self.crop[3] - self.crop[1]);
        match self.rotate {
            90 => [v, w - u],
            180 => [w - u, h - v],
            270 => [h - v, u],
            _ => [u, v],
        }
    }

    /// A point on the page as shown → default user space.
    pub fn to_user(&self, [dx, dy]: [f64; 2]) -> [f64; 2] {
        let (w, h) = (self.crop[2] - self.crop[0], self.crop[3] - self.crop[1]);
        let (u, v) = match self.rotate {
            90 => (w - dy, dx),
            180 => (w - dx, h - dy),
            270 => (dy, h - dx),
            _ => (dx, dy),
        };
        [u + self.crop[0], v + self.crop[1]]
    }

    /// A rectangle in default user space → as shown, normalized.
    pub fn rect_to_display(&self, r: [f64; 4]) -> [f64; 4] {
        normalize(self.to_display([r[0], r[1]]), self.to_display([r[2], r[3]]))
    }

    /// A rectangle as shown → default user space, normalized.
    pub fn rect_to_user(&self, r: [f64; 4]) -> [f64; 4] {
        normalize(self.to_user([r[0], r[1]]), self.to_user([r[2], r[3]]))
    }

    /// The appearance stream's /Matrix that keeps its content upright on the turned page.
    fn matrix(&self) -> Option<[i64; 6]> {
        match self.rotate {
            90 => Some([0, 1, -1, 0, 0, 0]),
            180 => Some([-1, 0, 0, -1, 0, 0]),
            270 => Some([0, -1, 1, 0, 0, 0]),
            _ => None,
        }
    }
}

fn normalize(a: [f64; 2], b: [f64; 2]) -> [f64; 4] {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[0].max(b[0]),
        a[1].max(b[1]),
    ]
}

/// A page's visible box (CropBox, else MediaBox; inherited through the page tree), as
/// `[llx, lly, urx, ury]`.
pub(crate) fn page_box(doc: &crate::Document<'_>, page: crate::ObjRef) -> Result<[f64; 4], Error> {
    let crop = inherited(doc, page, b"CropBox")?;
    let media = inherited(doc, page, b"MediaBox")?;
    let rect = |o: &Object| -> Option<[f64; 4]> {
        let v: Vec<f64> = o.as_array()?.iter().filter_map(number).collect();
        let [a, b, c, d] = v[..] else { return None };
        let r = [a.min(c), b.min(d), a.max(c), b.max(d)];
        r.iter().all(|x| x.is_finite()).then_some(r)
    };
    let media = media.as_ref().and_then(rect);
    let crop = crop.as_ref().and_then(rect);
    // The CropBox is clipped to the MediaBox (ISO 32000-2 14.11.2).
    let visible = match (crop, media) {
        (Some(c), Some(m)) => Some([
            c[0].max(m[0]),
            c[1].max(m[1]),
            c[2].min(m[2]),
            c[3].min(m[3]),
        ]),
        (c, m) => c.or(m),
    };
    visible
        .filter(|r| r[2] - r[0] >= 1.0 && r[3] - r[1] >= 1.0)
        .ok_or_else(|| Error::Appearance("the page has no readable MediaBox".into()))
}

/// The page's /Rotate (inherited), normalized to 0, 90, 180 or 270.
pub(crate) fn page_rotate(doc: &crate::Document<'_>, page: crate::ObjRef) -> Result<u16, Error> {
    let r = inherited(doc, page, b"Rotate")?
        .as_ref()
        .and_then(number)
        .unwrap_or(0.0);
    let r = (r as i64).rem_euclid(360);
    Ok(match r {
        90 | 180 | 270 => r as u16,
        _ => 0,
    })
}

/// An inheritable page attribute: the page's own, else the nearest ancestor's.
fn inherited(
    doc: &crate::Document<'_>,
    page: crate::ObjRef,
    key: &[u8],
) -> Result<Option<Object>, Error> {
    let mut node = Some(page);
    for _ in 0..64 {
        let Some(r) = node else { break };
        let obj = doc.get(r)?;
        let Some(d) = obj.as_dict() else { break };
        if let Some(v) = d.get(key) {
            return doc.resolve(v).map(Some);
        }
        node = d.reference(b"Parent");
    }
    Ok(None)
}

fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Int(i) => Some(*i as f64),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// A number as PDF writes it: at most 4 decimals, no exponent.
fn num(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// Checks a rectangle given as shown against the page and returns the widget's `/Rect` in
/// default user space.
pub(crate) fn widget_rect(
    app: &Appearance,
    rect: [f64; 4],
    page: &PageGeometry,
) -> Result<[f64; 4], Error> {
    let [a, b, c, d] = rect;
    if !rect.iter().all(|v| v.is_finite()) {
        return Err(Error::Appearance(
            "the rectangle has a number that is not finite".into(),
        ));
    }
    let (x1, y1, x2, y2) = (a.min(c), b.min(d), a.max(c), b.max(d));
    if x2 - x1 < 1.0 || y2 - y1 < 1.0 {
        return Err(Error::Appearance(format!(
            "the rectangle {} {} {} {} has no area",
            num(a),
            num(b),
            num(c),
            num(d)
        )));
    }
    let (w, h) = page.size();
    if x1 < -0.01 || y1 < -0.01 || x2 > w + 0.01 || y2 > h + 0.01 {
        return Err(Error::Appearance(format!(
            "the rectangle {},{},{},{} is not inside page {} ({} × {} points as shown, origin at \
             its lower-left corner)",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            app.page,
            num(w),
            num(h)
        )));
    }
    Ok(page.rect_to_user([x1, y1, x2, y2]))
}

/// The `/Rect` of a widget in default user space, normalized, if it has an area.
pub fn rect_of(doc: &crate::Document<'_>, widget: &Dict) -> Option<[f64; 4]> {
    let r = doc.resolve(widget.get(b"Rect")?).ok()?;
    let v: Vec<f64> = r.as_array()?.iter().filter_map(number).collect();
    let [a, b, c, d] = v[..] else { return None };
    let r = [a.min(c), b.min(d), a.max(c), b.max(d)];
    (r[2] - r[0] >= 1.0 && r[3] - r[1] >= 1.0 && r.iter().all(|x| x.is_finite())).then_some(r)
}

/// The appearance streams of one update and the fonts they use: text is encoded while the
/// streams are built, and each font is embedded once at the end as a subset of exactly the
/// glyphs used ([`Drawing::finish`]); the streams' object numbers are reserved up front.
#[derive(Default)]
pub(crate) struct Drawing {
    fonts: Vec<(Font, TextEncoder, String)>,
    forms: Vec<(crate::ObjRef, Dict, Vec<u8>, bool)>,
}

impl Drawing {
    /// The resource name (`/K0`, `/K1` …) of `font` and its encoder.
    fn encoder(&mut self, font: &Font) -> Result<(&mut TextEncoder, String), Error> {
        let i = match self
            .fonts
            .iter()
            .position(|(f, _, _)| f.postscript_name() == font.postscript_name())
        {
            Some(i) => i,
            None => {
                let name = format!("K{}", self.fonts.len());
                self.fonts
                    .push((font.clone(), TextEncoder::new(font), name));
                self.fonts.len() - 1
            }
        };
        match self.fonts.get_mut(i) {
            Some((_, enc, name)) => Ok((enc, name.clone())),
            None => Err(Error::Appearance("font table out of step".into())),
        }
    }

    /// Embeds every font used, then writes the appearance streams with a `/Font` resource
    /// naming them.
    pub(crate) fn finish(self, up: &mut IncrementalUpdate<'_, '_>) -> Result<(), Error> {
        let mut fonts = Dict::new();
        for (_, enc, name) in self.fonts {
            let r = enc.embed(&mut |o| up.add(o))?;
            fonts.set(name.as_bytes(), Object::Ref(r));
        }
        for (r, mut dict, data, text) in self.forms {
            if text {
                let mut res = dict
                    .get(b"Resources")
                    .and_then(|o| o.as_dict().cloned())
                    .unwrap_or_default();
                res.set(b"Font", Object::Dict(fonts.clone()));
                dict.set(b"Resources", Object::Dict(res));
            }
            up.set(r, Object::Stream(Stream { dict, data }));
        }
        Ok(())
    }
}

/// Content drawing `lines` in `font` at `size`, aligned in a box `width` wide whose first
/// baseline is at `top - ascent`.
fn text_content(
    fonts: &mut Drawing,
    block: &TextBlock,
    [x0, y0, x1, y1]: [f64; 4],
) -> Result<Vec<u8>, Error> {
    let (enc, name) = fonts.encoder(&block.font)?;
    let mut out = Vec::new();
    let ascent = block.font.ascent(block.size);
    let lead = block.leading();
    // Centre the lines vertically in the box.
    let used = lead * block.lines.len() as f64;
    let top = y1 - ((y1 - y0) - used).max(0.0) / 2.0;
    let mut y = top - (lead - block.size) / 2.0 - ascent;
    out.extend_from_slice(b"q BT 0 g\n");
    for line in &block.lines {
        let w = block.font.width(line, block.size);
        let x = match block.align {
            Align::Left => x0 + PAD,
            Align::Center => x0 + ((x1 - x0) - w) / 2.0,
            Align::Right => x1 - PAD - w,
        };
        let code = enc.encode(line)?;
        out.extend_from_slice(
            format!(
                "/{name} {} Tf 1 0 0 1 {} {} Tm ",
                num(block.size),
                num(x),
                num(y)
            )
            .as_bytes(),
        );
        out.extend_from_slice(&code);
        out.extend_from_slice(b" Tj\n");
        y -= lead;
    }
    out.extend_from_slice(b"ET Q\n");
    Ok(out)
}

/// Adds the appearance stream (a form XObject of the widget's size, upright on the page as
/// shown: in the box `main`, the image scaled to fit and centred with its aspect kept, the
/// text lines below it, the frame; the marks at their places) and returns its dictionary for
/// the widget's `/AP`. `main` and `outer` (the widget: `main` and the marks' boxes) are
/// rectangles on the page as shown.
pub(crate) fn appearance_dict(
    up: &mut IncrementalUpdate<'_, '_>,
    fonts: &mut Drawing,
    app: &Appearance,
    main: [f64; 4],
    outer: [f64; 4],
    page: &PageGeometry,
) -> Result<Dict, Error> {
    let (w, h) = (main[2] - main[0], main[3] - main[1]);
    let (ow, oh) = (outer[2] - outer[0], outer[3] - outer[1]);
    let (ox, oy) = (main[0] - outer[0], main[1] - outer[1]);
    let mut resources = Dict::new();
    let mut content = Vec::new();
    let moved = ox.abs() > 1e-9 || oy.abs() > 1e-9;
    if moved {
        content.extend_from_slice(format!("q 1 0 0 1 {} {} cm\n", num(ox), num(oy)).as_bytes());
    }
    // The text takes the bottom of the box; the picture the rest.
    let text_h = app.text.as_ref().map_or(0.0, |t| {
        if app.image.is_some() {
            t.extent().1.min(h)
        } else {
            h
        }
    });
    if let Some(img) = &app.image {
        let mut d = Dict::new();
        d.set(b"Type", Object::name("XObject"));
        d.set(b"Subtype", Object::name("Image"));
        d.set(b"Width", Object::Int(i64::from(img.width)));
        d.set(b"Height", Object::Int(i64::from(img.height)));
        d.set(
            b"ColorSpace",
            Object::name(if img.gray { "DeviceGray" } else { "DeviceRGB" }),
        );
        d.set(b"BitsPerComponent", Object::Int(8));
        d.set(b"Filter", Object::name("FlateDecode"));
        if let Some(alpha) = &img.alpha {
            let mut m = Dict::new();
            m.set(b"Type", Object::name("XObject"));
            m.set(b"Subtype", Object::name("Image"));
            m.set(b"Width", Object::Int(i64::from(img.width)));
            m.set(b"Height", Object::Int(i64::from(img.height)));
            m.set(b"ColorSpace", Object::name("DeviceGray"));
            m.set(b"BitsPerComponent", Object::Int(8));
            m.set(b"Filter", Object::name("FlateDecode"));
            let mask = up.add(Object::Stream(Stream {
                dict: m,
                data: deflate(alpha),
            }));
            d.set(b"SMask", Object::Ref(mask));
        }
        let image = up.add(Object::Stream(Stream {
            dict: d,
            data: deflate(&img.samples),
        }));
        let mut xobjects = Dict::new();
        xobjects.set(b"Im0", Object::Ref(image));
        resources.set(b"XObject", Object::Dict(xobjects));
        let (iw, ih) = (f64::from(img.width), f64::from(img.height));
        let room = (h - text_h).max(1.0);
        let scale = (w / iw).min(room / ih);
        let (dw, dh) = (iw * scale, ih * scale);
        let (dx, dy) = ((w - dw) / 2.0, text_h + (room - dh) / 2.0);
        content.extend_from_slice(
            format!(
                "q {} 0 0 {} {} {} cm /Im0 Do Q\n",
                num(dw),
                num(dh),
                num(dx),
                num(dy)
            )
            .as_bytes(),
        );
    }
    if let Some(block) = &app.text {
        content.extend_from_slice(&text_content(fonts, block, [0.0, 0.0, w, text_h])?);
    }
    if app.frame {
        content.extend_from_slice(
            format!(
                "q 0 G 1 w 0.5 0.5 {} {} re S Q\n",
                num((w - 1.0).max(0.0)),
                num((h - 1.0).max(0.0))
            )
            .as_bytes(),
        );
    }
    if moved {
        content.extend_from_slice(b"Q\n");
    }
    for mark in &app.marks {
        let (block, b) = mark_box(mark, page)?;
        content.extend_from_slice(
            format!(
                "q 1 0 0 1 {} {} cm\n",
                num(b[0] - outer[0]),
                num(b[1] - outer[1])
            )
            .as_bytes(),
        );
        content.extend_from_slice(&text_content(
            fonts,
            &block,
            [0.0, 0.0, b[2] - b[0], b[3] - b[1]],
        )?);
        content.extend_from_slice(b"Q\n");
    }
    let text = app.text.is_some() || !app.marks.is_empty();
    let n = form(up, fonts, resources, content, text, ow, oh, page);
    let mut ap = Dict::new();
    ap.set(b"N", Object::Ref(n));
    Ok(ap)
}

/// A mark's text block and its box on the page as shown (its baseline starts at `at`).
fn mark_box(mark: &Mark, page: &PageGeometry) -> Result<(TextBlock, [f64; 4]), Error> {
    let block = TextBlock {
        lines: vec![mark.text.clone()],
        font: mark.font.clone(),
        size: mark.size,
        align: Align::Left,
    };
    let (w, h) = block.extent();
    // text_content centres the line in the box: its baseline is this far above the bottom.
    let baseline = h
        - (h - block.leading()) / 2.0
        - (block.leading() - mark.size) / 2.0
        - mark.font.ascent(mark.size);
    let bottom = mark.at[1] - baseline;
    let display = [mark.at[0] - PAD, bottom, mark.at[0] - PAD + w, bottom + h];
    let (pw, ph) = page.size();
    if display[0] < -0.01 || display[1] < -0.01 || display[2] > pw + 0.01 || display[3] > ph + 0.01
    {
        return Err(Error::Appearance(format!(
            "'{}' at {},{} does not fit on page {} ({} × {} points as shown)",
            mark.text,
            num(mark.at[0]),
            num(mark.at[1]),
            mark.page,
            num(pw),
            num(ph)
        )));
    }
    Ok((block, display))
}

/// The widget's box as shown when the signature also draws marks: the union of its own box
/// `main` and the marks' boxes (all on its page).
pub(crate) fn with_marks(
    app: &Appearance,
    main: [f64; 4],
    page: &PageGeometry,
) -> Result<[f64; 4], Error> {
    let mut u = main;
    for mark in &app.marks {
        if mark.page != app.page {
            return Err(Error::Appearance(format!(
                "'{}' is placed on page {} and the signature on page {}: the signature draws it \
                 on its own page only; for another page, fill a form field instead",
                mark.text, mark.page, app.page
            )));
        }
        let (_, b) = mark_box(mark, page)?;
        u = [
            u[0].min(b[0]),
            u[1].min(b[1]),
            u[2].max(b[2]),
            u[3].max(b[3]),
        ];
    }
    Ok(u)
}

/// A terminal form field: its full name, reference, dictionary, inherited /FT and /Ff.
type Terminal = (String, crate::ObjRef, Dict, Option<Vec<u8>>, i64);

/// The terminal fields under `fields` (an AcroForm's /Fields), depth-first in form order.
fn terminal_fields(doc: &crate::Document<'_>, fields: &[Object]) -> Result<Vec<Terminal>, Error> {
    // Terminal fields by full name, with their inherited /FT and /Ff.
    let mut found: Vec<Terminal> = Vec::new();
    // (field, parent's full name, inherited /FT and /Ff, depth)
    type Pending = (crate::ObjRef, String, Option<Vec<u8>>, i64, usize);
    let mut stack: Vec<Pending> = fields
        .iter()
        .rev()
        .filter_map(|f| f.as_ref())
        .map(|r| (r, String::new(), None, 0, 0))
        .collect();
    let mut budget = 10_000usize;
    while let Some((r, prefix, ft, ff, depth)) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 || depth > 32 {
            break;
        }
        let obj = doc.get(r)?;
        let Some(d) = obj.as_dict() else { continue };
        let ft = d.name(b"FT").map(|n| n.to_vec()).or(ft);
        let ff = d.int(b"Ff").unwrap_or(ff);
        let name = match d.string(b"T").map(decode_text) {
            Some(t) if prefix.is_empty() => t,
            Some(t) => format!("{prefix}.{t}"),
            None => prefix.clone(),
        };
        let kids: Vec<crate::ObjRef> = match d.get(b"Kids") {
            Some(k) => doc
                .resolve(k)?
                .as_array()
                .map(|a| a.iter().filter_map(|o| o.as_ref()).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        // Kids that have a /T are fields; otherwise they are this field's widgets.
        let field_kids = kids.iter().any(|k| {
            doc.get(*k)
                .ok()
                .and_then(|o| o.as_dict().map(|d| d.get(b"T").is_some()))
                .unwrap_or(false)
        });
        if field_kids {
            for k in kids.into_iter().rev() {
                stack.push((k, name.clone(), ft.clone(), ff, depth + 1));
            }
        } else {
            found.push((name, r, d.clone(), ft, ff));
        }
    }
    Ok(found)
}

/// The full names of the document's text fields.
pub fn text_field_names(doc: &crate::Document<'_>) -> Result<Vec<String>, Error> {
    let (_, catalog) = doc.catalog()?;
    let Some(acro) = catalog.get(b"AcroForm") else {
        return Ok(Vec::new());
    };
    let acro = doc.resolve(acro)?;
    let fields = match acro.as_dict().and_then(|d| d.get(b"Fields")) {
        Some(f) => doc
            .resolve(f)?
            .as_array()
            .map(|a| a.to_vec())
            .unwrap_or_default(),
        None => return Ok(Vec::new()),
    };
    Ok(terminal_fields(doc, &fields)?
        .into_iter()
        .filter(|(.., ft, _)| ft.as_deref() == Some(&b"Tx"[..]))
        .map(|(name, ..)| name)
        .collect())
}

/// A text form field filled when signing: its value and the appearance drawn for it.
#[derive(Debug, Clone)]
pub struct FieldFill {
    /// The field's name: its full name (`parent.child`) or its own /T.
    pub name: String,
    pub value: String,
    pub font: Font,
    /// The largest font size; smaller when the field is not tall enough.
    pub size: f64,
}

/// Fills `fills` into the document's text fields (found under the AcroForm's `fields`):
/// each field's /V and a new normal appearance for each of its widgets.
pub(crate) fn fill_fields(
    doc: &crate::Document<'_>,
    up: &mut IncrementalUpdate<'_, '_>,
    drawing: &mut Drawing,
    fields: &[Object],
    fills: &[FieldFill],
) -> Result<(), Error> {
    if fills.is_empty() {
        return Ok(());
    }
    let found = terminal_fields(doc, fields)?;
    for fill in fills {
        let hits: Vec<_> = found
            .iter()
            .filter(|(n, ..)| n == &fill.name || n.rsplit('.').next() == Some(fill.name.as_str()))
            .collect();
        let (name, r, d, ft, ff) = match hits.as_slice() {
            [one] => *one,
            [] => {
                return Err(Error::Appearance(format!(
                    "the document has no form field named '{}'",
                    fill.name
                )));
            }
            _ => {
                return Err(Error::Appearance(format!(
                    "several form fields are named '{}': give the full name",
                    fill.name
                )));
            }
        };
        if ft.as_deref() != Some(&b"Tx"[..]) {
            return Err(Error::Appearance(format!(
                "form field '{name}' is not a text field"
            )));
        }
        if ff & 1 != 0 {
            return Err(Error::Appearance(format!(
                "form field '{name}' is read-only"
            )));
        }
        if let Some(c) = fill.font.missing_char(&fill.value) {
            return Err(Error::Font(format!(
                "the font has no glyph for '{c}' (U+{:04X}) in '{}'",
                u32::from(c),
                fill.value
            )));
        }
        let align = match d.int(b"Q") {
            Some(1) => Align::Center,
            Some(2) => Align::Right,
            _ => Align::Left,
        };
        let mut field = d.clone();
        field.set(b"V", Object::text(&fill.value));
        // The widgets: the field itself, or its kids.
        let widgets: Vec<(Option<crate::ObjRef>, Dict)> = match d.get(b"Kids") {
            Some(k) => {
                let mut v = Vec::new();
                for kr in doc
                    .resolve(k)?
                    .as_array()
                    .map(|a| a.iter().filter_map(|o| o.as_ref()).collect::<Vec<_>>())
                    .unwrap_or_default()
                {
                    if let Some(kd) = doc.get(kr)?.as_dict() {
                        v.push((Some(kr), kd.clone()));
                    }
                }
                v
            }
            None => vec![(None, d.clone())],
        };
        for (wr, mut wd) in widgets {
            let Some(rect) = rect_of(doc, &wd) else {
                continue;
            };
            let page = match wd.reference(b"P") {
                Some(p) => PageGeometry::of(doc, p).unwrap_or(PageGeometry {
                    crop: rect,
                    rotate: 0,
                }),
                None => PageGeometry {
                    crop: rect,
                    rotate: 0,
                },
            };
            let (mut w, mut h) = (rect[2] - rect[0], rect[3] - rect[1]);
            if page.rotate % 180 == 90 {
                std::mem::swap(&mut w, &mut h);
            }
            // As large as asked, if the field is tall enough (text fills ~80% of a line).
            let size = fill.size.min(h * 0.78).max(1.0);
            let block = TextBlock {
                lines: vec![fill.value.clone()],
                font: fill.font.clone(),
                size,
                align,
            };
            let mut content = b"/Tx BMC\n".to_vec();
            content.extend_from_slice(&text_content(drawing, &block, [0.0, 0.0, w, h])?);
            content.extend_from_slice(b"EMC\n");
            let n = form(up, drawing, Dict::new(), content, true, w, h, &page);
            let mut ap = Dict::new();
            ap.set(b"N", Object::Ref(n));
            match wr {
                Some(kr) => {
                    wd.set(b"AP", Object::Dict(ap));
                    up.set(kr, Object::Dict(wd));
                }
                None => field.set(b"AP", Object::Dict(ap)),
            }
        }
        up.set(*r, Object::Dict(field));
    }
    Ok(())
}

/// Reserves a form XObject `w` × `h` (as shown on the page) drawing `content`; it is
/// written by [`Drawing::finish`] (with the fonts when `text`).
#[allow(clippy::too_many_arguments)]
fn form(
    up: &mut IncrementalUpdate<'_, '_>,
    drawing: &mut Drawing,
    resources: Dict,
    content: Vec<u8>,
    text: bool,
    w: f64,
    h: f64,
    page: &PageGeometry,
) -> crate::ObjRef {
    let mut form = Dict::new();
    form.set(b"Type", Object::name("XObject"));
    form.set(b"Subtype", Object::name("Form"));
    form.set(
        b"BBox",
        Object::Array(vec![
            Object::Int(0),
            Object::Int(0),
            Object::Real(w),
            Object::Real(h),
        ]),
    );
    if let Some(m) = page.matrix() {
        form.set(
            b"Matrix",
            Object::Array(m.iter().map(|v| Object::Int(*v)).collect()),
        );
    }
    form.set(b"Resources", Object::Dict(resources));
    form.set(b"Filter", Object::name("FlateDecode"));
    let r = up.reserve();
    drawing.forms.push((r, form, deflate(&content), text));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, color: png::ColorType, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, width, height);
            e.set_color(color);
            e.set_depth(png::BitDepth::Eight);
            let mut w = e.write_header().unwrap();
            w.write_image_data(data).unwrap();
        }
        out
    }

    #[test]
    fn png_decoding() {
        let rgba = png(2, 1, png::ColorType::Rgba, &[255, 0, 0, 0, 0, 0, 255, 128]);
        let img = Image::from_png(&rgba).unwrap();
        assert_eq!((img.width, img.height, img.gray), (2, 1, false));
        assert_eq!(img.samples, [255, 0, 0, 0, 0, 255]);
        assert_eq!(img.alpha.as_deref(), Some(&[0u8, 128][..]));
        let opaque = png(1, 1, png::ColorType::Rgba, &[1, 2, 3, 255]);
        assert_eq!(Image::from_png(&opaque).unwrap().alpha, None);
        let gray = png(3, 1, png::ColorType::Grayscale, &[0, 128, 255]);
        let img = Image::from_png(&gray).unwrap();
        assert!(img.gray);
        assert_eq!(img.samples, [0, 128, 255]);
        for bad in [&b""[..], b"\x89PNG\r\n\x1a\n", &rgba[..rgba.len() / 2]] {
            assert!(matches!(Image::from_png(bad), Err(Error::Appearance(_))));
        }
    }

    #[test]
    fn rectangles() {
        let app = Appearance {
            page: 1,
            ..Appearance::default()
        };
        let page = PageGeometry {
            crop: [10.0, 20.0, 605.0, 862.0],
            rotate: 0,
        };
        assert_eq!(
            widget_rect(&app, [350.0, 180.0, 500.0, 120.0], &page).unwrap(),
            [360.0, 140.0, 510.0, 200.0]
        );
        for bad in [
            [0.0, 0.0, 0.5, 10.0],
            [-1.0, 0.0, 50.0, 50.0],
            [500.0, 800.0, 600.0, 850.0],
            [f64::NAN, 0.0, 10.0, 10.0],
        ] {
            assert!(widget_rect(&app, bad, &page).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn turned_pages() {
        // A4 turned a quarter clockwise: shown 842 wide and 595 high.
        let crop = [0.0, 0.0, 595.0, 842.0];
        for rotate in [0u16, 90, 180, 270] {
            let g = PageGeometry { crop, rotate };
            for p in [[0.0, 0.0], [100.0, 50.0], [595.0, 842.0], [12.5, 700.0]] {
                let back = g.to_user(g.to_display(p));
                assert!((back[0] - p[0]).abs() < 1e-9 && (back[1] - p[1]).abs() < 1e-9);
            }
        }
        let g = PageGeometry { crop, rotate: 90 };
        assert_eq!(g.size(), (842.0, 595.0));
        // The user-space origin shows at the top left.
        assert_eq!(g.to_display([0.0, 0.0]), [0.0, 595.0]);
        assert_eq!(g.to_display([595.0, 0.0]), [0.0, 0.0]);
        let app = Appearance::default();
        // Shown near the lower left → near the user space's lower right.
        assert_eq!(
            widget_rect(&app, [10.0, 20.0, 110.0, 70.0], &g).unwrap(),
            [525.0, 10.0, 575.0, 110.0]
        );
        assert!(widget_rect(&app, [700.0, 10.0, 800.0, 60.0], &g).is_ok());
        assert!(widget_rect(&app, [10.0, 560.0, 100.0, 600.0], &g).is_err());
        let offset = PageGeometry {
            crop: [50.0, 60.0, 550.0, 760.0],
            rotate: 270,
        };
        let r = [20.0, 30.0, 120.0, 80.0];
        let user = offset.rect_to_user(r);
        let again = offset.rect_to_display(user);
        for (a, b) in r.iter().zip(again) {
            assert!((a - b).abs() < 1e-9);
        }
    }
}
