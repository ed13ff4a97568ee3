"""The HTTP front door: auth, request ids, the error envelope and API faults around ``api``."""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import api
from .callbacks import CallbackQueue
from .config import Account, EmulatorConfig
from .errors import ApiError
from .state import EmulatorState

logger = logging.getLogger("cascad_wagtail.emulator")

MAX_BODY = 1024 * 1024
TICK_SECONDS = 0.2


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def _basic_auth_ok(header: str | None, account: Account) -> bool:
    if not header or not header.startswith("Basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user_ok = hmac.compare_digest(user.encode(), account.account_id.encode())
    password_ok = hmac.compare_digest(password.encode(), account.api_key.encode())
    return user_ok and password_ok


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle holds every other keep-alive answer ~40 ms.
    disable_nagle_algorithm = True
    server: EmulatorHTTPServer

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_POST

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        if not length.isdigit():
            raise ApiError(422, "invalid_request", "Content-Length is not a number.")
        if int(length) > MAX_BODY:
            raise ApiError(413, "body_too_large", f"The body is over {MAX_BODY} bytes.")
        return self.rfile.read(int(length))

    def _handle(self) -> None:
        request_id = new_request_id()
        state = self.server.state
        fault = None
        try:
            parts = urlsplit(self.path)
            request = api.Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers=self.headers,
                body=b"",
            )
            request.body = self._read_body()
            route, request.params = api.match(self.server.routes, request.method, request.path)
            if route.area == "private" and not _basic_auth_ok(self.headers.get("Authorization"), state.account):
                raise ApiError(401, "invalid_credentials", "Basic auth with the account id and API key is required.")
            if route.area in ("private", "public"):
                fault = state.faults.api_fault(api.fault_concern(state, route, request))
                if fault == "error":
                    raise ApiError(503, "service_unavailable", "Cascad is temporarily unavailable (injected fault).")
            response = route.handler(state, request)
        except ApiError as exc:
            response = api.json_response(exc.status, exc.envelope(request_id))
        except Exception:
            logger.exception("unexpected error in the emulator (request %s)", request_id)
            error = ApiError(500, "internal_error", "The emulator failed; see its log.")
            response = api.json_response(500, error.envelope(request_id))
        if fault == "timeout":
            # The change is applied; the answer is held past the client's patience.
            time.sleep(state.faults.settings.api_timeout_s)
        self._send(response, request_id)

    def _send(self, response: api.Response, request_id: str) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("X-Request-Id", request_id)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("client went away before the answer to %s", request_id)


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: EmulatorState, routes: list[api.Route]) -> None:
        super().__init__(address, Handler)
        self.state = state
        self.routes = routes
        self.callbacks = CallbackQueue(state)
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start_background(self) -> None:
        """Run the clock ticker (expiries, pending settlement) and the callback sender."""
        threading.Thread(target=self._tick_forever, name="emulator-ticker", daemon=True).start()
        self.callbacks.start()

    def _tick_forever(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            try:
                self.state.tick()
            except Exception:
                logger.exception("emulator tick failed")

    def server_close(self) -> None:
        self._stopping.set()
        self.callbacks.stop()
        super().server_close()


def make_server(
    host: str,
    port: int,
    account: Account | None = None,
    config: EmulatorConfig | None = None,
    public_url: str | None = None,
) -> EmulatorHTTPServer:
    """A ready emulator server (not yet serving); ``port`` 0 picks a free port."""
    account = account or Account()
    account.check()
    state = EmulatorState(account, config or EmulatorConfig())
    server = EmulatorHTTPServer((host, port), state, api.ROUTES + api._checkout_routes())
    state.public_url = (public_url or server.url).rstrip("/")
    server.start_background()
    return server
