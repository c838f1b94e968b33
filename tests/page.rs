//! `kyso serve`'s checking page at `/`: its headers and assets over HTTP, and the page itself
//! in headless Chromium (driven by tests/peers/page_check.py, a std-only WebDriver client).

mod common;

use common::server::*;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const TOKEN: &str = "page-test-token-4f1c";
const REASON: &str = "<img src=x onerror=alert(1)><b>Phê duyệt</b>";

fn sha256_hex(data: &[u8]) -> String {
    kyso_pki::DigestAlgorithm::Sha256
        .digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A configuration trusting the fixture root where verification needs the token `TOKEN`.
fn token_config(dir: &Path) -> PathBuf {
    let path = dir.join("kyso-token.toml");
    let text = format!(
        "[trust]\nanchors = [\"{}\"]\n\n[server]\nbody_limit = {LIMIT}\nverify_requires_token = true\n\n\
         [[server.tokens]]\nname = \"page\"\nsha256 = \"{}\"\nscopes = [\"verify\"]\n",
        pki("root.pem").display(),
        sha256_hex(TOKEN.as_bytes())
    );
    std::fs::write(&path, text).expect("write the configuration");
    path
}

fn assert_page_headers(a: &Answer) {
    let csp = a.header("content-security-policy").expect("a CSP");
    assert!(csp.starts_with("default-src 'self';"), "{csp}");
    for part in [
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(a.header("cache-control"), Some("no-cache"));
    assert!(a.header("etag").is_some_and(|e| e.starts_with('"')));
}

#[test]
fn the_page_and_its_assets_are_served_from_the_binary() {
    let dir = tempdir();
    let server = Server::start(&config(dir.path()));
    let page = server.request("GET", "/", &[], b"");
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_page_headers(&page);
    let html = page.text();
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("<input id=\"files\" type=\"file\" multiple"));
    assert!(html.contains("<label id=\"drop\" class=\"drop\" for=\"files\">"));
    assert!(html.contains("aria-live=\"polite\""));
    assert!(html.contains("data-token=\"optional\""));
    assert!(html.contains(&format!("data-limit=\"{LIMIT}\"")));

    // Every asset the page names is served from here, with its type and the same headers.
    let mut named = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for piece in html.split(attr).skip(1) {
            named.push(piece.split('"').next().unwrap().to_string());
        }
    }
    named.sort();
    named.dedup();
    assert_eq!(
        named,
        ["/assets/icon.svg", "/assets/page.css", "/assets/page.js"]
    );
    for (path, ty) in [
        ("/assets/page.css", "text/css; charset=utf-8"),
        ("/assets/page.js", "text/javascript; charset=utf-8"),
        ("/assets/icon.svg", "image/svg+xml"),
    ] {
        let a = server.request("GET", path, &[], b"");
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("content-type"), Some(ty), "{path}");
        assert_page_headers(&a);
        assert!(!a.body.is_empty());
        // Revalidation: the same version is 304 without a body.
        let etag = a.header("etag").unwrap().to_string();
        let again = server.request("GET", path, &[("If-None-Match", &etag)], b"");
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
    }
    // HEAD works; a method the page does not take is a problem, and so is an unknown asset.
    assert_eq!(server.request("HEAD", "/", &[], b"").status, 200);
    server.request("POST", "/", &[], b"x").assert_problem(405);
    server
        .request("GET", "/assets/nothing.js", &[], b"")
        .assert_problem(404);

    // With verify_requires_token, the page asks for the token.
    let server = Server::start(&token_config(dir.path()));
    let page = server.request("GET", "/", &[], b"");
    assert!(page.text().contains("data-token=\"required\""));
}

/// `t` (RFC 3339) as the page must show it in Vietnamese: Vietnam time, day first.
fn vietnam_time(t: &str) -> String {
    let unix = kyso::parse_time(t).expect("an RFC 3339 time");
    let c = kyso_pki::time::Civil::from_unix(unix + 7 * 3600);
    format!(
        "{:02}/{:02}/{} {:02}:{:02}:{:02} (UTC+07:00)",
        c.day, c.month, c.year, c.hour, c.minute, c.second
    )
}

/// Runs tests/peers/page_check.py against `url` with `files` and `extra` arguments; its JSON.
fn page_check(url: &str, files: &[&Path], extra: &[&str]) -> Value {
    let mut cmd = Command::new(std::env::var_os("KYSO_SYSTEM_PYTHON").unwrap_or("python3".into()));
    cmd.arg(root().join("tests/peers/page_check.py"))
        .args(["--url", url])
        .args(extra)
        // The browser's own zone is not Vietnam's: the page must not depend on it.
        .env("TZ", "America/New_York");
    for f in files {
        cmd.arg("--file").arg(f);
    }
    let o = run(&mut cmd);
    let out: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("page_check.py: {e}\n{}\n{}", stdout(&o), stderr(&o)));
    assert!(
        o.status.success(),
        "page_check.py failed: {out:#}\n{}",
        stderr(&o)
    );
    out
}

