#!/usr/bin/env python3
"""Drives kyso serve's checking page in headless Chromium, for tests/page.rs.

Standard library only: a small client of chromedriver's W3C WebDriver HTTP API. It starts
chromedriver on a free loopback port, opens the page, uploads the files through the file input
(WebDriver's way: the paths sent as keys), waits (bounded) for every result, reads what the
page shows in Vietnamese, switches to English and reads it again, reloads (the choice is
remembered), checks the layout at a phone's width, saves a screenshot, and prints one JSON
object on stdout: what the page showed and the browser's console entries.

    page_check.py --url http://127.0.0.1:PORT/ --file a.pdf --file b.pdf --screenshot out.png

Everything runs under bounded waits; chromedriver and Chromium are stopped at the end, and
the temporary profile removed.
"""

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(Exception):
    pass


class Driver:
    def __init__(self, base):
        self.base = base
        self.session = None

    def call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json; charset=utf-8")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                answer = json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            raise WebDriverError(f"{method} {path}: {e.code} {e.read()[:2000]!r}") from None
        return answer.get("value")

    def s(self, method, path, body=None, timeout=60):
        return self.call(method, f"/session/{self.session}{path}", body, timeout)

    def start(self, chromium, profile, width, height):
        caps = {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", "--disable-sync",
                    "--disable-extensions", "--force-device-scale-factor=1",
                    f"--window-size={width},{height}", f"--user-data-dir={profile}",
                ],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }
        v = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}}, timeout=120)
        self.session = v["sessionId"]

    def find(self, css):
        v = self.s("POST", "/element", {"using": "css selector", "value": css})
        if not isinstance(v, dict) or ELEMENT not in v:
            raise WebDriverError(f"no element {css}: {v!r}")
        return v[ELEMENT]

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait(self, what, script, *args, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            v = self.js(script, *args)
            if v:
                return v
            time.sleep(0.2)
        raise WebDriverError(f"timed out after {seconds} s waiting for {what}")


# What the page shows, read from the DOM (text as rendered, and the data attributes).
READ = r"""
const text = n => n ? n.textContent.trim() : null;
const docs = [...document.querySelectorAll('#results article.doc')].map(a => ({
  name: text(a.querySelector('h3')),
  state: a.dataset.state,
  status: a.dataset.status,
  verdict: text(a.querySelector('.doc-head .verdict')),
  message: text(a.querySelector('.msg')),
  alert: !!a.querySelector('[role=alert]'),
  signatures: [...a.querySelectorAll('li.sig')].map(s => ({
    status: s.dataset.status,
    kind: s.dataset.kind,
    number: text(s.querySelector('.no')),
    name: text(s.querySelector('.name')),
    kind_text: text(s.querySelector('.kind')),
    verdict: text(s.querySelector('.sig-head .verdict')),
    rows: [...s.querySelectorAll('dt')].map(dt => [text(dt), text(dt.nextElementSibling)]),
  })),
}));
const drop = document.getElementById('drop');
return {
  lang: document.documentElement.lang,
  title: document.title,
  pick: text(document.querySelector('.drop-title')),
  input_label: document.getElementById('files').labels[0] === drop,
  input_multiple: document.getElementById('files').multiple,
  lang_button: text(document.getElementById('lang')),
  live: document.getElementById('results').getAttribute('aria-live'),
  token_visible: !document.getElementById('token-row').hidden,
  markup: document.querySelectorAll('#results img, #results b, #results script').length,
  docs,
};
"""

DONE = r"""
const docs = [...document.querySelectorAll('#results article.doc')];
return docs.length === arguments[0] && docs.every(a => a.dataset.state === 'done');
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def the_rest(d, a, files, out):
    """The screenshot, the English switch, the reload and the phone's width."""
    if a.screenshot:
        # The first document in full and the verdict of the second: enough to show, small.
        height = d.js(
            "const m = document.querySelectorAll('#results .doc-head + .msg');"
            "const last = m[Math.min(m.length, 2) - 1];"
            "return Math.ceil(last.getBoundingClientRect().bottom + window.scrollY) + 16"
            " + (window.outerHeight - window.innerHeight);")
        d.s("POST", "/window/rect", {"width": 1000, "height": min(int(height), 4000)})
        png = base64.b64decode(d.s("GET", "/screenshot"))
        with open(a.screenshot, "wb") as f:
            f.write(png)
        out["screenshot_bytes"] = len(png)
        d.s("POST", "/window/rect", {"width": 1000, "height": 900})

    d.s("POST", f"/element/{d.find('#lang')}/click", {})
    d.wait("English", "return document.documentElement.lang === 'en';")
    out["en"] = d.js(READ)

    d.s("POST", "/refresh", {})
    d.wait("the reloaded page", "return document.readyState === 'complete';")
    out["reloaded"] = d.js(READ)

    d.s("POST", "/window/rect", {"width": 390, "height": 844})
    d.s("POST", f"/element/{d.find('#files')}/value", {"text": files[0]})
    d.wait("the phone result", DONE, 1)
    out["phone"] = d.js(
        "return {viewport: document.documentElement.clientWidth,"
        " content: document.documentElement.scrollWidth,"
        " meta: !!document.querySelector('meta[name=viewport]')};")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--file", action="append", required=True)
    ap.add_argument("--screenshot")
    ap.add_argument("--token")
    ap.add_argument("--basic", action="store_true",
                    help="only upload and read the results (no language, reload or phone)")
    ap.add_argument("--chromium", default=os.environ.get("KYSO_CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--chromedriver",
                    default=os.environ.get("KYSO_CHROMEDRIVER", "/usr/bin/chromedriver"))
    a = ap.parse_args()

    files = [os.path.abspath(f) for f in a.file]
    profile = tempfile.mkdtemp(prefix="kyso-page-")
    port = free_port()
    driver_log = open(os.path.join(profile, "chromedriver.log"), "w")
    proc = subprocess.Popen([a.chromedriver, f"--port={port}", "--allowed-ips=127.0.0.1"],
                            stdin=subprocess.DEVNULL, stdout=driver_log, stderr=driver_log)
    d = Driver(f"http://127.0.0.1:{port}")
    out = {}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if d.call("GET", "/status", timeout=5).get("ready"):
                    break
            except (OSError, WebDriverError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise WebDriverError("chromedriver did not start")
            time.sleep(0.1)
        d.start(a.chromium, profile, 1000, 900)
        d.s("POST", "/url", {"url": a.url})
        out["initial"] = d.js(READ)

        if a.token:
            d.s("POST", f"/element/{d.find('#token')}/value", {"text": a.token})
        d.s("POST", f"/element/{d.find('#files')}/value", {"text": "\n".join(files)})
        d.wait("the results", DONE, len(files))
        out["vi"] = d.js(READ)

        if not a.basic:
            the_rest(d, a, files, out)
        # Keyboard: the file input takes the focus, and the drop zone shows it.
        out["focus"] = d.js(
            "document.getElementById('files').focus();"
            "return document.activeElement.id + ' ' + "
            "getComputedStyle(document.getElementById('drop')).outlineStyle;")
        try:
            out["console"] = d.s("POST", "/se/log", {"type": "browser"})
        except WebDriverError as e:
            out["console_error"] = str(e)
    except (OSError, ValueError, KeyError, TypeError, WebDriverError) as e:
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        if d.session:
            try:
                d.s("DELETE", "", timeout=30)
            except (OSError, WebDriverError):
                pass
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        driver_log.close()
        if "error" in out:
            with open(os.path.join(profile, "chromedriver.log"), errors="replace") as f:
                out["chromedriver_log"] = f.read()[-4000:]
        shutil.rmtree(profile, ignore_errors=True)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 1 if "error" in out else 0


if __name__ == "__main__":
    sys.exit(main())
