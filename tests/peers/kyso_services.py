#!/usr/bin/env python3
"""Loopback revocation and time-stamping services for kyso's tests.

Started by tests/common/services.rs (one process per test binary); standard
library only. It runs three HTTP servers on 127.0.0.1:

  TSA   (--tsa-port, 8318)  POST application/timestamp-query -> `openssl ts -reply`
                            with the fixture `tsa` key; `/untrusted` signs with
                            `outsider-tsa` (self-signed, not under the fixture root).
  OCSP  (--ocsp-port, 8319) POST application/ocsp-request (or RFC 6960 GET) ->
                            `openssl ocsp -index ... -reqin ... -respout ...`,
                            one run per request: requests about certificates
                            issued by `root` (the `ca` certificate) are answered
                            by the root's delegated responder `root-ocsp`, the
                            others by the delegated responder `ocsp` for `ca`.
  HTTP  (--http-port, 8320) GET of the files in WORKDIR/www (root.crl, ca.crl,
                            root.der, ca.der, and whatever a test puts there).

The index files (WORKDIR/ocsp/index-ca.txt, index-root.txt) and the files in
WORKDIR/www are read on every request, so a test changes what the services
answer by replacing those files (atomically); nothing needs a restart.

Every server understands these path prefixes, so tests can provoke failures:

  /slow/SECONDS/...   wait SECONDS (a number) before answering the rest of the path
  /fail/...           answer 500 Internal Server Error
  /status/CODE/...    answer with HTTP status CODE and an empty body
  /garbage/...        answer 200 with the right content type and a non-DER body
and the OCSP server also /trylater/... and /unauthorized/... (OCSPResponse
with that responseStatus and no body) and /malformed/... (malformedRequest).

Life cycle: the process exits, removing WORKDIR, when its standard input
reaches end of file (the test process died: the pipe closed) or when its
parent process changes (checked every 0.2 s). It never writes outside WORKDIR.
"""

import argparse
import base64
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

OCSP_STATUS = {"malformed": 1, "trylater": 3, "unauthorized": 6}
TSA_POLICY = "2.999.3161.1"


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


# --- minimal DER reading, to find the key hashes of the CA certificates ----------------------


