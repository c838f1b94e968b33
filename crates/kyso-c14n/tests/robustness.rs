//! Hostile and malformed input: every case ends in a clean error or a bounded
//! result, never a panic, a fetch, or unbounded memory or time.

mod common;

use std::time::{Duration, Instant};

use common::{fixtures, parse_options};
use kyso_c14n::roxmltree::Document;
use kyso_c14n::{
    Error, Method, NodeSet, Options, ParseOptions, canonicalize, canonicalize_into, parse,
};

fn all_options() -> Vec<Options> {
    let mut v = Vec::new();
    for method in [Method::C14n10, Method::C14n11, Method::ExcC14n10] {
        for comments in [false, true] {
            v.push(
                Options::new(method)
                    .comments(comments)
                    .prefix_list("#default a"),
            );
        }
    }
    v
}

fn c14n_doc(text: &str) -> Result<Vec<u8>, Error> {
    let doc = parse(text, &parse_options())?;
    canonicalize(&NodeSet::document(&doc), &Options::new(Method::C14n10))
}

#[test]
fn billion_laughs_is_rejected_quickly() {
    let mut xml =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    xml.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1);
        xml.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", prev.repeat(10)));
    }
    xml.push_str("]>\n<lolz>&lol9;</lolz>\n");
    let start = Instant::now();
    // Default options refuse the DTD outright.
    assert!(matches!(
        parse(&xml, &ParseOptions::default()),
        Err(Error::DtdNotAllowed)
    ));
    // With DTDs allowed, the entity check refuses it before roxmltree
    // expands anything (ten levels: deeper than the limit of 8).
    match parse(&xml, &parse_options()) {
        Err(Error::EntityDepth { limit: 8 } | Error::ExpansionLimit { .. }) => {}
        other => panic!(
            "expected an entity limit error, got {:?}",
            other.map(|_| ())
        ),
    }
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn quadratic_blowup_is_rejected_before_parsing() {
    let big = "x".repeat(100_000);
    let refs = "&big;".repeat(20_000);
    let xml = format!("<!DOCTYPE d [<!ENTITY big \"{big}\">]><d>{refs}</d>");
    let start = Instant::now();
    match parse(&xml, &parse_options()) {
        Err(Error::ExpansionLimit { bound, limit }) => assert!(bound > limit),
        other => panic!("expected ExpansionLimit, got {:?}", other.map(|_| ())),
    }
    assert!(start.elapsed() < Duration::from_secs(5));
    // A small document with a few entity references is fine.
    let ok = "<!DOCTYPE d [<!ENTITY e \"Xin chào\">]><d a=\"&e;\">&e; &e;</d>";
    assert_eq!(
        c14n_doc(ok).ok(),
        Some(
            "<d a=\"Xin chào\">Xin chào Xin chào</d>"
                .as_bytes()
                .to_vec()
        )
    );
}

