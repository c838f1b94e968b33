//! `GET /openapi.json`: the OpenAPI 3.1 document of the service, generated from the handlers'
//! `#[utoipa::path]` attributes.
//!
//! The JSON report and the problem details are kyso's public contract (the README's JSON
//! schema table, tests/golden/): their schemas are written here by hand, from the report types
//! of crates/kyso, so the library carries no OpenAPI code. The enums (`status`, `reason`,
//! `level`, ...) are the report enums' own strings; `reason` lists [`kyso::Reason::ALL`].

use std::borrow::Cow;
use std::sync::OnceLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// A schema written as JSON.
fn schema(v: Value) -> RefOr<Schema> {
    // The JSON below is this file's own; a test checks that each one converts.
    serde_json::from_value(v).unwrap_or_else(|_| RefOr::T(Schema::default()))
}

/// `T` or null.
fn nullable(mut v: Value) -> Value {
    if let Some(t) = v.get("type").and_then(Value::as_str).map(str::to_string) {
        v["type"] = json!([t, "null"]);
        if let Some(values) = v.get_mut("enum").and_then(Value::as_array_mut) {
            values.push(Value::Null);
        }
    }
    v
}

fn string() -> Value {
    json!({"type": "string"})
}

fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

fn one_of(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

fn status() -> Value {
    one_of(&["passed", "failed", "indeterminate", "error"])
}

fn reasons() -> Vec<&'static str> {
    kyso::Reason::ALL.iter().map(|r| r.as_str()).collect()
}

fn reason() -> Value {
    json!({"type": "string", "enum": reasons()})
}

fn time() -> Value {
    json!({"type": "string", "description": "RFC 3339, UTC (2026-06-01T00:00:00Z)"})
}

/// An object whose `required` properties are given; the others may be absent.
fn object(description: &str, required: &[(&str, Value)], optional: &[(&str, Value)]) -> Value {
    let mut props = serde_json::Map::new();
    for (k, v) in required.iter().chain(optional) {
        props.insert((*k).to_string(), v.clone());
    }
    let names: Vec<&str> = required.iter().map(|(k, _)| *k).collect();
    json!({"type": "object", "description": description, "required": names, "properties": props})
}

fn signer() -> Value {
    object(
        "Who signed.",
        &[
            ("subject", string()),
            ("issuer", string()),
            ("kind", one_of(&["personal", "agency", "unknown"])),
            (
                "identifiers",
                json!({"type": "object", "additionalProperties": {"type": "string"}}),
            ),
            ("serial", string()),
            ("not_before", time()),
            ("not_after", time()),
            ("key", string()),
            ("sha256", string()),
        ],
        &[],
    )
}

fn timestamp() -> Value {
    object(
        "An RFC 3161 time-stamp token.",
        &[
            ("kind", one_of(&["signature", "document", "archive"])),
            ("status", status()),
            ("reason", reason()),
            ("message", string()),
            ("time", nullable(time())),
            (
                "accuracy_micros",
                json!({"type": ["integer", "null"], "minimum": 0}),
            ),
            ("tsa", nullable(string())),
            ("policy", nullable(string())),
            ("serial", nullable(string())),
            ("digest", nullable(string())),
            ("chain", strings()),
            ("trusted", json!({"type": "boolean"})),
        ],
        &[],
    )
}

fn revocation() -> Value {
    object(
        "The revocation status of one certificate.",
        &[
            ("subject", string()),
            ("serial", string()),
            ("status", one_of(&["good", "revoked", "unknown"])),
            (
                "source",
                nullable(one_of(&["dss", "cms", "xml", "online-ocsp", "online-crl"])),
            ),
            ("method", nullable(one_of(&["ocsp", "crl"]))),
            ("time", nullable(time())),
        ],
        &[("revocation_reason", string()), ("message", string())],
    )
}

fn reference() -> Value {
    object(
        "What one XML Reference covers.",
        &[
            ("uri", string()),
            ("element", nullable(string())),
            ("id", nullable(string())),
            ("path", nullable(string())),
            ("minus_signature", json!({"type": "boolean"})),
            ("digest_ok", json!({"type": "boolean"})),
        ],
        &[],
    )
}

fn appearance() -> Value {
    let number = json!({"type": "number"});
    object(
        "PDF only (absent for XML): where the signature is shown. From the field's first \
         visible widget, else its first widget on a page; page and rect null when no page's \
         /Annots lists a widget.",
        &[
            (
                "page",
                json!({"type": ["integer", "null"], "minimum": 1,
                       "description": "the page (from 1) whose /Annots lists the widget"}),
            ),
            (
                "rect",
                json!({"type": ["array", "null"], "items": number, "minItems": 4, "maxItems": 4,
                       "description": "[x1, y1, x2, y2], x1 <= x2, y1 <= y2, in PDF points \
                                       from the lower-left corner of the page's CropBox, \
                                       rounded to 1/100 point"}),
            ),
            (
                "visible",
                json!({"type": "boolean",
                       "description": "on a page, at least 1x1 pt, not Hidden or NoView, \
                                       and a normal appearance that draws something"}),
            ),
        ],
        &[],
    )
}

