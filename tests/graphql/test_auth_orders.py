"""A signed-in customer's checkouts and orders: ``me.checkoutTokens`` and ``me.orders`` with SDK 0.3.0-10's
``UserCheckoutTokenList`` and ``OrdersByUser`` (sent as their text stands, batched, ``Authorization: JWT``).

Checkouts are created and paid through ``/graphql/`` with the SDK's documents (the emulator takes the
payment, as in ``test_storefront_lifecycle.py``); the orders the paging tests walk through are made
with the ORM, each with lines and a payment, so that a page reads what a real one does.
"""

from __future__ import annotations

import time
from decimal import Decimal

import jwt
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cascad_wagtail.accounts import tokens
from cascad_wagtail.graphql import global_id
from cascad_wagtail.models import ChargeStatus, Checkout, Payment
from tests.testshop.models import Order, OrderLine

from .storefront_helpers import *  # noqa: F403  (fixtures: shop, channel, variant, make_variant, customer…)
from .storefront_helpers import (
    DOCUMENTS,
    PAID_CARD,
    PASSWORD,
    complete,
    create,
    create_payment,
    pay,
    plain,
    post,
    ready,
    run_document,
    send,
    taxed,
    variant_id,
)

pytestmark = pytest.mark.django_db

#: The SDK documents this module runs (``test_auth.py`` runs the other sign-in ones).
TESTED = {"0.3.0-10:UserCheckoutTokenList", "0.3.0-10:OrdersByUser"}

PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String) {
  me {
    orders(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { number } }
    }
  }
}
"""


def signed_in(user) -> Client:
    """A client that sends ``user``'s access token with every request, as SDK 0.3.0-10 does."""
    return Client(headers={"Authorization": f"JWT {tokens.create_access_token(user)}"})


def checkout_tokens(client, channel: str | None) -> list[str]:
    data = send(client, "UserCheckoutTokenList", {"channel": channel})
    assert data["me"]["__typename"] == "User"
    return data["me"]["checkoutTokens"]


def orders_by_user(client, per_page: int = 20, after: str | None = None) -> dict:
    """``OrdersByUser``'s ``me`` (the SDK sends ``after`` only for the next pages)."""
    variables = {**DOCUMENTS["0.3.0-10:OrdersByUser"].variables, "perPage": per_page}
    if after is not None:
        variables["after"] = after
    return plain(send(client, "OrdersByUser", variables)["me"])


def page(client, **arguments) -> dict:
    """The ``PAGE`` query's answer: ``data`` and ``errors``."""
    return post(client, {"query": PAGE, "variables": arguments}).json()


def numbers(connection_data: dict) -> list[str]:
    return [edge["node"]["number"] for edge in connection_data["edges"]]


def without_line_ids(node: dict) -> dict:
    return {**node, "lines": [{key: value for key, value in line.items() if key != "id"} for line in node["lines"]]}


def paid_order(client, shop: str, emulator, *lines) -> dict:
    checkout = ready(client, shop, *lines)
    assert create_payment(client, checkout)["errors"] == []
    pay(emulator, complete(client, checkout)["confirmationData"], PAID_CARD)
    answer = complete(client, checkout)
    assert answer["errors"] == [] and answer["order"]["paymentStatus"] == "FULLY_CHARGED"
    return answer["order"]


def expected_node(order: Order, status_display: str = "Unfulfilled") -> dict:
    """``OrdersByUser``'s order node, computed from the stored order, but for the lines' ids (which
    ``without_line_ids`` takes out and ``test_order_line_ids_are_saleor_global_ids`` checks)."""
    lines = []
    for line in order.lines.order_by("pk"):
        variant = line.variant
        lines.append(
            {
                "variant": {
                    "id": variant_id(variant),
                    "product": {
                        "name": variant.product_name,
                        "id": global_id("Product", variant.pk),
                        "slug": variant.sku.lower(),
                    },
                },
                "thumbnail": {"alt": line.product_name, "url": f"https://img.example.test/{variant.sku}.png"},
                "thumbnail2x": {"url": f"https://img.example.test/{variant.sku}.png"},
            }
        )
    return {
        "id": global_id("Order", order.pk),
        "token": str(order.token),
        "number": str(order.pk),
        "statusDisplay": status_display,
        "created": order.created_at.isoformat(),
        "total": taxed(str(order.total.quantize(Decimal("0.01")))),
        "lines": lines,
    }


