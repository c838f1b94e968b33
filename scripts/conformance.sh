#!/usr/bin/env bash
# Conformance of kyso against public test suites (issue 10).
#
# Usage: scripts/conformance.sh [--strict] [--kyso PATH] DIR [SUITE...]
#
# DIR holds the suites. Either work trees (checkouts):
#   DIR/pyHanko    github.com/MatthiasValvekens/pyHanko
#   DIR/dss        github.com/esig/dss
#   DIR/xmlsec     github.com/lsh123/xmlsec
#   DIR/santuario  github.com/apache/santuario-xml-security-java
# or bare git snapshots, one per suite, in any directory whose name contains the
# suite's name (e.g. DIR/MatthiasValvekens+pyHanko/repo, DIR/esig+dss/repo): these
# are exported with `git archive HEAD` into a temporary directory first (blobs
# missing from a partial snapshot are left out). The suites are not committed.
#
# SUITE: any of pyhanko dss-pades dss-xades xmlsec santuario santuario-c14n
# (default: all). Each has fixtures/conformance/SUITE.tsv, read relative to the
# suite's root (pyhanko: DIR/pyHanko; dss-*: DIR/dss; santuario*: DIR/santuario).
#
# TSV columns (tab-separated, first line a header, `#` lines are comments):
#   path      the file, relative to the suite root
#   expected  signatures: passed | indeterminate | undecided | failed | modified;
#             c14n suites: the path of the expected output (relative to the root)
#   scope     `*` every signature in the file; `#N` the N-th signature in signing
#             order (pyHanko's embedded_signatures[N-1]); a field name
#   options   extra arguments for `kyso verify` (or `kyso c14n`); `{root}` is
#             replaced by the suite root; `-` for none
#   upstream  the upstream test that states the verdict (file::test)
#   note      free text; a note starting with `explained:` marks a disagreement
#             as understood (only matters for --strict)
#
# What is compared (signatures): integrity, not trust. The suites give their own
# trust anchors, validation times and policies, and most files have no anchor a
# verifier could be given, so kyso's verdict per signature is reduced to a class:
#   valid      status passed, or a reason that is only about the certificate path,
#              time or revocation: untrusted_chain untrusted_key timestamp_untrusted
#              revocation_unknown revoked_no_poe revoked certificate_expired
#              certificate_not_yet_valid chain_invalid key_usage
#              extended_key_usage name_constraints policy -- kyso checks the
#              byte range, digests and the signature value before these, and
#              the first failure found is the one reported (untrusted_key: the
#              signature value verifies with the document's own KeyValue key, which
#              no certificate binds to a signer -- intact, trust not established)
#   modified   `modified_after` is true (reason modified_after_signing, or a
#              trust-level reason with disallowed changes also found)
#   invalid    failed for any other reason (digest_mismatch, signature_invalid,
#              byte_range_invalid, malformed_signature, reference_invalid, ...)
#   undecided  indeterminate for any other reason (unsupported_algorithm,
#              unsupported_transform, signer_certificate_missing, ...), or
#              status error, or no report at all
# The file's class is the worst of its scoped signatures (invalid > modified >
# undecided > valid). Agreement:
#   passed         suite: signature(s) valid and intact (allowed changes only),
#                  whatever its trust verdict          -> kyso class valid
#   indeterminate  suite: INDETERMINATE for trust/time/revocation only (e.g.
#                  DSS NO_CERTIFICATE_CHAIN_FOUND, OUT_OF_BOUNDS_NO_POE; the
#                  cryptographic check did not fail)  -> kyso class valid
#   undecided      suite: INDETERMINATE for another reason (crypto constraints,
#                  signed data not found, ...)         -> kyso class undecided
#   failed         suite: invalid, tampered, or not to be accepted (e.g. pyHanko
#                  bottom_line False for a non-standard byte range)
#                                                      -> kyso invalid or modified
#   modified       suite: valid signature, disallowed changes after it (pyHanko
#                  ModificationLevel.OTHER)            -> kyso class modified
# "Passed but the suite says invalid or modified" counts files expected failed or
# modified whose kyso class is valid: kyso would accept them given the anchor.
# C14N suites: `kyso c14n OPTIONS FILE` must equal the expected file byte for byte.
#
# Exit status: 0 (a measurement), 2 on a usage error; with --strict, 1 when some
# disagreement's note does not start with `explained:`.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
strict=0
kyso="$here/target/release/kyso"
while [ $# -gt 0 ]; do
    case $1 in
    --strict) strict=1; shift ;;
    --kyso) kyso=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
    esac
