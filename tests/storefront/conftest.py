"""Fixtures of the storefront checkout's tests: the test shop's variants, a channel on a Cascad site."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cascad_wagtail import checkout as checkouts
from tests.shop_fixtures import *  # noqa: F403
from tests.testshop.models import Variant

ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "streetAddress1": "Tverskaya 1",
    "city": "Moscow",
    "postalCode": "101000",
    "country": "RU",
    "phone": "+7 495 123-45-67",
}
RETURN_URL = "https://storefront.example.test/checkout/payment-confirm"
PAID_CARD = {"card": "5519283812030000", "expiry": "12/30"}
FAILED_CARD = {"card": "4302912837020000", "expiry": "05/29"}
PENDING_CARD = {"card": "5519283812030000", "expiry": "07/77"}


@pytest.fixture
def channel(site, settings):
    """``default-channel`` on the test's own site, in roubles."""
    settings.CASCAD_CHANNELS = {"default-channel": {"site": f"{site.hostname}:{site.port}", "currency": "RUB"}}
    return "default-channel"


@pytest.fixture
def make_variant(db):
    counter = iter(range(1, 100_000))

    def make(price="500.00", stock=10, currency="RUB", **fields) -> Variant:
        number = next(counter)
        values = {
            "sku": f"SKU-{number}",
            "name": f"Size {number}",
            "product_name": f"Product {number}",
            "prices": {currency: price} if price is not None else {},
            "stock": stock,
        }
        values.update(fields)
        return Variant.objects.create(**values)

    return make


@pytest.fixture
def variant(make_variant) -> Variant:
    return make_variant()


def vid(variant: Variant) -> str:
    return str(variant.pk)


def ready(channel: str, lines, *, email="ada@example.com", shipping="courier", address=None):
    """A checkout with lines, email, both addresses and a shipping method: ready for a payment."""
    result = checkouts.create(
        channel,
        [(vid(variant), quantity) for variant, quantity in lines],
        email=email,
        shipping_address=address or ADDRESS,
        billing_address=address or ADDRESS,
    )
    assert result.errors == [], result.errors
    token = result.checkout.token
    result = checkouts.shipping_method_update(token, shipping)
    assert result.errors == [], result.errors
    return result.checkout


def paid_for(checkout, return_url=RETURN_URL):
    """``payment_create`` for the checkout's total, as the SDK sends it."""
    total = checkouts.checkout_summary(checkout).total
    result = checkouts.payment_create(checkout.token, checkouts.GATEWAY_ID, total, return_url)
    assert result.errors == [], result.errors
    return result


def codes(result) -> list[str]:
    return [str(error.code) for error in result.errors]


def money(value: str) -> Decimal:
    return Decimal(value)
