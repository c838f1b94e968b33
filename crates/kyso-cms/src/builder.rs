//! Building a detached CMS SignedData over a pre-computed content digest.

use kyso_pki::der::{self, tag};
use kyso_pki::{Credential, DigestAlgorithm, time::UnixTime};

use crate::Error;
use crate::oids;

/// What goes into the signature.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    pub digest: DigestAlgorithm,
    /// A signingTime attribute; PAdES baseline forbids it (the time goes in the PDF /M).
    pub signing_time: Option<UnixTime>,
    /// Embed the issuer chain (without the self-signed root) as well as the signer certificate.
    pub include_chain: bool,
}

fn attribute(oid: &str, value: &[u8]) -> Vec<u8> {
    der::seq(&[&der::oid(oid), &der::set_of(&[value])])
}

/// ESS signing-certificate-v2 for `cert_der` with `digest` (RFC 5035).
fn signing_certificate_v2(cred: &Credential, digest: DigestAlgorithm) -> Vec<u8> {
    let cert = &cred.certificate;
    let hash = der::octet_string(&digest.digest(cert.der()));
    let general_names = der::seq(&[&der::tlv(tag::ctx(4), cert.issuer.raw())]);
    let issuer_serial = der::seq(&[&general_names, &der::tlv(tag::INTEGER, &cert.serial)]);
    let ess_cert_id = if digest == DigestAlgorithm::Sha256 {
        der::seq(&[&hash, &issuer_serial])
    } else {
        der::seq(&[&digest.algorithm_identifier(), &hash, &issuer_serial])
    };
    der::seq(&[&der::seq(&[&ess_cert_id])])
}

/// The DER `SET OF Attribute` that will be signed.
pub fn signed_attributes(cred: &Credential, content_digest: &[u8], opts: &BuildOptions) -> Vec<u8> {
    let mut attrs = vec![
        attribute(oids::CONTENT_TYPE, &der::oid(oids::DATA)),
        attribute(oids::MESSAGE_DIGEST, &der::octet_string(content_digest)),
        attribute(
            oids::SIGNING_CERTIFICATE_V2,
            &signing_certificate_v2(cred, opts.digest),
        ),
    ];
    if let Some(t) = opts.signing_time {
        attrs.push(attribute(
            oids::SIGNING_TIME,
            &kyso_pki::time::to_asn1_time(t),
        ));
    }
    let refs: Vec<&[u8]> = attrs.iter().map(|a| a.as_slice()).collect();
    der::set_of(&refs)
}

/// Builds a detached SignedData ContentInfo. `content_digest` is the digest of the signed
/// content with `opts.digest`. The signature is made by `cred.key`.
pub fn build_detached(
    cred: &Credential,
    content_digest: &[u8],
    opts: &BuildOptions,
) -> Result<Vec<u8>, Error> {
    cred.key.supports(opts.digest)?;
    let signed_attrs = signed_attributes(cred, content_digest, opts);
    let signature = cred.key.sign(opts.digest, &signed_attrs)?;
    Ok(assemble(cred, &signed_attrs, &signature, opts))
}

/// Assembles the ContentInfo from signed attributes and a signature made elsewhere
/// (for example by a token or a remote signing service).
pub fn assemble(
    cred: &Credential,
    signed_attrs_set: &[u8],
    signature: &[u8],
    opts: &BuildOptions,
) -> Vec<u8> {
    let cert = &cred.certificate;
    let scheme = cred.key.scheme(opts.digest);
    let digest_alg = opts.digest.algorithm_identifier();
    let sid = der::seq(&[cert.issuer.raw(), &der::tlv(tag::INTEGER, &cert.serial)]);
    // [0] IMPLICIT SET OF Attribute: same content as the SET, context tag.
    let mut implicit_attrs = signed_attrs_set.to_vec();
    if let Some(first) = implicit_attrs.first_mut() {
        *first = tag::ctx(0);
    }
    let signer_info = der::seq(&[
        &der::small_int(1),
        &sid,
        &digest_alg,
        &implicit_attrs,
        &scheme.algorithm_identifier(),
        &der::octet_string(signature),
    ]);
    let mut certs: Vec<u8> = cert.der().to_vec();
    if opts.include_chain {
        // Self-signed roots are left out: a verifier must already hold them as trust anchors.
        for c in cred.chain.iter().filter(|c| !c.is_self_issued()) {
            certs.extend_from_slice(c.der());
        }
    }
    let signed_data = der::seq(&[
        &der::small_int(1),
        &der::set_of(&[&digest_alg]),
        &der::seq(&[&der::oid(oids::DATA)]),
        &der::tlv(tag::ctx(0), &certs),
        &der::set_of(&[&signer_info]),
    ]);
    der::seq(&[
        &der::oid(oids::SIGNED_DATA),
        &der::tlv(tag::ctx(0), &signed_data),
    ])
}

/// An upper bound on the size of what [`build_detached`] produces for `cred`, for reserving
/// space in a PDF before the signature exists.
pub fn size_estimate(cred: &Credential) -> usize {
    let certs: usize =
        cred.certificate.der().len() + cred.chain.iter().map(|c| c.der().len()).sum::<usize>();
    // Attributes (~2 names + hashes), a signature of up to 8192 bits, and DER overhead.
    certs + 2 * cred.certificate.issuer.raw().len() + 2048
}
