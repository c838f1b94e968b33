#!/usr/bin/env bash
# Province-scale batch benchmark: generates N letters and N/4 e-invoices, signs them with
# `kyso sign --out-dir` (personal then agency; seller then buyer), verifies them all with
# `kyso batch`, and compares with one sha256sum pass over the same bytes, `openssl speed rsa2048`
# for signing, and the peers on samples (pdfsig and xmlsec1 per file, pyHanko in-process).
#
#   bash scripts/bench-batch.sh [N]        # default N=2000 letters (+ N/4 invoices)
#
# Then a second corpus of BIG (default 24) two-signature PDFs of 10 MiB each (incompressible
# images, made by `cargo run --release --example big_pdf`), verified by `kyso batch` against one
# sha256sum pass (target <= 1.3).
#
# Environment: KYSO_VENV (python venv with pyhanko; default .venv), SAMPLE (peer sample size,
# default 40), BIG (number of 10 MiB documents, 0 to skip), CARGO_TARGET_DIR (honoured).
# Writes to bench-out/batch/ (gitignored).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

n=${1:-2000}
sample=${SAMPLE:-40}
kyso=${CARGO_TARGET_DIR:-target}/release/kyso
root=fixtures/pki/root.pem
work=bench-out/batch
venv=${KYSO_VENV:-.venv}
export KYSO_PASSWORD=kyso-fixture   # fixture-only password

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

big=${BIG:-24}
cargo build --release --quiet --bin kyso --example big_pdf
big_pdf=${CARGO_TARGET_DIR:-target}/release/examples/big_pdf
rm -rf "$work"
mkdir -p "$work"/plain "$work"/personal "$work"/final "$work"/invoices-plain "$work"/invoices-seller "$work"/invoices-final
letters=(classic xrefstream linearized form updates)
for ((i = 0; i < n; i++)); do
    cp "fixtures/pdf/letter-${letters[i % 5]}.pdf" "$work/plain/cv-$i.pdf"
done
ninv=$((n / 4))
for ((i = 0; i < ninv; i++)); do
    cp fixtures/xml/docs/invoice.xml "$work/invoices-plain/hd-$i.xml"
done

echo "== signing $n letters (personal, certify; then agency) and $ninv invoices (seller; then buyer), 2 threads"
t0=$(now)
"$kyso" sign "$work"/plain/*.pdf --out-dir "$work/personal" --p12 fixtures/pki/personal.p12 --password-env KYSO_PASSWORD --certify --json >/dev/null
"$kyso" sign "$work"/personal/*.pdf --out-dir "$work/final" --p12 fixtures/pki/agency.p12 --password-env KYSO_PASSWORD --json >/dev/null
"$kyso" sign "$work"/invoices-plain/*.xml --out-dir "$work/invoices-seller" --p12 fixtures/pki/agency.p12 --password-env KYSO_PASSWORD --json >/dev/null
"$kyso" sign "$work"/invoices-seller/*.xml --out-dir "$work/invoices-final" --p12 fixtures/pki/personal.p12 --password-env KYSO_PASSWORD --einvoice-role buyer --json >/dev/null
t1=$(now)
sign_s=$(elapsed "$t0" "$t1")
signatures=$((2 * n + 2 * ninv))
sign_rate=$(awk -v s="$signatures" -v t="$sign_s" 'BEGIN { printf "%.0f", s / t }')
rsa_bound=$(openssl speed -multi 2 -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ { print $(NF-1) }' | tail -n 1)
# The same agency signing of the letters into memory (/dev/shm), to separate the signing
# pipeline from the disk's cost of creating and syncing thousands of files.
shm_rate=-
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm=$(mktemp -d /dev/shm/kyso-bench.XXXXXX)
    t0=$(now)
    "$kyso" sign "$work"/plain/*.pdf --out-dir "$shm" --p12 fixtures/pki/agency.p12 --password-env KYSO_PASSWORD --json >/dev/null
    t1=$(now)
    shm_rate=$(awk -v s="$n" -v t="$(elapsed "$t0" "$t1")" 'BEGIN { printf "%.0f", s / t }')
    rm -rf "$shm"
fi

docs=("$work"/final/*.pdf "$work"/invoices-final/*.xml)
bytes=$(cat "${docs[@]}" | wc -c)
echo "== sha256sum, one pass over the same $(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
sync
cat "${docs[@]}" >/dev/null   # warm the page cache for everyone
t0=$(now); cat "${docs[@]}" | sha256sum >/dev/null; t1=$(now)
sha_s=$(elapsed "$t0" "$t1")

echo "== kyso batch over $((n + ninv)) documents"
t0=$(now)
"$kyso" batch "$work/final" "$work/invoices-final" --trust "$root" --quiet --report "$work/report.jsonl" || true
t1=$(now)
batch_s=$(elapsed "$t0" "$t1")
passed=$(grep -c '"status":"passed"' "$work/report.jsonl" || true)
echo "   passed: $passed of $((n + ninv))"
kyso_docs_s=$(awk -v d="$((n + ninv))" -v t="$batch_s" 'BEGIN { printf "%.0f", d / t }')

pdf_sample=("${docs[@]:0:$sample}")
inv_sample=("$work"/invoices-final/*.xml)
inv_sample=("${inv_sample[@]:0:$sample}")
pdfsig_ms=-
if command -v pdfsig >/dev/null; then
    t0=$(now); for f in "${pdf_sample[@]}"; do pdfsig -nocert "$f" >/dev/null 2>&1 || true; done; t1=$(now)
    pdfsig_ms=$(awk -v t="$(elapsed "$t0" "$t1")" -v k="${#pdf_sample[@]}" 'BEGIN { printf "%.2f", t * 1000 / k }')
fi
xmlsec_ms=-
if command -v xmlsec1 >/dev/null; then
    t0=$(now)
    for f in "${inv_sample[@]}"; do
        for slot in NBan NMua; do
            xmlsec1 --verify --trusted-pem "$root" --id-attr:Id DLHDon --node-xpath "//*[local-name()='$slot']/*[local-name()='Signature']" "$f" >/dev/null 2>&1 || true
        done
    done
    t1=$(now)
    xmlsec_ms=$(awk -v t="$(elapsed "$t0" "$t1")" -v k="${#inv_sample[@]}" 'BEGIN { printf "%.2f", t * 1000 / k }')
fi
pyhanko_ms=-
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import pyhanko' 2>/dev/null; then
    pyhanko_ms=$("$venv/bin/python" scripts/bench_pyhanko.py --trust "$root" --min-seconds 2 "${pdf_sample[@]:0:5}" | tail -n 1 |
        sed -n 's/.*"ms_per_letter": \([0-9.eE+-]*\).*/\1/p')
