#!/usr/bin/env bash
# Compares kyso's signature verification speed with poppler's pdfsig and pyHanko (PDF) and
# with xmlsec1 and signxml (XML e-invoices), on exactly the same files.
#
# Usage (from anywhere; runs from the repo root):
#   bash scripts/bench-peers.sh            # about 1-2 minutes once built
#   bash scripts/bench-peers.sh --quick    # shorter loops, noisier
#
# Steps:
#   1. cargo build --release, then `cargo bench --bench throughput`, which signs the
#      fixture letters (personal certification + agency signature) and a ~10 MB PDF,
#      and writes them to bench-out/.
#   2. Times, per file and process included: `kyso verify`, `pdfsig` (default NSS db,
#      an NSS db trusting fixtures/pki/root.pem, and -nocert), the pyHanko CLI and
#      sha256sum (reference). Bash loops with `date +%s.%N`; hyperfine is not needed.
#   3. Times pyHanko in-process (scripts/bench_pyhanko.py) against kyso in-process
#      (the bench's figures).
#
# Environment:
#   KYSO_VENV         Python venv with pyhanko + pyhanko-cli (default: .venv if it has
#                     pyhanko, else /tmp/kyso-pyhanko-venv, else create .venv and pip install
#                     scripts/requirements-peers.txt, as scripts/test.sh does)
#   CARGO_TARGET_DIR  honoured (the kyso binary is $CARGO_TARGET_DIR/release/kyso)
#   RUNS              rounds per file for the fast CLIs (default 30, --quick 8)
#   SLOW_RUNS         rounds per file for the pyHanko CLI (default 3, --quick 1)
#   PY_SECONDS        minimum time of the pyHanko in-process loop (default 3, --quick 1)
#
# Missing peers (pdfsig, certutil, pyHanko) are skipped with a note; the script only fails
# if kyso itself cannot be built, benchmarked, or does not pass its own files.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

quick=0
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        -h | --help)
            sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
            exit 0
            ;;
        *)
            echo "bench-peers.sh: unknown argument '$arg' (try --help)" >&2
            exit 2
            ;;
    esac
done
if ((quick)); then
    runs=${RUNS:-8} slow_runs=${SLOW_RUNS:-1} py_seconds=${PY_SECONDS:-1}
else
    runs=${RUNS:-30} slow_runs=${SLOW_RUNS:-3} py_seconds=${PY_SECONDS:-3}
fi
big_runs=$(((runs + 2) / 3))