fn row<'a>(sig: &'a Value, label: &str) -> &'a str {
    sig["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r[0] == label))
        .and_then(|r| r[1].as_str())
        .unwrap_or_else(|| panic!("no row {label:?} in {sig:#}"))
}

#[test]
#[ignore = "needs chromium and chromedriver: run scripts/test.sh"]
fn the_page_shows_each_signature_in_chromium() {
    let dir = tempdir();
    let d = dir.path();
    let config = config(d);
    // A letter signed by a person, then sealed by the agency; and a copy with one byte of
    // the signed content changed.
    let personal = d.join("letter.personal.pdf");
    sign(&pdf("letter-classic.pdf"), &personal, "personal.p12", &[]);
    let letter = d.join("cong-van.pdf");
    // The agency's seal is drawn on page 1 (a 4×2 red picture).
    let stamp = d.join("stamp.png");
    {
        let mut png_bytes = Vec::new();
        let mut e = png::Encoder::new(&mut png_bytes, 4, 2);
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Eight);
        let mut w = e.write_header().expect("PNG header");
        w.write_image_data(&[200, 0, 0].repeat(8))
            .expect("PNG data");
        drop(w);
        std::fs::write(&stamp, png_bytes).expect("write the PNG");
    }
    let stamp_arg = stamp.to_string_lossy().into_owned();
    sign(
        &personal,
        &letter,
        "agency.p12",
        &[
            "--reason",
            "Phê duyệt",
            "--image",
            &stamp_arg,
            "--rect",
            "350,120,500,180",
        ],
    );
    // The tampered copy is of a letter whose agency reason is markup: the page must show it
    // as text.
    let marked = d.join("marked.pdf");
    sign(&personal, &marked, "agency.p12", &["--reason", REASON]);
    let tampered = tamper_page_size(&marked, d);
    let (_, good) = verify_json(&letter);
    let (_, bad) = verify_json(&tampered);
    assert_eq!(good["status"], "passed", "{good:#}");
    assert_eq!(kinds(&good), ["personal", "agency"]);
    assert_eq!(bad["status"], "failed", "{bad:#}");

    let server = Server::start(&config);
    let url = format!("http://{}/", server.addr);
    let shot = std::env::var_os("KYSO_PAGE_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| d.join("page.png"));
    let shot_arg = shot.to_string_lossy().into_owned();
    let out = page_check(&url, &[&letter, &tampered], &["--screenshot", &shot_arg]);

    // Before anything: Vietnamese, the labelled file input, the live region.
    let initial = &out["initial"];
    assert_eq!(initial["lang"], "vi");
    assert_eq!(initial["pick"], "Chọn tệp để kiểm tra");
    assert_eq!(
        initial["input_label"], true,
        "the drop zone labels the input"
    );
    assert_eq!(initial["input_multiple"], true);
    assert_eq!(initial["live"], "polite");
    assert_eq!(initial["token_visible"], false);
    assert_eq!(initial["lang_button"], "English");
    // Keyboard: the input takes the focus and the drop zone around it shows a focus ring.
    assert_eq!(out["focus"], "files solid");

    // The results in Vietnamese, in the order chosen, as the report says.
    let vi = &out["vi"]["docs"];
    assert_eq!(vi.as_array().unwrap().len(), 2, "{vi:#}");
    let (doc, tam) = (&vi[0], &vi[1]);
    assert_eq!(doc["name"], "cong-van.pdf");
    assert_eq!(doc["status"], "passed");
    assert_eq!(doc["verdict"], "Hợp lệ");
    let sigs = doc["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2, "{doc:#}");
    let shown: Vec<(&str, &str, &str, &str)> = sigs
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap(),
                s["kind_text"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
                s["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("personal", "Cá nhân", "passed", "Hợp lệ"),
            ("agency", "Cơ quan", "passed", "Hợp lệ")
        ]
    );
    for (i, (s, r)) in sigs
        .iter()
        .zip(good["signatures"].as_array().unwrap())
        .enumerate()
    {
        assert_eq!(s["number"], format!("#{}", i + 1));
        let subject = r["signer"]["subject"].as_str().unwrap();
        let cn = s["name"].as_str().unwrap();
        assert!(!cn.is_empty() && subject.contains(cn), "{cn} / {subject}");
        assert_eq!(
            row(s, "Thời điểm ký (người ký khai)"),
            vietnam_time(r["signing_time"].as_str().unwrap())
        );
        let ids = r["signer"]["identifiers"].as_object().unwrap();
        assert!(!ids.is_empty(), "{r:#}");
        for (k, v) in ids {
            let shown = row(s, "Mã định danh");
            assert!(
                shown.contains(&format!("{k}: {}", v.as_str().unwrap())),
                "{shown}"
            );
        }
        assert_eq!(row(s, "Chuỗi chứng thư"), "Được tin cậy");
        assert!(row(s, "Mức chữ ký").starts_with("PAdES B-"));
        let _ = row(s, "Thời điểm được chứng thực");
        let _ = row(s, "Thay đổi sau khi ký");
    }
    assert_eq!(row(&sigs[1], "Lý do ký"), "Phê duyệt");
    // Where each signature is shown (the report's `appearance`).
    assert_eq!(row(&sigs[0], "Hình chữ ký"), "không hiển thị");
    assert_eq!(row(&sigs[1], "Hình chữ ký"), "hiển thị trên trang 1");
    // The personal signature is followed by the agency's: the page says what was added.
    let allowed = good["signatures"][0]["allowed_changes"].as_array().unwrap();
    let changes = row(&sigs[0], "Thay đổi sau khi ký");
    for c in allowed {
        assert!(changes.contains(c.as_str().unwrap()), "{changes}");
    }
    assert_eq!(
        row(&sigs[1], "Thay đổi sau khi ký"),
        "Không có thay đổi sau chữ ký này"
    );

    assert_eq!(tam["name"], "tampered.pdf");
    assert_eq!(tam["status"], "failed");
    assert_eq!(tam["verdict"], "Không hợp lệ");
    let tam_statuses: Vec<&str> = tam["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    let want: Vec<String> = statuses(&bad).into_iter().map(|(s, _)| s).collect();
    assert_eq!(tam_statuses, want);
    assert!(tam_statuses.contains(&"failed"));
    assert_eq!(row(&tam["signatures"][1], "Lý do ký"), REASON);
    assert_eq!(
        out["vi"]["markup"], 0,
        "report text is never parsed as HTML"
    );

    // English: the labels and verdicts change; the choice is remembered after a reload.
    let en = &out["en"];
    assert_eq!(en["lang"], "en");
    assert_eq!(en["pick"], "Choose files to check");
    assert_eq!(en["lang_button"], "Tiếng Việt");
    assert_eq!(en["docs"][0]["verdict"], "Valid");
    assert_eq!(en["docs"][1]["verdict"], "Invalid");
    let kinds_en: Vec<&str> = en["docs"][0]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind_text"].as_str().unwrap())
        .collect();
    assert_eq!(kinds_en, ["Personal", "Agency"]);
    let shown_en: Vec<&str> = en["docs"][0]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| row(s, "Appearance"))
        .collect();
    assert_eq!(shown_en, ["invisible", "visible on page 1"]);
    assert_eq!(out["reloaded"]["lang"], "en");

    // A phone's width: nothing wider than the screen.
    let phone = &out["phone"];
    assert_eq!(phone["meta"], true);
    assert!(
        phone["content"].as_u64() <= phone["viewport"].as_u64(),
        "{phone}"
    );

    // No errors in the browser's console (CSP violations, failed loads, script errors).
    let console = out["console"]
        .as_array()
        .unwrap_or_else(|| panic!("{out:#}"));
    let severe: Vec<&Value> = console
        .iter()
        .filter(|e| e["level"] == "SEVERE" || e["level"] == "WARNING")
        .collect();
    assert!(severe.is_empty(), "{severe:#?}");

    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[test]
#[ignore = "needs chromium and chromedriver: run scripts/test.sh"]
fn the_page_asks_for_the_token_when_verification_needs_one() {
    let docs = documents();
    let letter = docs.dir.path().join("letter.pdf");
    let server = Server::start(&token_config(docs.dir.path()));
    let url = format!("http://{}/", server.addr);

    // Without the token: the field is shown, and the 401 is shown as an error.
    let out = page_check(&url, &[&letter], &["--basic"]);
    assert_eq!(out["initial"]["token_visible"], true);
    let doc = &out["vi"]["docs"][0];
    assert_eq!(doc["status"], "http", "{doc:#}");
    assert_eq!(doc["alert"], true);
    let msg = doc["message"].as_str().unwrap();
    assert!(msg.contains("401") && msg.contains("mã truy cập"), "{msg}");

    // With it: the reports; a file kyso cannot read is its report's `error`, and a file over
    // the body limit is refused on the page before it is sent.
    let junk = docs.dir.path().join("junk.bin");
    let big = docs.dir.path().join("big.pdf");
    std::fs::write(&big, vec![b'%'; LIMIT + 1]).expect("write");
    let out = page_check(
        &url,
        &[&letter, &junk, &big],
        &["--basic", "--token", TOKEN],
    );
    let shown = &out["vi"]["docs"];
    let doc = &shown[0];
    assert_eq!(doc["status"], "passed", "{doc:#}");
    assert_eq!(doc["signatures"][0]["kind_text"], "Cơ quan");
    assert_eq!(shown[1]["name"], "junk.bin");
    assert_eq!(shown[1]["status"], "error", "{shown:#}");
    assert_eq!(shown[1]["verdict"], "Không kiểm tra được");
    assert!(
        shown[1]["message"]
            .as_str()
            .unwrap()
            .contains("Định dạng tệp không được hỗ trợ"),
        "{shown:#}"
    );
    assert_eq!(shown[2]["status"], "http", "{shown:#}");
    assert_eq!(shown[2]["alert"], true);
    assert!(
        shown[2]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("({LIMIT} byte)")),
        "{shown:#}"
    );
}
