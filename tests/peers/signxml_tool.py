"""signxml as a peer for kyso's interop tests.

    python signxml_tool.py verify [--tax-form] FILE ROOT_PEM LOCATION N_REFS [ID_ATTR]
    python signxml_tool.py sign [--alg SIGNATURE_METHOD] IN OUT KEY_PEM CERT_PEM...

`verify` exits 0 and prints VALID when the signature at LOCATION (an ElementPath such as
`./` or `./DSCKS/NMua/`) verifies with a chain to ROOT_PEM; otherwise it prints the error and
exits 1. `--tax-form` works around two failures of signxml 5.2 (lxml 6.2, libxml2 2.14) on
the tax authority's e-invoice form (XMLDSig as the default namespace of the Signature,
SigningTime as an XMLDSig element): it skips the XML Signature schema check, whose
SignatureProperty admits only foreign elements, and it drops the `xmlns=""` that lxml's
subtree C14N adds under an inherited default namespace (signxml issue #275). `sign` makes an enveloped signature (inclusive C14N 1.0, SHA-256 digest) with the chain;
--alg names a signxml SignatureMethod member (default RSA_SHA256), e.g. SHA256_RSA_MGF1 (RSA-PSS)
or ECDSA_SHA384.
"""
import sys

from lxml import etree
from signxml import SignatureConfiguration, XMLSigner, XMLVerifier, methods
from signxml.algorithms import CanonicalizationMethod, SignatureMethod


def verify(*args):
    tax_form = args[0] == "--tax-form"
    if tax_form:
        args = args[1:]
    path, root_pem, location, n_refs, *rest = args
    id_attr = rest[0] if rest else None
    root = etree.parse(path).getroot()
    config = SignatureConfiguration(location=location, expect_references=int(n_refs))
    verifier = XMLVerifier()
    verifier.excise_empty_xmlns_declarations = tax_form
    try:
        verifier.verify(
            root,
            ca_pem_file=root_pem,
            expect_config=config,
            id_attribute=id_attr,
            validate_schema=not tax_form,
        )
    except Exception as e:  # noqa: BLE001 - report any rejection
        print(f"INVALID: {type(e).__name__}: {e}")
        return 1
    print("VALID")
    return 0


def sign(*args):
    alg = "RSA_SHA256"
    if args[0] == "--alg":
        alg, args = args[1], args[2:]
    src, dst, key_pem, *cert_pems = args
    root = etree.parse(src).getroot()
    key = open(key_pem, "rb").read()
    certs = [open(p).read() for p in cert_pems]
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm=SignatureMethod[alg],
        digest_algorithm="sha256",
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signed = signer.sign(root, key=key, cert=certs)
    with open(dst, "wb") as f:
        f.write(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
    return 0


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    sys.exit(verify(*args) if cmd == "verify" else sign(*args))
