//! Stream filters needed for document structure: FlateDecode with PNG/TIFF predictors.

use std::io::Read;

use crate::Error;
use crate::object::{Dict, Object, Stream};

/// Decoded streams larger than this are refused (a decompression bomb guard).
pub const MAX_DECODED: u64 = 256 * 1024 * 1024;

/// Decodes a stream's data according to its /Filter and /DecodeParms.
pub fn decode(stream: &Stream) -> Result<Vec<u8>, Error> {
    let filters: Vec<&[u8]> = match stream.dict.get(b"Filter") {
        None => Vec::new(),
        Some(Object::Name(n)) => vec![n.as_slice()],
        Some(Object::Array(a)) => a.iter().filter_map(Object::as_name).collect(),
        Some(_) => return Err(Error::Decode("malformed /Filter".into())),
    };
    let params: Vec<Option<&Dict>> = match stream.dict.get(b"DecodeParms") {
        Some(Object::Dict(d)) => vec![Some(d)],
        Some(Object::Array(a)) => a.iter().map(Object::as_dict).collect(),
        _ => Vec::new(),
    };
    let mut data = stream.data.clone();
    for (i, f) in filters.iter().enumerate() {
        data = match *f {
            b"FlateDecode" | b"Fl" => {
                let inflated = inflate(&data)?;
                match params.get(i).copied().flatten() {
                    Some(p) => unpredict(inflated, p)?,
                    None => inflated,
                }
            }
            // Decryption happened when the object was read (see `crypt`).
            b"Crypt" => data,
            other => {
                return Err(Error::Unsupported(format!(
                    "stream filter /{}",
                    String::from_utf8_lossy(other)
                )));
            }
        };
    }
    Ok(data)
}

fn inflate(data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut z = flate2::read::ZlibDecoder::new(data).take(MAX_DECODED + 1);
    if let Err(e) = z.read_to_end(&mut out) {
        // Accept what was decoded from a stream with a damaged end, as readers do.
        if out.is_empty() {
            return Err(Error::Decode(format!("FlateDecode: {e}")));
        }
    }
    if out.len() as u64 > MAX_DECODED {
        return Err(Error::Decode("decoded stream too large".into()));
    }
    Ok(out)
}

/// Compresses with zlib (deterministic).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = z.write_all(data);
    z.finish().unwrap_or_default()
}

fn unpredict(data: Vec<u8>, params: &Dict) -> Result<Vec<u8>, Error> {
    let predictor = params.int(b"Predictor").unwrap_or(1);
    if predictor < 10 {
        if predictor == 1 {
            return Ok(data);
        }
        return Err(Error::Unsupported(format!("predictor {predictor}")));
    }
    let colors = params.int(b"Colors").unwrap_or(1).clamp(1, 32) as usize;
    let bpc = params.int(b"BitsPerComponent").unwrap_or(8).clamp(1, 16) as usize;
    let columns = params.int(b"Columns").unwrap_or(1).clamp(1, 1 << 20) as usize;
    let bpp = (colors * bpc).div_ceil(8).max(1);
    let row_len = (colors * bpc * columns).div_ceil(8);
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row_len];
    for chunk in data.chunks(row_len + 1) {
        let Some((&kind, row)) = chunk.split_first() else {
            break;
        };
        let mut cur = row.to_vec();
        cur.resize(row_len, 0);
        for i in 0..row_len {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = cur[i].wrapping_add(match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((left as u16 + up as u16) / 2) as u8,
                4 => paeth(left, up, up_left),
                _ => return Err(Error::Decode(format!("PNG filter type {kind}"))),
            });
        }
        out.extend_from_slice(&cur[..row.len().min(row_len)]);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = a as i16 + b as i16 - c as i16;
    let (pa, pb, pc) = (
        (p - a as i16).abs(),
        (p - b as i16).abs(),
        (p - c as i16).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
