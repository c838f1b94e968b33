"""signxml in-process verification speed on kyso's benchmark invoices.

    python scripts/bench_signxml.py --trust ROOT_PEM --min-seconds S FILE:LOCATION[,LOCATION...]...

Each FILE is verified at every LOCATION (an ElementPath such as ./DSCKS/NBan/) per round, with a
chain to ROOT_PEM, as many rounds as fit in S seconds. Prints a JSON line per file:
{"file": ..., "signatures": n, "ms_per_invoice": x, "invoices_per_s": y}.
"""
import argparse
import json
import time

from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trust", required=True)
    ap.add_argument("--min-seconds", type=float, default=3.0)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    for spec in a.files:
        path, locs = spec.split(":", 1)
        locations = locs.split(",")
        data = open(path, "rb").read()

        def verify_all():
            for loc in locations:
                root = etree.fromstring(data)
                cfg = SignatureConfiguration(location=loc, expect_references=2)
                XMLVerifier().verify(root, ca_pem_file=a.trust, expect_config=cfg, id_attribute="Id")

        verify_all()  # warm up, and fail loudly if signxml rejects the file
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < a.min_seconds:
            verify_all()
            n += 1
        elapsed = time.perf_counter() - start
        print(json.dumps({"file": path, "signatures": len(locations), "ms_per_invoice": elapsed * 1000 / n,
                          "invoices_per_s": n / elapsed}))


if __name__ == "__main__":
    main()
