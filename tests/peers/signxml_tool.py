"""signxml as a peer for kyso's interop tests.

    python signxml_tool.py verify FILE ROOT_PEM LOCATION N_REFS [ID_ATTR]
    python signxml_tool.py sign IN OUT KEY_PEM CERT_PEM... 

`verify` exits 0 and prints VALID when the signature at LOCATION (an ElementPath such as
`./` or `./DSCKS/NMua/`) verifies with a chain to ROOT_PEM; otherwise it prints the error and
exits 1. `sign` makes an enveloped rsa-sha256 signature (inclusive C14N 1.0) with the chain.
"""
import sys

from lxml import etree
from signxml import SignatureConfiguration, XMLSigner, XMLVerifier, methods
from signxml.algorithms import CanonicalizationMethod


def verify(path, root_pem, location, n_refs, id_attr=None):
    root = etree.parse(path).getroot()
    config = SignatureConfiguration(location=location, expect_references=int(n_refs))
    try:
        XMLVerifier().verify(root, ca_pem_file=root_pem, expect_config=config, id_attribute=id_attr)
    except Exception as e:  # noqa: BLE001 - report any rejection
        print(f"INVALID: {type(e).__name__}: {e}")
        return 1
    print("VALID")
    return 0


def sign(src, dst, key_pem, *cert_pems):
    root = etree.parse(src).getroot()
    key = open(key_pem, "rb").read()
    certs = [open(p).read() for p in cert_pems]
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm="rsa-sha256",
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
