#!/usr/bin/env python3
"""In-process pyHanko validation throughput, for comparison with kyso's bench.

Usage (from the repo root, with a Python that has pyhanko installed):

    python scripts/bench_pyhanko.py --trust fixtures/pki/root.pem \
        [--min-seconds 3] [--big bench-out/big-10mb.final.pdf --big-runs 3] \
        bench-out/letter-*.final.pdf

Every file is read into memory once. Each iteration then does what a verifier does per
letter: open the PDF, and validate every embedded signature (integrity, signer certificate
chain to the trust root, modification analysis) with a fresh ValidationContext per signature,
so no validated path is cached from one signature to the next (kyso's verify_bytes caches
nothing either).
Revocation: none available in the fixtures, fetching disabled, soft-fail.

Prints a short table, then one JSON line with all figures.
"""

import argparse
import io
import json
import statistics
import sys
import time

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def validate_all(data: bytes, root) -> int:
    """Validates every signature of one PDF; returns how many there are. Raises on failure."""
    reader = PdfFileReader(io.BytesIO(data))
    sigs = reader.embedded_signatures
    if not sigs:
        raise SystemExit("no signatures found")
    for sig in sigs:
        vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
        status = validate_pdf_signature(sig, signer_validation_context=vc)
        if not status.bottom_line:
            raise SystemExit(f"signature {sig.field_name} did not validate:\n{status.pretty_print_details()}")
    return len(sigs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trust", required=True, help="trust root (PEM or DER)")
    ap.add_argument("--min-seconds", type=float, default=3.0, help="minimum timed duration (default 3)")
    ap.add_argument("--big", help="a large signed PDF, timed separately")
    ap.add_argument("--big-runs", type=int, default=3)
    ap.add_argument("files", nargs="+", help="signed letters")
    args = ap.parse_args()

    root = load_cert_from_pemder(args.trust)
    letters = []
    for path in args.files:
        with open(path, "rb") as f:
            letters.append((path, f.read()))

    # Check once (and warm up imports and caches of pure-Python code).
    sigs_per_round = sum(validate_all(data, root) for _, data in letters)

    rounds = 0
    start = time.perf_counter()
    while True:
        for _, data in letters:
            validate_all(data, root)
        rounds += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.min_seconds:
            break
    n_letters = rounds * len(letters)
    result = {
        "bench": "pyhanko-inprocess",
        "letters": len(letters),
        "rounds": rounds,
        "seconds": round(elapsed, 4),
        "letters_per_s": round(n_letters / elapsed, 2),
        "signatures_per_s": round(rounds * sigs_per_round / elapsed, 2),
        "ms_per_letter": round(elapsed * 1e3 / n_letters, 3),
    }
    print(f"pyHanko in-process: {len(letters)} letters x {rounds} rounds in {elapsed:.2f} s")
    print(f"  {result['ms_per_letter']:.2f} ms per letter, {result['letters_per_s']:.1f} letters/s, "
          f"{result['signatures_per_s']:.1f} signatures/s")

    if args.big:
        with open(args.big, "rb") as f:
            big = f.read()
        validate_all(big, root)
        times = []
        for _ in range(max(1, args.big_runs)):
            t = time.perf_counter()
            validate_all(big, root)
            times.append((time.perf_counter() - t) * 1e3)
        result["big_ms"] = round(statistics.median(times), 2)
        result["big_runs"] = len(times)
        print(f"  {args.big}: {result['big_ms']:.1f} ms (median of {len(times)})")

    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