#[test]
fn namespace_amplification_is_rejected_before_parsing() {
    let mut xml = String::from("<r");
    for i in 0..5000 {
        xml.push_str(&format!(" xmlns:p{i}=\"urn:p{i}\""));
    }
    xml.push('>');
    for _ in 0..5000 {
        xml.push_str("<c xmlns:p0=\"urn:other\"/>");
    }
    xml.push_str("</r>");
    let start = Instant::now();
    assert!(matches!(
        parse(&xml, &ParseOptions::default()),
        Err(Error::NamespaceLimit { .. })
    ));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn external_entities_are_never_fetched() {
    for system in [
        "file:///etc/passwd",
        "http://127.0.0.1:9/evil.dtd",
        "/etc/hostname",
    ] {
        // Referenced: roxmltree has no resolver and reports an unknown entity.
        let xml = format!("<!DOCTYPE d [<!ENTITY xxe SYSTEM \"{system}\">]><d>&xxe;</d>");
        match parse(&xml, &parse_options()) {
            Err(Error::Parse(kyso_c14n::roxmltree::Error::UnknownEntityReference(name, _))) => {
                assert_eq!(name, "xxe")
            }
            other => panic!(
                "{system}: expected UnknownEntityReference, got {:?}",
                other.map(|_| ())
            ),
        }
        // In an attribute value too.
        let xml = format!("<!DOCTYPE d [<!ENTITY xxe SYSTEM \"{system}\">]><d a=\"&xxe;\"/>");
        assert!(parse(&xml, &parse_options()).is_err(), "{system}");
        // Declared but unused: parses, and nothing of the file shows up.
        let xml = format!("<!DOCTYPE d [<!ENTITY xxe SYSTEM \"{system}\">]><d>safe</d>");
        assert_eq!(c14n_doc(&xml).ok(), Some(b"<d>safe</d>".to_vec()));
        // An external DTD subset is not loaded either.
        let xml = format!("<!DOCTYPE d SYSTEM \"{system}\"><d>safe</d>");
        assert_eq!(c14n_doc(&xml).ok(), Some(b"<d>safe</d>".to_vec()));
        // Parameter entities pointing outside are ignored, not fetched.
        let xml = format!("<!DOCTYPE d [<!ENTITY % pe SYSTEM \"{system}\"> %pe;]><d>safe</d>");
        if let Ok(out) = c14n_doc(&xml) {
            assert_eq!(out, b"<d>safe</d>");
        }
    }
}

#[test]
fn node_limit() {
    let xml = "<a>".to_owned() + &"<b/>".repeat(1000) + "</a>";
    let opts = ParseOptions {
        max_nodes: 100,
        ..ParseOptions::default()
    };
    assert!(matches!(parse(&xml, &opts), Err(Error::Parse(_))));
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 100_000;
    let xml = "<a xmlns:x=\"urn:x\">".repeat(depth) + "<x:b/>" + &"</a>".repeat(depth);
    let doc = match parse(&xml, &ParseOptions::default()) {
        Ok(d) => d,
        Err(e) => panic!("parse: {e}"),
    };
    for options in all_options() {
        let out =
            canonicalize(&NodeSet::document(&doc), &options).unwrap_or_else(|e| panic!("{e}"));
        let (head, leaf): (&[u8], &[u8]) = if options.method == Method::ExcC14n10 {
            (b"<a><a><a>", b"<a><x:b xmlns:x=\"urn:x\"></x:b></a>")
        } else {
            (b"<a xmlns:x=\"urn:x\"><a><a>", b"<a><x:b></x:b></a>")
        };
        assert!(out.starts_with(head), "{options:?}");
        assert!(out.windows(leaf.len()).any(|w| w == leaf), "{options:?}");
        assert!(out.ends_with(b"</a></a>"));
    }
}

#[test]
fn relative_and_invalid_namespace_uris_fail() {
    let cases = [
        ("<a xmlns=\"relative/ns\"/>", true),
        ("<a><b xmlns:p=\"../p\" p:x=\"1\"/></a>", true),
        ("<a xmlns:p=\"http://a b/\"/>", false),
        ("<a xmlns:p=\"urn:é\"/>", false),
    ];
    for (xml, relative) in cases {
        let doc = Document::parse(xml).unwrap_or_else(|e| panic!("{xml}: {e}"));
        for options in all_options() {
            match canonicalize(&NodeSet::document(&doc), &options) {
                Err(Error::RelativeNamespaceUri { .. }) if relative => {}
                Err(Error::InvalidNamespaceUri { .. }) if !relative => {}
                other => panic!("{xml}: got {other:?}"),
            }
        }
    }
    // Like libxml2, a relative URI anywhere in the document fails a subset too.
    let doc =
        Document::parse("<r><a Id=\"x\"/><b xmlns=\"rel\"/></r>").unwrap_or_else(|e| panic!("{e}"));
    let a = doc
        .descendants()
        .find(|n| n.has_tag_name("a"))
        .unwrap_or_else(|| panic!("no a"));
    assert!(matches!(
        canonicalize(&NodeSet::subtree(a), &Options::new(Method::ExcC14n10)),
        Err(Error::RelativeNamespaceUri { .. })
    ));
}

#[test]
fn namespace_uris_are_written_verbatim_like_libxml2() {
    // A valid URI may contain '&'. libxml2 writes namespace values without
    // escaping (unlike attribute values); the spec would write "&amp;".
    let doc = Document::parse("<a xmlns:p=\"http://x/?a=1&amp;b=2\" p:x=\"1&amp;2\"/>")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = canonicalize(&NodeSet::document(&doc), &Options::new(Method::C14n10))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out,
        b"<a xmlns:p=\"http://x/?a=1&b=2\" p:x=\"1&amp;2\"></a>"
    );
}

