//! Visible signatures as Decree 30/2020 lays them out (Appendix I; ../shared/docs/domain.md):
//! the operations agencies' systems use — *approve* (the official's handwritten signature),
//! *issue* (the registry's seal over the left third of it, with the number and date filled in),
//! *copy* and *appendix* (a text block at the top right of page 1) and *incoming* (the
//! receiving registry's stamp) — turned into what kyso-pdf draws: a rectangle on a page, a
//! picture, text lines, and marks (the number and date) drawn by the same signature.

use std::path::Path;

use kyso_cms::SignedData;
use kyso_pdf::{Align, Appearance, Document, FieldFill, Image, Mark, PageGeometry, TextBlock};
use kyso_pki::SignerKind;
use kyso_pki::time::{Civil, UnixTime};

use crate::{Credential, Error};

pub use kyso_pdf::font::Font;

/// What a visible signature is for; it decides what is drawn and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// The official's personal signature: the signature picture (scaled to fit its box,
    /// aspect kept), no text unless asked.
    Approve,
    /// The agency's seal: the seal picture at its real size, over the left third of the
    /// personal signature's picture; the number and date filled in the same update.
    Issue,
    /// A copy (SAO Y, SAO LỤC, TRÍCH SAO): a text block at the top right of page 1.
    Copy,
    /// An appendix: the number and the signing time at the top right of page 1.
    Appendix,
    /// The receiving registry's stamp: a framed text box (ĐẾN, number, date).
    Incoming,
}

impl Preset {
    /// `approve`, `issue`, `copy`, `appendix` or `incoming`.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Approve => "approve",
            Preset::Issue => "issue",
            Preset::Copy => "copy",
            Preset::Appendix => "appendix",
            Preset::Incoming => "incoming",
        }
    }
}

impl std::str::FromStr for Preset {
    type Err = Error;
    fn from_str(s: &str) -> Result<Preset, Error> {
        match s {
            "approve" => Ok(Preset::Approve),
            "issue" => Ok(Preset::Issue),
            "copy" => Ok(Preset::Copy),
            "appendix" => Ok(Preset::Appendix),
            "incoming" => Ok(Preset::Incoming),
            _ => Err(Error::Invalid(format!(
                "unknown preset '{s}': approve, issue, copy, appendix or incoming"
            ))),
        }
    }
}

/// The form of a copy (Decree 30/2020, Article 25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CopyKind {
    /// SAO Y: a full copy, in the same form as the original.
    #[default]
    SaoY,
    /// SAO LỤC: a full copy made from a copy.
    SaoLuc,
    /// TRÍCH SAO: a partial copy.
    TrichSao,
}

impl CopyKind {
    /// The words printed: `SAO Y`, `SAO LỤC` or `TRÍCH SAO`.
    pub fn label(self) -> &'static str {
        match self {
            CopyKind::SaoY => "SAO Y",
            CopyKind::SaoLuc => "SAO LỤC",
            CopyKind::TrichSao => "TRÍCH SAO",
        }
    }
}

impl std::str::FromStr for CopyKind {
    type Err = Error;
    /// `SAO Y`, `SAO LỤC`, `TRÍCH SAO` (any case, with or without diacritics), or
    /// `sao-y`, `sao-luc`, `trich-sao`.
    fn from_str(s: &str) -> Result<CopyKind, Error> {
        let folded: String = s
            .to_lowercase()
            .chars()
            .map(|c| match c {
                'ụ' => 'u',
                'í' => 'i',
                '-' | '_' => ' ',
                c => c,
            })
            .collect();
        match folded
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str()
        {
            "sao y" => Ok(CopyKind::SaoY),
            "sao luc" => Ok(CopyKind::SaoLuc),
            "trich sao" => Ok(CopyKind::TrichSao),
            _ => Err(Error::Invalid(format!(
                "unknown copy kind '{s}': SAO Y, SAO LỤC or TRÍCH SAO"
            ))),
        }
    }
}

/// Where a visible signature goes.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Position {
    /// The preset's own place: issue over the left third of the personal signature, copy and
    /// appendix at the top right of page 1, incoming at the top left of page 1. Approve and a
    /// signature without a preset have none.
    #[default]
    Auto,
    /// A rectangle `[x1, y1, x2, y2]` in PDF points from the lower-left corner of the page as
    /// shown (page counted from 1).
    Rect { page: usize, rect: [f64; 4] },
    /// Above the last occurrence of `text` (on `page` only, when given): centred on it, between
    /// it and the line before.
    Anchor { text: String, page: Option<usize> },
    /// The existing empty signature field being signed (`PdfSignOptions::field`).
    Field,
}

