//! DTD attribute defaults, attribute-type normalization and internal entities
//! (Canonical XML 1.0 §3.3–§3.5). The expected outputs are libxml2's
//! (`xmllint --dtdattr --noent --c14n` / `--c14n11` / `--exc-c14n`).

use kyso_c14n::{Error, Method, NodeSet, Options, ParseOptions, canonicalize, parse};

const DOC: &str = r#"<!DOCTYPE r [
<!ENTITY sp "two  words">
<!ATTLIST r xmlns:p CDATA #FIXED "urn:p">
<!ATTLIST e tok NMTOKENS #IMPLIED id ID #IMPLIED d CDATA "de&sp;f" fx CDATA #FIXED "fixed" en (a|b) "  a " p:q CDATA "pq" xml:lang CDATA "en">
<!ATTLIST e d CDATA "ignored">
]>
<r xmlns:p="urn:p"><e tok="  x   y&#9;z  " id=" i1 " cd="  keep  "/><e d="own" xml:lang="vi">&sp;</e></r>
"#;

const INCLUSIVE: &str = r#"<r xmlns:p="urn:p"><e cd="  keep  " d="detwo  wordsf" en="a" fx="fixed" id="i1" tok="x y&#x9;z" xml:lang="en" p:q="pq"></e><e d="own" en="a" fx="fixed" xml:lang="vi" p:q="pq">two  words</e></r>"#;

const EXCLUSIVE: &str = r#"<r><e xmlns:p="urn:p" cd="  keep  " d="detwo  wordsf" en="a" fx="fixed" id="i1" tok="x y&#x9;z" xml:lang="en" p:q="pq"></e><e xmlns:p="urn:p" d="own" en="a" fx="fixed" xml:lang="vi" p:q="pq">two  words</e></r>"#;

fn options() -> ParseOptions {
    ParseOptions {
        allow_dtd: true,
        ..Default::default()
    }
}

fn c14n(text: &str, method: Method) -> Result<String, Error> {
    let doc = parse(text, &options())?;
    let bytes = canonicalize(&NodeSet::document(&doc), &Options::new(method))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[test]
fn defaults_normalization_entities() -> Result<(), Error> {
    assert_eq!(c14n(DOC, Method::C14n10)?, INCLUSIVE);
    assert_eq!(c14n(DOC, Method::C14n11)?, INCLUSIVE);
    assert_eq!(c14n(DOC, Method::ExcC14n10)?, EXCLUSIVE);
    Ok(())
}

#[test]
fn default_on_a_subtree() -> Result<(), Error> {
    let doc = parse(DOC, &options())?;
    let Some(e) = doc.descendants().find(|n| n.has_tag_name("e")) else {
        panic!("no e");
    };
    let bytes = canonicalize(&NodeSet::subtree(e), &Options::new(Method::C14n10))?;
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        r#"<e xmlns:p="urn:p" cd="  keep  " d="detwo  wordsf" en="a" fx="fixed" id="i1" tok="x y&#x9;z" xml:lang="en" p:q="pq"></e>"#
    );
    Ok(())
}

#[test]
fn w3c_3_3_and_3_4_shapes() -> Result<(), Error> {
    let doc = "<!DOCTYPE doc [<!ATTLIST e9 attr CDATA \"default\"><!ATTLIST n a NMTOKENS #IMPLIED>]>\
               <doc><e9 xmlns=\"\"/><n a='   A   &#x20;&#13;&#xa;&#9;   B   '/></doc>";
    assert_eq!(
        c14n(doc, Method::C14n10)?,
        "<doc><e9 attr=\"default\"></e9><n a=\"A &#xD;&#xA;&#x9; B\"></n></doc>"
    );
    Ok(())
}

#[test]
fn no_dtd_unchanged() -> Result<(), Error> {
    let doc = "<doc><e a='  x  '/></doc>";
    assert_eq!(c14n(doc, Method::C14n10)?, "<doc><e a=\"  x  \"></e></doc>");
    Ok(())
}