#[test]
fn dtd_default_attributes_are_applied_but_not_defaulted_namespaces() {
    // Like libxml2 with XML_PARSE_DTDATTR (xmllint --c14n): attr="default"
    // and xml:space="preserve" are added where the element lacks them.
    let xml = "<!DOCTYPE doc [<!ATTLIST e attr CDATA \"default\"><!ATTLIST e xml:space (default|preserve) \"preserve\">]><doc><e/><e attr=\"own\"/></doc>";
    assert_eq!(
        c14n_doc(xml).ok(),
        Some(
            b"<doc><e attr=\"default\" xml:space=\"preserve\"></e><e attr=\"own\" xml:space=\"preserve\"></e></doc>"
                .to_vec()
        )
    );
    // A defaulted namespace declaration (xmlns:ds) is not applied: documented
    // limitation, the only difference from xmllint on this fixture.
    let text = common::read(&fixtures().join("limitations/dtd-default-attr.xml"));
    let expected = common::read(&fixtures().join("limitations/dtd-default-attr.kyso.c14n.xml"));
    let xmllint = common::read(&fixtures().join("limitations/dtd-default-attr.xmllint.c14n.xml"));
    let out = c14n_doc(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(String::from_utf8_lossy(&out), expected);
    assert_eq!(
        xmllint.replace(" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"", ""),
        expected
    );
}

#[test]
fn xml_prefixed_element_names_are_a_roxmltree_limitation() {
    // Well-formed XML, but roxmltree refuses element names with the xml
    // prefix; the error is clean.
    assert!(parse("<xml:a/>", &ParseOptions::default()).is_err());
}

#[test]
fn api_errors_and_edge_node_sets() {
    let doc = Document::parse("<r><a Id=\"x\">t<!--c--><b/></a><z/></r>")
        .unwrap_or_else(|e| panic!("{e}"));
    let other = Document::parse("<o/>").unwrap_or_else(|e| panic!("{e}"));
    let root = doc.root_element();
    let a = root.first_child().unwrap_or_else(|| panic!("no a"));
    let text = a.first_child().unwrap_or_else(|| panic!("no text"));
    let opts = Options::new(Method::C14n10).comments(true);

    assert!(matches!(
        canonicalize(&NodeSet::subtree(text), &opts),
        Err(Error::UnsupportedApex(_))
    ));
    assert!(matches!(
        canonicalize(
            &NodeSet::document(&doc).excluding(other.root_element()),
            &opts
        ),
        Err(Error::ForeignNode)
    ));
    // Excluding the apex or an ancestor leaves nothing.
    assert_eq!(
        canonicalize(&NodeSet::subtree(a).excluding(a), &opts).ok(),
        Some(Vec::new())
    );
    assert_eq!(
        canonicalize(&NodeSet::subtree(a).excluding(root), &opts).ok(),
        Some(Vec::new())
    );
    // Excluding something outside the apex changes nothing.
    let z = root.last_child().unwrap_or_else(|| panic!("no z"));
    assert_eq!(
        canonicalize(&NodeSet::subtree(a).excluding(z), &opts).ok(),
        canonicalize(&NodeSet::subtree(a), &opts).ok()
    );
    // Excluding a text or comment node removes just that node.
    let comment = text.next_sibling().unwrap_or_else(|| panic!("no comment"));
    assert_eq!(
        canonicalize(&NodeSet::subtree(a).excluding(comment), &opts).ok(),
        Some(b"<a Id=\"x\">t<b></b></a>".to_vec())
    );
    assert!(NodeSet::subtree(a).contains(text));
    assert!(!NodeSet::subtree(a).excluding(comment).contains(comment));
    assert!(!NodeSet::subtree(a).contains(z));
    // The root node as a subtree apex is the whole document.
    assert_eq!(
        canonicalize(&NodeSet::subtree(doc.root()), &opts).ok(),
        canonicalize(&NodeSet::document(&doc), &opts).ok()
    );
    // canonicalize_into appends, and leaves the buffer alone on error.
    let mut buf = b"prefix:".to_vec();
    assert!(canonicalize_into(&NodeSet::subtree(text), &opts, &mut buf).is_err());
    assert_eq!(buf, b"prefix:");
    assert!(canonicalize_into(&NodeSet::subtree(z), &opts, &mut buf).is_ok());
    assert_eq!(buf, b"prefix:<z></z>");
}

/// A small deterministic mutation fuzzer over the fixture inputs: whatever
/// roxmltree accepts must canonicalize without panicking, in every variant
/// and for every element as apex.
#[test]
fn mutated_inputs_never_panic() {
    let mut seeds = Vec::new();
    if let Ok(entries) = std::fs::read_dir(fixtures().join("inputs")) {
        for e in entries.flatten() {
            if let Ok(bytes) = std::fs::read(e.path()) {
                seeds.push(bytes);
            }
        }
    }
    assert!(!seeds.is_empty());
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let specials: &[&[u8]] = &[
        b"<",
        b">",
        b"&",
        b"\"",
        b"xmlns=\"\"",
        b"xmlns:a=\"urn:a\"",
        b"a:",
        b"xml:",
        b"<![CDATA[",
        b"]]>",
        b"&#13;",
        b"\r",
        b"<!--",
        b"-->",
        b"<?p ?>",
        b"/>",
    ];
    let start = Instant::now();
    let mut parsed = 0;
    for i in 0..3000 {
        let seed = &seeds[i % seeds.len()];
        let mut m = seed.clone();
        for _ in 0..1 + next() % 4 {
            if m.is_empty() {
                break;
            }
            let at = (next() % m.len() as u64) as usize;
            match next() % 4 {
                0 => m.truncate(at),
                1 => {
                    m.remove(at);
                }
                2 => m[at] = (next() & 0x7f) as u8,
                _ => {
                    let s = specials[(next() % specials.len() as u64) as usize];
                    m.splice(at..at, s.iter().copied());
                }
            }
        }
        let Ok(text) = std::str::from_utf8(&m) else {
            continue;
        };
        let Ok(doc) = parse(text, &parse_options()) else {
            continue;
        };
        parsed += 1;
        for options in all_options() {
            let _ = canonicalize(&NodeSet::document(&doc), &options);
            for el in doc.descendants().filter(|n| n.is_element()).take(5) {
                let _ = canonicalize(&NodeSet::subtree(el), &options);
                let _ = canonicalize(&NodeSet::document(&doc).excluding(el), &options);
            }
        }
    }
    assert!(parsed > 100, "only {parsed} mutants parsed");
    assert!(start.elapsed() < Duration::from_secs(120));
}