/// The start of a line of text on a page: page counted from 1, `x`, `y` in PDF points from the
/// lower-left corner of the page as shown.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Spot {
    pub page: usize,
    pub x: f64,
    pub y: f64,
}

/// `[appearance]`: how visible signatures look, for every document.
#[derive(Debug, Clone)]
pub struct AppearanceSettings {
    /// The font of all text (a TrueType .ttf); default the built-in Liberation Serif
    /// (Times New Roman's metrics, Vietnamese coverage).
    pub font: Font,
    /// Text size in points (default 10).
    pub text_size: f64,
    /// The seal's width in millimetres; default: the seal picture's own resolution (its PNG
    /// pHYs), else 36 mm.
    pub seal_mm: Option<f64>,
    /// How the signing time is written: `%Y %m %d %H %M %S` and `%:z` (`+07:00`), `%z`
    /// (`+0700`), `%%`. Default ISO 8601: `%Y-%m-%dT%H:%M:%S%:z`.
    pub time_format: String,
    /// How `--date` is written into the document: same codes. Default `ngày %d tháng %m năm
    /// %Y` (Decree 30's date line: "Hà Nội, ngày 03 tháng 12 năm 2026").
    pub date_format: String,
    /// The copy block's lines; `{kind}`, `{agency}`, `{signer}`, `{time}`, `{number}`, `{date}`
    /// are replaced, and `{time:FORMAT}`, `{date:FORMAT}` write the time or date with their
    /// own format (the codes of `time_format`).
    pub copy_template: Vec<String>,
    /// The appendix block's lines.
    pub appendix_template: Vec<String>,
    /// The incoming stamp's lines.
    pub incoming_template: Vec<String>,
    /// The text form fields the number and date go into when the document has them.
    pub number_field: String,
    pub date_field: String,
    /// Otherwise, where they are drawn (as part of the seal signature).
    pub number_at: Option<Spot>,
    pub date_at: Option<Spot>,
}

impl Default for AppearanceSettings {
    fn default() -> Self {
        AppearanceSettings {
            font: Font::default_serif(),
            text_size: 10.0,
            seal_mm: None,
            time_format: "%Y-%m-%dT%H:%M:%S%:z".into(),
            date_format: "ngày %d tháng %m năm %Y".into(),
            copy_template: vec![
                "{kind}".into(),
                "{agency}".into(),
                "Thời gian ký: {time}".into(),
            ],
            appendix_template: vec![
                "Phụ lục kèm theo văn bản số {number}".into(),
                "Thời gian ký: {time}".into(),
            ],
            incoming_template: vec![
                "ĐẾN".into(),
                "Số: {number}".into(),
                "Ngày: {date:%d/%m/%Y}".into(),
            ],
            number_field: "so".into(),
            date_field: "ngay".into(),
            number_at: None,
            date_at: None,
        }
    }
}

impl AppearanceSettings {
    /// Reads a TrueType font file for [`AppearanceSettings::font`].
    pub fn load_font(path: &Path) -> Result<Font, Error> {
        let data = std::fs::read(path).map_err(|error| Error::Io {
            path: path.display().to_string(),
            error,
        })?;
        Font::from_ttf(data).map_err(|e| Error::Invalid(format!("font {}: {e}", path.display())))
    }
}

/// A calendar date (`--date 2026-12-03`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl std::str::FromStr for Date {
    type Err = Error;
    fn from_str(s: &str) -> Result<Date, Error> {
        let bad = || Error::Invalid(format!("'{s}' is not a date like 2026-12-03"));
        let mut it = s.trim().split('-');
        let (Some(y), Some(m), Some(d), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return Err(bad());
        };
        let (year, month, day) = (
            y.parse::<i64>().map_err(|_| bad())?,
            m.parse::<u32>().map_err(|_| bad())?,
            d.parse::<u32>().map_err(|_| bad())?,
        );
        let days = kyso_pki::time::days_from_civil(year, month, day);
        if !(1..=9999).contains(&year)
            || kyso_pki::time::civil_from_days(days) != (year, month, day)
        {
            return Err(bad());
        }
        Ok(Date { year, month, day })
    }
}

