"""Fixtures for the browser tests: headless Debian Chromium driven by Playwright, and a tiny local "shop".

The browser is the system's ``/usr/bin/chromium``; Playwright's own browser download is never used.
If Chromium is missing the tests fail (they are never skipped): ``make test`` installs it.

The shop is an HTTP server on 127.0.0.1 with a free port. It serves the return URLs (so a test can
see the browser arrive there) and any page a test registers (the widget's parent page).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest


class Shop:
    """A stand-in shop: ``/return/...`` pages that record each visit, plus pages registered by a test."""

    def __init__(self) -> None:
        self.visits: list[str] = []
        self.pages: dict[str, str] = {}
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                path = urlsplit(self.path).path
                shop.visits.append(self.path)
                if path in shop.pages:
                    self._answer(200, shop.pages[path])
                elif path.startswith("/return/"):
                    self._answer(200, f"<!doctype html><title>Shop</title><h1 id='shop'>Back at the shop: {path}</h1>")
                else:
                    self._answer(404, "<!doctype html><title>Shop</title><h1>Not found</h1>")

            def _answer(self, status: int, text: str) -> None:
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        #: The shop's URL on 127.0.0.1 (return URLs point here).
        self.url = f"http://127.0.0.1:{self.port}"
        #: The same server under another origin: the emulator is http://127.0.0.1:…, so a parent page
        #: served from here is cross-origin to Checkout, as a real shop is.
        self.other_origin = f"http://localhost:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def return_urls(self) -> dict[str, str]:
        return {key: f"{self.url}/return/{key}" for key in ("success", "fail", "pending")}

    def visited(self, prefix: str) -> bool:
        return any(visit.startswith(prefix) for visit in self.visits)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def shop():
    shop = Shop()
    yield shop
    shop.close()
