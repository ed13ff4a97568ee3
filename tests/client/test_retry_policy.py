"""The retry policy (design.md, client paragraph), proven against a scripted fake Cascad."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from cascad_wagtail.exceptions import (
    AuthenticationError,
    CascadConnectionError,
    CascadTimeout,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
)

from .fakes import answer, error, invoice_doc, list_doc, refund_doc

CREATE = {"reference_id": "cw_order_42", "amount": Decimal("1500.00"), "currency": "RUB"}


def timeout() -> requests.ReadTimeout:
    return requests.ReadTimeout("read timed out")


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_with_waits_half_one_two(cascad, status):
    cascad.then(*[error(status, "busy", request_id=f"req_{i}") for i in range(4)])
    with pytest.raises((ServerError, RateLimitError)) as raised:
        cascad.client().get_invoice("cpi_1")
    assert len(cascad.sent) == 4
    assert cascad.sleeps == [0.5, 1.0, 2.0]
    assert raised.value.status == status
    assert raised.value.request_id == "req_3", "the exception carries the last answer's request id"


@pytest.mark.parametrize(
    ("status", "exc"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, InvalidRequestError),
    ],
)
def test_client_errors_are_not_retried(cascad, status, exc):
    cascad.then(error(status, "nope", request_id="req_once"))
    with pytest.raises(exc) as raised:
        cascad.client().get_invoice("cpi_1")
    assert len(cascad.sent) == 1 and cascad.sleeps == []
    assert raised.value.request_id == "req_once"


def test_a_read_recovers_after_timeout_and_connection_error(cascad):
    cascad.then(timeout(), requests.ConnectionError("connection refused"), answer(200, invoice_doc()))
    invoice = cascad.client().get_invoice("cpi_UoIW6RdSYyIRj8vR")
    assert invoice.id == "cpi_UoIW6RdSYyIRj8vR"
    assert cascad.sleeps == [0.5, 1.0]
    assert [c.error for c in cascad.calls] == ["CascadTimeout", "CascadConnectionError", None]
    assert [c.attempt for c in cascad.calls] == [1, 2, 3]


def test_timeouts_exhausted_raise_cascad_timeout_with_last_answers_request_id(cascad):
    cascad.then(error(503, "down", request_id="req_503"), timeout(), timeout(), timeout())
    with pytest.raises(CascadTimeout) as raised:
        cascad.client().create_invoice(**CREATE)
    assert raised.value.request_id == "req_503"
    assert "unknown" in str(raised.value)


def test_a_create_that_timed_out_then_got_only_503s_is_unknown_not_failed(cascad):
    cascad.then(timeout(), error(503, "down", "r2"), error(503, "down", "r3"), error(503, "down", "r4"))
    with pytest.raises(CascadTimeout) as raised:
        cascad.client().create_invoice(**CREATE)
    assert raised.value.request_id == "r4"
    assert isinstance(raised.value.__cause__, ServerError)


def test_a_read_that_timed_out_then_got_503s_reports_the_server_error(cascad):
    cascad.then(timeout(), error(503, "down", "r2"), error(503, "down", "r3"), error(503, "down", "r4"))
    with pytest.raises(ServerError):
        cascad.client().get_invoice("cpi_1")


def test_connection_errors_exhausted_raise_connection_error(cascad):
    cascad.then(*[requests.ConnectionError("refused")] * 4)
    with pytest.raises(CascadConnectionError) as raised:
        cascad.client().get_invoice("cpi_1")
    assert not isinstance(raised.value, CascadTimeout)
    assert raised.value.request_id is None


def test_a_retried_create_sends_the_same_reference_id_every_time(cascad):
    cascad.then(error(503, "down"), timeout(), error(500, "oops"), answer(201, invoice_doc(reference_id="cw_order_42")))
    invoice = cascad.client().create_invoice(**CREATE, description="Order 42")
    assert invoice.reference_id == "cw_order_42"
    bodies = [sent.body for sent in cascad.sent]
    assert len(bodies) == 4 and len(set(bodies)) == 1, "every attempt sends byte-identical JSON"
    assert cascad.sent[0].json()["data"]["attributes"]["reference_id"] == "cw_order_42"
    assert cascad.sleeps == [0.5, 1.0, 2.0]


def test_a_duplicate_after_a_timeout_adopts_the_existing_invoice(cascad):
    existing = invoice_doc(id="cpi_Existing00000001", reference_id="cw_order_42")
    cascad.then(timeout(), error(422, "reference_id_duplicate", "req_dup"), answer(200, list_doc(existing)))
    invoice = cascad.client().create_invoice(**CREATE)
    assert invoice.id == "cpi_Existing00000001"
    lookup = cascad.sent[-1]
    assert (lookup.method, lookup.path) == ("GET", "/api/payment-invoices")
    assert lookup.query["filter[reference_id]"] == ["cw_order_42"]
    assert [s.method for s in cascad.sent] == ["POST", "POST", "GET"], "never a second create after the 422"


def test_a_duplicate_on_the_first_attempt_is_adopted_too(cascad):
    """A caller repeating a create whose answer it lost gets the same invoice back."""
    cascad.then(error(422, "reference_id_duplicate"), answer(200, list_doc(invoice_doc(reference_id="cw_order_42"))))
    assert cascad.client().create_invoice(**CREATE).reference_id == "cw_order_42"


@pytest.mark.parametrize("other", [{"amount": Decimal("1499.99")}, {"currency": "USD"}])
def test_a_duplicate_for_another_amount_or_currency_is_refused(cascad, other):
    cascad.then(
        error(422, "reference_id_duplicate", "req_dup"),
        answer(200, list_doc(invoice_doc(reference_id="cw_order_42", **other)), request_id="req_list"),
    )
    with pytest.raises(InvalidRequestError) as raised:
        cascad.client().create_invoice(**CREATE)
    assert raised.value.has_code("reference_id_duplicate")
    assert raised.value.request_id == "req_dup"
    assert any("another order" in note for note in raised.value.__notes__)


def test_a_duplicate_that_cannot_be_found_is_raised(cascad):
    cascad.then(error(422, "reference_id_duplicate"), answer(200, list_doc()))
    with pytest.raises(InvalidRequestError):
        cascad.client().create_invoice(**CREATE)


def test_other_422s_on_create_are_raised_without_lookup(cascad):
    cascad.then(error(422, "invalid_amount"))
    with pytest.raises(InvalidRequestError):
        cascad.client().create_invoice(**CREATE)
    assert len(cascad.sent) == 1


def test_a_refund_retried_after_a_timeout_reuses_its_reference_and_gets_the_same_refund(cascad):
    cascad.then(timeout(), answer(200, refund_doc("ref_A", "rf_1", Decimal("10.00"))))
    refund = cascad.client().refund("cpi_1", amount="10.00", currency="RUB", reference_id="rf_1")
    assert (refund.id, refund.reference_id, refund.invoice_id) == ("ref_A", "rf_1", "cpi_1")
    assert refund.amount == Decimal("10.00")
    assert cascad.sent[0].body == cascad.sent[1].body
    attributes = {"amount": Decimal("10.00"), "reference_id": "rf_1"}
    assert cascad.sent[0].json() == {"data": {"type": "refund", "attributes": attributes}}


def test_a_retried_cancel_that_gets_409_is_done_when_the_invoice_is_terminated(cascad):
    cascad.then(timeout(), error(409, "invalid_status"), answer(200, invoice_doc(status="terminated")))
    invoice = cascad.client().cancel("cpi_UoIW6RdSYyIRj8vR")
    assert invoice.status == "terminated"
    assert [(s.method, s.path) for s in cascad.sent][-1] == ("GET", "/api/payment-invoices/cpi_UoIW6RdSYyIRj8vR")


def test_a_cancel_409_on_an_invoice_in_progress_raises_the_conflict(cascad):
    cascad.then(error(409, "invalid_status", "req_409"), answer(200, invoice_doc(status="processing"), "req_get"))
    with pytest.raises(ConflictError) as raised:
        cascad.client().cancel("cpi_UoIW6RdSYyIRj8vR")
    assert raised.value.request_id == "req_409"
    assert "The invoice is processing." in raised.value.__notes__


def test_cancel_is_retried_on_5xx(cascad):
    cascad.then(error(502, "bad gateway"), answer(200, invoice_doc(status="terminated")))
    assert cascad.client().cancel("cpi_1").status == "terminated"
    assert cascad.sleeps == [0.5]


def test_the_retry_policy_is_configurable(cascad):
    from cascad_wagtail.client import RetryPolicy

    cascad.then(error(503, "x"), error(503, "x"))
    with pytest.raises(ServerError):
        cascad.client(retry=RetryPolicy(attempts=2, waits=(0.1,))).get_invoice("cpi_1")
    assert cascad.sleeps == [0.1]