fn signature() -> Value {
    let boolean = json!({"type": "boolean"});
    object(
        "One signature (or, in a PDF, one document timestamp).",
        &[
            ("field", string()),
            ("kind", one_of(&["signature", "timestamp"])),
            ("status", status()),
            ("reason", reason()),
            ("message", string()),
            ("subfilter", nullable(string())),
            ("digest", nullable(string())),
            ("signature_algorithm", nullable(string())),
            ("signing_time", nullable(time())),
            (
                "signing_time_source",
                nullable(one_of(&["cms", "pdf-m", "xml", "timestamp"])),
            ),
            (
                "revision",
                json!({"type": ["integer", "null"], "minimum": 0}),
            ),
            ("covers_whole_document", boolean.clone()),
            ("modified_after", boolean.clone()),
            ("modifications", strings()),
            ("allowed_changes", strings()),
            (
                "certification",
                json!({"type": ["integer", "null"], "minimum": 1, "maximum": 3}),
            ),
            ("signer", json!({"oneOf": [signer(), {"type": "null"}]})),
            ("chain", strings()),
            ("trusted", boolean.clone()),
            ("warnings", strings()),
            ("level", nullable(one_of(&["b-b", "b-t", "b-lt", "b-lta"]))),
            ("validation_time", nullable(time())),
            ("proven_time", nullable(time())),
            ("timestamps", json!({"type": "array", "items": timestamp()})),
            (
                "revocation",
                json!({"type": "array", "items": revocation()}),
            ),
        ],
        &[
            (
                "coverage",
                one_of(&["whole_revision", "contiguous_from_start"]),
            ),
            ("appearance", appearance()),
            ("location", string()),
            ("references", json!({"type": "array", "items": reference()})),
            ("signer_reason", string()),
            ("signer_location", string()),
            ("signer_contact", string()),
            ("signer_key", string()),
        ],
    )
}

/// The JSON report of one document: what `kyso verify --json` prints.
pub(crate) struct Report;

impl PartialSchema for Report {
    fn schema() -> RefOr<Schema> {
        schema(report_json())
    }
}

impl ToSchema for Report {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DocumentReport")
    }
}

fn report_json() -> Value {
    object(
        "The verification report of one document, byte for byte what `kyso verify --json` \
         prints for it.",
        &[
            ("file", string()),
            ("format", one_of(&["pdf", "xml", "unknown"])),
            ("status", status()),
            ("reason", reason()),
            ("message", string()),
            ("signatures", json!({"type": "array", "items": signature()})),
        ],
        &[],
    )
}

/// An RFC 9457 problem details document.
pub(crate) struct Problem;

impl PartialSchema for Problem {
    fn schema() -> RefOr<Schema> {
        schema(problem_json())
    }
}

impl ToSchema for Problem {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Problem")
    }
}

fn problem_json() -> Value {
    object(
        "RFC 9457 problem details (application/problem+json).",
        &[
            (
                "type",
                json!({"type": "string", "description": "urn:kyso:problem:<slug>",
                       "pattern": "^urn:kyso:problem:[a-z0-9-]+$"}),
            ),
            ("title", string()),
            (
                "status",
                json!({"type": "integer", "minimum": 400, "maximum": 599}),
            ),
            ("detail", string()),
        ],
        &[
            ("reason", reason()),
            (
                "error",
                json!({"type": "string", "description": "The kind of kyso's error \
                       (invalid, unsupported_format, tsa, signer_revoked, ...)"}),
            ),
        ],
    )
}

/// A string schema with these values, named.
macro_rules! string_enum {
    ($($t:ident = $name:literal [$($v:literal),*] $doc:literal;)*) => {$(
        #[doc = $doc]
        pub(crate) struct $t;

        impl PartialSchema for $t {
            fn schema() -> RefOr<Schema> {
                schema(json!({"type": "string", "enum": [$($v),*], "description": $doc}))
            }
        }

        impl ToSchema for $t {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    )*};
}

string_enum! {
    Level = "Level" ["b-b", "b-t", "b-lt", "b-lta"] "A baseline level (PAdES, XAdES).";
    RevocationPolicy = "RevocationPolicy" ["off", "soft", "hard"]
        "What an unknown revocation status does: nothing, a warning, indeterminate.";
    EinvoiceRole = "EinvoiceRole" ["seller", "buyer", "tax"] "Who signs an e-invoice.";
    Preset = "Preset" ["approve", "issue", "copy", "appendix", "incoming"]
        "What a visible signature is (Decree 30/2020): the official's signature, the agency \
         seal with the number and date, a copy, an appendix, the incoming stamp.";
}

/// Any bytes: a document.
pub(crate) struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        schema(json!({"type": "string", "format": "binary"}))
    }
}