/// A visible signature as the user asks for it; signing turns it into what kyso-pdf draws
/// for one document.
#[derive(Debug, Clone, Default)]
pub struct Visible {
    pub preset: Option<Preset>,
    pub position: Position,
    /// The signature picture (approve) or the seal (issue).
    pub image: Option<Image>,
    /// Text lines drawn under the picture (approve) or alone.
    pub text: Vec<String>,
    /// The seal's width in millimetres (overrides the settings and the picture's resolution).
    pub seal_mm: Option<f64>,
    /// The document's number (issue, appendix, incoming).
    pub number: Option<String>,
    /// The document's date (issue, incoming).
    pub date: Option<Date>,
    pub copy_kind: CopyKind,
    /// The copying agency's name (copy); default the certificate's organization, else its
    /// common name.
    pub agency: Option<String>,
    pub settings: AppearanceSettings,
}

/// The visible-signature options as `kyso sign`'s flags and the service's query give them;
/// [`VisibleOptions::into_visible`] checks they go together.
#[derive(Debug, Clone, Default)]
pub struct VisibleOptions {
    pub preset: Option<Preset>,
    /// Above this text (`anchor`), on this page only (`anchor_page`).
    pub anchor: Option<String>,
    pub anchor_page: Option<usize>,
    /// In this rectangle on this page (default 1).
    pub rect: Option<[f64; 4]>,
    pub page: Option<usize>,
    pub image: Option<Image>,
    pub text: Vec<String>,
    pub seal_mm: Option<f64>,
    pub number: Option<String>,
    pub date: Option<Date>,
    pub copy_kind: Option<CopyKind>,
    pub agency: Option<String>,
}

impl VisibleOptions {
    /// The visible signature asked for (`None`: invisible), or why the options do not go
    /// together. `field`: an existing signature field is named (the picture goes in its
    /// rectangle when nothing else places it).
    pub fn into_visible(
        self,
        field: bool,
        settings: &AppearanceSettings,
    ) -> Result<Option<Visible>, Error> {
        let preset = self.preset;
        let bad = |m: String| Err(Error::Invalid(m));
        let only = |on: bool, name: &str, p: Preset| -> Result<(), Error> {
            if on && preset != Some(p) {
                return Err(Error::Invalid(format!(
                    "{name} goes with the {} preset",
                    p.as_str()
                )));
            }
            Ok(())
        };
        only(self.seal_mm.is_some(), "seal-mm", Preset::Issue)?;
        only(self.copy_kind.is_some(), "copy-kind", Preset::Copy)?;
        only(self.agency.is_some(), "agency", Preset::Copy)?;
        if self.number.is_some()
            && !matches!(
                preset,
                Some(Preset::Issue | Preset::Appendix | Preset::Incoming)
            )
        {
            return bad("number goes with the issue, appendix or incoming preset".into());
        }
        if self.date.is_some() && !matches!(preset, Some(Preset::Issue | Preset::Incoming)) {
            return bad("date goes with the issue or incoming preset".into());
        }
        if self.anchor_page.is_some() && self.anchor.is_none() {
            return bad("anchor-page goes with anchor".into());
        }
        if self.page.is_some() && self.rect.is_none() {
            return bad("page goes with rect".into());
        }
        if self.anchor.is_some() && self.rect.is_some() {
            return bad("give anchor or rect, not both".into());
        }
        if self.anchor.as_deref().is_some_and(|a| a.trim().is_empty()) {
            return bad("the anchor text is empty".into());
        }
        if self.text.len() > 8 || self.text.iter().any(|l| l.chars().count() > 200) {
            return bad("text: at most 8 lines of 200 characters".into());
        }
        if self.image.is_some()
            && matches!(
                preset,
                Some(Preset::Copy | Preset::Appendix | Preset::Incoming)
            )
        {
            return bad(format!(
                "image: the {} preset draws text, not a picture",
                preset.map_or("", |p| p.as_str())
            ));
        }
        let any = preset.is_some()
            || self.anchor.is_some()
            || self.rect.is_some()
            || self.image.is_some()
            || !self.text.is_empty();
        if !any {
            return Ok(None);
        }
        let position = match (self.anchor, self.rect) {
            (Some(text), _) => Position::Anchor {
                text,
                page: self.anchor_page,
            },
            (None, Some(rect)) => Position::Rect {
                page: self.page.unwrap_or(1),
                rect,
            },
            (None, None) if field && matches!(preset, None | Some(Preset::Approve)) => {
                Position::Field
            }
            _ => Position::Auto,
        };
        Ok(Some(Visible {
            preset,
            position,
            image: self.image,
            text: self.text,
            seal_mm: self.seal_mm,
            number: self.number,
            date: self.date,
            copy_kind: self.copy_kind.unwrap_or_default(),
            agency: self.agency,
            settings: settings.clone(),
        }))
    }
}

