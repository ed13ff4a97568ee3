"""Speaking to ``/graphql/`` as SDK 0.3.0-10 does: the SDK's own documents, batched, through Django's client.

The shop behind it is the test shop's adapter (``tests.settings``), with the fixtures of the storefront
service tests (``tests/storefront/conftest.py``): variants, a channel on a Cascad-enabled site.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from cascad_wagtail.graphql import global_id
from tests.graphql.documents import all_documents
from tests.storefront.conftest import (  # noqa: F401  (the fixtures are re-exported, see __all__)
    FAILED_CARD,
    PAID_CARD,
    PENDING_CARD,
    RETURN_URL,
    channel,
    make_variant,
    variant,
)

#: The fixtures a test module takes with ``from .storefront_helpers import *``.
__all__ = ["channel", "customer", "live_shop", "make_customer", "make_variant", "shop", "variant"]

URL = "/graphql/"
COURIER = global_id("ShippingMethod", "courier")
DOCUMENTS = {document.id: document for document in all_documents()}
#: The address SDK 0.3.0-10 sent in the wire capture (``CreateCheckout``'s example variables).
SDK_ADDRESS = DOCUMENTS["0.3.0-10:CreateCheckout"].variables["checkoutInput"]["shippingAddress"]


def post(client, body: Any, **headers: Any):
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def auth_headers(sdk: str, token: str | None) -> dict[str, str]:
    """The header each SDK sends its access token in: ``Authorization: JWT <token>`` (0.3.0-10),
    ``authorization-bearer: <token>`` (0.7.0); none without a token."""
    if token is None:
        return {}
    return {"Authorization": f"JWT {token}"} if sdk == "0.3.0-10" else {"authorization-bearer": token}


def run_document(
    client, name: str, variables: dict[str, Any], sdk: str = "0.3.0-10", token: str | None = None, **extra: Any
) -> dict[str, Any]:
    """Run the SDK's document ``name`` exactly as its text stands, batched as 0.3.0-10 sends every body
    (a single object for 0.7.0), with ``token`` in that SDK's header; the whole result, errors included.
    ``extra`` goes to the test client (``REMOTE_ADDR``, ``secure``)."""
    document = DOCUMENTS[f"{sdk}:{name}"]
    body = {"operationName": name, "variables": variables, "query": document.text}
    response = post(client, [body] if sdk == "0.3.0-10" else body, headers=auth_headers(sdk, token), **extra)
    assert response.status_code == 200, response.content
    (result,) = response.json() if sdk == "0.3.0-10" else [response.json()]
    return result


def send(
    client, name: str, variables: dict[str, Any], sdk: str = "0.3.0-10", token: str | None = None, **extra: Any
) -> dict[str, Any]:
    """``run_document``'s ``data`` (a test fails on any top-level error)."""
    result = run_document(client, name, variables, sdk, token, **extra)
    assert "errors" not in result, result["errors"]
    return result["data"]


def variant_id(variant) -> str:
    return global_id("ProductVariant", variant.pk)


def checkout_id(token: str) -> str:
    return global_id("Checkout", token)


def sdk_amount(checkout: dict[str, Any]) -> Decimal:
    """The payment amount as SDK 0.3.0-10 computes it from the ``Checkout`` fragment: Σ lines'
    ``totalPrice.gross.amount`` + ``shippingMethod.price.amount`` − ``discount.amount``, to 2 places."""
    checkout = plain(checkout)
    lines = sum(line["totalPrice"]["gross"]["amount"] for line in checkout["lines"])
    shipping = checkout["shippingMethod"]["price"]["amount"] if checkout["shippingMethod"] else 0
    discount = checkout["discount"]["amount"] if checkout["discount"] else 0
    return (lines + shipping - discount).quantize(Decimal("0.01"))


def cpi(confirmation_data: str) -> str:
    """The Cascad invoice id in the Checkout URL of a ``confirmationData`` JSON string."""
    url = json.loads(confirmation_data)["url"]
    return parse_qs(urlsplit(url).query)["cpi"][0]


