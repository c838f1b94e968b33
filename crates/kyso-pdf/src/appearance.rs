//! Visible signatures: where the widget goes (a page and a rectangle) and what it shows (an
//! image, such as the signer's handwritten signature or the agency's seal, scaled to fit the
//! rectangle with its aspect kept, its transparency kept as a soft mask).

use std::io::Write as _;

use crate::Error;
use crate::object::{Dict, Object, Stream};
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
        })
    }
}

/// Where a visible signature goes and what it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Appearance {
    /// The page, counted from 1.
    pub page: usize,
    /// `[x1, y1, x2, y2]` in PDF points, from the lower-left corner of the page's CropBox (as
    /// PDF readers show coordinates); any two opposite corners. `None`: the rectangle of the
    /// existing empty signature field being signed (`page` is then that field's).
    pub rect: Option<[f64; 4]>,
    /// The picture drawn in the rectangle, if any.
    pub image: Option<Image>,
}

/// A page's visible box (CropBox, else MediaBox; inherited through the page tree), as
/// `[llx, lly, urx, ury]`.
pub(crate) fn page_box(doc: &crate::Document<'_>, page: crate::ObjRef) -> Result<[f64; 4], Error> {
    let mut node = Some(page);
    let mut media = None;
    let mut crop = None;
    for _ in 0..64 {
        let Some(r) = node else { break };
        let obj = doc.get(r)?;
        let Some(d) = obj.as_dict() else { break };
        if crop.is_none() {
            crop = d.get(b"CropBox").map(|b| doc.resolve(b)).transpose()?;
        }
        if media.is_none() {
            media = d.get(b"MediaBox").map(|b| doc.resolve(b)).transpose()?;
        }
        node = d.reference(b"Parent");
    }
    let rect = |o: &Object| -> Option<[f64; 4]> {
        let v: Vec<f64> = o.as_array()?.iter().filter_map(number).collect();
        let [a, b, c, d] = v[..] else { return None };
        Some([a.min(c), b.min(d), a.max(c), b.max(d)])
    };
    crop.as_ref()
        .and_then(rect)
        .or_else(|| media.as_ref().and_then(rect))
        .ok_or_else(|| Error::Appearance("the page has no readable MediaBox".into()))
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

/// Checks the rectangle against the page box and returns the widget's `/Rect` in default
/// user space (the box's origin added).
pub(crate) fn widget_rect(
    app: &Appearance,
    rect: [f64; 4],
    page_box: [f64; 4],
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
    let [llx, lly, urx, ury] = page_box;
    let (w, h) = (urx - llx, ury - lly);
    if x1 < 0.0 || y1 < 0.0 || x2 > w + 0.01 || y2 > h + 0.01 {
        return Err(Error::Appearance(format!(
            "the rectangle {},{},{},{} is not inside page {} ({} × {} points, origin at its \
             lower-left corner)",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            app.page,
            num(w),
            num(h)
        )));
    }
    Ok([llx + x1, lly + y1, llx + x2, lly + y2])
}

/// The `/Rect` of an existing widget, normalized, if it has an area.
pub(crate) fn existing_rect(doc: &crate::Document<'_>, widget: &Dict) -> Option<[f64; 4]> {
    let r = doc.resolve(widget.get(b"Rect")?).ok()?;
    let v: Vec<f64> = r.as_array()?.iter().filter_map(number).collect();
    let [a, b, c, d] = v[..] else { return None };
    let r = [a.min(c), b.min(d), a.max(c), b.max(d)];
    (r[2] - r[0] >= 1.0 && r[3] - r[1] >= 1.0 && r.iter().all(|x| x.is_finite())).then_some(r)
}

/// Adds the appearance stream (a form XObject of the rectangle's size drawing the image,
/// scaled to fit and centred, aspect kept) and returns its dictionary for the widget's `/AP`.
pub(crate) fn appearance_dict(
    up: &mut IncrementalUpdate<'_, '_>,
    app: &Appearance,
    rect: [f64; 4],
) -> Dict {
    let (w, h) = (rect[2] - rect[0], rect[3] - rect[1]);
    let mut resources = Dict::new();
    let mut content = Vec::new();
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
        let scale = (w / iw).min(h / ih);
        let (dw, dh) = (iw * scale, ih * scale);
        let (dx, dy) = ((w - dw) / 2.0, (h - dh) / 2.0);
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
    form.set(b"Resources", Object::Dict(resources));
    let n = up.add(Object::Stream(Stream {
        dict: form,
        data: content,
    }));
    let mut ap = Dict::new();
    ap.set(b"N", Object::Ref(n));
    ap
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
            rect: None,
            image: None,
        };
        let page = [10.0, 20.0, 605.0, 862.0];
        assert_eq!(
            widget_rect(&app, [350.0, 180.0, 500.0, 120.0], page).unwrap(),
            [360.0, 140.0, 510.0, 200.0]
        );
        for bad in [
            [0.0, 0.0, 0.5, 10.0],
            [-1.0, 0.0, 50.0, 50.0],
            [500.0, 800.0, 600.0, 850.0],
            [f64::NAN, 0.0, 10.0, 10.0],
        ] {
            assert!(widget_rect(&app, bad, page).is_err(), "{bad:?}");
        }
    }
}