@pytest.fixture
def make_orders(site, make_variant):
    """``count`` orders of ``user`` made with the ORM, oldest first, each with ``lines`` lines and a paid
    Cascad payment (so ``UNFULFILLED``)."""

    def make(user, count: int, lines: int = 2, email: str = "ada@example.com") -> list[Order]:
        made = []
        for _ in range(count):
            order = Order.objects.create(email=email, total=Decimal("1300.00"), site=site, user=user)
            for _line in range(lines):
                item = make_variant()
                OrderLine.objects.create(
                    order=order,
                    variant=item,
                    product_name=item.product_name,
                    variant_name=item.name,
                    sku=item.sku,
                    unit_price=Decimal("500.00"),
                    quantity=1,
                )
            Payment.objects.create(
                order=order,
                site=site,
                mode="sandbox",
                amount=order.total,
                currency="RUB",
                charge_status=ChargeStatus.FULLY_CHARGED,
                is_open=False,
            )
            made.append(order)
        return made

    return make


# -- checkouts ----------------------------------------------------------------------------------------


def test_a_signed_in_checkout_belongs_to_the_customer_newest_first_by_channel(
    channel, settings, make_variant, customer, make_customer
):
    """Behaviour: ``checkoutCreate`` with the customer's token records them on the checkout;
    ``UserCheckoutTokenList`` lists their open checkouts newest first, only the channel's when it is
    named; an anonymous checkout and another customer's are never listed."""
    settings.CASCAD_CHANNELS = {**settings.CASCAD_CHANNELS, "dollars": {**settings.CASCAD_CHANNELS[channel]}}
    settings.CASCAD_CHANNELS["dollars"]["currency"] = "USD"
    roubles, dollars = make_variant(), make_variant(price="5.00", currency="USD")
    mine, other = signed_in(customer), signed_in(make_customer())

    anonymous = create(Client(), channel, (roubles, 1))["token"]
    older = create(mine, channel, (roubles, 1))["token"]
    in_dollars = create(mine, "dollars", (dollars, 1))["token"]
    newer = create(mine, channel, (roubles, 2))["token"]
    others = create(other, channel, (roubles, 1))["token"]

    assert send(mine, "UserCheckoutTokenList", DOCUMENTS["0.3.0-10:UserCheckoutTokenList"].variables) == {
        "me": {"id": global_id("User", customer.pk), "checkoutTokens": [newer, older], "__typename": "User"}
    }
    assert checkout_tokens(mine, "dollars") == [in_dollars]
    assert checkout_tokens(mine, None) == [newer, in_dollars, older]
    assert checkout_tokens(mine, "nowhere") == []
    assert checkout_tokens(other, channel) == [others]
    assert Checkout.objects.get(token=anonymous).user is None
    assert Checkout.objects.get(token=newer).user == customer
    assert send(Client(), "UserCheckoutTokenList", {"channel": channel}) == {"me": None}


def test_a_checkout_create_with_an_expired_token_fails_and_creates_nothing(channel, variant, customer):
    """It would attach the checkout to the customer: the SDK must refresh its token first and send it again."""
    access = tokens.create_access_token(customer)
    now = int(time.time())
    stale = tokens.encode(
        {**jwt.decode(access, options={"verify_signature": False}), "iat": now - 900, "exp": now - 60}
    )
    variables = {**DOCUMENTS["0.3.0-10:CreateCheckout"].variables}
    variables["checkoutInput"] = {**variables["checkoutInput"], "channel": channel}
    variables["checkoutInput"]["lines"] = [{"quantity": 1, "variantId": variant_id(variant)}]

    result = run_document(Client(), "CreateCheckout", variables, token=stale)

    assert result["data"] == {"checkoutCreate": None}
    assert [(e["path"], e["extensions"]["exception"]["code"]) for e in result["errors"]] == [
        (["checkoutCreate"], "ExpiredSignatureError")
    ]
    assert Checkout.objects.count() == 0


