//! Format detection by content.

/// A document format kyso knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Xml,
    Unknown,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Xml => "xml",
            Format::Unknown => "unknown",
        }
    }
}

/// Detects the format from the first bytes.
pub fn detect(data: &[u8]) -> Format {
    let head = &data[..data.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Format::Pdf;
    }
    let trimmed = head.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(head);
    let first = trimmed
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| trimmed[i]);
    if first == Some(b'<') {
        return Format::Xml;
    }
    Format::Unknown
}
