"""Secrets never leave the client: not in ``on_call`` records, logs, reprs or exception text."""

from __future__ import annotations

import logging
import traceback
from decimal import Decimal

import pytest
import requests

from cascad_wagtail.exceptions import AuthenticationError, CascadConnectionError, CascadTimeout

from .fakes import ACCOUNT_ID, API_KEY, HOST, PUBLIC_KEY, answer, error, invoice_doc

SECRETS = (API_KEY, PUBLIC_KEY)


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "Authorization" not in text and "Basic " not in text


def full_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def test_repr_masks_the_keys(cascad):
    text = repr(cascad.client())
    assert_clean(text)
    assert "pk_test_***" in text and ACCOUNT_ID in text


def test_on_call_records_and_logs_hold_no_secret(cascad, caplog):
    caplog.set_level(logging.DEBUG)
    public_status = {
        "data": {
            "type": "payment-invoices",
            "id": "cpi_1",
            "attributes": {"status": "created", "resolution": None, "amount": 10, "currency": "RUB"},
        }
    }
    cascad.then(
        requests.ReadTimeout(f"HTTPConnectionPool: Read timed out. (url: /x?public_key={PUBLIC_KEY})"),
        answer(200, public_status, request_id="req_pub"),
        error(503, "down"),
        answer(201, invoice_doc()),
    )
    client = cascad.client()
    client.public_get_invoice("cpi_1")
    client.create_invoice(reference_id="cw_1", amount=Decimal("1500.00"), currency="RUB")
    assert len(cascad.calls) == 4
    for call in cascad.calls:
        assert_clean(repr(call))
    first, second = cascad.calls[:2]
    assert (first.method, first.path, first.query, first.status, first.error, first.attempt) == (
        "GET",
        "/public-api/payment-invoices/cpi_1",
        "",
        None,
        "CascadTimeout",
        1,
    )
    assert (second.status, second.request_id, second.attempt, second.error) == (200, "req_pub", 2, None)
    assert second.duration >= 0
    assert caplog.records, "each attempt is logged"
    assert {r.name for r in caplog.records} == {"cascad_wagtail.client"}
    assert_clean(caplog.text)
    assert_clean("\n".join(str(r.args) for r in caplog.records))


def test_exception_text_is_redacted_even_when_the_server_or_requests_echo_a_key(cascad):
    cascad.then(error(401, "invalid_credentials", message=f"API key {API_KEY} is not valid"))
    with pytest.raises(AuthenticationError) as raised:
        cascad.client().get_invoice("cpi_1")
    assert_clean(str(raised.value))
    assert_clean(full_text(raised.value))

    leak = f"Max retries exceeded with url: /public-api/payment-invoices/x?public_key={PUBLIC_KEY}"
    cascad.then(*[requests.ConnectionError(leak)] * 4)
    with pytest.raises(CascadConnectionError) as raised:
        cascad.client().public_get_invoice("x")
    assert_clean(full_text(raised.value))
    assert "***" in str(raised.value)

    cascad.then(*[requests.ReadTimeout(leak)] * 4)
    with pytest.raises(CascadTimeout) as raised:
        cascad.client().public_get_invoice("x")
    assert_clean(full_text(raised.value))


def test_a_failing_on_call_hook_never_breaks_the_call(cascad, caplog):
    def explode(call):
        raise RuntimeError("log table full")

    cascad.then(answer(200, invoice_doc()))
    assert cascad.client(on_call=explode).get_invoice("cpi_1").status == "created"
    assert "on_call hook failed" in caplog.text


def test_the_host_url_must_be_plain_http(cascad):
    with pytest.raises(ValueError):
        cascad.client().__class__(f"{HOST}/?key={API_KEY}", ACCOUNT_ID, API_KEY)