def test_checkout_tokens_leave_out_a_completed_checkout(channel, variant, customer):
    client = signed_in(customer)
    token = create(client, channel, (variant, 1))["token"]
    assert checkout_tokens(client, channel) == [token]
    Checkout.objects.filter(token=token).delete()  # what completing it does once paid
    assert checkout_tokens(client, channel) == []


# -- orders of a paid checkout ------------------------------------------------------------------------


@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
def test_a_customers_paid_checkout_is_their_order_and_no_one_elses(
    shop, make_variant, customer, make_customer, emulator
):
    """Behaviour: the customer signs in (``TokenAuth``), buys through the SDK's documents with their token:
    the order is theirs and ``OrdersByUser`` shows it field by field. Another customer sees no order;
    an anonymous order with the very same email is not the customer's."""
    created = send(Client(), "TokenAuth", {"email": customer.email, "password": PASSWORD})["tokenCreate"]
    mine = Client(headers={"Authorization": f"JWT {created['token']}"})
    mug = make_variant(price="500.00", stock=10)

    order = paid_order(mine, shop, emulator, (mug, 2))
    anonymous = paid_order(Client(), shop, emulator, (mug, 1))  # the captured email: ada@example.com too

    stored = Order.objects.get(token=order["token"])
    assert stored.user == customer and stored.email == customer.email
    assert Order.objects.get(token=anonymous["token"]).user is None
    listed = orders_by_user(mine)
    cursor = listed["orders"]["pageInfo"].pop("endCursor")
    assert listed == {
        "id": global_id("User", customer.pk),
        "orders": {"pageInfo": {"hasNextPage": False}, "edges": [{"node": listed["orders"]["edges"][0]["node"]}]},
    }
    assert without_line_ids(listed["orders"]["edges"][0]["node"]) == expected_node(stored)
    assert listed["orders"]["edges"][0]["node"]["total"] == taxed("1300.00")  # 2 × 500 + 300 courier
    assert orders_by_user(mine, after=cursor)["orders"] == {
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "edges": [],
    }

    stranger = make_customer()
    assert orders_by_user(signed_in(stranger)) == {
        "id": global_id("User", stranger.pk),
        "orders": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []},
    }
    assert send(Client(), "OrdersByUser", {"perPage": 20}) == {"me": None}


@pytest.mark.emulator
@pytest.mark.django_db(transaction=True)
def test_a_checkout_created_signed_in_stays_the_customers_when_completed_without_the_token(
    shop, variant, customer, emulator
):
    checkout = ready(signed_in(customer), shop, (variant, 1))
    anonymous = Client()
    assert create_payment(anonymous, checkout)["errors"] == []
    pay(emulator, complete(anonymous, checkout)["confirmationData"], PAID_CARD)

    order = complete(anonymous, checkout)["order"]

    assert Order.objects.get(token=order["token"]).user == customer
    assert [edge["node"]["token"] for edge in orders_by_user(signed_in(customer))["orders"]["edges"]] == [
        order["token"]
    ]


# -- paging -------------------------------------------------------------------------------------------


@pytest.fixture
def twenty_five(customer, make_customer, make_orders) -> list[str]:
    """25 orders of the customer, newest first (as ``me.orders`` lists them), by number; others' orders
    and an anonymous one with the customer's email around them."""
    make_orders(make_customer(), 2, lines=0)
    orders = make_orders(customer, 25, lines=0)
    make_orders(None, 1, lines=0, email=customer.email)
    return [str(order.pk) for order in reversed(orders)]


def test_orders_by_user_pages_through_25_orders_as_the_sdk_does(customer, twenty_five):
    client = signed_in(customer)
    seen, after, pages = [], None, []
    while True:
        answer = orders_by_user(client, per_page=10, after=after)["orders"]
        pages.append((len(answer["edges"]), answer["pageInfo"]["hasNextPage"]))
        seen += [edge["node"]["number"] for edge in answer["edges"]]
        if not answer["pageInfo"]["hasNextPage"]:
            break
        after = answer["pageInfo"]["endCursor"]

    assert pages == [(10, True), (10, True), (5, False)]
    assert seen == twenty_five


