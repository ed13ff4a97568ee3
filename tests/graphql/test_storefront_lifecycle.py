"""The checkout lifecycle of ``spec/saleor-sdk.md`` through ``/graphql/`` with the SDK's documents, paid on
the real emulator through its control API (as a customer pays on Cascad's Checkout page), and the
query counts of a 50-line checkout against a 1-line one."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cascad_wagtail.models import Checkout, CheckoutCompletion
from tests.testshop.models import Order

from .storefront_helpers import *  # noqa: F403  (fixtures: shop, live_shop, make_variant, variant)
from .storefront_helpers import (
    DOCUMENTS,
    FAILED_CARD,
    PAID_CARD,
    PENDING_CARD,
    complete,
    cpi,
    create_payment,
    pay,
    post,
    ready,
    sdk_amount,
    send,
)

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]


def confirmation(answer: dict) -> str:
    assert answer["errors"] == [] and answer["order"] is None and answer["confirmationNeeded"] is True
    data = json.loads(answer["confirmationData"])
    assert set(data) == {"type", "method", "url"} and data["type"] == "redirect"
    return answer["confirmationData"]


def order_by_token(client, token: str) -> dict | None:
    return send(client, "OrderByToken", {"token": token})["orderByToken"]


def test_paid_checkout_becomes_an_unfulfilled_fully_charged_order_once_and_for_all(client, shop, variant, emulator):
    """Behaviour: complete → redirect to Cascad (again the same while unpaid); the customer pays; complete
    → the order, UNFULFILLED and FULLY_CHARGED, and the checkout is gone; complete again → the same
    order, never a second one; ``orderByToken`` reads it."""
    checkout = ready(client, shop, (variant, 2))
    assert create_payment(client, checkout)["errors"] == []

    data = confirmation(complete(client, checkout))
    assert json.loads(data)["url"].startswith(f"{emulator.url}/hpp/?cpi=cpi_")
    assert confirmation(complete(client, checkout)) == data  # still unpaid: the same redirect
    assert pay(emulator, data, PAID_CARD)["status"] == "processed"

    answer = complete(client, checkout)

    assert answer["errors"] == [] and answer["confirmationNeeded"] is False and answer["confirmationData"] is None
    order = answer["order"]
    assert (order["status"], order["paymentStatus"]) == ("UNFULFILLED", "FULLY_CHARGED")
    assert send(client, "CheckoutDetails", {"token": checkout["token"]}) == {"checkout": None}
    assert CheckoutCompletion.objects.filter(checkout_token=checkout["token"]).exists()
    assert complete(client, checkout)["order"] == order
    assert Order.objects.count() == 1 and len(emulator.control("invoices", method="GET").json()["data"]) == 1
    assert order_by_token(client, order["token"]) == order


def test_a_declined_card_is_a_payment_error_and_a_second_payment_succeeds(client, shop, variant, emulator):
    checkout = ready(client, shop, (variant, 1))
    create_payment(client, checkout)
    first = confirmation(complete(client, checkout))
    assert pay(emulator, first, FAILED_CARD)["status"] == "process_failed"

    failed = complete(client, checkout)

    assert failed["order"] is None and failed["confirmationNeeded"] is False
    (error,) = failed["errors"]
    assert error["code"] == "PAYMENT_ERROR" and "not enough funds" in error["message"]
    assert not Checkout.objects.get(token=checkout["token"]).frozen  # usable again

    assert create_payment(client, checkout)["errors"] == []
    second = confirmation(complete(client, checkout))
    assert cpi(second) != cpi(first)
    pay(emulator, second, PAID_CARD)
    order = complete(client, checkout)["order"]
    assert (order["status"], order["paymentStatus"]) == ("UNFULFILLED", "FULLY_CHARGED")
    assert Order.objects.count() == 1


def test_a_pending_payment_answers_the_order_pending_then_order_by_token_follows_it_until_paid(
    client, live_shop, variant, emulator
):
    """Behaviour: a card payment still pending at Cascad (expiry 07/77) answers the order, UNCONFIRMED with
    payment PENDING (SDK 0.3.0-10 then forgets the checkout); once Cascad settles it and its callback
    arrives, ``orderByToken`` shows it UNFULFILLED and FULLY_CHARGED."""
    checkout = ready(client, live_shop, (variant, 1))
    create_payment(client, checkout)
    data = confirmation(complete(client, checkout))
    assert pay(emulator, data, PENDING_CARD)["status"] == "process_pending"

    answer = complete(client, checkout)

    assert answer["errors"] == [] and answer["confirmationNeeded"] is False
    order = answer["order"]
    assert (order["status"], order["paymentStatus"]) == ("UNCONFIRMED", "PENDING")
    assert order_by_token(client, order["token"])["paymentStatus"] == "PENDING"

    assert pay(emulator, data, {"outcome": "processed"})["status"] == "processed"
    delivered = requests.post(f"{emulator.url}/_emulator/callbacks/deliver", json={}, timeout=10).json()
    assert delivered["sent"] >= 1 and all(result["http_status"] == 200 for result in delivered["results"])

    followed = order_by_token(client, order["token"])
    assert (followed["status"], followed["paymentStatus"]) == ("UNFULFILLED", "FULLY_CHARGED")
    assert complete(client, checkout)["order"]["paymentStatus"] == "FULLY_CHARGED"


@pytest.mark.parametrize("delta", ["0.01", "-100.00"])
def test_a_payment_amount_other_than_the_total_is_refused(client, shop, variant, delta):
    checkout = ready(client, shop, (variant, 1))

    payload = create_payment(client, checkout, amount=float(sdk_amount(checkout) + Decimal(delta)))

    assert payload["payment"] is None and payload["checkout"] is None
    (error,) = payload["errors"]
    assert (error["code"], error["field"]) == ("PARTIAL_PAYMENT_NOT_ALLOWED", "amount")
    assert error["message"] == "The amount must be the checkout's total, 800.00 RUB."  # 500 + 300 courier
    assert Checkout.objects.get().payment_amount is None


@pytest.mark.parametrize(
    "return_url",
    [
        "https://evil.example.test/checkout/payment-confirm",
        "http://storefront.example.test/checkout/payment-confirm",  # the allowed origin is https
        "javascript:alert(1)",
        "/checkout/payment-confirm",
    ],
)
def test_a_return_url_off_the_allowed_origins_is_invalid(client, shop, variant, return_url):
    checkout = ready(client, shop, (variant, 1))

    payload = create_payment(client, checkout, returnUrl=return_url)

    assert payload["payment"] is None
    assert [(e["code"], e["field"], e["message"]) for e in payload["errors"]] == [
        ("INVALID", "returnUrl", "This return URL is not allowed.")
    ]


def test_complete_without_a_payment_says_the_checkout_is_not_paid(client, shop, variant):
    checkout = ready(client, shop, (variant, 1))
    answer = complete(client, checkout)
    assert answer["order"] is None and [e["code"] for e in answer["errors"]] == ["CHECKOUT_NOT_FULLY_PAID"]


# -- query counts -----------------------------------------------------------------------------------


def queries(client, name: str, variables: dict) -> tuple[int, dict]:
    """How many queries one SDK operation costs, and its data."""
    document = DOCUMENTS[f"0.3.0-10:{name}"]
    with CaptureQueriesContext(connection) as captured:
        response = post(client, [{"operationName": name, "variables": variables, "query": document.text}])
    (result,) = response.json()
    assert "errors" not in result, result
    return len(captured.captured_queries), result["data"]


def test_a_50_line_checkout_costs_the_queries_of_a_1_line_one(client, shop, make_variant, emulator):
    """Behaviour: the ``Checkout`` fragment query, ``checkoutComplete`` (both calls) and ``orderByToken``
    read the catalogue once per checkout or order, whatever the number of lines."""
    one = ready(client, shop, (make_variant(), 1))
    fifty = ready(client, shop, *[(make_variant(), 2) for _ in range(50)])
    warm_up = ready(client, shop, (make_variant(), 1))
    assert len(fifty["lines"]) == 50

    counts = {}
    for label, checkout in [("warm-up", warm_up), ("one", one), ("fifty", fifty)]:
        counts[label, "details"], data = queries(client, "CheckoutDetails", {"token": checkout["token"]})
        assert data["checkout"] == checkout
        create_payment(client, checkout)
        counts[label, "complete"], data = queries(client, "CompleteCheckout", {"checkoutId": checkout["id"]})
        confirmation_data = data["checkoutComplete"]["confirmationData"]
        counts[label, "unpaid"], _data = queries(client, "CompleteCheckout", {"checkoutId": checkout["id"]})
        pay(emulator, confirmation_data, PAID_CARD)
        counts[label, "paid"], data = queries(client, "CompleteCheckout", {"checkoutId": checkout["id"]})
        order = data["checkoutComplete"]["order"]
        assert order["paymentStatus"] == "FULLY_CHARGED" and len(order["lines"]) == len(checkout["lines"])
        counts[label, "order"], _data = queries(client, "OrderByToken", {"token": order["token"]})

    for step in ("details", "complete", "unpaid", "paid", "order"):
        assert counts["one", step] == counts["fifty", step], (step, counts)
