//! Pictures for visible signatures: a handwritten signature (blue ink on transparency) and an
//! agency seal (a red ring with a star and an inner ring, semi-opaque, 300 × 300 pixels at
//! 212 dpi, so 36 mm wide at its real size), drawn deterministically.

use std::f64::consts::PI;

use crate::{Error, OutFile, Result};

/// The ink of the signature: blue.
pub const SIGNATURE_INK: [u8; 3] = [20, 50, 190];
/// The seal's red.
pub const SEAL_RED: [u8; 3] = [215, 25, 30];

/// `fixtures/images/chu-ky.png` and `fixtures/images/con-dau.png`.
pub(crate) fn generate() -> Result<Vec<OutFile>> {
    Ok(vec![
        OutFile::new("images/chu-ky.png", signature_png()?),
        OutFile::new("images/con-dau.png", seal_png()?),
    ])
}

/// A 240 × 100 RGBA signature: two loops and an underline stroke in blue ink.
pub fn signature_png() -> Result<Vec<u8>> {
    let (w, h) = (240u32, 100u32);
    let mut px = vec![[255u8, 255, 255, 0]; (w * h) as usize];
    let mut dot = |x: f64, y: f64, r: f64| {
        let (x0, x1) = ((x - r).floor().max(0.0) as u32, (x + r).ceil() as u32);
        let (y0, y1) = ((y - r).floor().max(0.0) as u32, (y + r).ceil() as u32);
        for yy in y0..y1.min(h) {
            for xx in x0..x1.min(w) {
                if (f64::from(xx) - x).hypot(f64::from(yy) - y) <= r {
                    let [r_, g, b] = SIGNATURE_INK;
                    px[(yy * w + xx) as usize] = [r_, g, b, 255];
                }
            }
        }
    };
    // A flourish: a trochoid across the width, then an underline.
    for i in 0..2400 {
        let t = f64::from(i) / 2400.0;
        let a = t * 6.0 * PI;
        let x = 20.0 + 190.0 * t + 14.0 * a.cos();
        let y = 48.0 + 26.0 * a.sin() * (1.0 - 0.5 * t);
        dot(x, y, 2.2);
    }
    for i in 0..600 {
        let t = f64::from(i) / 600.0;
        dot(30.0 + 185.0 * t, 84.0 - 8.0 * t, 1.8);
    }
    encode(w, h, &px, None)
}

/// A 300 × 300 RGBA seal at 212 dpi: an outer ring, an inner ring and a five-pointed star.
pub fn seal_png() -> Result<Vec<u8>> {
    let n = 300u32;
    let c = f64::from(n) / 2.0;
    let mut px = Vec::with_capacity((n * n) as usize);
    // The star's ten vertices.
    let star: Vec<(f64, f64)> = (0..10)
        .map(|k| {
            let r = if k % 2 == 0 { 58.0 } else { 23.0 };
            let a = -PI / 2.0 + f64::from(k) * PI / 5.0;
            (c + r * a.cos(), c + r * a.sin())
        })
        .collect();
    for y in 0..n {
        for x in 0..n {
            let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
            let d = (fx - c).hypot(fy - c);
            let ring = (128.0..146.0).contains(&d) || (100.0..106.0).contains(&d);
            let inside_star = winding(&star, fx, fy);
            let [r, g, b] = SEAL_RED;
            px.push(if ring || inside_star {
                [r, g, b, 235]
            } else {
                [255, 255, 255, 0]
            });
        }
    }
    encode(n, n, &px, Some(212))
}

/// Whether (x, y) is inside the polygon (even-odd rule).
fn winding(poly: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let ((xi, yi), (xj, yj)) = (poly[i], poly[j]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

fn encode(w: u32, h: u32, px: &[[u8; 4]], dpi: Option<u32>) -> Result<Vec<u8>> {
    let err = |e: png::EncodingError| Error::Pdf(format!("PNG: {e}"));
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Rgba);
        e.set_depth(png::BitDepth::Eight);
        if let Some(dpi) = dpi {
            let ppm = (f64::from(dpi) / 0.0254).round() as u32;
            e.set_pixel_dims(Some(png::PixelDimensions {
                xppu: ppm,
                yppu: ppm,
                unit: png::Unit::Meter,
            }));
        }
        let mut writer = e.write_header().map_err(err)?;
        let data: Vec<u8> = px.iter().flatten().copied().collect();
        writer.write_image_data(&data).map_err(err)?;
    }
    Ok(out)
}
