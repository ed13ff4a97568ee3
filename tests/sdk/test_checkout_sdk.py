"""The real ``@saleor/sdk@0.3.0-10``, unchanged, in Node 20, buying from the test shop through ``/graphql/``.

The site runs on Django's live server, the emulator is the real subprocess, and the customer pays as
Cascad's Checkout page would have them pay (the emulator's control API, after the test read the Checkout
URL out of ``confirmationData`` exactly as a storefront would).
"""

from __future__ import annotations

import json

import pytest

from cascad_wagtail.models import Payment
from tests.graphql.storefront_helpers import COURIER, RETURN_URL, live_shop, variant_id  # noqa: F401
from tests.sdk.harness import SdkSession
from tests.storefront.conftest import channel, make_variant  # noqa: F401

pytestmark = [pytest.mark.sdk, pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

SDK = "0.3.0-10"
#: What a storefront's address form hands the SDK (``IAddress``: the country is an object).
ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "companyName": "",
    "streetAddress1": "Tverskaya 1",
    "streetAddress2": "",
    "city": "Moscow",
    "postalCode": "125009",
    "country": {"code": "RU", "country": "Russia"},
    "countryArea": "",
    "phone": "+74951234567",
}
PAID_CARD = {"card": "5519283812030000", "expiry": "12/30"}
DECLINED_CARD = {"card": "4302912837020000", "expiry": "05/29"}
PENDING_CARD = {"card": "5519283812030000", "expiry": "07/77"}


def no_errors(line: dict) -> dict:
    assert line["dataError"] is None and line["functionError"] is None, line
    assert not line.get("firedErrors"), line
    return line


def checkout_to_payment(sdk: SdkSession, variant, quantity: int = 2) -> None:
    """Cart → addresses → shipping → a ``cascad.payments`` payment, all through the SDK's own API."""
    no_errors(sdk.step("addItem", variantId=variant_id(variant), quantity=quantity))
    no_errors(sdk.step("setShippingAddress", address=ADDRESS, email="ada@example.com"))
    no_errors(sdk.step("setBillingAsShippingAddress"))
    no_errors(sdk.step("setShippingMethod", shippingMethodId=COURIER))
    line = no_errors(sdk.step("createPayment", gateway="cascad.payments", returnUrl=RETURN_URL))
    assert line["data"]["gateway"] == "cascad.payments" and line["data"]["token"] == ""


def confirmation(line: dict) -> dict:
    """The first ``completeCheckout``: no order yet, a redirect to Cascad's Checkout as a JSON string."""
    data = line["data"]
    assert data["confirmationNeeded"] is True and data["order"] is None, line
    redirect = json.loads(data["confirmationData"])
    assert redirect["type"] == "redirect" and redirect["method"] == "GET"
    assert "/hpp/" in redirect["url"] and "cpi=" in redirect["url"]
    return redirect


def pay(emulator, redirect: dict, card: dict) -> None:
    invoice = redirect["url"].split("cpi=")[1].split("&")[0]
    emulator.control(f"invoices/{invoice}/pay", card)


@pytest.fixture
def sdk(live_server, live_shop):  # noqa: F811
    with SdkSession(SDK, f"{live_server.url}/graphql/", live_shop, steps=[{"op": "connect"}]) as session:
        yield session


def test_the_sdk_buys_pays_on_cascad_and_reads_the_paid_order(sdk, make_variant, emulator):  # noqa: F811
    variant = make_variant(price="450.00", stock=5)
    checkout_to_payment(sdk, variant)
    redirect = confirmation(no_errors(sdk.step("completeCheckout")))
    assert sdk.step("completeCheckout")["data"]["confirmationNeeded"] is True  # not paid yet: asked again
    pay(emulator, redirect, PAID_CARD)

    done = no_errors(sdk.step("completeCheckout"))["data"]
    assert done["confirmationNeeded"] is False
    order = done["order"]
    assert order["status"] == "UNFULFILLED" and order["paymentStatus"] == "FULLY_CHARGED"
    assert order["total"]["gross"]["amount"] == 1200.0  # 2 × 450 + 300 courier, what the SDK paid
    fetched = no_errors(sdk.step("getOrderByToken", token=order["token"]))["data"]
    assert fetched["number"] == order["number"] and fetched["paymentStatus"] == "FULLY_CHARGED"
    variant.refresh_from_db()
    assert variant.stock == 3
    assert Payment.objects.get().charge_status == "FULLY_CHARGED"


def test_a_declined_card_is_a_payment_error_and_a_second_payment_succeeds(sdk, make_variant, emulator):  # noqa: F811
    variant = make_variant(price="300.00", stock=5)
    checkout_to_payment(sdk, variant, quantity=1)
    pay(emulator, confirmation(no_errors(sdk.step("completeCheckout"))), DECLINED_CARD)

    failed = sdk.step("completeCheckout")
    errors = failed["dataError"]["error"]
    assert [error["code"] for error in errors] == ["PAYMENT_ERROR"], failed

    line = no_errors(sdk.step("createPayment", gateway="cascad.payments", returnUrl=RETURN_URL))
    assert line["data"]["token"] == ""
    pay(emulator, confirmation(no_errors(sdk.step("completeCheckout"))), PAID_CARD)
    order = no_errors(sdk.step("completeCheckout"))["data"]["order"]
    assert order["paymentStatus"] == "FULLY_CHARGED"
    assert Payment.objects.count() == 2 and Payment.objects.filter(charge_status="FULLY_CHARGED").count() == 1


def test_a_pending_payment_is_followed_with_order_by_token_until_paid(sdk, make_variant, emulator):  # noqa: F811
    variant = make_variant(price="990.00", stock=5)
    checkout_to_payment(sdk, variant, quantity=1)
    pay(emulator, confirmation(no_errors(sdk.step("completeCheckout"))), PENDING_CARD)

    pending = no_errors(sdk.step("completeCheckout"))["data"]
    assert pending["confirmationNeeded"] is False  # the SDK forgets the checkout here
    order = pending["order"]
    assert order["paymentStatus"] == "PENDING"
    # Cascad settles the processing payment and calls the shop back; the storefront keeps asking.
    emulator.control(f"invoices/{Payment.objects.get().invoice_id}/pay", {"outcome": "processed"})
    delivered = emulator.control("callbacks/deliver", {}).json()
    assert delivered["sent"] >= 1 and all(result["http_status"] == 200 for result in delivered["results"])
    # The delivery answered 200 only after the callback was processed (Celery runs eagerly here).
    fetched = no_errors(sdk.step("getOrderByToken", token=order["token"]))["data"]
    assert fetched["paymentStatus"] == "FULLY_CHARGED" and fetched["status"] == "UNFULFILLED"
