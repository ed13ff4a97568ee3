"""One Cascad call over HTTP: Basic auth, explicit timeouts, exact JSON, retries, errors mapped once.

``Transport.request`` sends a call with the retry policy and returns its 2xx answer, or raises the
exception of its last attempt (``exceptions.error_for_response`` decides which, from the status).
Every attempt is logged and reported to ``on_call`` as an ``ApiCall`` that holds no credential, no key
and no body. ``CascadClient`` builds the contract's calls on top of this.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.auth import HTTPBasicAuth

from . import wire
from .exceptions import (
    CascadConnectionError,
    CascadError,
    CascadTimeout,
    UnexpectedResponse,
    error_for_response,
)
from .types import ApiCall

# The transport is the client's wire side: its records belong under the client's logger name.
logger = logging.getLogger("cascad_wagtail.client")

_KEY_PREFIXES = ("pk_test_", "pk_live_", "sk_test_", "sk_live_")


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a call gets, and the wait after each failed one (the last wait repeats)."""

    attempts: int = 4
    waits: tuple[float, ...] = (0.5, 1.0, 2.0)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")

    def wait_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if not self.waits:
            return 0.0
        return self.waits[min(attempt, len(self.waits)) - 1]


@dataclass(frozen=True)
class Answer:
    """A 2xx answer: its status, its body read with ``wire.loads``, and its ``X-Request-Id``."""

    status: int
    body: Any
    request_id: str | None


def mask(secret: str | None) -> str | None:
    """Show what kind of key it is (``pk_test_***``), never any of its secret part."""
    if not secret:
        return None
    prefix = next((p for p in _KEY_PREFIXES if secret.startswith(p)), "")
    return f"{prefix}***"


class Transport:
    """The HTTP side of one Cascad account. Safe to share between threads."""

    def __init__(
        self,
        host_url: str,
        account_id: str,
        api_key: str,
        public_key: str | None,
        *,
        timeout: tuple[float, float],
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        on_call: Callable[[ApiCall], None] | None,
        session: requests.Session | None,
    ) -> None:
        parts = urlsplit(host_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("host_url must be an http(s) URL without query or fragment, e.g. http://127.0.0.1:8100")
        if not account_id or not api_key:
            raise ValueError("account_id and api_key are required")
        self.host_url = host_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry
        self._auth = HTTPBasicAuth(account_id, api_key)
        self._secrets = [s for s in (api_key, public_key) if s]
        self._sleep = sleep
        self._on_call = on_call
        self.session = session or requests.Session()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        private: bool = True,
        changes: bool = False,
    ) -> Answer:
        """Send one call with the retry policy; return its 2xx answer or raise its last error.

        Retried: connection errors, timeouts, 429 and 5xx. Every call of the contract is safe to repeat
        (a read, idempotent by ``reference_id``, or a cancel settled by reading), so the caller does not
        choose. ``changes`` marks calls that may change state: if one of their attempts went unanswered
        and the attempts then run out on a 5xx or 429, the outcome is unknown and ``CascadTimeout`` is
        raised instead, because a timeout must never be reported as a failure.
        """
        payload = wire.dumps(body) if body is not None else None
        last_request_id: str | None = None
        unanswered = False
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(method, path, params, payload, private, attempt)
            except CascadError as error:
                if isinstance(error, CascadConnectionError):
                    unanswered = True
                    error.request_id = last_request_id
                else:
                    last_request_id = getattr(error, "request_id", None) or last_request_id
                if error.retryable and attempt < self.retry.attempts:
                    wait = self.retry.wait_after(attempt)
                    logger.info(
                        "Cascad %s %s attempt %d failed (%s); retrying in %.1f s",
                        method,
                        path,
                        attempt,
                        type(error).__name__,
                        wait,
                    )
                    self._sleep(wait)
                    continue
                if not error.retryable:
                    raise
                logger.warning("Cascad %s %s failed after %d attempts: %s", method, path, attempt, error)
                if changes and unanswered and not isinstance(error, CascadTimeout):
                    raise CascadTimeout(
                        f"Cascad gave no definite answer to {method} {path} in {attempt} attempts "
                        f"(last: {error}); the change may have been applied: look it up before acting.",
                        request_id=last_request_id,
                    ) from error
                raise

    def close(self) -> None:
        self.session.close()

    def redact(self, text: object) -> str:
        """``text`` with the API key and public key blanked (a URL may carry ``?public_key=``)."""
        result = str(text)
        for secret in self._secrets:
            result = result.replace(secret, "***")
        return result

    def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        payload: bytes | None,
        private: bool,
        attempt: int,
    ) -> Answer:
        """One HTTP exchange, reported to the log and ``on_call`` however it ends."""
        started = time.monotonic()
        status: int | None = None
        request_id: str | None = None
        error_name: str | None = None
        headers = {"Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            # Our own messages replace requests' (whose URL may hold the public key): hence ``from None``.
            try:
                response = self.session.request(
                    method,
                    self.host_url + path,
                    params=params,
                    data=payload,
                    headers=headers,
                    auth=self._auth if private else None,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.Timeout as exc:
                raise CascadTimeout(
                    f"Cascad did not answer {method} {path} within {self.timeout} s (connect, read); "
                    f"the outcome is unknown. ({self.redact(exc)})"
                ) from None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                raise CascadConnectionError(
                    f"No answer from Cascad to {method} {path}; the outcome is unknown. ({self.redact(exc)})"
                ) from None
            status = response.status_code
            request_id = response.headers.get("X-Request-Id")
            return self._answer(response, request_id)
        except CascadError as error:
            error_name = type(error).__name__
            raise
        finally:
            self._report(
                ApiCall(
                    method=method,
                    path=path,
                    query=_safe_query(params),
                    status=status,
                    duration=time.monotonic() - started,
                    request_id=request_id,
                    attempt=attempt,
                    error=error_name,
                )
            )

    def _answer(self, response: requests.Response, request_id: str | None) -> Answer:
        status = response.status_code
        try:
            body = wire.loads(response.content) if response.content else None
            readable = True
        except ValueError:
            body, readable = None, False
        if 200 <= status < 300:
            if body is None:
                why = "an empty body" if readable else "a body that is not JSON"
                raise UnexpectedResponse(
                    f"Cascad answered HTTP {status} with {why}.", status=status, request_id=request_id
                )
            return Answer(status, body, request_id)
        if status < 400:
            raise UnexpectedResponse(
                f"Cascad answered HTTP {status}, which the contract does not use.", status=status, request_id=request_id
            )
        error = error_for_response(status, body, request_id)
        error.message = self.redact(error.message)
        error.args = (error.message,)
        raise error

    def _report(self, call: ApiCall) -> None:
        logger.debug(
            "Cascad %s %s%s -> %s in %.3f s (request %s, attempt %d%s)",
            call.method,
            call.path,
            f"?{call.query}" if call.query else "",
            call.status,
            call.duration,
            call.request_id,
            call.attempt,
            f", {call.error}" if call.error else "",
        )
        if self._on_call is not None:
            try:
                self._on_call(call)
            except Exception:
                logger.exception("The on_call hook failed for %s %s", call.method, call.path)


def _safe_query(params: Mapping[str, str] | None) -> str:
    """The query string as logged and reported: everything but the public key."""
    if not params:
        return ""
    return urlencode([(k, v) for k, v in params.items() if k != "public_key"], safe="[]")
