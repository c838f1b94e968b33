//! `POST /v1/sign?key=ID`, `GET /v1/keys` and the audit log of signing attempts.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kyso::{Credential, Format, PadesLevel};

use crate::auth::{Caller, authenticate, forbidden, unauthorized};
use crate::metrics::timed;
use crate::problem::Problem;
use crate::query::percent_decode;
use crate::server::AppState;
use crate::verify::{declared_length, read_body};

/// A signing key of the service, loaded at start.
pub(crate) struct ServedKey {
    pub(crate) id: String,
    pub(crate) cred: Arc<Credential>,
    /// The key's picture for visible signatures (`image` in `[[keys]]`).
    pub(crate) image: Option<kyso::AppearanceImage>,
    pub(crate) info: KeyInfo,
}

/// One entry of `GET /v1/keys`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct KeyInfo {
    pub(crate) id: String,
    pub(crate) subject: String,
    /// `personal`, `agency` or `unknown`, as kyso classifies the certificate.
    pub(crate) kind: String,
    pub(crate) not_before: String,
    pub(crate) not_after: String,
    /// Whether the key has a picture for visible signatures (`preset=approve` or `issue`).
    pub(crate) image: bool,
}

impl ServedKey {
    pub(crate) fn new(
        id: String,
        cred: Credential,
        image: Option<kyso::AppearanceImage>,
        rules: &[kyso::config::KindRule],
    ) -> Self {
        let r = kyso::signer_report(&cred.certificate, rules);
        ServedKey {
            info: KeyInfo {
                id: id.clone(),
                subject: r.subject,
                kind: r.kind.to_string(),
                not_before: r.not_before,
                not_after: r.not_after,
                image: image.is_some(),
            },
            id,
            cred: Arc::new(cred),
            image,
        }
    }
}