fi

kyso_ms_per_doc_core=$(awk -v t="$batch_s" -v d="$((n + ninv))" 'BEGIN { printf "%.3f", t * 1000 * 2 / d }')
echo
echo "kyso batch: $((n + ninv)) documents ($n two-signature letters, $ninv two-signature invoices), $(nproc) cores"
printf '%-46s %12s\n' "what" "figure"
printf '%-46s %12s\n' "kyso batch wall time (s)" "$batch_s"
printf '%-46s %12s\n' "one sha256sum pass over the same bytes (s)" "$sha_s"
printf '%-46s %12s   (target <= 3)\n' "kyso batch / sha256sum" "$(ratio "$batch_s" "$sha_s")"
printf '%-46s %12s\n' "documents/s (2 cores)" "$kyso_docs_s"
printf '%-46s %12s\n' "kyso ms per document per core" "$kyso_ms_per_doc_core"
printf '%-46s %12s   (kyso x: %s, target >= 20)\n' "pdfsig -nocert ms per letter (process)" "$pdfsig_ms" "$(ratio "$pdfsig_ms" "$kyso_ms_per_doc_core")"
printf '%-46s %12s   (kyso x: %s, target >= 100)\n' "pyHanko in-process ms per letter" "$pyhanko_ms" "$(ratio "$pyhanko_ms" "$kyso_ms_per_doc_core")"
printf '%-46s %12s   (kyso x: %s, target >= 50)\n' "xmlsec1 ms per two-signature invoice" "$xmlsec_ms" "$(ratio "$xmlsec_ms" "$kyso_ms_per_doc_core")"
printf '%-46s %12s\n' "kyso batch signing, signatures/s (2 cores)" "$sign_rate"
printf '%-46s %12s   (kyso/bound: %s, target >= 0.5)\n' "openssl speed rsa2048 signs/s (2 cores)" "${rsa_bound:--}" "$(ratio "$sign_rate" "${rsa_bound:-0}")"
printf '%-46s %12s   (kyso/bound: %s)\n' "kyso signing letters into /dev/shm, sigs/s" "$shm_rate" "$(ratio "$shm_rate" "${rsa_bound:-0}")"

if [ "$big" -gt 0 ]; then
    echo
    echo "== large documents: $big two-signature PDFs of 10 MiB"
    mkdir -p "$work"/big-plain "$work"/big-personal "$work"/big-final
    "$big_pdf" "$work/big-plain/big-0.pdf" 10
    for ((i = 1; i < big; i++)); do cp "$work/big-plain/big-0.pdf" "$work/big-plain/big-$i.pdf"; done
    "$kyso" sign "$work"/big-plain/*.pdf --out-dir "$work/big-personal" --p12 fixtures/pki/personal.p12 --password-env KYSO_PASSWORD --certify --json >/dev/null
    "$kyso" sign "$work"/big-personal/*.pdf --out-dir "$work/big-final" --p12 fixtures/pki/agency.p12 --password-env KYSO_PASSWORD --json >/dev/null
    bigdocs=("$work"/big-final/*.pdf)
    bigbytes=$(cat "${bigdocs[@]}" | wc -c)
    sync
    cat "${bigdocs[@]}" >/dev/null
    t0=$(now); cat "${bigdocs[@]}" | sha256sum >/dev/null; t1=$(now)
    bigsha_s=$(elapsed "$t0" "$t1")
    t0=$(now); cat "${bigdocs[@]}" | openssl dgst -sha256 >/dev/null; t1=$(now)
    bigossl_s=$(elapsed "$t0" "$t1")
    t0=$(now)
    "$kyso" batch "$work/big-final" --trust "$root" --quiet --report "$work/big-report.jsonl" || true
    t1=$(now)
    bigbatch_s=$(elapsed "$t0" "$t1")
    bigpassed=$(grep -c '"status":"passed"' "$work/big-report.jsonl" || true)
    printf '%-46s %12s\n' "large: documents passed" "$bigpassed of $big"
    printf '%-46s %12s\n' "large: bytes" "$(awk -v b="$bigbytes" 'BEGIN { printf "%.0f MB", b / 1e6 }')"
    printf '%-46s %12s\n' "large: kyso batch wall time (s)" "$bigbatch_s"
    printf '%-46s %12s\n' "large: one sha256sum pass (s)" "$bigsha_s"
    printf '%-46s %12s   (target <= 1.3)\n' "large: kyso batch / sha256sum" "$(ratio "$bigbatch_s" "$bigsha_s")"
    printf '%-46s %12s\n' "large: one openssl dgst -sha256 pass (s)" "$bigossl_s"
    printf '%-46s %12s\n' "large: kyso batch / openssl dgst" "$(ratio "$bigbatch_s" "$bigossl_s")"
fi