/// Margin from the page's edge for the presets' own places, in points (3.5 mm).
const EDGE: f64 = 10.0;
/// The seal's width when nothing says otherwise: 36 mm.
const DEFAULT_SEAL_MM: f64 = 36.0;
/// The widest a signature picture is made above an anchor, in points.
const ANCHOR_MAX_WIDTH: f64 = 180.0;

fn mm(x: f64) -> f64 {
    x / 25.4 * 72.0
}

/// What kyso-pdf draws for `v` on this document, and the form fields it fills.
pub(crate) fn resolve(
    doc: &Document<'_>,
    v: &Visible,
    cred: &Credential,
    field: Option<&str>,
    now: UnixTime,
    utc_offset_minutes: i32,
) -> Result<(Appearance, Vec<FieldFill>), Error> {
    let s = &v.settings;
    let time = format_time(&s.time_format, now, utc_offset_minutes);
    let today = Civil::from_unix(now + i64::from(utc_offset_minutes) * 60);
    let date = v.date.unwrap_or(Date {
        year: today.year,
        month: today.month,
        day: today.day,
    });
    let date_text = format_date(&s.date_format, date);
    let agency = v
        .agency
        .clone()
        .or_else(|| {
            cred.certificate
                .subject
                .first(kyso_pki::name::oids::O)
                .map(str::to_string)
        })
        .or_else(|| cred.certificate.subject.common_name().map(str::to_string))
        .unwrap_or_default();
    let signer = cred
        .certificate
        .subject
        .common_name()
        .unwrap_or_default()
        .to_string();
    let fill = |template: &[String]| -> Vec<String> {
        template
            .iter()
            .map(|l| {
                render_template(l, |name, format| match name {
                    "kind" => Some(v.copy_kind.label().to_string()),
                    "agency" => Some(agency.clone()),
                    "signer" => Some(signer.clone()),
                    "number" => Some(v.number.clone().unwrap_or_default()),
                    "time" => Some(match format {
                        Some(f) => format_time(f, now, utc_offset_minutes),
                        None => time.clone(),
                    }),
                    "date" => Some(match format {
                        Some(f) => format_date(f, date),
                        None => date_text.clone(),
                    }),
                    _ => None,
                })
            })
            .collect()
    };
    let needs_number = |what: &str| -> Result<(), Error> {
        if v.number.is_none() {
            return Err(Error::Invalid(format!(
                "the {what} preset writes the document's number: give it (--number)"
            )));
        }
        Ok(())
    };
    let block = |lines: Vec<String>, align: Align| TextBlock {
        lines,
        font: s.font.clone(),
        size: s.text_size,
        align,
    };
    let extra_text = (!v.text.is_empty()).then(|| block(v.text.clone(), Align::Center));
    let mut app = Appearance {
        page: 1,
        ..Appearance::default()
    };
    let mut fills = Vec::new();
    // The box's size when the preset decides it (width, height), else the place decides.
    let mut natural: Option<(f64, f64)> = None;
    match v.preset {
        None | Some(Preset::Approve) => {
            if v.preset.is_some() && v.image.is_none() {
                return Err(Error::Invalid(
                    "the approve preset draws the signature picture and none was given (kyso sign \
                     --image PNG; kyso serve: image in the key's [[keys]] entry)"
                        .into(),
                ));
            }
            app.image = v.image.clone();
            app.text = extra_text;
        }
        Some(Preset::Issue) => {
            let Some(image) = &v.image else {
                return Err(Error::Invalid(
                    "the issue preset draws the seal and no picture of it was given (kyso sign \
                     --image PNG; kyso serve: image in the key's [[keys]] entry)"
                        .into(),
                ));
            };
            let width = v.seal_mm.or(s.seal_mm).map(mm);
            let (w, h) = match (width, image.physical_size()) {
                (Some(w), _) => (w, w / image.aspect()),
                (None, Some((w, h))) => (w, h),
                (None, None) => {
                    let w = mm(DEFAULT_SEAL_MM);
                    (w, w / image.aspect())
                }
            };
            if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0 && w <= 1000.0) {
                return Err(Error::Invalid(format!(
                    "a seal {w:.0} × {h:.0} points wide cannot be drawn: check --seal-mm and \
                     the picture's resolution"
                )));
            }
            natural = Some((w, h));
            app.image = Some(image.clone());
            app.text = extra_text;
            let fields = text_fields(doc)?;
            for (value, field_name, at, what) in [
                (v.number.clone(), &s.number_field, s.number_at, "number"),
                (
                    v.date.map(|_| date_text.clone()),
                    &s.date_field,
                    s.date_at,
                    "date",
                ),
            ] {
                let Some(value) = value else { continue };
                if fields.iter().any(|f| f == field_name) {
                    fills.push(FieldFill {
                        name: field_name.clone(),
                        value,
                        font: s.font.clone(),
                        // The size of the document's own number and date lines.
                        size: 13.0,
                    });
                } else if let Some(at) = at {
                    app.marks.push(Mark {
                        page: at.page,
                        at: [at.x, at.y],
                        text: value,
                        font: s.font.clone(),
                        size: 13.0,
                    });
                } else {
                    return Err(Error::Invalid(format!(
                        "where does the {what} go? the document has no text field named \
                         '{field_name}', and [appearance] {what}_at is not set"
                    )));
                }
            }
        }
        Some(Preset::Copy) => {
            let b = block(fill(&s.copy_template), Align::Left);
            natural = Some(b.extent());
            app.text = Some(b);
        }
        Some(Preset::Appendix) => {
            needs_number("appendix")?;
            let b = block(fill(&s.appendix_template), Align::Left);
            natural = Some(b.extent());
            app.text = Some(b);
        }
        Some(Preset::Incoming) => {
            needs_number("incoming")?;
            let b = block(fill(&s.incoming_template), Align::Center);
            let (w, h) = b.extent();
            natural = Some((w.max(110.0) + 8.0, h + 6.0));
            app.text = Some(b);
            app.frame = true;
        }
    }
    match &v.position {
        Position::Field => {
            if field.is_none() {
                return Err(Error::Invalid(
                    "the signature is drawn in an existing field: give --field NAME".into(),
                ));
            }
            app.rect = None;
        }
        Position::Rect { page, rect } => {
            app.page = *page;
            app.rect = Some(*rect);
        }
        Position::Anchor { text, page } => {
            let (page_no, geometry, m) = anchor(doc, text, *page)?;
            let aspect = match (natural, &app.image) {
                (Some((w, h)), _) => w / h,
                (None, Some(img)) => img.aspect(),
                (None, None) => app.text.as_ref().map_or(3.0, |t| {
                    let (w, h) = t.extent();
                    w / h
                }),
            };
            let max_width = natural.map_or(ANCHOR_MAX_WIDTH, |(w, _)| w);
            let user = kyso_pdf::text::rect_above(&m, aspect, max_width);
            let mut r = geometry.rect_to_display(user);
            if let Some((w, h)) = natural {
                // At its own size, centred where the picture would go.
                let (cx, cy) = ((r[0] + r[2]) / 2.0, (r[1] + r[3]) / 2.0);
                r = [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0];
            }
            app.page = page_no;
            app.rect = Some(clamp(r, geometry.size()));
        }
        Position::Auto => {
            let pages = doc.pages()?;
            let first = *pages
                .first()
                .ok_or_else(|| Error::Invalid("the document has no pages".into()))?;
            let g = PageGeometry::of(doc, first)?;
            let (pw, ph) = g.size();
            match (v.preset, natural) {
                (Some(Preset::Issue), Some((w, h))) => {
                    let (page_no, sig) = personal_signature(doc)?.ok_or_else(|| {
                        Error::Invalid(
                            "the document has no visible personal signature to put the seal \
                             over: give --anchor or --rect"
                                .into(),
                        )
                    })?;
                    let page_ref = *pages.get(page_no - 1).ok_or_else(|| {
                        Error::Invalid("the personal signature's page is missing".into())
                    })?;
                    let g = PageGeometry::of(doc, page_ref)?;
                    // The seal's right edge at one third of the signature, centred on it
                    // vertically: it covers the signature's left third.
                    let right = sig[0] + (sig[2] - sig[0]) / 3.0;
                    let cy = (sig[1] + sig[3]) / 2.0;
                    app.page = page_no;
                    app.rect = Some(clamp(
                        [right - w, cy - h / 2.0, right, cy + h / 2.0],
                        g.size(),
                    ));
                }
                (Some(Preset::Copy | Preset::Appendix), Some((w, h))) => {
                    app.rect = Some([pw - EDGE - w, ph - EDGE - h, pw - EDGE, ph - EDGE]);
                }
                (Some(Preset::Incoming), Some((w, h))) => {
                    app.rect = Some([EDGE, ph - EDGE - h, EDGE + w, ph - EDGE]);
                }
                _ => {
                    return Err(Error::Invalid(
                        "where should the signature be drawn? give --anchor TEXT, --rect \
                         X1,Y1,X2,Y2 (and --page), or --field NAME"
                            .into(),
                    ));
                }
            }
        }
    }
    Ok((app, fills))
}