#[test]
fn billion_laughs_in_a_default_is_refused() {
    let mut doc = String::from("<!DOCTYPE a [<!ENTITY e0 'lollollollollollollollollollol'>");
    for i in 1..8 {
        let p = i - 1;
        doc.push_str(&format!(
            "<!ENTITY e{i} '&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};&e{p};'>"
        ));
    }
    doc.push_str("<!ATTLIST a b CDATA '&e7;'>]><a/>");
    match c14n(&doc, Method::C14n10) {
        Err(Error::ExpansionLimit { .. } | Error::EntityDepth { .. }) => {}
        other => panic!("expected an expansion error, got {other:?}"),
    }
}

#[test]
fn deep_entities_in_a_default_are_refused() {
    let mut doc = String::from("<!DOCTYPE a [<!ENTITY e0 'x'>");
    for i in 1..12 {
        doc.push_str(&format!("<!ENTITY e{i} '&e{};'>", i - 1));
    }
    doc.push_str("<!ATTLIST a b CDATA '&e11;'>]><a/>");
    match c14n(&doc, Method::C14n10) {
        Err(Error::EntityDepth { limit: 8 }) => {}
        other => panic!("expected a depth error, got {other:?}"),
    }
}

/// Canonical XML 1.0 §3.5: internal entities in content are expanded; a
/// billion-laughs document, entities nested deeper than 8 and a loop are
/// refused before anything is expanded.
#[test]
fn entities_in_content_are_bounded() -> Result<(), Error> {
    let ok = "<!DOCTYPE doc [\n<!ENTITY ent1 \"Hello\">\n<!ENTITY ent2 \"&ent1;, world\">\n]>\n<doc a=\"&ent1;\">\n   &ent2;!\n</doc>";
    assert_eq!(
        c14n(ok, Method::C14n10)?,
        "<doc a=\"Hello\">\n   Hello, world!\n</doc>"
    );
    let mut laughs = String::from("<!DOCTYPE r [<!ENTITY l0 \"lol\">");
    // Eight levels (within the depth limit), 3 * 10^7 bytes.
    for i in 1..8 {
        let p = format!("&l{};", i - 1);
        laughs.push_str(&format!("<!ENTITY l{i} \"{}\">", p.repeat(10)));
    }
    let mut in_attribute = laughs.clone();
    laughs.push_str("]><r>&l7;</r>");
    in_attribute.push_str("]><r a=\"&l7;\"/>");
    for doc in [laughs, in_attribute] {
        match parse(&doc, &options()) {
            Err(Error::ExpansionLimit { limit, .. }) => assert_eq!(limit, 1 << 20),
            other => panic!("expected an expansion error, got {other:?}"),
        }
    }
    // Many references to a moderate entity: the total is bounded too.
    let wide = format!(
        "<!DOCTYPE r [<!ENTITY k \"{}\">]><r>{}</r>",
        "k".repeat(1000),
        "&k;".repeat(2000)
    );
    let small = ParseOptions {
        max_expanded_len: 1 << 20,
        ..options()
    };
    assert!(matches!(
        parse(&wide, &small),
        Err(Error::ExpansionLimit { .. })
    ));
    let mut deep = String::from("<!DOCTYPE a [<!ENTITY e0 'x'>");
    for i in 1..10 {
        deep.push_str(&format!("<!ENTITY e{i} '&e{};'>", i - 1));
    }
    let mut fits = deep.clone();
    deep.push_str("]><a>&e9;</a>");
    fits.push_str("]><a>&e7;</a>");
    assert!(matches!(
        parse(&deep, &options()),
        Err(Error::EntityDepth { limit: 8 })
    ));
    assert_eq!(c14n(&fits, Method::C14n10)?, "<a>x</a>");
    let looped = "<!DOCTYPE a [<!ENTITY x '&y;'><!ENTITY y '&x;'>]><a>&x;</a>";
    assert!(matches!(
        parse(looped, &options()),
        Err(Error::EntityDepth { .. })
    ));
    Ok(())
}
