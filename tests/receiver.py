"""A shop's callback endpoint stand-in: records every POST and answers as a test tells it to."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cascad_wagtail import wire


@dataclasses.dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def document(self) -> dict:
        return wire.loads(self.body)

    @property
    def status(self) -> str:
        return self.document["data"]["attributes"]["status"]

    @property
    def invoice_id(self) -> str:
        return self.document["data"]["id"]


class CallbackReceiver:
    """Answers each POST with ``answer(delivery_number)`` (200 unless told otherwise)."""

    def __init__(self, answer: Callable[[int], int] | None = None) -> None:
        self.deliveries: list[Delivery] = []
        self.answer = answer or (lambda number: 200)
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._cond:
                    receiver.deliveries.append(Delivery(self.path, dict(self.headers.items()), data, time.monotonic()))
                    status = receiver.answer(len(receiver.deliveries))
                    receiver._cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cascad/callback/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10) -> list[Delivery]:
        """Block until at least ``count`` deliveries arrived; fail loudly on timeout."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.deliveries) >= count, timeout):
                raise AssertionError(f"expected {count} callbacks within {timeout}s, got {len(self.deliveries)}")
            return list(self.deliveries)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