/// Keeps a box of the given size on the page (moved, not shrunk, when it fits).
fn clamp(r: [f64; 4], (pw, ph): (f64, f64)) -> [f64; 4] {
    let (w, h) = ((r[2] - r[0]).min(pw), (r[3] - r[1]).min(ph));
    let x = r[0].clamp(0.0, (pw - w).max(0.0));
    let y = r[1].clamp(0.0, (ph - h).max(0.0));
    [x, y, x + w, y + h]
}

/// The last occurrence of `text` (on `page` when given): its page, that page's geometry and
/// the match.
fn anchor(
    doc: &Document<'_>,
    text: &str,
    page: Option<usize>,
) -> Result<(usize, PageGeometry, kyso_pdf::text::TextMatch), Error> {
    let matches = kyso_pdf::text::find_text(doc, text, page)?;
    let Some(m) = matches.into_iter().next_back() else {
        return Err(Error::Invalid(match page {
            Some(p) => format!("the anchor text '{text}' is not on page {p}"),
            None => format!("the anchor text '{text}' is not in the document"),
        }));
    };
    let pages = doc.pages()?;
    let page_ref = *pages
        .get(m.page.wrapping_sub(1))
        .ok_or_else(|| Error::Invalid("the anchor's page is missing".into()))?;
    let g = PageGeometry::of(doc, page_ref)?;
    Ok((m.page, g, m))
}