/// `GET /v1/keys`: the keys the token may sign with (scope `sign:<id>`).
#[utoipa::path(
    get,
    path = "/v1/keys",
    tag = "sign",
    operation_id = "keys",
    summary = "The keys the token may sign with",
    responses(
        (status = 200, description = "The keys whose scope `sign:<id>` the token has", body = Vec<KeyInfo>),
        (status = 401, description = "No token, or an unknown or invalid one", body = crate::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn keys(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let token = match authenticate(&state.auth, &headers) {
        Ok(Some(t)) => t,
        Ok(None) => {
            return unauthorized("this route needs a bearer token (Authorization: Bearer)")
                .into_response();
        }
        Err(p) => return p.into_response(),
    };
    let list: Vec<&KeyInfo> = state
        .keys
        .iter()
        .filter(|k| token.allows(&format!("sign:{}", k.id)))
        .map(|k| &k.info)
        .collect();
    let mut bytes = serde_json::to_vec(&list).unwrap_or_default();
    bytes.push(b'\n');
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The signing options of the query string.
#[derive(Debug, Default)]
pub(crate) struct SignQuery {
    pub(crate) key: Option<String>,
    pub(crate) level: Option<PadesLevel>,
    pub(crate) certify: bool,
    pub(crate) mdp: Option<u8>,
    pub(crate) field: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) einvoice_role: Option<kyso::EinvoiceRole>,
    /// The visible signature (`preset`, `anchor`, `rect`, ...; the picture is the key's).
    pub(crate) visible: kyso::VisibleOptions,
}

impl SignQuery {
    pub(crate) fn parse(query: Option<&str>) -> Result<SignQuery, Problem> {
        let mut q = SignQuery::default();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(key)?;
            let value = percent_decode(value)?;
            let bad = |what: &str| Problem::bad_query(format!("{key}={value}: {what}"));
            match key.as_str() {
                "key" => q.key = Some(value),
                "level" => {
                    q.level = Some(
                        value
                            .parse()
                            .map_err(|_| bad("expected b-b, b-t, b-lt or b-lta"))?,
                    );
                }
                "certify" => {
                    q.certify = match value.as_str() {
                        "" | "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(bad("expected true or false")),
                    };
                }
                "mdp" => {
                    q.mdp = Some(match value.as_str() {
                        "1" => 1,
                        "2" => 2,
                        "3" => 3,
                        _ => return Err(bad("expected 1, 2 or 3")),
                    });
                }
                "field" => q.field = Some(value),
                "reason" => q.reason = Some(value),
                "location" => q.location = Some(value),
                "preset" => {
                    q.visible.preset =
                        Some(value.parse().map_err(|_| {
                            bad("expected approve, issue, copy, appendix or incoming")
                        })?)
                }
                "anchor" => q.visible.anchor = Some(value),
                "anchor_page" => {
                    q.visible.anchor_page = Some(
                        page_number(&value).ok_or_else(|| bad("expected a page number from 1"))?,
                    )
                }
                "rect" => {
                    let v: Vec<f64> = value
                        .split(',')
                        .filter_map(|n| n.trim().parse::<f64>().ok())
                        .filter(|n| n.is_finite())
                        .collect();
                    let [a, b, c, d] = v[..] else {
                        return Err(bad("expected four numbers x1,y1,x2,y2"));
                    };
                    q.visible.rect = Some([a, b, c, d]);
                }
                "page" => {
                    q.visible.page = Some(
                        page_number(&value).ok_or_else(|| bad("expected a page number from 1"))?,
                    )
                }
                "text" => q.visible.text.push(value),
                "seal_mm" => {
                    q.visible.seal_mm = Some(
                        value
                            .parse::<f64>()
                            .ok()
                            .filter(|v| (5.0..=100.0).contains(v))
                            .ok_or_else(|| bad("expected 5 to 100 millimetres"))?,
                    );
                }
                "number" => q.visible.number = Some(value),
                "date" => {
                    q.visible.date = Some(
                        value
                            .parse()
                            .map_err(|_| bad("expected a date like 2026-12-03"))?,
                    )
                }
                "copy_kind" => {
                    q.visible.copy_kind = Some(
                        value
                            .parse()
                            .map_err(|_| bad("expected SAO Y, SAO LỤC or TRÍCH SAO"))?,
                    )
                }
                "agency" => q.visible.agency = Some(value),
                "einvoice_role" => {
                    q.einvoice_role = Some(match value.as_str() {
                        "seller" => kyso::EinvoiceRole::Seller,
                        "buyer" => kyso::EinvoiceRole::Buyer,
                        "tax" => kyso::EinvoiceRole::Tax,
                        _ => return Err(bad("expected seller, buyer or tax")),
                    });
                }
                other => {
                    return Err(Problem::bad_query(format!(
                        "unknown parameter '{other}' (key, level, certify, mdp, field, reason, \
                         location, preset, anchor, anchor_page, rect, page, text, seal_mm, \
                         number, date, copy_kind, agency, einvoice_role)"
                    )));
                }
            }
        }
        if q.mdp.is_some() && !q.certify {
            return Err(Problem::bad_query(
                "mdp applies only with certify=true".into(),
            ));
        }
        Ok(q)
    }

    /// Why these options cannot apply to `data` (`None` when they all do).
    fn inapplicable(&self, data: &[u8]) -> Option<String> {
        match kyso::detect(data) {
            Format::Pdf if self.einvoice_role.is_some() => {
                Some("einvoice_role applies only to XML e-invoices; this is a PDF".into())
            }
            Format::Xml => {
                let pdf_only = [
                    ("certify", self.certify),
                    ("mdp", self.mdp.is_some()),
                    ("field", self.field.is_some()),
                    ("reason", self.reason.is_some()),
                    ("location", self.location.is_some()),
                    ("preset", self.visible.preset.is_some()),
                    ("anchor", self.visible.anchor.is_some()),
                    ("rect", self.visible.rect.is_some()),
                    ("text", !self.visible.text.is_empty()),
                    ("number", self.visible.number.is_some()),
                ];
                let given: Vec<&str> = pdf_only
                    .iter()
                    .filter(|(_, on)| *on)
                    .map(|(n, _)| *n)
                    .collect();
                if !given.is_empty() {
                    Some(format!(
                        "{} apply only to PDFs; this is an XML document",
                        given.join(", ")
                    ))
                } else if self.einvoice_role.is_some() && !kyso::is_einvoice(data) {
                    Some(
                        "einvoice_role applies only to e-invoices; this XML document is not one"
                            .into(),
                    )
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    fn options(
        &self,
        level: PadesLevel,
        visible: Option<kyso::Visible>,
    ) -> kyso::DocumentSignOptions {
        kyso::DocumentSignOptions {
            pdf: kyso::PdfSignOptions {
                visible,
                certify: self.certify.then_some(self.mdp.unwrap_or(2)),
                field: self.field.clone(),
                reason: self.reason.clone(),
                location: self.location.clone(),
                level,
                ..Default::default()
            },
            xml: kyso::XmlSignRequest {
                role: self.einvoice_role.unwrap_or(kyso::EinvoiceRole::Seller),
                level,
                ..Default::default()
            },
        }
    }
}

/// A page number: 1 or more.
fn page_number(s: &str) -> Option<usize> {
    s.parse::<usize>().ok().filter(|p| *p >= 1)
}

/// One line of the audit log. Never the document, the token or a password.
#[derive(Debug, serde::Serialize)]
pub(crate) struct AuditRecord {
    pub(crate) time: String,
    pub(crate) token: Option<String>,
    /// The `sub` of a JWT bearer token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subject: Option<String>,
    /// The `iss` of a JWT bearer token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) issuer: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) input_sha256: Option<String>,
    pub(crate) output_sha256: Option<String>,
    pub(crate) field: Option<String>,
    pub(crate) level: Option<&'static str>,
    pub(crate) client: Option<String>,
    pub(crate) outcome: String,
}

/// Appends `record` as one JSON line to `path` and syncs it to disk.
pub(crate) fn append_audit(
    lock: &Mutex<()>,
    path: &Path,
    record: &AuditRecord,
) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let _guard = lock
        .lock()
        .map_err(|_| std::io::Error::other("audit lock"))?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(&line)?;
    file.sync_data()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&kyso::DigestAlgorithm::Sha256.digest(data))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A refusal of kyso's: 422 (502 when the time-stamping authority failed; 422 when none is
/// configured, which no retry changes) with the error's kind as `error`.
fn refused(e: &kyso::Error) -> Problem {
    let mut p = match e {
        kyso::Error::Tsa(t) if !matches!(t, kyso::TsaError::NotConfigured) => Problem::new(
            StatusCode::BAD_GATEWAY,
            "tsa-failed",
            "The time-stamping authority failed",
            e.to_string(),
        ),
        _ => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "sign-refused",
            "The document cannot be signed",
            e.to_string(),
        ),
    };
    p.error = Some(e.kind());
    p
}

/// The signing certificate refused by the check before signing: 422, `error` naming why
/// (`signer_revoked`, `signer_no_path`, `signer_invalid_path`).
fn signer_refused(e: &kyso::SignerRefused) -> Problem {
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "signer-refused",
        "The signing certificate cannot be used",
        format!("{e}; nothing was signed"),
    );
    p.error = Some(match e {
        kyso::SignerRefused::Revoked { .. } => "signer_revoked",
        kyso::SignerRefused::NoPath { .. } => "signer_no_path",
        _ => "signer_invalid_path",
    });
    p
}

/// What a finished attempt answers, and the outcome the audit log records.
struct Attempt {
    record: AuditRecord,
    result: Result<(Vec<u8>, Format), Problem>,
}

/// `POST /v1/sign`.
#[utoipa::path(
    post,
    path = "/v1/sign",
    tag = "sign",
    operation_id = "sign",
    summary = "Sign a document with a key of the service",
    description = "The body is one PDF or XML document (recognised by its bytes); the answer \
                   is the signed document. Needs a token with the scope `sign:<key>`. Every \
                   attempt is recorded in server.audit_log before the answer.",
    params(
        ("key" = String, Query, description = "The key id (GET /v1/keys lists them)", example = "agency"),
        ("level" = Option<crate::openapi::Level>, Query, description = "Baseline level, b-b by default"),
        ("certify" = Option<bool>, Query, description = "PDF: a certification signature"),
        ("mdp" = Option<u8>, Query, description = "PDF: the DocMDP level of a certification (1, 2 or 3; 2 by default); only with certify=true", minimum = 1, maximum = 3),
        ("field" = Option<String>, Query, description = "PDF: the signature field's name"),
        ("reason" = Option<String>, Query, description = "PDF: the /Reason of the signature"),
        ("location" = Option<String>, Query, description = "PDF: the /Location of the signature"),
        ("preset" = Option<crate::openapi::Preset>, Query, description = "PDF: a visible signature (as kyso sign --preset); approve and issue draw the key's picture (image in its [[keys]] entry)"),
        ("anchor" = Option<String>, Query, description = "PDF: place the signature above this text (its last occurrence)"),
        ("anchor_page" = Option<usize>, Query, description = "PDF: look for the anchor on this page only", minimum = 1),
        ("rect" = Option<String>, Query, description = "PDF: the signature's rectangle x1,y1,x2,y2 in points from the lower-left corner of the page as shown", example = "350,120,500,180"),
        ("page" = Option<usize>, Query, description = "PDF: the page of rect (1 by default)", minimum = 1),
        ("text" = Option<Vec<String>>, Query, description = "PDF: a line of text under the picture (repeatable)"),
        ("seal_mm" = Option<f64>, Query, description = "PDF, issue: the seal's width in millimetres", minimum = 5, maximum = 100),
        ("number" = Option<String>, Query, description = "PDF, issue/appendix/incoming: the document's number", example = "123/UBND-VP"),
        ("date" = Option<String>, Query, description = "PDF, issue/incoming: the document's date (YYYY-MM-DD)", example = "2026-12-03"),
        ("copy_kind" = Option<String>, Query, description = "PDF, copy: SAO Y (default), SAO LỤC or TRÍCH SAO"),
        ("agency" = Option<String>, Query, description = "PDF, copy: the copying agency (default the certificate's organization)"),
        ("einvoice_role" = Option<crate::openapi::EinvoiceRole>, Query, description = "XML e-invoices: who signs"),
    ),
    request_body(
        description = "The document to sign",
        content(
            (crate::openapi::Binary = "application/pdf"),
            (crate::openapi::Binary = "application/xml"),
            (crate::openapi::Binary = "application/octet-stream"),
        )
    ),
    responses(
        (status = 200, description = "The signed document",
         content(
            (crate::openapi::Binary = "application/pdf"),
            (crate::openapi::Binary = "application/xml"),
         )),
        (status = 400, description = "Bad or missing query parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown or invalid one", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the scope `sign:<key>`", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such key", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body larger than server.body_limit", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The document or the key cannot be used (`error` says why)", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 500, description = "The audit log cannot be written: nothing is returned", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 502, description = "The time-stamping authority failed", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Every slot is taken; retry (Retry-After)", body = crate::openapi::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn sign(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string());
    let mut record = AuditRecord {
        time: String::new(),
        token: None,
        subject: None,
        issuer: None,
        key: None,
        input_sha256: None,
        output_sha256: None,
        field: None,
        level: None,
        client,
        outcome: String::new(),
    };
    let result = sign_inner(&state, req, &mut record).await;
    finish(state, Attempt { record, result }).await
}

/// Records the attempt (on the blocking pool, synced) and answers; the signed document only
/// once its record is on disk.
async fn finish(state: Arc<AppState>, mut attempt: Attempt) -> Response {
    attempt.record.time = kyso::rfc3339(now());
    attempt.record.outcome = match &attempt.result {
        Ok(_) => "signed".to_string(),
        Err(p) => p.error.unwrap_or(p.slug).to_string(),
    };
    if let Some(path) = state.audit_log.clone() {
        let lock = state.audit_lock.clone();
        let record = attempt.record;
        let written =
            tokio::task::spawn_blocking(move || append_audit(&lock, &path, &record)).await;
        if !matches!(written, Ok(Ok(()))) {
            return Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "audit-failed",
                "The audit log cannot be written",
                "the signing attempt could not be recorded (server.audit_log); nothing is \
                 returned"
                    .into(),
            )
            .into_response();
        }
    }
    match attempt.result {
        Ok((bytes, format)) => {
            let mut response = (StatusCode::OK, bytes).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(match format {
                    Format::Pdf => "application/pdf",
                    _ => "application/xml",
                }),
            );
            response
        }
        Err(p) => p.into_response(),
    }
}

async fn sign_inner(
    state: &Arc<AppState>,
    req: Request,
    record: &mut AuditRecord,
) -> Result<(Vec<u8>, Format), Problem> {
    let token: Caller<'_> = match authenticate(&state.auth, req.headers())? {
        Some(t) => t,
        None => {
            return Err(unauthorized(
                "signing is never anonymous: send Authorization: Bearer <token>",
            ));
        }
    };
    match &token {
        Caller::Token(t) => record.token = Some(t.name.clone()),
        Caller::Jwt(j) => {
            record.subject = Some(j.subject.clone());
            record.issuer = Some(j.issuer.clone());
        }
    }
    let query = SignQuery::parse(req.uri().query())?;
    record.field = query.field.clone();
    let level = query.level.unwrap_or(PadesLevel::BaselineB);
    record.level = Some(level.as_str());
    let Some(id) = query.key.clone() else {
        return Err(Problem::bad_query(
            "key=ID is required (GET /v1/keys lists them)".into(),
        ));
    };
    record.key = Some(id.clone());
    let scope = format!("sign:{id}");
    if !token.allows(&scope) {
        return Err(forbidden(&scope));
    }
    let Some(key) = state.keys.iter().find(|k| k.id == id) else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "unknown-key",
            "No such key",
            format!("no key '{id}' is configured"),
        ));
    };
    let cred = key.cred.clone();
    let limit = state.body_limit;
    let declared = declared_length(&req);
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Problem::too_large(limit));
    }
    let Ok(permit) = state.permits.clone().try_acquire_owned() else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Too many requests in flight",
            "every slot is taken (server.concurrency); retry shortly".into(),
        ));
    };
    let capacity = declared.map_or(0, |n| usize::try_from(n).unwrap_or(0).min(limit));
    let data = read_body(req.into_body(), limit, capacity).await?;
    record.input_sha256 = Some(sha256_hex(&data));
    let trust = state.trust.clone();
    let tsa = state.tsa.clone();
    let shared = state.clone();
    let image = key.image.clone();
    let appearance = state.appearance.clone();
    let signed = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let format = kyso::detect(&data);
        if format == Format::Unknown {
            return Err(refused(&kyso::Error::UnsupportedFormat));
        }
        if let Some(why) = query.inapplicable(&data) {
            return Err(refused(&kyso::Error::Invalid(why)));
        }
        if format == Format::Xml
            && let Some(why) = kyso::xml_level_unsupported(level)
        {
            return Err(refused(&kyso::Error::Invalid(why.to_string())));
        }
        if level >= PadesLevel::BaselineLt && trust.store.anchors().is_empty() {
            return Err(refused(&kyso::Error::Invalid(format!(
                "level {} gathers validation data up to a trust anchor: set anchors in the \
                 [trust] table of the configuration",
                level.as_str()
            ))));
        }
        kyso::check_credential(&cred, now()).map_err(|e| refused(&e))?;
        // As kyso sign does: with trust anchors, the certificate needs a valid path to them
        // (revocation checked online from b-lt up); the service never signs anyway.
        let checked = if level >= PadesLevel::BaselineLt {
            let mut online = kyso::TrustConfig::clone(&trust);
            online.online = true;
            kyso::check_signing_certificate(&cred, &online, now())
        } else {
            kyso::check_signing_certificate(&cred, &trust, now())
        };
        checked.map_err(|e| signer_refused(&e))?;
        let client = if level.needs_tsa() {
            Some(kyso::TsaClient::new(&tsa).map_err(|e| refused(&kyso::Error::from(e)))?)
        } else {
            None
        };
        let services = kyso::LevelServices {
            tsa: client.as_ref(),
            trust: &trust,
        };
        // The key's picture is drawn by the presets that show one.
        let mut visible = query.visible.clone();
        let pictured = match visible.preset {
            Some(kyso::Preset::Approve | kyso::Preset::Issue) => true,
            None => visible.rect.is_some() || visible.anchor.is_some(),
            _ => false,
        };
        if pictured {
            visible.image = image;
        }
        let visible = visible
            .into_visible(query.field.is_some(), &appearance)
            .map_err(|e| refused(&e))?;
        let options = query.options(level, visible);
        let (signed, took) = timed(|| kyso::sign_document(&data, &cred, &options, &services));
        shared.metrics.signed(signed.is_ok(), took);
        signed.map(|bytes| (bytes, format)).map_err(|e| refused(&e))
    })
    .await
    .map_err(|_| Problem::internal())??;
    record.output_sha256 = Some(sha256_hex(&signed.0));
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_query() {
        let q = SignQuery::parse(Some(
            "key=agency&level=b-t&certify=true&mdp=1&field=Sig2&reason=Ph%C3%AA%20duy%E1%BB%87t",
        ))
        .unwrap();
        assert_eq!(q.key.as_deref(), Some("agency"));
        assert_eq!(q.level, Some(PadesLevel::BaselineT));
        assert!(q.certify);
        assert_eq!(q.mdp, Some(1));
        assert_eq!(q.reason.as_deref(), Some("Phê duyệt"));
        for bad in [
            "level=b-x",
            "mdp=4&certify",
            "mdp=2",
            "einvoice_role=x",
            "foo=1",
        ] {
            assert_eq!(
                SignQuery::parse(Some(bad)).unwrap_err().status,
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }
}
