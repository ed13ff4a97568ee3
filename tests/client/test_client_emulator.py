"""Every call of the contract, round-tripped through the real emulator with exact money."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from cascad_wagtail.client import CascadClient
from cascad_wagtail.exceptions import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
)

from .emulated import client_for, truth

pytestmark = pytest.mark.emulator

#: (currency, invoice amount, refund amount): two, zero and three decimal places.
MONEY = [
    ("RUB", Decimal("1500.50"), Decimal("500.25")),
    ("JPY", Decimal("1500"), Decimal("499")),
    ("KWD", Decimal("12.345"), Decimal("1.005")),
]


def ref(prefix: str = "cw") -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


@pytest.fixture
def client(emulator):
    with client_for(emulator) as client:
        yield client


def assert_exact(value: Decimal, expected: Decimal) -> None:
    """Equal and written with the same digits: 1500.50 is not 1500.5."""
    assert value == expected and str(value) == str(expected)


@pytest.mark.parametrize(("currency", "amount", "_"), MONEY)
def test_create_get_list_and_find_round_trip_exact_amounts(client, emulator, currency, amount, _):
    reference = ref()
    created = client.create_invoice(
        reference_id=reference,
        amount=amount,
        currency=currency,
        description="Order 42",
        return_urls={
            "success": "http://shop.test/ok",
            "fail": "http://shop.test/fail",
            "pending": "http://shop.test/p",
        },
        callback_url="http://shop.test/cascad/callback/",
        customer={"email": "customer@example.com"},
        metadata={"order_id": "42"},
        lifetime_seconds=600,
        locale="en",
    )
    assert created.id.startswith("cpi_") and created.reference_id == reference
    assert (created.status, created.stage, created.is_final, created.test_mode) == ("created", 0, False, True)
    assert_exact(created.amount, amount)
    assert_exact(created.payment_amount, amount)
    assert_exact(created.refunded_amount, Decimal(0).quantize(amount))
    assert created.processed_amount is None
    assert created.expires - created.created == 600
    assert created.metadata == {"order_id": "42"} and created.customer["email"] == "customer@example.com"
    assert created.hpp_url == f"{emulator.url}/hpp/?cpi={created.id}"

    assert client.get_invoice(created.id) == created
    assert client.find_invoice_by_reference(reference) == created
    assert client.list_invoices(reference_id=reference).items == (created,)
    assert truth(emulator)[created.id] == created


def test_exact_digits_on_the_wire(emulator, client):
    client.create_invoice(reference_id=ref(), amount="12.345", currency="KWD")
    client.create_invoice(reference_id=ref(), amount="1500", currency="JPY")
    client.create_invoice(reference_id=ref(), amount="99.9", currency="RUB")
    raw = emulator.control("invoices", method="GET").content
    assert b'"amount":12.345,' in raw and b'"amount":1500,' in raw and b'"amount":99.90,' in raw


@pytest.mark.parametrize(("currency", "amount", "part"), MONEY)
def test_refund_of_a_paid_invoice_round_trips_and_is_idempotent(client, emulator, currency, amount, part):
    invoice = client.create_invoice(reference_id=ref(), amount=amount, currency=currency)
    emulator.control(f"invoices/{invoice.id}/pay", {"outcome": "processed"})
    refund_ref = ref("rf")
    refund = client.refund(invoice.id, amount=part, currency=currency, reference_id=refund_ref, description="Damaged")
    assert refund.id.startswith("ref_") and refund.invoice_id == invoice.id
    assert (refund.reference_id, refund.currency, refund.status) == (refund_ref, currency, "processed")
    assert_exact(refund.amount, part)

    again = client.refund(invoice.id, amount=part, currency=currency, reference_id=refund_ref)
    assert again == refund, "the same reference and amount answer the same refund"

    with pytest.raises(InvalidRequestError) as raised:
        client.refund(invoice.id, amount=part + part, currency=currency, reference_id=refund_ref)
    assert raised.value.has_code("reference_id_duplicate") and raised.value.request_id

    paid = client.get_invoice(invoice.id)
    assert paid.status == "partially_refunded" and paid.is_refundable
    assert_exact(paid.processed_amount, amount)
    assert_exact(paid.refunded_amount, part)
    assert_exact(paid.refundable_balance, amount - part)
    item = paid.refund_by_reference(refund_ref)
    assert (item.id, item.amount, item.status) == (refund.id, part, "processed")
    assert len(paid.refunds) == 1
    assert truth(emulator)[invoice.id] == paid


def test_a_refund_above_the_balance_or_before_payment_is_refused(client, emulator):
    invoice = client.create_invoice(reference_id=ref(), amount="100.00", currency="RUB")
    with pytest.raises(ConflictError):
        client.refund(invoice.id, amount="1.00", currency="RUB", reference_id=ref("rf"))
    emulator.control(f"invoices/{invoice.id}/pay", {"outcome": "processed"})
    with pytest.raises(InvalidRequestError) as raised:
        client.refund(invoice.id, amount="100.01", currency="RUB", reference_id=ref("rf"))
    assert raised.value.has_code("refund_exceeds_balance")


def test_a_repeated_create_returns_the_same_invoice_and_a_changed_one_is_refused(client, emulator):
    reference = ref()
    first = client.create_invoice(reference_id=reference, amount="10.00", currency="RUB")
    assert client.create_invoice(reference_id=reference, amount="10.00", currency="RUB") == first
    with pytest.raises(InvalidRequestError) as raised:
        client.create_invoice(reference_id=reference, amount="10.01", currency="RUB")
    assert raised.value.has_code("reference_id_duplicate")
    assert len(truth(emulator)) == 1


def test_cancel_terminates_and_a_second_cancel_is_settled_by_reading(client, emulator):
    invoice = client.create_invoice(reference_id=ref(), amount="10", currency="JPY")
    cancelled = client.cancel(invoice.id)
    assert (cancelled.status, cancelled.is_final) == ("terminated", True)
    assert client.cancel(invoice.id) == client.get_invoice(invoice.id)

    paid = client.create_invoice(reference_id=ref(), amount="10", currency="JPY")
    emulator.control(f"invoices/{paid.id}/pay", {"outcome": "processed"})
    with pytest.raises(ConflictError) as raised:
        client.cancel(paid.id)
    assert raised.value.request_id and "The invoice is processed." in raised.value.__notes__


def test_pages_are_followed_to_the_end(client):
    references = [ref() for _ in range(5)]
    for reference in references:
        client.create_invoice(reference_id=reference, amount="1.000", currency="KWD")
    page = client.list_invoices(page_size=2)
    assert len(page.items) == 2 and page.next_cursor
    assert sorted(i.reference_id for i in client.iter_invoices(page_size=2)) == sorted(references)
    assert [i.reference_id for i in client.iter_invoices(status="terminated")] == []


def test_public_api_prerequest_create_and_status(client, emulator):
    offer = client.prerequest("RUB", "1500.5")
    assert_exact(offer.amount, Decimal("1500.50"))
    assert (offer.currency, offer.test_mode) == ("RUB", True)
    assert {"payment_card_rub_hpp", "sbp_rub_hpp", "wallet_rub_hpp"} <= set(offer.services)
    assert offer.services["sbp_rub_hpp"].method == "sbp"

    invoice = client.public_create_invoice(reference_id=ref(), amount="12.345", currency="KWD", description="Widget")
    assert_exact(invoice.amount, Decimal("12.345"))
    status = client.public_get_invoice(invoice.id)
    assert (status.id, status.status, status.currency) == (invoice.id, "created", "KWD")
    assert_exact(status.amount, Decimal("12.345"))
    assert truth(emulator)[invoice.id] == invoice


def test_errors_carry_the_request_id(client, emulator):
    with pytest.raises(NotFoundError) as raised:
        client.get_invoice("cpi_DoesNotExist0000")
    assert raised.value.request_id.startswith("req_")

    wrong = CascadClient(emulator.url, emulator.account_id, "x" * 43, "pk_test_WrongKey")
    with pytest.raises(AuthenticationError) as raised:
        wrong.get_invoice("cpi_DoesNotExist0000")
    assert raised.value.request_id
    with pytest.raises(AuthenticationError):
        wrong.prerequest("RUB")