impl ToSchema for Binary {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Binary")
    }
}

/// The `multipart/form-data` body of `POST /v1/verify`.
pub(crate) struct VerifyForm;

impl PartialSchema for VerifyForm {
    fn schema() -> RefOr<Schema> {
        schema(json!({
            "type": "object",
            "description": "One or more parts named `file`, each a document (other parts are skipped).",
            "required": ["file"],
            "properties": {
                "file": {"type": "array", "items": {"type": "string", "format": "binary"}}
            }
        }))
    }
}

impl ToSchema for VerifyForm {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("VerifyForm")
    }
}

/// Plain text (`ok`, `ready`, the metrics).
pub(crate) struct Text;

impl PartialSchema for Text {
    fn schema() -> RefOr<Schema> {
        schema(json!({"type": "string"}))
    }
}

impl ToSchema for Text {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Text")
    }
}

/// The OpenAPI document itself.
pub(crate) struct Document;

impl PartialSchema for Document {
    fn schema() -> RefOr<Schema> {
        schema(json!({"type": "object", "required": ["openapi", "info", "paths"]}))
    }
}

impl ToSchema for Document {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("OpenApiDocument")
    }
}

/// The bearer security scheme and `GET /` (served by another module as a page).
struct Extra;

impl Modify for Extra {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A static token of [[server.tokens]] or a JWT of the issuer of \
                         [server.jwt]; scopes `verify`, `sign:<key id>`, `metrics`.",
                    ))
                    .build(),
            ),
        );
        let page = OperationBuilder::new()
            .summary(Some("The service's page (HTML)"))
            .operation_id(Some("index"))
            .tag("service")
            .response(
                "200",
                ResponseBuilder::new()
                    .description("An HTML page describing the service")
                    .content(
                        "text/html",
                        ContentBuilder::new().schema(Some(Text::schema())).build(),
                    )
                    .build(),
            )
            .build();
        api.paths
            .paths
            .insert("/".to_string(), PathItem::new(HttpMethod::Get, page));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kyso serve",
        description = "Verification and signing of official documents (PDF PAdES, XML \
                       XMLDSig/XAdES) over HTTP. Errors are RFC 9457 problem details.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        crate::verify::verify,
        crate::sign::sign,
        crate::sign::keys,
        crate::server::healthz,
        crate::server::readyz,
        crate::metrics::metrics,
        openapi_json,
    ),
    components(schemas(
        Report,
        Problem,
        crate::sign::KeyInfo,
        VerifyForm,
        Binary,
        Text,
        Level,
        RevocationPolicy,
        EinvoiceRole
    )),
    modifiers(&Extra),
    tags(
        (name = "verify", description = "Verification"),
        (name = "sign", description = "Signing with the service's keys"),
        (name = "service", description = "Health, readiness, metrics and this document")
    )
)]
struct ApiDoc;

/// The document, as served.
pub(crate) fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
        text.push('\n');
        text
    })
}

/// `GET /openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "service",
    operation_id = "openapi",
    summary = "This OpenAPI 3.1 document",
    responses((status = 200, description = "The OpenAPI document", body = Document))
)]
pub(crate) async fn openapi_json() -> Response {
    let mut response = (StatusCode::OK, document()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_schemas_convert() {
        for v in [report_json(), problem_json()] {
            let s: Result<RefOr<Schema>, _> = serde_json::from_value(v.clone());
            let back = serde_json::to_value(s.expect("a schema")).unwrap();
            assert_eq!(back["required"], v["required"]);
            assert_eq!(
                back["properties"].as_object().map(|o| o.len()),
                v["properties"].as_object().map(|o| o.len())
            );
        }
    }

    #[test]
    fn document_lists_every_route() {
        let doc: Value = serde_json::from_str(document()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for path in [
            "/",
            "/v1/verify",
            "/v1/sign",
            "/v1/keys",
            "/healthz",
            "/readyz",
            "/metrics",
            "/openapi.json",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        let params: Vec<&str> = doc["paths"]["/v1/sign"]["post"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(
            params,
            [
                "key",
                "level",
                "certify",
                "mdp",
                "field",
                "reason",
                "location",
                "preset",
                "anchor",
                "anchor_page",
                "rect",
                "page",
                "text",
                "seal_mm",
                "number",
                "date",
                "copy_kind",
                "agency",
                "einvoice_role"
            ]
        );
        let reasons = &doc["components"]["schemas"]["Problem"]["properties"]["reason"]["enum"];
        assert_eq!(reasons.as_array().unwrap().len(), kyso::Reason::ALL.len());
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }
}
