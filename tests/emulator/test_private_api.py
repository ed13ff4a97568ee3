"""Private API (HTTP Basic): create, read and list payment invoices, straight from the contract."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
import requests

from ._api import (
    INVOICES,
    assert_error,
    body,
    cancel,
    create,
    get,
    list_all,
    new_invoice,
    pay_ok,
    private,
    reference,
)

pytestmark = pytest.mark.emulator

DAY = 24 * 60 * 60


def full_create(emulator, **overrides):
    attrs = dict(
        reference_id=reference("cw"),
        amount=Decimal("1500.00"),
        currency="RUB",
        description="Order 42",
        return_url="http://shop.example/return/",
        return_urls={
            "success": "http://shop.example/ok/",
            "fail": "http://shop.example/fail/",
            "pending": "http://shop.example/wait/",
        },
        callback_url="http://shop.example/cascad/callback/",
        customer={
            "reference_id": "cust-7",
            "email": "buyer@example.com",
            "name": "Ivan Petrov",
            "phone": "+79001234567",
        },
        metadata={"order_id": "42", "site": "main"},
        locale="ru",
    )
    attrs.update(overrides)
    return attrs


# --- create ----------------------------------------------------------------------------------------


def test_create_answers_201_with_every_attribute_of_the_invoice_resource(emulator):
    sent = full_create(emulator)
    before = int(time.time())
    response = create(emulator, **sent)
    assert response.status_code == 201, response.text
    data = body(response)["data"]

    assert data["type"] == "payment-invoices"
    assert re.fullmatch(r"cpi_[A-Za-z0-9]+", data["id"]), data["id"]
    a = data["attributes"]
    assert a["reference_id"] == sent["reference_id"]
    assert a["status"] == "created"
    assert a["resolution"] == "ok"
    assert a["amount"] == Decimal("1500.00")
    assert a["currency"] == "RUB"
    assert a["payment_amount"] == Decimal("1500.00")
    assert a["fee"] == 0
    assert a["processed_amount"] is None
    assert a["refunded_amount"] == 0
    assert a["description"] == "Order 42"
    assert a["service"] is None
    assert a["flow"] == "hpp"
    assert a["test_mode"] is True
    assert a["return_url"] == sent["return_url"]
    assert a["return_urls"] == sent["return_urls"]
    assert a["callback_url"] == sent["callback_url"]
    assert a["customer"] == sent["customer"]
    assert a["metadata"] == sent["metadata"]
    assert a["hpp_url"] == f"{emulator.url}/hpp/?cpi={data['id']}"
    assert a["refunds"] == []
    assert a["processed"] is None
    for stamp in ("created", "updated", "expires"):
        assert isinstance(a[stamp], int), (stamp, a[stamp])
    assert before - 2 <= a["created"] <= int(time.time()) + 2
    assert a["updated"] >= a["created"]

    assert data["relationships"] == {"payment-service": {"data": None}, "payment-method": {"data": None}}
    assert data["links"]["self"] == f"{INVOICES}/{data['id']}"


def test_create_without_a_lifetime_expires_24_hours_after_creation(emulator):
    a = new_invoice(emulator)["attributes"]
    assert a["expires"] - a["created"] == DAY


@pytest.mark.parametrize("lifetime", [60, 600, 3 * 3600, 7 * DAY])
def test_create_with_lifetime_seconds_expires_that_long_after_creation(emulator, lifetime):
    a = new_invoice(emulator, lifetime_seconds=lifetime)["attributes"]
    assert a["expires"] - a["created"] == lifetime


def test_create_with_expires_keeps_the_given_unix_time(emulator):
    expires = int(time.time()) + 5000
    a = new_invoice(emulator, expires=expires)["attributes"]
    assert a["expires"] == expires


def test_create_with_both_expires_and_lifetime_seconds_is_a_422(emulator):
    ref = reference("cw")
    response = create(emulator, reference_id=ref, expires=int(time.time()) + 5000, lifetime_seconds=600)
    assert_error(response, 422, "validation_error")
    listed = private(emulator, "GET", INVOICES, params={"filter[reference_id]": ref})
    assert body(listed)["data"] == []


def test_create_with_a_preselected_service_shows_that_service(emulator):
    a = new_invoice(emulator, service="payment_card_rub_hpp")["attributes"]
    assert a["service"] == "payment_card_rub_hpp"


@pytest.mark.parametrize("locale", ["en", "ru", "uk"])
def test_create_accepts_each_documented_locale(emulator, locale):
    assert create(emulator, locale=locale).status_code == 201


def test_hpp_url_opens_the_checkout_page(emulator):
    a = new_invoice(emulator)["attributes"]
    response = requests.get(a["hpp_url"], timeout=10)
    assert response.status_code == 200


# --- amounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "currency, amount",
    [
        ("RUB", Decimal("1500.00")),
        ("RUB", Decimal("10.10")),
        ("RUB", Decimal("10.1")),
        ("RUB", Decimal("10.100")),  # rounding to 2 places does not change the value
        ("RUB", 1500),
        ("USD", Decimal("99.9")),
        ("USD", Decimal("0.01")),
        ("EUR", Decimal("12345678.99")),
        ("UAH", Decimal("250.50")),
        ("KZT", Decimal("7000.05")),
        ("JPY", 1500),
        ("JPY", Decimal("1500.0")),  # still a whole yen
        ("JPY", 1),
        ("KRW", 25000),
        ("KWD", Decimal("10.125")),
        ("KWD", Decimal("0.001")),
        ("BHD", Decimal("7.250")),
        ("JOD", Decimal("3.5")),
        ("OMR", Decimal("1.999")),
        ("TND", Decimal("42.001")),
    ],
)
def test_create_keeps_a_valid_amount_exactly(emulator, currency, amount):
    a = new_invoice(emulator, amount=amount, currency=currency)["attributes"]
    assert a["currency"] == currency
    assert Decimal(a["amount"]) == Decimal(amount)
    assert Decimal(a["payment_amount"]) == Decimal(amount)
    assert not isinstance(a["amount"], float)


@pytest.mark.parametrize(
    "currency, amount",
    [
        ("RUB", Decimal("10.001")),
        ("USD", Decimal("0.001")),
        ("EUR", Decimal("1.005")),
        ("KZT", Decimal("99.999")),
        ("JPY", Decimal("100.5")),
        ("JPY", Decimal("0.1")),
        ("KRW", Decimal("1.01")),
        ("KWD", Decimal("10.0001")),
        ("OMR", Decimal("0.0005")),
    ],
)
def test_create_with_more_decimals_than_the_currency_has_is_invalid_amount(emulator, currency, amount):
    response = create(emulator, amount=amount, currency=currency)
    assert_error(response, 422, "validation_error", code="invalid_amount")


@pytest.mark.parametrize("amount", [0, Decimal("0.00"), Decimal("-1.00"), -100, Decimal("-0.01")])
def test_create_with_an_amount_not_above_zero_is_invalid_amount(emulator, amount):
    response = create(emulator, amount=amount)
    assert_error(response, 422, "validation_error", code="invalid_amount")


def test_a_rejected_amount_creates_nothing(emulator):
    ref = reference("cw")
    assert create(emulator, reference_id=ref, amount=Decimal("10.001")).status_code == 422
    listed = private(emulator, "GET", INVOICES, params={"filter[reference_id]": ref})
    assert body(listed)["data"] == []
    # The reference is still free.
    assert create(emulator, reference_id=ref).status_code == 201


@pytest.mark.parametrize("currency", ["XYZ", "DOLLARS", ""])
def test_create_in_an_unknown_currency_is_a_422(emulator, currency):
    assert_error(create(emulator, currency=currency), 422, "validation_error")


@pytest.mark.parametrize("missing", ["reference_id", "amount", "currency"])
def test_create_without_a_required_attribute_is_a_422(emulator, missing):
    attrs = {"reference_id": reference("cw"), "amount": Decimal("10.00"), "currency": "RUB"}
    del attrs[missing]
    response = private(emulator, "POST", INVOICES, {"data": {"type": "payment-invoices", "attributes": attrs}})
    assert_error(response, 422, "validation_error")


def test_create_with_a_reference_already_used_is_reference_id_duplicate_and_creates_nothing(emulator):
    first = new_invoice(emulator, reference_id="order-1")
    response = create(emulator, reference_id="order-1", amount=Decimal("2000.00"))
    assert_error(response, 422, "validation_error", code="reference_id_duplicate")
    listed = body(private(emulator, "GET", INVOICES, params={"filter[reference_id]": "order-1"}))["data"]
    assert [item["id"] for item in listed] == [first["id"]]
    assert listed[0]["attributes"]["amount"] == Decimal("1500.00")


def test_a_reference_stays_used_after_the_invoice_is_cancelled(emulator):
    first = new_invoice(emulator, reference_id="order-2")
    assert cancel(emulator, first["id"]).status_code == 200
    assert_error(create(emulator, reference_id="order-2"), 422, code="reference_id_duplicate")


# --- read ------------------------------------------------------------------------------------------


def test_get_answers_the_same_resource_as_the_create(emulator):
    created = new_invoice(emulator, **full_create(emulator))
    response = get(emulator, created["id"])
    assert response.status_code == 200
    assert body(response)["data"] == created


@pytest.mark.parametrize("invoice_id", ["cpi_DoesNotExist0000", "cpi_", "nothing", "ref_UoIW6RdSYyIRj8vR"])
def test_get_of_an_unknown_invoice_is_404_with_the_error_envelope(emulator, invoice_id):
    assert_error(get(emulator, invoice_id), 404, "not_found")


# --- list ------------------------------------------------------------------------------------------


def test_list_filtered_by_reference_id_answers_that_invoice_only(emulator):
    wanted = new_invoice(emulator, reference_id="ref-wanted")
    new_invoice(emulator, reference_id="ref-other")
    response = private(emulator, "GET", INVOICES, params={"filter[reference_id]": "ref-wanted"})
    assert response.status_code == 200
    page = body(response)
    assert page["data"] == [wanted]
    assert not (page.get("links") or {}).get("next")


def test_list_filtered_by_an_unused_reference_is_empty(emulator):
    new_invoice(emulator)
    response = private(emulator, "GET", INVOICES, params={"filter[reference_id]": "never-used"})
    assert response.status_code == 200
    assert body(response)["data"] == []


def test_list_filtered_by_status_answers_only_that_status(emulator):
    created = new_invoice(emulator)["id"]
    paid = new_invoice(emulator)["id"]
    pay_ok(emulator, paid, outcome="processed")
    cancelled = new_invoice(emulator)["id"]
    assert cancel(emulator, cancelled).status_code == 200

    for status, expected in [("created", created), ("processed", paid), ("terminated", cancelled)]:
        items, _ = list_all(emulator, {"filter[status]": status})
        assert [item["id"] for item in items] == [expected], status
        assert all(item["attributes"]["status"] == status for item in items)
    items, _ = list_all(emulator, {"filter[status]": "expired"})
    assert items == []


def test_list_items_are_full_invoice_resources(emulator):
    created = new_invoice(emulator)
    items, _ = list_all(emulator, {})
    assert items == [created]


@pytest.mark.parametrize("count, size, pages", [(7, 3, 3), (6, 3, 2), (5, 5, 1), (3, 100, 1), (11, 1, 11)])
def test_paging_through_links_next_returns_every_invoice_once(emulator, count, size, pages):
    ids = {new_invoice(emulator)["id"] for _ in range(count)}
    items, seen_pages = list_all(emulator, {"page[size]": size})
    listed = [item["id"] for item in items]
    assert len(listed) == len(set(listed)), "an invoice was listed twice"
    assert set(listed) == ids
    assert seen_pages == pages


def test_each_page_holds_at_most_page_size_items(emulator):
    for _ in range(5):
        new_invoice(emulator)
    response = private(emulator, "GET", INVOICES, params={"page[size]": 2})
    page = body(response)
    assert len(page["data"]) == 2
    assert page["links"]["next"]


def test_paging_keeps_the_status_filter(emulator):
    created = {new_invoice(emulator)["id"] for _ in range(5)}
    for _ in range(3):
        pay_ok(emulator, new_invoice(emulator)["id"], outcome="processed")
    items, pages = list_all(emulator, {"filter[status]": "created", "page[size]": 2})
    assert sorted(item["id"] for item in items) == sorted(created)
    assert pages == 3


def test_page_size_100_is_allowed(emulator):
    new_invoice(emulator)
    response = private(emulator, "GET", INVOICES, params={"page[size]": 100})
    assert response.status_code == 200
    assert len(body(response)["data"]) == 1


@pytest.mark.parametrize("size", [101, 1000])
def test_page_size_above_100_is_a_422(emulator, size):
    response = private(emulator, "GET", INVOICES, params={"page[size]": size})
    assert_error(response, 422, "validation_error")
