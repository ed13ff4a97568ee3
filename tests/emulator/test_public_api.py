"""Public API (public key in the body): payment services, invoice create, and the narrow status read."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from cascad_wagtail import signing

from ._api import (
    assert_error,
    attributes,
    body,
    configure,
    control_ok,
    new_invoice,
    pay_ok,
    prerequest,
    reference,
    send,
    truth,
)

pytestmark = pytest.mark.emulator

CURRENCIES = ["RUB", "USD", "EUR", "UAH", "KZT"]
WRONG_PUBLIC_KEYS = [
    "pk_test_SomebodyElsesKey0001",
    "pk_live_SandboxPublicKey0001",
    "sk_test_SandboxSecretKey0001",
    "",
]


def public_create(emulator, public_key=None, **attributes):
    attrs = {
        "public_key": emulator.public_key if public_key is None else public_key,
        "reference_id": reference("pub"),
        "amount": Decimal("250.00"),
        "currency": "RUB",
    }
    attrs.update(attributes)
    return send(
        "POST",
        emulator.url + "/public-api/payment-invoices",
        {"data": {"type": "payment-invoices", "attributes": attrs}},
    )


def public_get(emulator, invoice_id, public_key=None):
    return send(
        "GET",
        f"{emulator.url}/public-api/payment-invoices/{invoice_id}",
        params={"public_key": emulator.public_key if public_key is None else public_key},
    )


# --- prerequest ------------------------------------------------------------------------------------


@pytest.mark.parametrize("currency", CURRENCIES)
def test_prerequest_offers_card_and_wallet_services_for_the_currency(emulator, currency):
    response = prerequest(emulator, currency, amount=Decimal("100.00"))
    assert response.status_code == 200, response.text
    data = body(response)["data"]
    assert data["currency"] == currency
    assert Decimal(data["amount"]) == Decimal("100.00")
    assert data["test_mode"] is True
    services = data["services"]
    cur = currency.lower()
    for code, method in [(f"payment_card_{cur}_hpp", "payment_card"), (f"wallet_{cur}_hpp", "wallet")]:
        assert code in services, (code, sorted(services))
        service = services[code]
        assert service["code"] == code
        assert service["method"] == method
        assert service["currency"] == currency
        assert isinstance(service["name"]["en"], str) and service["name"]["en"]
        assert isinstance(service["name"]["ru"], str) and service["name"]["ru"]
        assert isinstance(service["fields"], list)


@pytest.mark.parametrize("currency", CURRENCIES)
def test_prerequest_services_are_keyed_by_code_and_all_in_the_currency(emulator, currency):
    services = body(prerequest(emulator, currency))["data"]["services"]
    for code, service in services.items():
        assert service["code"] == code
        assert service["currency"] == currency


def test_prerequest_offers_sbp_for_rub(emulator):
    service = body(prerequest(emulator, "RUB"))["data"]["services"]["sbp_rub_hpp"]
    assert service["code"] == "sbp_rub_hpp"
    assert service["method"] == "sbp"
    assert service["currency"] == "RUB"


@pytest.mark.parametrize("currency", ["USD", "EUR", "UAH", "KZT"])
def test_prerequest_does_not_offer_sbp_rub_for_another_currency(emulator, currency):
    services = body(prerequest(emulator, currency))["data"]["services"]
    assert "sbp_rub_hpp" not in services


def test_prerequest_without_amount_is_answered(emulator):
    response = prerequest(emulator, "USD")
    assert response.status_code == 200
    assert body(response)["data"]["currency"] == "USD"


@pytest.mark.parametrize("public_key", WRONG_PUBLIC_KEYS)
def test_prerequest_with_a_wrong_public_key_is_refused_as_authentication_error(emulator, public_key):
    response = prerequest(emulator, "RUB", public_key=public_key)
    assert response.status_code in (401, 403), response.text
    assert_error(response, response.status_code, "authentication_error")


# --- public create ---------------------------------------------------------------------------------


def test_public_create_makes_a_test_mode_invoice_the_private_api_reads(emulator):
    ref = reference("pub")
    response = public_create(
        emulator, reference_id=ref, amount=Decimal("250.00"), currency="USD", description="Widget order"
    )
    assert response.status_code == 201, response.text
    data = body(response)["data"]
    assert data["type"] == "payment-invoices"
    assert data["id"].startswith("cpi_")
    a = attributes(emulator, data["id"])
    assert a["reference_id"] == ref
    assert a["amount"] == Decimal("250.00")
    assert a["currency"] == "USD"
    assert a["status"] == "created"
    assert a["test_mode"] is True
    assert a["description"] == "Widget order"


def test_public_create_callbacks_go_to_the_accounts_default_url(emulator, callback_sink):
    configure(emulator, default_callback_url=callback_sink.url)
    response = public_create(emulator)
    assert response.status_code == 201, response.text
    invoice_id = body(response)["data"]["id"]
    control_ok(emulator, "callbacks/deliver", {})
    assert callback_sink.event.wait(5), "no callback reached the default URL"
    received = callback_sink.received[0]
    assert received.path == "/cascad/callback/"
    assert json.loads(received.body)["data"]["id"] == invoice_id
    assert signing.verify(emulator.secret_key, received.body, received.headers.get("X-Signature"))
    logged = control_ok(emulator, "callbacks", method="GET")["data"]
    assert {entry["url"] for entry in logged if entry["invoice_id"] == invoice_id} == {callback_sink.url}


@pytest.mark.parametrize("public_key", WRONG_PUBLIC_KEYS)
def test_public_create_with_a_wrong_public_key_is_refused_and_creates_nothing(emulator, public_key):
    response = public_create(emulator, public_key=public_key)
    assert response.status_code in (401, 403), response.text
    assert_error(response, response.status_code, "authentication_error")
    assert truth(emulator) == []


def test_public_create_follows_the_amount_rules(emulator):
    assert_error(public_create(emulator, amount=Decimal("1.001")), 422, "validation_error", code="invalid_amount")
    assert_error(public_create(emulator, amount=0), 422, "validation_error", code="invalid_amount")
    assert truth(emulator) == []


def test_public_create_with_a_used_reference_is_reference_id_duplicate(emulator):
    new_invoice(emulator, reference_id="shared-ref")
    assert_error(public_create(emulator, reference_id="shared-ref"), 422, code="reference_id_duplicate")


# --- public read -----------------------------------------------------------------------------------


def test_public_get_shows_only_id_status_resolution_amount_and_currency(emulator):
    invoice = new_invoice(
        emulator,
        amount=Decimal("777.70"),
        currency="EUR",
        description="secret description",
        customer={"email": "hidden@example.com", "name": "Hidden Name"},
        metadata={"internal": "hidden-metadata"},
        callback_url="http://hidden.example/cb/",
    )
    response = public_get(emulator, invoice["id"])
    assert response.status_code == 200, response.text
    data = body(response)["data"]
    assert data["id"] == invoice["id"]
    shown = data.get("attributes", data)
    assert shown["status"] == "created"
    assert shown["resolution"] == "ok"
    assert shown["amount"] == Decimal("777.70")
    assert shown["currency"] == "EUR"
    assert set(shown) - {"id", "type"} == {"status", "resolution", "amount", "currency"}
    text = response.text
    for hidden in (
        invoice["attributes"]["reference_id"],
        "secret description",
        "hidden@example.com",
        "Hidden Name",
        "hidden-metadata",
        "hidden.example",
        "refunds",
        "processed_amount",
    ):
        assert hidden not in text, hidden


def test_public_get_follows_the_status(emulator):
    invoice_id = new_invoice(emulator)["id"]
    pay_ok(emulator, invoice_id, outcome="process_failed", resolution="insufficient_funds")
    data = body(public_get(emulator, invoice_id))["data"]
    shown = data.get("attributes", data)
    assert shown["status"] == "process_failed"
    assert shown["resolution"] == "insufficient_funds"


@pytest.mark.parametrize("public_key", WRONG_PUBLIC_KEYS)
def test_public_get_with_a_wrong_public_key_is_refused(emulator, public_key):
    invoice_id = new_invoice(emulator)["id"]
    response = public_get(emulator, invoice_id, public_key=public_key)
    assert response.status_code in (401, 403), response.text
    assert_error(response, response.status_code, "authentication_error")


def test_public_get_of_an_unknown_invoice_is_404(emulator):
    assert_error(public_get(emulator, "cpi_Missing000000000"), 404, "not_found")
