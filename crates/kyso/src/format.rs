//! Format detection by content.

/// A document format kyso knows; serialized in the report as `pdf`, `xml` or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A PDF document (`%PDF-` within the first KiB).
    Pdf,
    /// An XML document (`<` first, after an optional BOM and whitespace).
    Xml,
    /// Neither.
    Unknown,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Format {
    /// `pdf`, `xml` or `unknown`, as in the JSON report.
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