done
if [ $# -lt 1 ]; then
    echo "usage: $0 [--strict] [--kyso PATH] DIR [SUITE...]" >&2
    exit 2
fi
dir=$1
shift
if [ ! -d "$dir" ]; then
    echo "conformance: $dir is not a directory" >&2
    exit 2
fi
if [ ! -x "$kyso" ]; then
    echo "conformance: $kyso not found; build it: cargo build --release --bin kyso" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The root of suite NAME (pyHanko, dss, xmlsec, santuario): a work tree, or a
# bare snapshot exported to $tmp.
suite_root() {
    local name=$1 cand git
    if [ -d "$dir/$name" ] && [ ! -d "$dir/$name/repo" ] && [ ! -f "$dir/$name/HEAD" ]; then
        echo "$dir/$name"
        return
    fi
    for cand in "$dir"/*; do
        case ${cand,,} in *"${name,,}"*) ;; *) continue ;; esac
        for git in "$cand/repo" "$cand"; do
            if [ -f "$git/HEAD" ] && [ -d "$git/objects" ]; then
                if [ ! -d "$tmp/$name" ]; then
                    export_snapshot "$git" "$tmp/$name"
                fi
                echo "$tmp/$name"
                return
            fi
        done
        if [ -d "$cand" ]; then
            echo "$cand"
            return
        fi
    done
}

# git archive of HEAD, leaving out blobs a partial snapshot does not hold.
export_snapshot() {
    local git=$1 out=$2 path
    local -a excl=()
    mkdir -p "$out"
    git -C "$git" ls-tree -r HEAD |
        awk -F'\t' '{ split($1, a, " "); if (a[2] == "blob") print a[3] "\t" $2 }' >"$tmp/blobs.tsv"
    # batch-check prints "<oid> missing" for a blob the snapshot lacks
    while IFS= read -r path; do
        excl+=(":(exclude,literal)$path")
    done < <(cut -f1 "$tmp/blobs.tsv" | git -C "$git" cat-file --batch-check |
        paste - "$tmp/blobs.tsv" | awk -F'\t' '$1 ~ / missing$/ { print $3 }')
    echo "conformance: exporting $git to $out (${#excl[@]} missing blobs left out)" >&2
    git -C "$git" archive HEAD -- . "${excl[@]}" 2>/dev/null | tar -x -C "$out"
}

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
    suites=(pyhanko dss-pades dss-xades xmlsec santuario santuario-c14n)
fi
args=()
for s in "${suites[@]}"; do
    case $s in
    pyhanko) root=$(suite_root pyHanko) ;;
    dss-*) root=$(suite_root dss) ;;
    xmlsec*) root=$(suite_root xmlsec) ;;
    santuario*) root=$(suite_root santuario) ;;
    *) echo "conformance: unknown suite $s" >&2; exit 2 ;;
    esac
    tsv="$here/fixtures/conformance/$s.tsv"
    if [ -z "$root" ] || [ ! -d "$root" ]; then
        echo "conformance: suite $s: no checkout under $dir, skipped" >&2
        continue
    fi
    if [ ! -f "$tsv" ]; then
        echo "conformance: suite $s: $tsv missing, skipped" >&2
        continue
    fi
    args+=("$s" "$root" "$tsv")
done

exec python3 - "$kyso" "$strict" "${args[@]}" <<'PY'
import json, os, shlex, subprocess, sys

kyso, strict = sys.argv[1], sys.argv[2] == "1"
rest = sys.argv[3:]
TRUST = {
    "ok", "untrusted_chain", "untrusted_key", "timestamp_untrusted", "revocation_unknown",
    "revoked_no_poe", "revoked", "certificate_expired", "certificate_not_yet_valid",
    "chain_invalid", "key_usage", "extended_key_usage", "name_constraints", "policy",
}
RANK = {"valid": 0, "undecided": 1, "modified": 2, "invalid": 3}
AGREE = {
    "passed": {"valid"}, "indeterminate": {"valid"}, "undecided": {"undecided"},
    "failed": {"invalid", "modified"}, "modified": {"modified"},
}


def sig_class(s):
    st, reason = s.get("status"), s.get("reason", "")
    if st == "failed" and reason not in TRUST and reason != "modified_after_signing":
        return "invalid"
    if s.get("modified_after") or reason == "modified_after_signing":
        return "modified"
    if st == "passed" or reason in TRUST:
        return "valid"
    return "undecided"


def select(sigs, scope):
    if scope in ("*", "", "-"):
        return sigs
    if scope.startswith("#"):
        n = int(scope[1:])
        order = sorted(sigs, key=lambda s: (s.get("revision") or 0))
        return order[n - 1 : n]
    return [s for s in sigs if s.get("field") == scope]


def opts(options, root):
    if options in ("", "-"):
        return []
    return [a.replace("{root}", root) for a in shlex.split(options)]


def run_verify(root, row):
    path = os.path.join(root, row["path"])
    if not os.path.exists(path):
        return "undecided", "missing file"
    cmd = [kyso, "verify", "--json", "--revocation", "off"] + opts(row["options"], root) + [path]
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        doc = json.loads(p.stdout.splitlines()[0])
    except (IndexError, ValueError):
        return "undecided", "no report (exit %d): %s" % (p.returncode, p.stderr.strip()[:160])
    sigs = doc.get("signatures") or []
    chosen = select(sigs, row["scope"])
    if doc.get("status") == "error" or not chosen:
        return "undecided", "%s/%s: %s" % (doc.get("status"), doc.get("reason"), doc.get("message", "")[:160])
    cls = max((sig_class(s) for s in chosen), key=RANK.get)
    worst = next(s for s in chosen if sig_class(s) == cls)
    desc = "%s/%s" % (worst.get("status"), worst.get("reason"))
    if worst.get("modified_after") and worst.get("reason") != "modified_after_signing":
        desc += " (+modified_after)"
    if len(chosen) > 1 or row["scope"] not in ("*", "-", ""):
        desc += " [%s]" % worst.get("field")
    msg = worst.get("message", "")
    if cls != "valid" or worst.get("status") != "passed":
        desc += ": " + msg[:160]
    return cls, desc


def run_c14n(root, row):
    path = os.path.join(root, row["path"])
    exp = os.path.join(root, row["expected"])
    if not os.path.exists(path) or not os.path.exists(exp):
        return False, "missing file"
    p = subprocess.run([kyso, "c14n"] + opts(row["options"], root) + [path], capture_output=True)
    if p.returncode != 0:
        return False, "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()[:200])
    want = open(exp, "rb").read()
    if p.stdout == want:
        return True, "byte-exact"
    n = next((i for i, (a, b) in enumerate(zip(p.stdout, want)) if a != b), min(len(p.stdout), len(want)))
    return False, "differs at byte %d (got %d bytes, want %d): got %r want %r" % (
        n, len(p.stdout), len(want), p.stdout[max(0, n - 20) : n + 30], want[max(0, n - 20) : n + 30])


def read_tsv(tsv):
    rows = []
    with open(tsv, encoding="utf-8") as f:
        header = None
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            cols += [""] * (len(header) - len(cols))
            rows.append(dict(zip(header, cols)))
    return rows


unexplained = 0
totals = []
for i in range(0, len(rest), 3):
    suite, root, tsv = rest[i : i + 3]
    rows = read_tsv(tsv)
    c14n = suite.endswith("c14n")
    agree, bad, passed_bad = 0, [], []
    for row in rows:
        if c14n:
            ok, got = run_c14n(root, row)
            cls = "byte-exact" if ok else "differs"
        else:
            cls, got = run_verify(root, row)
            ok = cls in AGREE.get(row["expected"], set())
            if cls == "valid" and row["expected"] in ("failed", "modified"):
                passed_bad.append((row, got))
        if ok:
            agree += 1
        else:
            bad.append((row, cls, got))
            if not row.get("note", "").startswith("explained:"):
                unexplained += 1
    n = len(rows)
    pct = 100.0 * agree / n if n else 0.0
    totals.append((suite, agree, n, pct, len(passed_bad)))
    print("=" * 78)
    print("%s  (%s)" % (suite, root))
    if c14n:
        print("  byte-exact: %d / %d vectors (%.1f%%)" % (agree, n, pct))
    else:
        print("  agreement: %d / %d files with a stated verdict (%.1f%%)" % (agree, n, pct))
        print("  *** PASSED BUT THE SUITE SAYS INVALID OR MODIFIED: %d ***" % len(passed_bad))
        for row, got in passed_bad:
            print("      %s (expected %s): kyso %s" % (row["path"], row["expected"], got))
    if bad:
        print("  disagreements (%d):" % len(bad))
        for row, cls, got in bad:
            print("    %s" % row["path"])
            print("        expected %s%s; kyso %s: %s" % (
                row["expected"], "" if row.get("scope", "*") in ("*", "-", "") else " [%s]" % row["scope"], cls, got))
            print("        upstream %s" % row.get("upstream", ""))
            if row.get("note"):
                print("        note: %s" % row["note"])
print("=" * 78)
print("summary")
for suite, agree, n, pct, pb in totals:
    extra = "" if suite.endswith("c14n") else "   passed-but-invalid/modified: %d" % pb
    print("  %-16s %4d / %-4d %6.1f%%%s" % (suite, agree, n, pct, extra))
sys.exit(1 if strict and unexplained else 0)
PY
