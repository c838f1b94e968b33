#!/usr/bin/env bash
# Renders the README's pictures of visible signatures from the fixtures:
#   docs/issued.png  the Vietnamese letter approved by the official (his signature above his
#                    printed name, a certification) then issued by the registry (the seal over
#                    the left third of the signature, the number and date filled in);
#   docs/copy.png    a copy of the letter (SAO Y, the agency, the signing time, top right).
# Needs poppler-utils (pdftoppm). Usage: scripts/render-examples.sh [OUT_DIR] (default docs).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs}
mkdir -p "$out"
cargo build -q --bin kyso
kyso=target/debug/kyso
export KYSO_PASSWORD=kyso-fixture
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sign() { "$kyso" sign "$@" --password-env KYSO_PASSWORD >/dev/null; }
sign fixtures/pdf/letter-vn-form.pdf -o "$tmp/approved.pdf" --p12 fixtures/pki/personal.p12 \
    --certify --preset approve --image fixtures/images/chu-ky.png --anchor "Nguyễn Văn An"
sign "$tmp/approved.pdf" -o "$tmp/issued.pdf" --p12 fixtures/pki/agency.p12 \
    --preset issue --image fixtures/images/con-dau.png --number 123/UBND-VP --date 2026-12-03
sign fixtures/pdf/letter-vn.pdf -o "$tmp/copy.pdf" --p12 fixtures/pki/agency.p12 \
    --preset copy --copy-kind "SAO Y"
"$kyso" verify "$tmp/issued.pdf" --trust fixtures/pki/root.pem >/dev/null
for name in issued copy; do
    pdftoppm -r 60 -png -singlefile -f 1 -l 1 "$tmp/$name.pdf" "$out/$name"
    echo "wrote $out/$name.png"
done