def der_read(data, pos):
    """Returns (tag, content_start, content_end) of the TLV at pos."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    return tag, pos, pos + length


def der_children(data, start, end):
    out = []
    pos = start
    while pos < end:
        tag, cs, ce = der_read(data, pos)
        out.append((tag, cs, ce))
        pos = ce
    return out


def public_key_bits(cert_der):
    """The subjectPublicKey BIT STRING contents (without the unused-bits byte)."""
    _, cs, ce = der_read(cert_der, 0)
    _, ts, te = der_children(cert_der, cs, ce)[0]  # tbsCertificate
    fields = der_children(cert_der, ts, te)
    if fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    _, ss, se = fields[5]  # serial, signature, issuer, validity, subject, spki
    _, bs, be = der_children(cert_der, ss, se)[1]
    return cert_der[bs + 1 : be]


def pem_to_der(path):
    with open(path, "rb") as f:
        text = f.read().decode("ascii")
    body = text.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----", 1)[0]
    return base64.b64decode("".join(body.split()))


def key_hashes(pem_path):
    import hashlib

    bits = public_key_bits(pem_to_der(pem_path))
    return [hashlib.new(alg, bits).digest() for alg in ("sha1", "sha256", "sha384", "sha512")]


# --- shared request handling -------------------------------------------------------------------


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kyso-test-services/1"
    sys_version = ""

    def log_message(self, fmt, *args):
        log(self.server.name, self.address_string(), fmt % args)

    def reply(self, status, body=b"", content_type="application/octet-stream"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 1 << 20:
            raise ValueError("request too large")
        return self.rfile.read(length) if length else b""

    def control(self, path):
        """Applies the /slow, /fail, /status, /garbage prefixes. Returns the
        remaining path, or None when the answer was already sent."""
        parts = path.split("/")
        while len(parts) > 1 and parts[1]:
            word = parts[1]
            if word == "slow" and len(parts) > 2:
                time.sleep(min(float(parts[2]), 120.0))
                parts = [""] + parts[3:]
            elif word == "fail":
                self.reply(500, b"failure requested by the test\n", "text/plain")
                return None
            elif word == "status" and len(parts) > 2:
                self.reply(int(parts[2]), b"", "text/plain")
                return None
            elif word == "garbage":
                self.reply(200, b"this is not DER\n", self.server.content_type)
                return None
            else:
                break
        return "/".join(parts) or "/"

    def do_GET(self):
        self.dispatch(b"")

    def do_HEAD(self):
        self.dispatch(b"")

    def do_POST(self):
        try:
            body = self.read_body()
        except ValueError as e:
            self.reply(413, str(e).encode(), "text/plain")
            return
        self.dispatch(body)

    def dispatch(self, body):
        path = urllib.parse.urlsplit(self.path).path
        try:
            rest = self.control(path)
            if rest is not None:
                self.server.serve(self, rest, body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as e:  # a test service must answer, never hang
            log(self.server.name, "error:", repr(e))
            try:
                self.reply(500, ("error: %r\n" % e).encode(), "text/plain")
            except OSError:
                pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    content_type = "application/octet-stream"

    def __init__(self, name, port):
        self.name = name
        deadline = time.monotonic() + 5
        while True:
            try:
                super().__init__(("127.0.0.1", port), Handler)
                return
            except OSError as e:
                if time.monotonic() > deadline:
                    sys.exit("kyso services: cannot listen on 127.0.0.1:%d for the %s: %s "
                             "(another test run still holding it? `ss -ltnp | grep %d`)"
                             % (port, name, e, port))
                time.sleep(0.1)


def run_openssl(args, workdir, stdin=None):
    return subprocess.run(
        ["openssl", *args], cwd=workdir, input=stdin, capture_output=True, timeout=30
    )


class Tsa(Server):
    content_type = "application/timestamp-reply"

    def __init__(self, port, workdir, pki):
        super().__init__("tsa", port)
        self.workdir = os.path.join(workdir, "tsa")
        os.makedirs(self.workdir, exist_ok=True)
        self.lock = threading.Lock()  # `openssl ts` updates the serial file
        self.configs = {}
        for section, signer, chain in (
            ("trusted", "tsa", "ca.pem"),
            ("untrusted", "outsider-tsa", None),
        ):
            cfg = os.path.join(self.workdir, section + ".cnf")
            serial = os.path.join(self.workdir, section + ".serial")
            with open(serial, "w") as f:
                f.write("01\n")
            lines = [
                "[ tsa ]",
                "default_tsa = tsa_config",
                "[ tsa_config ]",
                "serial = " + serial,
                "crypto_device = builtin",
                "signer_cert = " + os.path.join(pki, signer + ".pem"),
                "signer_key = " + os.path.join(pki, signer + ".key.pem"),
                "signer_digest = sha256",
                "default_policy = " + TSA_POLICY,
                "other_policies = 2.999.3161.2",
                "digests = sha1, sha256, sha384, sha512",
                "accuracy = secs:1, millisecs:500, microsecs:100",
                "clock_precision_digits = 0",
                "ordering = yes",
                "tsa_name = yes",
                "ess_cert_id_chain = no",
                "ess_cert_id_alg = sha256",
            ]
            if chain:
                lines.append("certs = " + os.path.join(pki, chain))
            with open(cfg, "w") as f:
                f.write("\n".join(lines) + "\n")
            self.configs[section] = cfg

    def serve(self, handler, path, body):
        if handler.command != "POST":
            handler.reply(405, b"POST a time-stamp query\n", "text/plain")
            return
        section = "untrusted" if path.rstrip("/") == "/untrusted" else "trusted"
        with self.lock, tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            query = os.path.join(tmp, "query.tsq")
            reply = os.path.join(tmp, "reply.tsr")
            with open(query, "wb") as f:
                f.write(body)
            r = run_openssl(
                ["ts", "-reply", "-config", self.configs[section], "-queryfile", query,
                 "-out", reply],
                tmp,
            )
            if r.returncode != 0 or not os.path.exists(reply):
                log("tsa", "openssl ts -reply failed:", r.stderr.decode(errors="replace"))
                handler.reply(400, r.stderr, "text/plain")
                return
            with open(reply, "rb") as f:
                handler.reply(200, f.read(), self.content_type)


class Ocsp(Server):
    content_type = "application/ocsp-response"

    def __init__(self, port, workdir, pki):
        super().__init__("ocsp", port)
        self.dir = os.path.join(workdir, "ocsp")
        self.pki = pki
        self.root_hashes = key_hashes(os.path.join(pki, "root.pem"))
        for name in ("index-ca.txt", "index-root.txt"):
            with open(os.path.join(self.dir, name + ".attr"), "w") as f:
                f.write("unique_subject = no\n")

    def serve(self, handler, path, body):
        word = path.strip("/").split("/")[0]
        if word in OCSP_STATUS:
            # OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED }
            handler.reply(200, bytes([0x30, 0x03, 0x0A, 0x01, OCSP_STATUS[word]]), self.content_type)
            return
        if handler.command == "GET":
            # RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}
            encoded = urllib.parse.unquote(path.lstrip("/"))
            try:
                body = base64.b64decode(encoded, validate=False)
            except ValueError:
                body = b""
        if not body:
            handler.reply(200, bytes([0x30, 0x03, 0x0A, 0x01, 1]), self.content_type)
            return
        if any(h in body for h in self.root_hashes):
            # A delegated responder, never the root itself: pyHanko's AdES
            # time slide asks a responder for revocation data of its own
            # unless it has id-pkix-ocsp-nocheck, and a root has none.
            issuer, signer, index = "root", "root-ocsp", "index-root.txt"
        else:
            issuer, signer, index = "ca", "ocsp", "index-ca.txt"
        with tempfile.TemporaryDirectory(dir=self.dir) as tmp:
            req = os.path.join(tmp, "req.der")
            resp = os.path.join(tmp, "resp.der")
            with open(req, "wb") as f:
                f.write(body)
            r = run_openssl(
                ["ocsp", "-index", os.path.join(self.dir, index),
                 "-CA", os.path.join(self.pki, issuer + ".pem"),
                 "-rsigner", os.path.join(self.pki, signer + ".pem"),
                 "-rkey", os.path.join(self.pki, signer + ".key.pem"),
                 "-nmin", "60", "-reqin", req, "-respout", resp],
                tmp,
            )
            if r.returncode != 0 or not os.path.exists(resp):
                log("ocsp", "openssl ocsp failed:", r.stderr.decode(errors="replace"))
                # What a responder sends for a request it cannot parse.
                handler.reply(200, bytes([0x30, 0x03, 0x0A, 0x01, 1]), self.content_type)
                return
            with open(resp, "rb") as f:
                handler.reply(200, f.read(), self.content_type)


class Static(Server):
    def __init__(self, port, workdir):
        super().__init__("http", port)
        self.www = os.path.join(workdir, "www")

    def serve(self, handler, path, body):
        if handler.command not in ("GET", "HEAD"):
            handler.reply(405, b"GET only\n", "text/plain")
            return
        name = path.strip("/")
        if not name or "/" in name or name.startswith("."):
            handler.reply(404, b"not found\n", "text/plain")
            return
        full = os.path.join(self.www, name)
        try:
            with open(full, "rb") as f:
                data = f.read()
        except OSError:
            handler.reply(404, b"not found\n", "text/plain")
            return
        ext = os.path.splitext(name)[1]
        ctype = {
            ".crl": "application/pkix-crl",
            ".der": "application/pkix-cert",
            ".cer": "application/pkix-cert",
            ".p7c": "application/pkcs7-mime",
        }.get(ext, "application/octet-stream")
        handler.reply(200, data, ctype)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--pki", required=True, help="fixtures/pki")
    ap.add_argument("--tsa-port", type=int, default=8318)
    ap.add_argument("--ocsp-port", type=int, default=8319)
    ap.add_argument("--http-port", type=int, default=8320)
    args = ap.parse_args()
    workdir = os.path.abspath(args.workdir)
    pki = os.path.abspath(args.pki)
    parent = os.getppid()

    def shutdown(why):
        log("services: exiting:", why)
        shutil.rmtree(workdir, ignore_errors=True)
        os._exit(0)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except OSError:
            pass
        shutdown("standard input closed")

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(0.2)
        shutdown("parent process gone")

    threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Thread(target=watch_parent, daemon=True).start()

    servers = [
        Tsa(args.tsa_port, workdir, pki),
        Ocsp(args.ocsp_port, workdir, pki),
        Static(args.http_port, workdir),
    ]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    log("services: listening on", ", ".join("%s 127.0.0.1:%d" % (s.name, s.server_port) for s in servers))
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