/// The names of the document's text fields (full names and their last parts).
fn text_fields(doc: &Document<'_>) -> Result<Vec<String>, Error> {
    Ok(kyso_pdf::appearance::text_field_names(doc)?
        .into_iter()
        .flat_map(|n| {
            let last = n.rsplit('.').next().unwrap_or(&n).to_string();
            [n, last]
        })
        .collect())
}

/// The most recent visible personal signature (else the most recent visible signature that is
/// not an agency's): its page and its widget's rectangle as shown.
fn personal_signature(doc: &Document<'_>) -> Result<Option<(usize, [f64; 4])>, Error> {
    let sigs = kyso_pdf::find_signatures(doc)?;
    let pages = doc.pages()?;
    let mut fallback = None;
    for sig in sigs.iter().rev() {
        let (Some(page_no), true) = (sig.placement.page, sig.placement.visible) else {
            continue;
        };
        let Some(page_ref) = pages.get(page_no.wrapping_sub(1)) else {
            continue;
        };
        let g = PageGeometry::of(doc, *page_ref)?;
        // The first widget with a rectangle: the one the placement describes.
        let Some(rect) = sig
            .widgets
            .iter()
            .filter_map(|w| doc.get(*w).ok())
            .find_map(|o| {
                o.as_dict()
                    .and_then(|d| kyso_pdf::appearance::rect_of(doc, d))
            })
        else {
            continue;
        };
        let shown = g.rect_to_display(rect);
        let kind = SignedData::parse(&sig.contents).ok().and_then(|sd| {
            let si = sd.signer_infos.first()?;
            let cert = si.find_signer(&sd.certificates)?;
            Some(kyso_pki::kind::classify(cert).kind)
        });
        match kind {
            Some(SignerKind::Personal) => return Ok(Some((page_no, shown))),
            Some(SignerKind::Agency) => {}
            _ => {
                fallback.get_or_insert((page_no, shown));
            }
        }
    }
    Ok(fallback)
}