def test_first_and_after_with_page_info_and_total_count(customer, twenty_five):
    client = signed_in(customer)

    first = page(client, first=10)["data"]["me"]["orders"]
    assert numbers(first) == twenty_five[:10] and first["totalCount"] == 25
    info = first["pageInfo"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, False)
    assert (info["startCursor"], info["endCursor"]) == (first["edges"][0]["cursor"], first["edges"][-1]["cursor"])

    second = page(client, first=10, after=info["endCursor"])["data"]["me"]["orders"]
    assert numbers(second) == twenty_five[10:20]
    assert (second["pageInfo"]["hasNextPage"], second["pageInfo"]["hasPreviousPage"]) == (True, True)

    third = page(client, first=10, after=second["pageInfo"]["endCursor"])["data"]["me"]["orders"]
    assert numbers(third) == twenty_five[20:]
    assert (third["pageInfo"]["hasNextPage"], third["pageInfo"]["hasPreviousPage"]) == (False, True)
    assert third["totalCount"] == 25

    # A cursor in the middle of a page: the orders after that one.
    middle = page(client, first=3, after=first["edges"][4]["cursor"])["data"]["me"]["orders"]
    assert numbers(middle) == twenty_five[5:8]


def test_last_and_before_page_backwards(customer, twenty_five):
    client = signed_in(customer)

    last = page(client, last=10)["data"]["me"]["orders"]
    assert numbers(last) == twenty_five[15:]  # still newest first within the page
    assert (last["pageInfo"]["hasNextPage"], last["pageInfo"]["hasPreviousPage"]) == (False, True)
    assert last["pageInfo"]["startCursor"] == last["edges"][0]["cursor"]

    before = page(client, last=10, before=last["pageInfo"]["startCursor"])["data"]["me"]["orders"]
    assert numbers(before) == twenty_five[5:15]
    assert (before["pageInfo"]["hasNextPage"], before["pageInfo"]["hasPreviousPage"]) == (True, True)

    start = page(client, last=10, before=before["pageInfo"]["startCursor"])["data"]["me"]["orders"]
    assert numbers(start) == twenty_five[:5]
    assert (start["pageInfo"]["hasNextPage"], start["pageInfo"]["hasPreviousPage"]) == (True, False)
    assert start["totalCount"] == 25


def test_page_sizes_at_the_limits(customer, twenty_five):
    client = signed_in(customer)

    empty = page(client, first=0)["data"]["me"]["orders"]
    assert empty["edges"] == [] and empty["totalCount"] == 25
    assert empty["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False, "startCursor": None, "endCursor": None}
    assert numbers(page(client, first=100)["data"]["me"]["orders"]) == twenty_five
    assert numbers(page(client, last=100)["data"]["me"]["orders"]) == twenty_five


def test_a_customer_without_orders_has_an_empty_connection(customer, twenty_five, make_customer):
    answer = page(signed_in(make_customer()), first=10)
    assert answer == {
        "data": {
            "me": {
                "orders": {
                    "totalCount": 0,
                    "pageInfo": {
                        "hasNextPage": False,
                        "hasPreviousPage": False,
                        "startCursor": None,
                        "endCursor": None,
                    },
                    "edges": [],
                }
            }
        }
    }


def orders_error(answer: dict) -> str:
    assert answer["data"] == {"me": {"orders": None}}
    (error,) = answer["errors"]
    assert (error["path"], error["extensions"]) == (["me", "orders"], {"exception": {"code": "GraphQLError"}})
    return error["message"]


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "b3JkZXI6YWJj",  # "order:abc"
        "b3JkZXI6",  # "order:"
        global_id("User", 1),  # "User:1", base64 of another kind
        "Zm9v",  # "foo"
        "ö",
    ],
)
def test_a_cursor_this_list_did_not_give_is_an_error(customer, twenty_five, cursor):
    client = signed_in(customer)
    expected = f"The cursor “{cursor}” is not one this list gave out."
    assert orders_error(page(client, first=10, after=cursor)) == expected
    assert orders_error(page(client, last=10, before=cursor)) == expected


