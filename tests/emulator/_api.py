"""Raw-HTTP helpers for the emulator conformance suite.

Written from ``spec/cascad-api.md`` alone: no emulator code and no ``cascad_wagtail.client``.
Bodies go out through ``cascad_wagtail.wire.dumps`` (amounts as exact JSON numbers) and come back
through ``cascad_wagtail.wire.loads`` (every non-integer number a ``Decimal``).
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

import requests

from cascad_wagtail import wire

TIMEOUT = 10
INVOICES = "/api/payment-invoices"

#: The statuses the contract calls refundable, and those in which nothing but a refund changes anything.
REFUNDABLE_OUTCOMES = ("processed", "partially_processed")
FINAL_OUTCOMES = ("processed", "partially_processed", "process_failed", "expired", "terminated")
ERROR_TYPES = {
    401: "authentication_error",
    404: "not_found",
    409: "conflict",
    422: "validation_error",
    429: "rate_limit",
    503: "server_error",
}


def send(
    method: str,
    url: str,
    payload: Any = None,
    *,
    auth: tuple[str, str] | None = None,
    params: dict | None = None,
    timeout: float = TIMEOUT,
    headers: dict | None = None,
) -> requests.Response:
    """One HTTP request; a payload is written with exact decimals."""
    all_headers = dict(headers or {})
    data = None
    if payload is not None:
        data = wire.dumps(payload)
        all_headers.setdefault("Content-Type", "application/json")
    return requests.request(method, url, data=data, auth=auth, params=params, headers=all_headers, timeout=timeout)


def body(response: requests.Response) -> Any:
    """The response body parsed with exact decimals."""
    return wire.loads(response.content)


def reference(prefix: str = "ref") -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


# --- Private API ---------------------------------------------------------------------------------


def private(emulator, method: str, path: str, payload: Any = None, **kwargs) -> requests.Response:
    return send(method, emulator.url + path, payload, auth=emulator.auth, **kwargs)


def invoice_payload(**attributes: Any) -> dict:
    """A create body: RUB 1500.00 with a fresh reference unless told otherwise (``None`` drops a key)."""
    attrs: dict[str, Any] = {"reference_id": reference("cw"), "amount": Decimal("1500.00"), "currency": "RUB"}
    attrs.update(attributes)
    attrs = {key: value for key, value in attrs.items() if value is not None}
    return {"data": {"type": "payment-invoices", "attributes": attrs}}


def create(emulator, **attributes: Any) -> requests.Response:
    return private(emulator, "POST", INVOICES, invoice_payload(**attributes))


def new_invoice(emulator, **attributes: Any) -> dict:
    """Create an invoice that must succeed; return its ``data`` object."""
    response = create(emulator, **attributes)
    assert response.status_code == 201, response.text
    return body(response)["data"]


def get(emulator, invoice_id: str) -> requests.Response:
    return private(emulator, "GET", f"{INVOICES}/{invoice_id}")


def attributes(emulator, invoice_id: str) -> dict:
    """The invoice's attributes as the Private API reads them now."""
    response = get(emulator, invoice_id)
    assert response.status_code == 200, response.text
    return body(response)["data"]["attributes"]


def refund(emulator, invoice_id: str, amount: Any, reference_id: str | None = "auto", **extra: Any):
    attrs: dict[str, Any] = {"amount": amount, **extra}
    if reference_id == "auto":
        reference_id = reference("rf")
    if reference_id is not None:
        attrs["reference_id"] = reference_id
    if amount is None:
        del attrs["amount"]
    return private(
        emulator, "POST", f"{INVOICES}/{invoice_id}/refund", {"data": {"type": "refund", "attributes": attrs}}
    )


def cancel(emulator, invoice_id: str) -> requests.Response:
    return private(emulator, "POST", f"{INVOICES}/{invoice_id}/cancel")


