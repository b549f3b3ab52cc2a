"""Fixtures of the browser suite (scripts/web-test runs it).

`server` starts `questlog serve` on a fresh data dir and a free loopback port (SQLite), with a
known owner key, and gives the owner a password through `questlog user passwd owner
--password-stdin`. `receiver` is a real webhook receiver. `browser` is Debian's headless
chromium driven by Playwright; `signed_in_page` a page of it signed in as the owner; `shot`
saves a screenshot into target/web-screenshots/ and runs the suite's own accessibility check
on the page (`a11y`).
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("QUESTLOG_BIN", os.path.join(ROOT, "target", "debug", "questlog"))
SHOTS = os.path.join(ROOT, "target", "web-screenshots")
OWNER_KEY = "0123456789abcdef0123456789abcdef"
OWNER_PASSWORD = "browser-test-password"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running `questlog serve` on its own data dir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="questlog-web-")
        self.data = ["--data-dir", self.dir]
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.api_key = OWNER_KEY
        self.password = OWNER_PASSWORD
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        env = dict(os.environ, QUESTLOG_BOOTSTRAP_API_KEY=OWNER_KEY)
        self.proc = subprocess.Popen(
            [BIN, *self.data, "serve", "--listen", f"127.0.0.1:{port}"],
            stdout=self.log, stderr=self.log, env=env,
        )
        end = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.base_url + "/healthz", timeout=2)
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > end:
                    raise RuntimeError("questlog serve did not start:\n" + self.logs())
                time.sleep(0.1)
        self.cli("user", "passwd", "owner", "--password-stdin", stdin=OWNER_PASSWORD + "\n")

    def logs(self):
        with open(os.path.join(self.dir, "serve.log")) as f:
            return f.read()

    def cli(self, *args, stdin=None):
        """Runs a `questlog` command on the server's data dir; returns its stdout."""
        return subprocess.run(
            [BIN, *self.data, *args], check=True, capture_output=True, text=True, input=stdin,
        ).stdout.strip()

    def api(self, method, path, json_body=None, key=None):
        """A /v0 call with the owner's key (or `key`); returns (status, parsed JSON or None)."""
        req = urllib.request.Request(
            self.base_url + path, method=method,
            data=None if json_body is None else json.dumps(json_body).encode(),
            headers={"Authorization": f"ApiKey {key or self.api_key}",
                     "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = r.read()
                return r.status, (json.loads(body) if body else None)
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                return e.code, (json.loads(body) if body else None)
            except ValueError:
                return e.code, body.decode(errors="replace")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def server():
    s = Server()
    yield s
    s.stop()


class Receiver:
    """A webhook receiver on a free port: records every POST as {"headers" (lower-case names),
    "body" (parsed JSON)} in `bodies`."""

    def __init__(self):
        self.bodies = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
                with outer.lock:
                    outer.bodies.append(
                        {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, predicate, timeout=20):
        """The first recorded delivery whose body satisfies `predicate`, waiting for it."""
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                for d in self.bodies:
                    if predicate(d["body"]):
                        return d
            time.sleep(0.1)
        raise AssertionError(f"no matching delivery in {timeout}s; got {self.bodies!r}")

    def stop(self):
        self.httpd.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def new_page(browser, width=1280, height=900):
    """A page in a fresh context (its own cookies). Confirm dialogs are accepted."""
    ctx = browser.new_context(viewport={"width": width, "height": height})
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    page.set_default_timeout(10_000)
    return page


def sign_in(page, server, username="owner", password=None):
    page.goto(server.base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", password or server.password)
    page.click("button[type=submit]")
    page.wait_for_url(server.base_url + "/")


@pytest.fixture
def signed_in_page(browser, server):
    page = new_page(browser)
    sign_in(page, server)
    yield page
    page.context.close()


# The suite's own accessibility check: text contrast (WCAG AA), labels on inputs, alt on
# images, and the landmarks every page has. Runs in the page; returns a list of problems.
A11Y_JS = r"""
() => {
  const problems = [];
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(',').map(s => parseFloat(s));
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const visible = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 1 && r.height > 1;
  };
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const fg = parse(getComputedStyle(el).color);
    if (!fg) continue;
    const bg = background(el);
    const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(getComputedStyle(el).fontSize);
    const bold = parseInt(getComputedStyle(el).fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) problems.push(`contrast ${ratio.toFixed(2)} < ${need}: <${el.tagName.toLowerCase()}> "${el.textContent.trim().slice(0, 40)}"`);
  }
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label')
      || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
    if (!labelled) problems.push(`no label: <${el.tagName.toLowerCase()} name="${el.name}">`);
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push(`no alt: <img src="${img.getAttribute('src')}">`);
  }
  if (!document.querySelector('main')) problems.push('no <main> landmark');
  if (!document.querySelector('header')) problems.push('no <header> landmark');
  if (!document.documentElement.getAttribute('lang')) problems.push('no lang on <html>');
  if (!document.title) problems.push('no <title>');
  return problems;
}
"""


def a11y(page):
    """The accessibility check's problems on the current page (an empty list when it passes)."""
    return page.evaluate(A11Y_JS)


@pytest.fixture
def shot():
    """shot(page, name): a full-page screenshot into target/web-screenshots/NAME.png, after
    asserting the page passes the accessibility check."""
    os.makedirs(SHOTS, exist_ok=True)

    def take(page, name, check=True):
        if check:
            problems = a11y(page)
            assert not problems, f"accessibility problems on {page.url}: {problems}"
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)

    return take
