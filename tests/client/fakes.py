"""A scripted stand-in for Cascad at the ``requests`` adapter level, for unit tests of the client.

Each request the client sends takes the next step of the script: an answer ``(status, body, headers)``,
an exception to raise (``requests.ReadTimeout(...)``), or a callable that receives the
``PreparedRequest`` and returns either. Every request is recorded so tests can look at the wire.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from cascad_wagtail import wire
from cascad_wagtail.client import CascadClient, RetryPolicy

HOST = "http://cascad.test"
ACCOUNT_ID = "coma_UnitTestAccnt0001"
API_KEY = "unit-test-api-key-000000000000000000000009"
PUBLIC_KEY = "pk_test_UnitTestPublicKey9"


@dataclasses.dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    timeout: Any

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query)

    def json(self) -> Any:
        return wire.loads(self.body) if self.body else None


def answer(status: int, body: Any = None, request_id: str | None = "req_unit", headers: dict | None = None):
    """One scripted answer; ``body`` may be a document (sent with ``wire.dumps``) or raw bytes."""
    all_headers = dict(headers or {})
    if request_id:
        all_headers["X-Request-Id"] = request_id
    if body is not None and not isinstance(body, bytes):
        body = wire.dumps(body)
        all_headers.setdefault("Content-Type", "application/json")
    return (status, body or b"", all_headers)


def error(status: int, code: str, request_id: str = "req_err", message: str | None = None):
    error_type = {
        401: "authentication_error",
        404: "not_found",
        409: "conflict",
        422: "validation_error",
        429: "rate_limit",
    }.get(status, "server_error")
    body = {
        "request_id": request_id,
        "error_type": error_type,
        "error_codes": [{"code": code, "field": None, "message": message or code}],
    }
    return answer(status, body, request_id)


class ScriptedAdapter(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.script: deque = deque()
        self.sent: list[Sent] = []

    def then(self, *steps: Any) -> ScriptedAdapter:
        self.script.extend(steps)
        return self

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        body = request.body.encode() if isinstance(request.body, str) else request.body
        self.sent.append(Sent(request.method, request.url, dict(request.headers), body, timeout))
        if not self.script:
            raise AssertionError(f"unscripted request {request.method} {request.url}")
        step = self.script.popleft()
        if callable(step) and not isinstance(step, BaseException):
            step = step(request)
        if isinstance(step, BaseException):
            raise step
        status, content, headers = step
        response = requests.Response()
        response.status_code = status
        response._content = content
        response.headers = CaseInsensitiveDict(headers)
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@dataclasses.dataclass
class Harness:
    adapter: ScriptedAdapter
    sleeps: list[float]
    calls: list
    client_kwargs: dict

    def client(self, **overrides: Any) -> CascadClient:
        session = requests.Session()
        session.mount("http://", self.adapter)
        kwargs = {
            "public_key": PUBLIC_KEY,
            "session": session,
            "sleep": self.sleeps.append,
            "on_call": self.calls.append,
            **self.client_kwargs,
            **overrides,
        }
        return CascadClient(HOST, ACCOUNT_ID, API_KEY, **kwargs)

    def then(self, *steps: Any) -> Harness:
        self.adapter.then(*steps)
        return self

    @property
    def sent(self) -> list[Sent]:
        return self.adapter.sent


def new_harness(**client_kwargs: Any) -> Harness:
    return Harness(ScriptedAdapter(), [], [], {"retry": RetryPolicy(), **client_kwargs})


def invoice_doc(**attributes: Any) -> dict:
    """The contract's example invoice, with ``attributes`` replaced (``id`` sets the resource id)."""
    from decimal import Decimal

    invoice_id = attributes.pop("id", "cpi_UoIW6RdSYyIRj8vR")
    attrs = {
        "reference_id": "cw_6f1c",
        "status": "created",
        "resolution": "ok",
        "amount": Decimal("1500.00"),
        "currency": "RUB",
        "payment_amount": Decimal("1500.00"),
        "fee": 0,
        "processed_amount": None,
        "refunded_amount": 0,
        "description": "Order 42",
        "service": None,
        "flow": "hpp",
        "test_mode": True,
        "return_url": "http://shop.test/r",
        "return_urls": {"success": "s", "fail": "f", "pending": "p"},
        "callback_url": "http://shop.test/cascad/callback/",
        "customer": {"reference_id": "c1", "email": "a@example.com", "name": "A", "phone": "+1"},
        "metadata": {"order_id": "42"},
        "hpp_url": f"{HOST}/hpp/?cpi={invoice_id}",
        "refunds": [],
        "created": 1764460800,
        "updated": 1764460800,
        "expires": 1764547200,
        "processed": None,
    }
    attrs.update(attributes)
    return {"data": invoice_resource(invoice_id, attrs)}


def invoice_resource(invoice_id: str, attrs: dict, service: str | None = None, method: str | None = None) -> dict:
    return {
        "type": "payment-invoices",
        "id": invoice_id,
        "attributes": attrs,
        "relationships": {
            "payment-service": {"data": {"type": "payment-services", "id": service} if service else None},
            "payment-method": {"data": {"type": "payment-methods", "id": method} if method else None},
        },
        "links": {"self": f"/api/payment-invoices/{invoice_id}"},
    }


def list_doc(*documents: dict, next_link: str | None = None) -> dict:
    return {"data": [d["data"] for d in documents], "links": {"next": next_link}}


def refund_doc(
    refund_id: str = "ref_1",
    reference_id: str = "rf_1",
    amount: Any = None,
    currency: str = "RUB",
    status: str = "processed",
) -> dict:
    from decimal import Decimal

    return {
        "data": {
            "type": "refunds",
            "id": refund_id,
            "attributes": {
                "reference_id": reference_id,
                "status": status,
                "amount": amount if amount is not None else Decimal("10.00"),
                "fee": 0,
                "currency": currency,
                "created": 1764460900,
            },
        }
    }
