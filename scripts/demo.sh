#!/usr/bin/env bash
# The main job on the bundled fixtures: an official signs a letter with a personal certificate
# (a certification signature), the registry adds the agency seal, and the receiving agency
# verifies both; then an e-invoice is signed by the seller and the buyer and verified.
# Output goes to target/demo/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x target/release/kyso ]; then
    echo "== building kyso (release): the first build compiles about 100 crates and takes" \
        "a few minutes on two cores; later runs start at once" >&2
fi
cargo build --release --quiet --bin kyso
echo "== signing and verifying the fixtures into target/demo/" >&2
kyso=target/release/kyso
out=target/demo
mkdir -p "$out"
# The fixture PKCS#12 password; fixture-only, never use these keys for anything real.
export KYSO_PASSWORD=kyso-fixture

$kyso sign fixtures/pdf/letter-classic.pdf -o "$out/letter.signed.pdf" \
    --p12 fixtures/pki/personal.p12 --password-env KYSO_PASSWORD --certify \
    --reason "Phê duyệt văn bản" --location "Bắc Ninh"
$kyso sign "$out/letter.signed.pdf" -o "$out/letter.final.pdf" \
    --p12 fixtures/pki/agency.p12 --password-env KYSO_PASSWORD
echo
$kyso verify "$out/letter.final.pdf" --trust fixtures/pki/root.pem
echo
echo "machine-readable report:"
$kyso verify "$out/letter.final.pdf" --trust fixtures/pki/root.pem --json

echo
echo "e-invoice: seller (agency certificate), then buyer (personal certificate):"
$kyso sign fixtures/xml/docs/invoice.xml -o "$out/invoice.seller.xml" \
    --p12 fixtures/pki/agency.p12 --password-env KYSO_PASSWORD
$kyso sign "$out/invoice.seller.xml" -o "$out/invoice.both.xml" \
    --p12 fixtures/pki/personal.p12 --password-env KYSO_PASSWORD --einvoice-role buyer
$kyso verify "$out/invoice.both.xml" --trust fixtures/pki/root.pem
