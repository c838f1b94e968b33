//! E-invoice throughput: sign (seller, then buyer) and verify one- and two-signature invoices,
//! single thread. Writes the signed invoices to bench-out/ for scripts/bench-peers.sh.
//!
//!     cargo bench --bench xml [-- --quick]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kyso::{Credential, EinvoiceRole, Status, TrustConfig, XmlSignRequest};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let min_time = Duration::from_millis(if quick { 300 } else { 2000 });
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let pki = root.join("fixtures/pki");
    let load =
        |n: &str| kyso::load_credential(&pki.join(n), "kyso-fixture").expect("fixture PKCS#12");
    let (seller, buyer): (Credential, Credential) = (load("agency.p12"), load("personal.p12"));
    let mut trust = TrustConfig::default();
    trust.add_anchors(&pki.join("root.pem")).expect("root");
    let invoice = std::fs::read(root.join("fixtures/xml/docs/invoice.xml")).expect("invoice");

    let sign_seller =
        || kyso::sign_xml(&invoice, &seller, &XmlSignRequest::default()).expect("sign seller");
    let one = sign_seller();
    let buyer_req = XmlSignRequest {
        role: EinvoiceRole::Buyer,
        ..Default::default()
    };
    let two = kyso::sign_xml(&one, &buyer, &buyer_req).expect("sign buyer");
    let out = root.join("bench-out");
    std::fs::create_dir_all(&out).expect("bench-out");
    std::fs::write(out.join("invoice-1sig.xml"), &one).expect("write");
    std::fs::write(out.join("invoice-2sig.xml"), &two).expect("write");

    println!(
        "kyso e-invoice bench ({} mode, single thread)",
        if quick { "quick" } else { "full" }
    );
    let (n, d) = timed(min_time, || {
        std::hint::black_box(sign_seller());
    });
    println!(
        "  sign (seller, RSA-2048)             {:>9.1} µs   {:>8.0} /s",
        us(d, n),
        n as f64 / d.as_secs_f64()
    );
    let mut figures = Vec::new();
    for (label, data, sigs) in [
        ("verify 1-signature invoice", &one, 1usize),
        ("verify 2-signature invoice", &two, 2),
    ] {
        let r = kyso::verify_bytes("invoice.xml", data, &trust);
        assert_eq!(r.status, Status::Passed, "{}", r.message);
        assert_eq!(r.signatures.len(), sigs);
        let (n, d) = timed(min_time, || {
            std::hint::black_box(kyso::verify_bytes("invoice.xml", data, &trust));
        });
        let per_s = n as f64 / d.as_secs_f64();
        println!(
            "  {label:<35} {:>9.1} µs   {per_s:>8.0} invoices/s",
            us(d, n)
        );
        figures.push(per_s);
    }
    println!(
        "{{\"bench\":\"kyso-xml\",\"verify_1sig_per_s\":{:.1},\"verify_2sig_per_s\":{:.1},\"bytes_1sig\":{},\"bytes_2sig\":{},\"out_dir\":\"{}\"}}",
        figures[0],
        figures[1],
        one.len(),
        two.len(),
        display(&out)
    );
}

fn timed(min: Duration, mut f: impl FnMut()) -> (u64, Duration) {
    for _ in 0..20 {
        f();
    }
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < min {
        f();
        n += 1;
    }
    (n, start.elapsed())
}

fn us(d: Duration, n: u64) -> f64 {
    d.as_secs_f64() * 1e6 / n.max(1) as f64
}

fn display(p: &Path) -> String {
    p.display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
}