@pytest.mark.parametrize(
    "arguments",
    [{}, {"first": 10, "last": 10}, {"after": "x"}],
    ids=["neither", "both", "cursor-alone"],
)
def test_first_or_last_must_be_given_alone(customer, twenty_five, arguments):
    answer = page(signed_in(customer), **arguments)
    assert orders_error(answer) == "Give either “first” or “last” to page through the orders."


@pytest.mark.parametrize("arguments", [{"first": 101}, {"last": 101}, {"first": -1}, {"last": -5}])
def test_a_page_size_out_of_0_to_100_is_an_error(customer, twenty_five, arguments):
    answer = page(signed_in(customer), **arguments)
    assert orders_error(answer) == "“first” and “last” must be between 0 and 100."


def test_orders_show_their_status_from_their_payment(customer, make_orders):
    paid, unpaid, cancelled = make_orders(customer, 3, lines=1)
    Payment.objects.filter(order=unpaid).update(charge_status=ChargeStatus.PENDING)
    Order.objects.filter(pk=cancelled.pk).update(cancelled=True)

    nodes = [without_line_ids(edge["node"]) for edge in orders_by_user(signed_in(customer))["orders"]["edges"]]

    cancelled.refresh_from_db()
    assert nodes == [
        expected_node(cancelled, "Cancelled"),
        expected_node(unpaid, "Unconfirmed"),
        expected_node(paid, "Unfulfilled"),
    ]


def test_order_line_ids_are_saleor_global_ids(customer, make_orders):
    (order,) = make_orders(customer, 1, lines=2)

    (edge,) = orders_by_user(signed_in(customer))["orders"]["edges"]

    assert [line["id"] for line in edge["node"]["lines"]] == [
        global_id("OrderLine", f"{order.pk}-1"),
        global_id("OrderLine", f"{order.pk}-2"),
    ]


# -- query counts ----------------------------------------------------------------------------------------


def queries_of_orders_by_user(client, per_page: int = 20) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        result = run_document(client, "OrdersByUser", {"perPage": per_page})
    assert "errors" not in result, result
    return len(captured.captured_queries), result["data"]["me"]


def test_orders_by_user_costs_the_same_queries_for_1_order_as_for_20(customer, make_customer, make_orders):
    """Behaviour: a page of orders reads orders, lines, payments and variants once for the whole page."""
    warm_up, many = make_customer(), make_customer()
    make_orders(warm_up, 1, lines=2)
    make_orders(customer, 1, lines=2)
    make_orders(many, 20, lines=3)
    queries_of_orders_by_user(signed_in(warm_up))

    one_count, one = queries_of_orders_by_user(signed_in(customer))
    twenty_count, twenty = queries_of_orders_by_user(signed_in(many))

    assert len(one["orders"]["edges"]) == 1 and len(twenty["orders"]["edges"]) == 20
    assert {edge["node"]["statusDisplay"] for edge in twenty["orders"]["edges"]} == {"Unfulfilled"}
    assert all(len(edge["node"]["lines"]) == 3 for edge in twenty["orders"]["edges"])
    assert all(line["variant"] for edge in twenty["orders"]["edges"] for line in edge["node"]["lines"])
    assert one_count == twenty_count, (one_count, twenty_count)
    assert twenty_count <= 8


def test_a_full_page_of_100_orders_costs_the_queries_of_1(customer, make_customer, make_orders):
    hundred = make_customer()
    make_orders(customer, 1, lines=1)
    make_orders(hundred, 100, lines=1)
    queries_of_orders_by_user(signed_in(make_customer()), 100)  # warm-up

    one_count, _one = queries_of_orders_by_user(signed_in(customer), 100)
    hundred_count, data = queries_of_orders_by_user(signed_in(hundred), 100)

    assert len(data["orders"]["edges"]) == 100 and data["orders"]["pageInfo"]["hasNextPage"] is False
    assert one_count == hundred_count, (one_count, hundred_count)