def list_all(emulator, params: dict) -> tuple[list[dict], int]:
    """Follow ``links.next`` from the first page until it is absent; return every item and the page count."""
    items: list[dict] = []
    pages = 0
    response = private(emulator, "GET", INVOICES, params=params)
    while True:
        assert response.status_code == 200, response.text
        page = body(response)
        pages += 1
        assert pages <= 50, "links.next never ran out"
        items.extend(page["data"])
        next_link = (page.get("links") or {}).get("next")
        if not next_link:
            return items, pages
        response = send("GET", urljoin(emulator.url + INVOICES, next_link), auth=emulator.auth)


# --- Control API ---------------------------------------------------------------------------------


def _exact(value: Any) -> Any:
    """Fault rates are plain numbers in the tests; write them as exact decimals."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    return value


def control(emulator, path: str, payload: Any = None, method: str = "POST", **kwargs) -> requests.Response:
    return send(method, f"{emulator.url}/_emulator/{path}", _exact(payload), **kwargs)


def control_ok(emulator, path: str, payload: Any = None, method: str = "POST") -> Any:
    response = control(emulator, path, payload, method)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    return body(response)


def pay(emulator, invoice_id: str, **payload: Any) -> requests.Response:
    return control(emulator, f"invoices/{invoice_id}/pay", payload)


def pay_ok(emulator, invoice_id: str, **payload: Any) -> dict:
    """Pay through the control API, which must accept; return the invoice as the Private API reads it."""
    response = pay(emulator, invoice_id, **payload)
    assert response.status_code == 200, response.text
    return attributes(emulator, invoice_id)


def paid_invoice(
    emulator, amount: Decimal = Decimal("100.00"), currency: str = "RUB", processed_amount: Decimal | None = None
) -> str:
    """An invoice paid in full (or partly, given ``processed_amount``); return its id."""
    invoice_id = new_invoice(emulator, amount=amount, currency=currency)["id"]
    if processed_amount is None:
        pay_ok(emulator, invoice_id, outcome="processed")
    else:
        pay_ok(emulator, invoice_id, outcome="partially_processed", processed_amount=processed_amount)
    return invoice_id


def configure(emulator, **config: Any) -> Any:
    return control_ok(emulator, "config", config)


def set_faults(emulator, **faults: Any) -> Any:
    return control_ok(emulator, "faults", faults)


def advance(emulator, seconds: int) -> int:
    return control_ok(emulator, "clock/advance", {"seconds": seconds})["now"]


def truth(emulator) -> list[dict]:
    """Every invoice the emulator holds, from the control API (never faulted)."""
    return control_ok(emulator, "invoices", method="GET")["data"]


# --- Public API ----------------------------------------------------------------------------------


def prerequest(emulator, currency: str, public_key: str | None = None, **extra: Any) -> requests.Response:
    payload = {"public_key": emulator.public_key if public_key is None else public_key, "currency": currency}
    payload.update(extra)
    return send("POST", emulator.url + "/public-api/payment-prerequest", payload)


# --- Assertions ----------------------------------------------------------------------------------


def assert_error(
    response: requests.Response, status: int, error_type: str | None = None, code: str | None = None
) -> dict:
    """``response`` is an error of ``status`` with the contract's envelope; return its body.

    The envelope is ``{"request_id", "error_type", "error_codes": [{"code", "field", "message"}]}``
    and ``request_id`` repeats the ``X-Request-Id`` header.
    """
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    error = body(response)
    assert set(error) >= {"request_id", "error_type", "error_codes"}, error
    assert error["request_id"], error
    assert error["request_id"] == response.headers.get("X-Request-Id"), (error, dict(response.headers))
    expected_type = error_type or ERROR_TYPES.get(status)
    if expected_type:
        assert error["error_type"] == expected_type, error
    assert isinstance(error["error_codes"], list), error
    for item in error["error_codes"]:
        # "field" is checked on its own in test_auth_and_envelope, so one gap does not fail every test.
        assert {"code", "message"} <= set(item), item
    if code is not None:
        assert code in [item["code"] for item in error["error_codes"]], error
    return error


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