root=fixtures/pki/root.pem
out=bench-out
kyso_bin=${CARGO_TARGET_DIR:-target}/release/kyso
work=$(mktemp -d "${TMPDIR:-/tmp}/kyso-bench-peers.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'echo "bench-peers.sh: command failed at line $LINENO" >&2' ERR

log() { printf '==> %s\n' "$*" >&2; }
note() { printf '    note: %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# --- 1. kyso: build and in-process bench --------------------------------------------------

log "cargo build --release"
cargo build --release --quiet --bin kyso
bench_args=()
((quick)) && bench_args=(-- --quick)
log "cargo bench --bench throughput ${bench_args[*]}"
cargo bench --quiet --bench throughput "${bench_args[@]}" | tee "$work/bench.txt"
kyso_json=$(grep '^{"bench":"kyso-throughput"' "$work/bench.txt" | tail -n 1)
[ -n "$kyso_json" ] || { echo "bench-peers.sh: no JSON line from the bench" >&2; exit 1; }
# json_num KEY: a number from the bench's JSON line (keys are unique).
json_num() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$kyso_json"; }

letters=("$out"/letter-*.final.pdf)
big=$out/big-10mb.final.pdf
[ -f "${letters[0]}" ] && [ -f "$big" ] || { echo "bench-peers.sh: bench-out/ files missing" >&2; exit 1; }

# --- peers: discover -----------------------------------------------------------------------

has_pyhanko() { [ -x "$1/bin/python" ] && "$1/bin/python" -c 'import pyhanko.sign, pyhanko_certvalidator' >/dev/null 2>&1; }
venv=
for cand in "${KYSO_VENV:-}" .venv /tmp/kyso-pyhanko-venv; do
    if [ -n "$cand" ] && has_pyhanko "$cand"; then
        venv=$cand
        break
    fi
done
if [ -z "$venv" ]; then
    target=${KYSO_VENV:-.venv}
    # The same pinned versions as scripts/test.sh when the file is there.
    reqs=(pyhanko pyhanko-cli)
    [ -f scripts/requirements-peers.txt ] && reqs=(-r scripts/requirements-peers.txt)
    log "no venv with pyHanko found: pip install ${reqs[*]} into $target"
    if { [ -x "$target/bin/python" ] || python3 -m venv "$target"; } &&
        "$target/bin/python" -m pip install --quiet --disable-pip-version-check "${reqs[@]}" &&
        has_pyhanko "$target"; then
        venv=$target
    else
        note "could not set up pyHanko: its rows are skipped"
    fi
fi
pyhanko_cli=
[ -n "$venv" ] && [ -x "$venv/bin/pyhanko" ] && pyhanko_cli=$venv/bin/pyhanko
[ -n "$venv" ] && [ -z "$pyhanko_cli" ] && note "$venv has no pyhanko CLI (pip install pyhanko-cli): CLI rows skipped"

have_pdfsig=0
have pdfsig && have_pdfsig=1
((have_pdfsig)) || note "pdfsig (poppler-utils) not found: its rows are skipped"
pdfsig_nocert=0
((have_pdfsig)) && pdfsig -h 2>&1 | grep -q -- '-nocert' && pdfsig_nocert=1
nssdb=
if ((have_pdfsig)) && have certutil; then
    # An NSS db that trusts the fixture root for signing, so pdfsig checks the full chain.
    nssdb=$work/nssdb
    mkdir -p "$nssdb"
    if ! { certutil -N --empty-password -d "sql:$nssdb" &&
        certutil -A -n kyso-fixture-root -t "CT,C,C" -i "$root" -d "sql:$nssdb"; } >/dev/null 2>&1; then
        note "certutil could not build an NSS db: the trusted pdfsig row is skipped"
        nssdb=
    fi
elif ((have_pdfsig)); then
    note "certutil (libnss3-tools) not found: the trusted pdfsig row is skipped"
fi

# --- commands timed (one file each) -------------------------------------------------------

run_kyso() { "$kyso_bin" verify "$1" --trust "$root"; }
run_kyso_version() { "$kyso_bin" --version; }
run_pdfsig() { pdfsig "$1"; }
run_pdfsig_trusted() { pdfsig -nssdir "sql:$nssdb" "$1"; }
run_pdfsig_nocert() { pdfsig -nocert "$1"; }
run_pyhanko_cli() { "$pyhanko_cli" sign validate --trust "$root" --trust-replace --no-revocation-check "$1"; }
run_sha256sum() { sha256sum "$1"; }

# mean_ms ROUNDS FUNC FILE...: mean wall time in ms of one `FUNC FILE`, over ROUNDS rounds of
# all FILEs, after one unmeasured round (page cache, dynamic loader).
mean_ms() {
    local rounds=$1 fn=$2 f i t0 t1
    shift 2
    for f in "$@"; do "$fn" "$f" >/dev/null 2>&1 || true; done
    t0=$(date +%s.%N)
    for ((i = 0; i < rounds; i++)); do
        for f in "$@"; do "$fn" "$f" >/dev/null 2>&1 || true; done
    done
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" -v n="$((rounds * $#))" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }'
}

# --- verdicts, checked once before timing --------------------------------------------------

log "checking every tool's verdict on the files"
for f in "${letters[@]}" "$big"; do
    run_kyso "$f" >/dev/null || { echo "bench-peers.sh: kyso does not pass $f" >&2; exit 1; }
    if [ -n "$nssdb" ]; then
        n=$(run_pdfsig_trusted "$f" 2>&1 | grep -c -e 'Signature is Valid' -e 'Certificate is Trusted' || true)
        [ "$n" = 4 ] || note "pdfsig (trusted NSS db) does not report 2 valid, trusted signatures for $f"
    fi
    if [ -n "$pyhanko_cli" ]; then
        n=$(run_pyhanko_cli "$f" 2>/dev/null | grep -c ':INTACT:TRUSTED' || true)
        [ "$n" = 2 ] || note "pyHanko CLI does not report 2 intact, trusted signatures for $f"
    fi
done
((have_pdfsig)) && {
    v=$(run_pdfsig "${letters[0]}" 2>&1 | sed -n 's/.*Certificate Validation: //p' | sed -n 1p)
    note "pdfsig with its default NSS db says: '$v' (measured as is)"
}

# --- measurements ---------------------------------------------------------------------------

rows=$work/rows.tsv
: >"$rows"
section() { printf 'S\t%s\n' "$1" >>"$rows"; }
# row TOOL MODE MS_PER_FILE RATE KYSO_MS: KYSO_MS is the matching kyso figure ("" for none).
row() { printf 'R\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$rows"; }
rate() { awk -v ms="$1" -v what="$2" 'BEGIN { printf "%.1f %s/s", 1000 / ms, what }'; }

nl=${#letters[@]}
kyso_lib_ms=$(awk -v us="$(json_num verify_us_per_letter)" 'BEGIN { printf "%.4f", us / 1000 }')
kyso_lib_big_ms=$(json_num big_verify_ms)

section "In-process (library), per letter with 2 signatures; kyso figures from the bench"
row "kyso" "verify_bytes" "$kyso_lib_ms" "$(json_num letters_verified_per_s) letters/s, $(json_num signatures_verified_per_s) sig/s" "$kyso_lib_ms"
py_json=
if [ -n "$venv" ]; then
    log "pyHanko in-process (>= ${py_seconds}s)"
    if "$venv/bin/python" scripts/bench_pyhanko.py --trust "$root" --min-seconds "$py_seconds" \
        --big "$big" --big-runs "$slow_runs" "${letters[@]}" >"$work/pyhanko.txt"; then
        py_json=$(tail -n 1 "$work/pyhanko.txt")
    else
        note "scripts/bench_pyhanko.py failed: in-process pyHanko rows are skipped"
    fi
    cat "$work/pyhanko.txt" >&2
fi
py_num() { sed -n "s/.*\"$1\": \([0-9.eE+-]*\).*/\1/p" <<<"$py_json"; }
[ -n "$py_json" ] && row "pyHanko" "validate_pdf_signature" "$(py_num ms_per_letter)" "$(py_num letters_per_s) letters/s, $(py_num signatures_per_s) sig/s" "$kyso_lib_ms"

section "Command line, one process per letter ($nl letters x $runs rounds; pyHanko x $slow_runs)"
log "kyso CLI"
kyso_cli_ms=$(mean_ms "$runs" run_kyso "${letters[@]}")
row "kyso" "verify --trust root.pem" "$kyso_cli_ms" "$(rate "$kyso_cli_ms" letters)" "$kyso_cli_ms"
if ((have_pdfsig)); then
    log "pdfsig"
    ms=$(mean_ms "$runs" run_pdfsig "${letters[@]}")
    row "pdfsig" "default NSS db (chain not trusted)" "$ms" "$(rate "$ms" letters)" "$kyso_cli_ms"
    if [ -n "$nssdb" ]; then
        ms=$(mean_ms "$runs" run_pdfsig_trusted "${letters[@]}")
        row "pdfsig" "-nssdir, root trusted (full chain)" "$ms" "$(rate "$ms" letters)" "$kyso_cli_ms"
    fi
    if ((pdfsig_nocert)); then
        ms=$(mean_ms "$runs" run_pdfsig_nocert "${letters[@]}")
        row "pdfsig" "-nocert (no chain check)" "$ms" "$(rate "$ms" letters)" "$kyso_cli_ms"
    fi
fi
if [ -n "$pyhanko_cli" ]; then
    log "pyHanko CLI"
    ms=$(mean_ms "$slow_runs" run_pyhanko_cli "${letters[@]}")
    row "pyHanko CLI" "sign validate --no-revocation-check" "$ms" "$(rate "$ms" letters)" "$kyso_cli_ms"
fi
ms=$(mean_ms "$runs" run_kyso_version "${letters[@]}")
row "(ref) kyso" "--version: process start only" "$ms" "" ""
ms=$(mean_ms "$runs" run_sha256sum "${letters[@]}")
row "(ref) sha256sum" "same files" "$ms" "" ""

big_mib=$(awk -v b="$(stat -c %s "$big")" 'BEGIN { printf "%.1f", b / 1048576 }')
section "$big ($big_mib MiB, 2 signatures; CLI x $big_runs runs, pyHanko x $slow_runs)"
row "kyso" "verify_bytes (in-process, median)" "$kyso_lib_big_ms" "" "$kyso_lib_big_ms"
[ -n "$py_json" ] && row "pyHanko" "validate_pdf_signature (in-process)" "$(py_num big_ms)" "" "$kyso_lib_big_ms"
log "big file"
kyso_cli_big_ms=$(mean_ms "$big_runs" run_kyso "$big")
row "kyso" "verify --trust root.pem" "$kyso_cli_big_ms" "" "$kyso_cli_big_ms"
if ((have_pdfsig)); then
    ms=$(mean_ms "$big_runs" run_pdfsig "$big")
    row "pdfsig" "default NSS db (chain not trusted)" "$ms" "" "$kyso_cli_big_ms"
    if [ -n "$nssdb" ]; then
        ms=$(mean_ms "$big_runs" run_pdfsig_trusted "$big")
        row "pdfsig" "-nssdir, root trusted (full chain)" "$ms" "" "$kyso_cli_big_ms"
    fi
    if ((pdfsig_nocert)); then
        ms=$(mean_ms "$big_runs" run_pdfsig_nocert "$big")
        row "pdfsig" "-nocert (no chain check)" "$ms" "" "$kyso_cli_big_ms"
    fi
fi
if [ -n "$pyhanko_cli" ]; then
    ms=$(mean_ms "$slow_runs" run_pyhanko_cli "$big")
    row "pyHanko CLI" "sign validate --no-revocation-check" "$ms" "" "$kyso_cli_big_ms"
fi
row "(ref) SHA-256" "ring, in-process, 1 pass over the file" "$(json_num big_sha256_final_ms)" "" ""
ms=$(mean_ms "$big_runs" run_sha256sum "$big")
row "(ref) sha256sum" "same file, 1 pass" "$ms" "" ""

# --- XML: e-invoices ------------------------------------------------------------------------

log "cargo bench --bench xml ${bench_args[*]}"
cargo bench --quiet --bench xml "${bench_args[@]}" | tee "$work/xml.txt"
xml_json=$(grep '^{"bench":"kyso-xml"' "$work/xml.txt" | tail -n 1)
xml_num() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" <<<"$xml_json"; }
inv1=$out/invoice-1sig.xml
inv2=$out/invoice-2sig.xml
nban="//*[local-name()='NBan']/*[local-name()='Signature']"
nmua="//*[local-name()='NMua']/*[local-name()='Signature']"
run_xmlsec_1() { xmlsec1 --verify --trusted-pem "$root" --id-attr:Id DLHDon --node-xpath "$nban" "$1"; }
# Both signatures of a two-signature invoice: two xmlsec1 runs (it verifies one node per run).
run_xmlsec_2() { run_xmlsec_1 "$1" && xmlsec1 --verify --trusted-pem "$root" --id-attr:Id DLHDon --node-xpath "$nmua" "$1"; }
for f in "$inv1" "$inv2"; do run_kyso "$f" >/dev/null || { echo "bench-peers.sh: kyso does not pass $f" >&2; exit 1; }; done
for n in 1 2; do
    f=$out/invoice-${n}sig.xml
    kyso_ms=$(awk -v r="$(xml_num verify_${n}sig_per_s)" 'BEGIN { printf "%.4f", 1000 / r }')
    section "E-invoice with $n signature(s): in-process, then one process per file"
    row "kyso" "verify_bytes" "$kyso_ms" "$(xml_num verify_${n}sig_per_s) invoices/s" "$kyso_ms"
    if [ -n "$venv" ] && "$venv/bin/python" -c 'import signxml' 2>/dev/null; then
        locs=./DSCKS/NBan/
        ((n == 2)) && locs=./DSCKS/NBan/,./DSCKS/NMua/
        sx=$("$venv/bin/python" scripts/bench_signxml.py --trust "$root" --min-seconds "$py_seconds" "$f:$locs" | tail -n 1)
        sx_ms=$(sed -n 's/.*"ms_per_invoice": \([0-9.eE+-]*\).*/\1/p' <<<"$sx")
        row "signxml" "XMLVerifier().verify (in-process)" "$sx_ms" "$(rate "$sx_ms" invoices)" "$kyso_ms"
    else
        note "signxml not installed in $venv: its rows are skipped"
    fi
    kyso_cli_ms=$(mean_ms "$runs" run_kyso "$f")
    row "kyso" "verify --trust root.pem" "$kyso_cli_ms" "$(rate "$kyso_cli_ms" invoices)" "$kyso_cli_ms"
    if have xmlsec1; then
        run_xmlsec_$n "$f" >/dev/null 2>&1 || note "xmlsec1 does not verify $f"
        ms=$(mean_ms "$runs" run_xmlsec_$n "$f")
        row "xmlsec1" "--verify (one process per signature)" "$ms" "$(rate "$ms" invoices)" "$kyso_cli_ms"
    else
        note "xmlsec1 not found: its rows are skipped"
    fi
done

# --- table ----------------------------------------------------------------------------------

echo
echo "kyso vs peers: PDF and XML signature verification, wall time per file"
echo "host: $(nproc) CPU, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p)"
versions="kyso $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
((have_pdfsig)) && versions+=", $(pdfsig -v 2>&1 | sed -n 1p)"
[ -n "$venv" ] && versions+=", pyHanko $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pyHanko"))')"
[ -n "$venv" ] && versions+=", signxml $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("signxml"))' 2>/dev/null || echo '?')"
have xmlsec1 && versions+=", $(xmlsec1 --version 2>&1 | sed -n 1p)"
echo "versions: $versions"
echo "'kyso x' = peer time / kyso time, in-process vs in-process, CLI vs CLI (>1: kyso is faster)."
awk -F '\t' '
    function line() { printf "%s\n", "-------------------------------------------------------------------------------------------------------------" }
    BEGIN { printf "%-17s %-40s %12s  %-32s %8s\n", "tool", "what", "per file", "rate", "kyso x"; line() }
    $1 == "S" { printf "%s\n", $2; next }
    {
        t = ($4 >= 100) ? sprintf("%.0f ms", $4) : ($4 >= 1) ? sprintf("%.2f ms", $4) : sprintf("%.0f us", $4 * 1000)
        r = ($6 == "") ? "" : sprintf("%.1f", $4 / $6)
        printf "  %-15s %-40s %12s  %-32s %8s\n", $2, $3, t, $5, r
    }
    END { line() }
' "$rows"
echo "Per signature, in-process: kyso signs in $(json_num sign_ms_per_signature) ms ($(json_num signatures_signed_per_s)/s); 10 MB: sign $(json_num big_sign_ms) ms = $(json_num big_sign_over_floor) x SHA-256, verify = $(json_num big_verify_over_floor) x (2 x SHA-256)."
