//! A large one-page PDF for benchmarks and tests: an uncompressed image of incompressible
//! pseudo-random grey samples (fixed seed), classic xref. Shared by `benches/throughput.rs`,
//! `examples/big_pdf.rs` and the end-to-end tests through `#[path]`.

/// A one-page PDF whose page draws a `width` × `height` 8-bit /DeviceGray image stored raw
/// (no filter) and filled with deterministic pseudo-random, incompressible bytes.
pub fn big_pdf(width: usize, height: usize) -> Vec<u8> {
    let mut samples = vec![0u8; width * height];
    let mut state: u64 = 0x6b79_736f_2025_0001; // xorshift64*, fixed seed
    for chunk in samples.chunks_mut(8) {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let v = state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
    // The image fills the width of an A4 page with a 36 pt margin, keeping its aspect ratio.
    let (page_w, page_h) = (595.0_f64, 842.0_f64);
    let draw_w = page_w - 72.0;
    let draw_h = draw_w * height as f64 / width as f64;
    let content = format!(
        "q {draw_w:.2} 0 0 {draw_h:.2} 36 {:.2} cm /Im0 Do Q\n",
        page_h - 36.0 - draw_h
    );

    let mut pdf: Vec<u8> = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let mut object = |pdf: &mut Vec<u8>, body: &[u8]| {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    };
    object(&mut pdf, b"<< /Type /Catalog /Pages 2 0 R >>");
    object(&mut pdf, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    object(
        &mut pdf,
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_w} {page_h}] \
             /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>"
        )
        .as_bytes(),
    );
    object(&mut pdf, &stream(b"", content.as_bytes()));
    object(
        &mut pdf,
        &stream(
            format!(
                "/Type /XObject /Subtype /Image /Width {width} /Height {height} \
                 /ColorSpace /DeviceGray /BitsPerComponent 8 "
            )
            .as_bytes(),
            &samples,
        ),
    );
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
    );
    for off in &offsets {
        pdf.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// A stream object body: `<< dict-entries /Length n >> stream ... endstream`.
pub fn stream(dict_entries: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s = b"<< ".to_vec();
    s.extend_from_slice(dict_entries);
    s.extend_from_slice(format!("/Length {} >>\nstream\n", data.len()).as_bytes());
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}
