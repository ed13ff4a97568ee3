"""What the client sends and how it reads answers: exact money both ways, typed results, contract checks."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cascad_wagtail.client import Invoice, RetryPolicy
from cascad_wagtail.exceptions import InvalidAmount, UnexpectedResponse, UnsupportedCurrency
from cascad_wagtail.money import EXPONENTS
from cascad_wagtail.types import STAGES

from .fakes import ACCOUNT_ID, API_KEY, PUBLIC_KEY, answer, invoice_doc, list_doc, new_harness


def test_create_sends_json_api_with_exact_amounts_basic_auth_and_explicit_timeouts(cascad):
    cascad.then(answer(201, invoice_doc()))
    cascad.client().create_invoice(
        reference_id="cw_1",
        amount="1500",
        currency="RUB",
        service="sbp_rub_hpp",
        description="Order 42",
        return_urls={"success": "s", "fail": "f", "pending": "p"},
        metadata={"order_id": "42"},
        lifetime_seconds=600,
        locale="ru",
    )
    sent = cascad.sent[0]
    assert (sent.method, sent.url) == ("POST", "http://cascad.test/api/payment-invoices")
    assert b'"amount":1500.00' in sent.body, "written quantized to the currency"
    assert sent.json()["data"]["type"] == "payment-invoices"
    assert sent.json()["data"]["attributes"] == {
        "reference_id": "cw_1",
        "amount": Decimal("1500.00"),
        "currency": "RUB",
        "service": "sbp_rub_hpp",
        "description": "Order 42",
        "return_urls": {"success": "s", "fail": "f", "pending": "p"},
        "metadata": {"order_id": "42"},
        "locale": "ru",
        "lifetime_seconds": 600,
    }
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_ID}:{API_KEY}".encode()).decode()
    assert sent.headers["Authorization"] == expected
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.timeout == (3.05, 20.0)


def test_timeouts_are_configurable(cascad):
    cascad.then(answer(200, invoice_doc()))
    cascad.client(connect_timeout=1.5, read_timeout=4).get_invoice("cpi_1")
    assert cascad.sent[0].timeout == (1.5, 4)


@pytest.mark.parametrize(
    ("currency", "amount", "wire"),
    [("RUB", "99.9", b"99.90"), ("JPY", 1500, b"1500"), ("KWD", Decimal("12.345"), b"12.345")],
)
def test_amounts_are_written_in_the_currency_exponent(cascad, currency, amount, wire):
    cascad.then(answer(201, invoice_doc(currency=currency, amount=Decimal(wire.decode()))))
    invoice = cascad.client().create_invoice(reference_id="cw_1", amount=amount, currency=currency)
    assert b'"amount":' + wire + b"," in cascad.sent[0].body
    assert invoice.amount == Decimal(wire.decode()) and invoice.amount.as_tuple() == Decimal(wire.decode()).as_tuple()


@given(st.sampled_from(sorted(EXPONENTS)), st.integers(min_value=1, max_value=10**12))
def test_any_exact_amount_reaches_the_wire_unchanged(currency, minor_units):
    amount = Decimal(minor_units).scaleb(-EXPONENTS[currency])
    harness = new_harness().then(answer(201, invoice_doc(currency=currency, amount=amount)))
    harness.client().create_invoice(reference_id="cw_h", amount=amount, currency=currency)
    assert harness.sent[0].json()["data"]["attributes"]["amount"] == amount


@pytest.mark.parametrize(
    ("amount", "currency", "exc"),
    [
        ("10.001", "RUB", InvalidAmount),
        ("1.5", "JPY", InvalidAmount),
        ("0", "RUB", InvalidAmount),
        ("-5", "RUB", InvalidAmount),
        (10.5, "RUB", InvalidAmount),
        ("NaN", "RUB", InvalidAmount),
        ("10", "XXX", UnsupportedCurrency),
    ],
)
def test_a_bad_amount_is_refused_before_anything_is_sent(cascad, amount, currency, exc):
    client = cascad.client()
    with pytest.raises(exc):
        client.create_invoice(reference_id="cw_1", amount=amount, currency=currency)
    with pytest.raises(exc):
        client.refund("cpi_1", amount=amount, currency=currency, reference_id="rf_1")
    with pytest.raises(exc):
        client.prerequest(currency, amount)
    assert cascad.sent == []


def test_floats_are_refused_even_when_exact(cascad):
    with pytest.raises(InvalidAmount):
        cascad.client().create_invoice(reference_id="cw_1", amount=1500.0, currency="RUB")
    assert cascad.sent == []


def test_expires_and_lifetime_together_are_refused_before_sending(cascad):
    with pytest.raises(ValueError, match="not both"):
        cascad.client().create_invoice(reference_id="cw_1", amount="1", currency="RUB", expires=1, lifetime_seconds=1)
    with pytest.raises(ValueError, match="reference_id"):
        cascad.client().create_invoice(reference_id="", amount="1", currency="RUB")
    assert cascad.sent == []


def test_an_invoice_is_read_into_exact_typed_fields(cascad):
    doc = invoice_doc(
        status="partially_refunded",
        amount=Decimal("1500.5"),
        payment_amount=Decimal("1500.50"),
        fee=0,
        processed_amount=Decimal("1500.50"),
        refunded_amount=Decimal("100"),
        refunds=[
            {"id": "ref_1", "reference_id": "rf_1", "amount": 100, "status": "processed", "created": 5},
            {"id": "ref_2", "reference_id": "rf_2", "amount": Decimal("7.5"), "status": "failed", "created": 6},
        ],
        processed=1764460900,
        locale="en",
    )
    doc["data"]["relationships"]["payment-service"]["data"] = {"type": "payment-services", "id": "sbp_rub_hpp"}
    doc["data"]["relationships"]["payment-method"]["data"] = {"type": "payment-methods", "id": "sbp"}
    cascad.then(answer(200, doc))
    invoice = cascad.client().get_invoice("cpi_UoIW6RdSYyIRj8vR")
    assert invoice.amount == Decimal("1500.50") and str(invoice.amount) == "1500.50"
    assert str(invoice.fee) == "0.00" and str(invoice.refunded_amount) == "100.00"
    assert str(invoice.refunds[0].amount) == "100.00" and str(invoice.refunds[1].amount) == "7.50"
    assert invoice.refundable_balance == Decimal("1400.50")
    assert (invoice.payment_service, invoice.payment_method) == ("sbp_rub_hpp", "sbp")
    assert invoice.customer["email"] == "a@example.com" and invoice.metadata == {"order_id": "42"}
    assert (invoice.stage, invoice.is_final, invoice.is_refundable) == (2, True, True)
    assert invoice.processed == 1764460900 and invoice.locale == "en"
    assert invoice.raw["status"] == "partially_refunded"
    assert invoice.refund_by_reference("rf_2").status == "failed"
    assert hash(invoice) == hash(invoice)


@pytest.mark.parametrize(("status", "stage"), sorted(STAGES.items()))
def test_stage_follows_the_contract_table(status, stage):
    expected = {"created": 0, "processing": 1, "process_pending": 1, "process_error": 1}.get(status, 2)
    assert stage == expected


def test_an_unknown_status_is_kept_and_flagged_never_guessed(cascad):
    cascad.then(answer(200, invoice_doc(status="chargeback_pending")))
    invoice = cascad.client().get_invoice("cpi_1")
    assert invoice.status == "chargeback_pending"
    assert invoice.stage is None
    assert not (invoice.is_known_status or invoice.is_final or invoice.is_refundable)


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda d: d["data"]["attributes"].update(amount=Decimal("10.001")), "not exact RUB"),
        (lambda d: d["data"]["attributes"].update(amount="1500.00"), "not a JSON number"),
        (lambda d: d["data"]["attributes"].pop("reference_id"), "reference_id"),
        (lambda d: d["data"]["attributes"].update(currency="XXX"), "currency"),
        (lambda d: d["data"].update(type="payouts"), "type"),
        (lambda d: d["data"]["attributes"].update(created="yesterday"), "created"),
        (lambda d: d["data"]["attributes"].update(refunds=[{"id": "ref_1"}]), "refunds item"),
    ],
)
def test_an_answer_that_breaks_the_contract_is_unexpected(cascad, mutate, why):
    doc = invoice_doc()
    mutate(doc)
    cascad.then(answer(200, doc, request_id="req_bad"))
    with pytest.raises(UnexpectedResponse, match=why) as raised:
        cascad.client().get_invoice("cpi_1")
    assert (raised.value.status, raised.value.request_id) == (200, "req_bad")


@pytest.mark.parametrize("body", [b"<html>oops</html>", b"", b'{"amount": NaN}'])
def test_a_2xx_that_is_not_json_is_unexpected_and_not_retried(cascad, body):
    cascad.then(answer(200, body, request_id="req_html"))
    with pytest.raises(UnexpectedResponse) as raised:
        cascad.client().get_invoice("cpi_1")
    assert raised.value.request_id == "req_html" and len(cascad.sent) == 1


def test_a_5xx_with_an_html_body_is_still_a_server_error(cascad):
    from cascad_wagtail.exceptions import ServerError

    cascad.then(*[answer(502, b"<html>bad gateway</html>", request_id=None)] * 4)
    with pytest.raises(ServerError):
        cascad.client().get_invoice("cpi_1")


def test_list_and_iterate_follow_the_cursor(cascad):
    first = invoice_doc(id="cpi_A", reference_id="a")
    second = invoice_doc(id="cpi_B", reference_id="b")
    cascad.then(
        answer(200, list_doc(first, next_link="/api/payment-invoices?page[size]=1&page[cursor]=c2&filter[status]=x")),
        answer(200, list_doc(second)),
    )
    ids = [invoice.id for invoice in cascad.client().iter_invoices(status="created", page_size=1)]
    assert ids == ["cpi_A", "cpi_B"]
    assert cascad.sent[0].query == {"filter[status]": ["created"], "page[size]": ["1"]}
    assert cascad.sent[1].query == {"filter[status]": ["created"], "page[size]": ["1"], "page[cursor]": ["c2"]}


def test_list_refuses_a_page_size_over_100(cascad):
    with pytest.raises(ValueError):
        cascad.client().list_invoices(page_size=101)


def test_find_by_reference_returns_none_when_absent(cascad):
    cascad.then(answer(200, list_doc()))
    assert cascad.client().find_invoice_by_reference("cw_nope") is None


def test_ids_cannot_escape_their_path_segment(cascad):
    cascad.then(answer(200, invoice_doc()))
    cascad.client().get_invoice("../refund?x=1")
    assert cascad.sent[0].path == "/api/payment-invoices/..%2Frefund%3Fx%3D1"


def test_public_api_sends_the_public_key_and_no_basic_auth(cascad):
    prerequest = {
        "data": {
            "currency": "RUB",
            "amount": Decimal("10.00"),
            "test_mode": True,
            "services": {
                "sbp_rub_hpp": {
                    "code": "sbp_rub_hpp",
                    "method": "sbp",
                    "currency": "RUB",
                    "name": {"en": "SBP", "ru": "СБП"},
                    "fields": [],
                }
            },
        }
    }
    public_status = {
        "data": {
            "type": "payment-invoices",
            "id": "cpi_1",
            "attributes": {"status": "processed", "resolution": "ok", "amount": 10, "currency": "RUB"},
        }
    }
    cascad.then(answer(200, prerequest), answer(201, invoice_doc()), answer(200, public_status))
    client = cascad.client()
    result = client.prerequest("RUB", "10")
    invoice = client.public_create_invoice(reference_id="cw_p", amount="1500", currency="RUB")
    status = client.public_get_invoice("cpi_1")
    assert result.services["sbp_rub_hpp"].method == "sbp" and result.amount == Decimal("10.00")
    assert invoice.id == "cpi_UoIW6RdSYyIRj8vR"
    assert (status.status, status.amount, status.stage, status.is_final) == ("processed", Decimal("10.00"), 2, True)
    assert all("Authorization" not in sent.headers for sent in cascad.sent)
    assert cascad.sent[0].json() == {"public_key": PUBLIC_KEY, "currency": "RUB", "amount": Decimal("10.00")}
    assert cascad.sent[1].json()["data"]["attributes"]["public_key"] == PUBLIC_KEY
    assert "callback_url" not in cascad.sent[1].json()["data"]["attributes"]
    assert cascad.sent[2].query == {"public_key": [PUBLIC_KEY]}


def test_public_calls_need_a_public_key(cascad):
    with pytest.raises(ValueError, match="public_key"):
        cascad.client(public_key=None).prerequest("RUB")
    assert cascad.sent == []


def test_results_are_frozen(cascad):
    cascad.then(answer(200, invoice_doc()))
    invoice = cascad.client().get_invoice("cpi_1")
    assert isinstance(invoice, Invoice)
    with pytest.raises(AttributeError):
        invoice.status = "processed"


def test_retry_policy_rejects_zero_attempts():
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