/// A template line with `{name}` and `{name:FORMAT}` replaced by `value(name, FORMAT)`; a
/// name it does not know (`None`) stays as written.
fn render_template(line: &str, value: impl Fn(&str, Option<&str>) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let (name, format) = match inner.split_once(':') {
            Some((n, f)) => (n, Some(f)),
            None => (inner, None),
        };
        match value(name, format) {
            Some(v) => out.push_str(&v),
            None => {
                out.push('{');
                out.push_str(inner);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// `time` at `offset` minutes east of UTC, written with `format` (see
/// [`AppearanceSettings::time_format`]).
pub fn format_time(format: &str, time: UnixTime, offset: i32) -> String {
    let c = Civil::from_unix(time + i64::from(offset) * 60);
    let sign = if offset < 0 { '-' } else { '+' };
    let (oh, om) = (offset.unsigned_abs() / 60, offset.unsigned_abs() % 60);
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", c.year)),
            Some('m') => out.push_str(&format!("{:02}", c.month)),
            Some('d') => out.push_str(&format!("{:02}", c.day)),
            Some('H') => out.push_str(&format!("{:02}", c.hour)),
            Some('M') => out.push_str(&format!("{:02}", c.minute)),
            Some('S') => out.push_str(&format!("{:02}", c.second)),
            Some('z') => out.push_str(&format!("{sign}{oh:02}{om:02}")),
            Some(':') if chars.peek() == Some(&'z') => {
                chars.next();
                out.push_str(&format!("{sign}{oh:02}:{om:02}"));
            }
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// A date written with `format` (`%Y`, `%m`, `%d`, `%%`; time codes give zeros).
pub fn format_date(format: &str, d: Date) -> String {
    let t = kyso_pki::time::days_from_civil(d.year, d.month, d.day) * 86400;
    format_time(format, t, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_dates() {
        // 2026-12-03T03:33:35Z
        let t = kyso_pki::time::days_from_civil(2026, 12, 3) * 86400 + 3 * 3600 + 33 * 60 + 35;
        assert_eq!(
            format_time("%Y-%m-%dT%H:%M:%S%:z", t, 420),
            "2026-12-03T10:33:35+07:00"
        );
        assert_eq!(
            format_time("%d.%m.%Y %H:%M:%S %:z", t, 420),
            "03.12.2026 10:33:35 +07:00"
        );
        assert_eq!(format_time("%z %% %q", t, -90), "-0130 % %q");
        let d: Date = "2026-12-03".parse().unwrap();
        assert_eq!(
            format_date("ngày %d tháng %m năm %Y", d),
            "ngày 03 tháng 12 năm 2026"
        );
        for bad in ["2026-02-30", "2026-13-01", "03/12/2026", "2026-12", ""] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
    }

    #[test]
    fn templates() {
        let v = |name: &str, f: Option<&str>| match (name, f) {
            ("number", None) => Some("12/UBND".to_string()),
            ("date", Some(f)) => Some(format!("<{f}>")),
            _ => None,
        };
        assert_eq!(render_template("Số: {number}", v), "Số: 12/UBND");
        assert_eq!(render_template("{date:%d/%m} {x} {", v), "<%d/%m> {x} {");
        assert_eq!(render_template("", v), "");
    }

    #[test]
    fn names() {
        for (s, k) in [
            ("SAO Y", CopyKind::SaoY),
            ("sao-luc", CopyKind::SaoLuc),
            ("SAO LỤC", CopyKind::SaoLuc),
            ("Trích sao", CopyKind::TrichSao),
        ] {
            assert_eq!(s.parse::<CopyKind>().unwrap(), k);
        }
        assert!("BAN SAO".parse::<CopyKind>().is_err());
        assert_eq!("issue".parse::<Preset>().unwrap(), Preset::Issue);
        assert!("seal".parse::<Preset>().is_err());
    }

    #[test]
    fn boxes_stay_on_the_page() {
        assert_eq!(
            clamp([-30.0, 10.0, 70.0, 110.0], (595.0, 842.0)),
            [0.0, 10.0, 100.0, 110.0]
        );
        assert_eq!(
            clamp([550.0, 800.0, 650.0, 900.0], (595.0, 842.0)),
            [495.0, 742.0, 595.0, 842.0]
        );
    }
}