def plain(value: Any) -> Any:
    """``value`` without Apollo's ``__typename`` keys, its numbers as exact ``Decimal``s (by their repr)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if key != "__typename"}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def money(amount: str, currency: str = "RUB") -> dict[str, Any]:
    return {"amount": Decimal(amount), "currency": currency}


def taxed(amount: str, currency: str = "RUB") -> dict[str, Any]:
    """``TaxedMoney`` as the SDK's ``Price`` fragment selects it."""
    return {"gross": money(amount, currency), "net": money(amount, currency)}


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def shop(cascad, channel) -> str:
    """The channel slug of a shop with Cascad switched on (the emulator behind it)."""
    return channel


#: The password of every customer the fixtures make.
PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_customer(django_user_model):
    """Customers of the shop (Django's own user model), all with ``PASSWORD``."""
    counter = iter(range(1, 100_000))

    def make(email: str | None = None, **fields: Any):
        number = next(counter)
        email = email or f"customer{number}@example.com"
        fields.setdefault("first_name", f"First{number}")
        fields.setdefault("last_name", f"Last{number}")
        return django_user_model.objects.create_user(f"customer{number}", email, PASSWORD, **fields)

    return make


@pytest.fixture
def customer(make_customer):
    """Ada Lovelace, ``ada@example.com``: the email of the SDK's captured sign-in."""
    return make_customer("ada@example.com", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def live_shop(live_site, settings) -> str:
    """A channel on the site the live server serves: Cascad's callbacks reach the app for real."""
    site = f"{live_site.hostname}:{live_site.port}"
    settings.CASCAD_CHANNELS = {"default-channel": {"site": site, "currency": "RUB"}}
    return "default-channel"


# -- the SDK's steps --------------------------------------------------------------------------------


def example(name: str) -> dict[str, Any]:
    """A copy of the wire capture's example variables of SDK 0.3.0-10's operation ``name``."""
    return json.loads(json.dumps(DOCUMENTS[f"0.3.0-10:{name}"].variables))


def create(client, shop: str, *lines, **fields) -> dict[str, Any]:
    """``CreateCheckout`` with the captured variables, these ``(variant, quantity)`` lines; the checkout."""
    variables = example("CreateCheckout")
    lines_input = [{"quantity": quantity, "variantId": variant_id(item)} for item, quantity in lines]
    variables["checkoutInput"].update(channel=shop, lines=lines_input, **fields)
    payload = send(client, "CreateCheckout", variables)["checkoutCreate"]
    assert payload["errors"] == []
    return payload["checkout"]


def ready(client, shop: str, *lines) -> dict[str, Any]:
    """A checkout with lines, email, both addresses and the courier: ready for ``CreateCheckoutPayment``."""
    checkout = create(client, shop, *lines, billingAddress=SDK_ADDRESS)
    variables = {"checkoutId": checkout["id"], "shippingMethodId": COURIER}
    payload = send(client, "UpdateCheckoutShippingMethod", variables)["checkoutShippingMethodUpdate"]
    assert payload["errors"] == []
    return payload["checkout"]


def create_payment(client, checkout: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``CreateCheckoutPayment`` for the amount the SDK computes (``changes`` alter the payment input)."""
    variables = example("CreateCheckoutPayment")
    variables["checkoutId"] = checkout["id"]
    amount = float(sdk_amount(checkout))  # the SDK sends a JS number
    variables["paymentInput"].update(gateway="cascad.payments", amount=amount, returnUrl=RETURN_URL)
    variables["paymentInput"].update(changes)
    return send(client, "CreateCheckoutPayment", variables)["checkoutPaymentCreate"]


def complete(client, checkout: dict[str, Any]) -> dict[str, Any]:
    return send(client, "CompleteCheckout", {"checkoutId": checkout["id"]})["checkoutComplete"]


def pay(emulator, confirmation_data: str, body: dict[str, Any]) -> dict[str, Any]:
    """Pay the invoice a ``confirmationData`` redirects to, as the customer would on Cascad Checkout;
    the invoice's attributes after paying."""
    return emulator.control(f"invoices/{cpi(confirmation_data)}/pay", body).json()["data"]["attributes"]
