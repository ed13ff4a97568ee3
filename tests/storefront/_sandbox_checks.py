"""The demo shop's storefront adapter, checked inside the demo's own settings (``sandbox_site.settings``).

The main test settings use the minimal ``tests.testshop``, so the demo shop's models cannot be imported
there. ``test_sandbox_storefront.py`` runs this module as a subprocess instead::

    DJANGO_SETTINGS_MODULE=sandbox_site.settings SANDBOX_VAR_DIR=<tmp> SANDBOX_CASCAD_HOST=<emulator> \\
        python -m tests.storefront._sandbox_checks

It migrates a fresh SQLite database, seeds the demo against the emulator the test started, and checks
the adapter alone, then whole checkouts through ``cascad_wagtail.checkout`` (paid through the
emulator's control API). Each check prints "ok: …"; the first failure raises (exit status 1).
"""

from __future__ import annotations

import json
import os
from decimal import Decimal

import django
import requests

CHECKS: list = []
ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "streetAddress1": "Tverskaya 1",
    "city": "Moscow",
    "postalCode": "101000",
    "country": "RU",
    "phone": "+7 495 123-45-67",
}
RETURN_URL = "http://127.0.0.1:3000/checkout/payment-confirm"
PAID_CARD = {"card": "5519283812030000", "expiry": "12/30"}
FAILED_CARD = {"card": "4302912837020000", "expiry": "05/29"}


def check(function):
    CHECKS.append(function)
    return function


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox_site.settings")
    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", cascad_host=os.environ["SANDBOX_CASCAD_HOST"], stock=20, verbosity=0)
    # The demo customer's past orders took some stock: the checks count from 20 of every variant.
    from sandbox_site.shop.models import ProductVariant

    ProductVariant.objects.update(stock=20)


# -- helpers -----------------------------------------------------------------------------------------


def adapter():
    from cascad_wagtail.storefront import get_adapter

    return get_adapter()


def channel():
    from cascad_wagtail.storefront import get_channel

    return get_channel("default-channel")


def variants(count: int | None = None):
    from sandbox_site.shop.models import ProductVariant

    rows = ProductVariant.objects.order_by("pk")
    return list(rows[:count] if count else rows)


def pay(payment, body: dict) -> None:
    url = f"{os.environ['SANDBOX_CASCAD_HOST']}/_emulator/invoices/{payment.invoice_id}/pay"
    requests.post(url, json=body, timeout=10).raise_for_status()


def ready(lines, *, voucher: str = ""):
    """A checkout of the demo shop with addresses, the courier and (optionally) a voucher, paid for."""
    from cascad_wagtail import checkout as checkouts
    from sandbox_site.shop.models import ShippingMethod

    result = checkouts.create(
        "default-channel",
        [(str(variant.pk), quantity) for variant, quantity in lines],
        email="ada@example.com",
        shipping_address=ADDRESS,
        billing_address=ADDRESS,
    )
    assert result.errors == [], result.errors
    token = result.checkout.token
    courier = ShippingMethod.objects.get(name="Courier")
    assert checkouts.shipping_method_update(token, str(courier.pk)).errors == []
    if voucher:
        assert checkouts.promo_code_add(token, voucher).errors == []
    checkout = checkouts.get_checkout(token)
    total = checkouts.checkout_summary(checkout).total
    created = checkouts.payment_create(token, checkouts.GATEWAY_ID, total, RETURN_URL)
    assert created.errors == [], created.errors
    return checkouts.get_checkout(token)


# -- the adapter alone -------------------------------------------------------------------------------


@check
def the_default_channel_is_the_default_site_in_roubles():
    from wagtail.models import Site

    from sandbox_site.shop.storefront import SandboxStorefront

    assert isinstance(adapter(), SandboxStorefront)
    found = channel()
    assert found.site == Site.objects.get(is_default_site=True) and found.currency == "RUB"


@check
def variants_carry_prices_stock_names_and_pictures():
    rows = variants()
    found = adapter().get_variants(channel(), [str(row.pk) for row in rows] + ["999999", "nonsense"])
    assert set(found) == {str(row.pk) for row in rows}
    row = rows[0]
    variant = found[str(row.pk)]
    assert variant.sku == row.sku and variant.name == row.name and variant.product_name == row.page.title
    assert variant.price == row.price_rub and variant.currency == "RUB" and variant.quantity_available == 20
    assert variant.is_purchasable and variant.is_shipping_required
    assert variant.thumbnail_url.startswith("http://127.0.0.1:8000/media/"), variant.thumbnail_url

    row.page.unpublish()
    try:
        assert not adapter().get_variants(channel(), [str(row.pk)])[str(row.pk)].is_purchasable
    finally:
        row.page.save_revision().publish()


@check
def shipping_methods_for_an_address_and_without_one():
    from cascad_wagtail.addresses import Address

    with_address = adapter().get_shipping_methods(channel(), Address.from_data(ADDRESS))
    assert [method.name for method in with_address] == ["Courier", "Post", "Pickup from the studio"]
    assert [method.price for method in with_address] == [Decimal("390.00"), Decimal("250.00"), Decimal("0.00")]
    without = adapter().get_shipping_methods(channel(), None)
    assert [method.name for method in without] == ["Pickup from the studio"]


@check
def vouchers_percentage_fixed_minimum_inactive():
    from sandbox_site.shop.models import Voucher

    welcome = adapter().find_voucher(channel(), "welcome10", Decimal("1234.50"))
    assert (welcome.code, welcome.discount, welcome.applicable) == ("WELCOME10", Decimal("123.45"), True)
    assert welcome.name == "Welcome: 10% off"
    assert adapter().find_voucher(channel(), "NO-SUCH-CODE", Decimal(1000)) is None

    Voucher.objects.create(
        code="save500",
        name="500 off",
        kind="fixed",
        amount_rub=Decimal(500),
        amount_usd=Decimal(6),
        amount_eur=Decimal(5),
        minimum_rub=Decimal(3000),
    )
    assert Voucher.objects.filter(code="SAVE500").exists(), "codes are stored in capitals"
    below = adapter().find_voucher(channel(), "SAVE500", Decimal("2999.99"))
    assert below.applicable is False and below.discount == 0
    above = adapter().find_voucher(channel(), "SAVE500", Decimal(3000))
    assert above.applicable and above.discount == Decimal("500.00")
    Voucher.objects.filter(code="SAVE500").update(is_active=False)
    assert adapter().find_voucher(channel(), "SAVE500", Decimal(3000)) is None


@check
def a_voucher_needs_its_numbers():
    from django.core.exceptions import ValidationError

    from sandbox_site.shop.models import Voucher

    for fields, field in (({"kind": "percentage"}, "percentage"), ({"kind": "fixed", "amount_rub": 1}, "amount_usd")):
        try:
            Voucher(code="x", name="x", **fields).full_clean()
        except ValidationError as exc:
            assert field in exc.message_dict, exc.message_dict
        else:
            raise AssertionError(f"{fields} passed validation")


# -- whole checkouts through the app's services ------------------------------------------------------


@check
def a_whole_checkout_with_a_voucher_paid_through_cascad():
    from cascad_wagtail import checkout as checkouts
    from cascad_wagtail import services
    from cascad_wagtail.models import Checkout
    from sandbox_site.shop.models import Order

    mug, bag = variants(2)
    checkout = ready([(mug, 2), (bag, 1)], voucher="WELCOME10")
    summary = checkouts.checkout_summary(checkout)
    items = mug.price_rub * 2 + bag.price_rub
    discount = (items / 10).quantize(Decimal("0.01"))
    assert (summary.subtotal, summary.discount, summary.shipping_price) == (items, discount, Decimal("390.00"))
    assert summary.total == items - discount + Decimal("390.00")
    assert checkout.discount_name == "Welcome: 10% off"

    first = checkouts.complete(checkout.token)
    assert first.confirmation_needed and first.errors == [], first.errors
    assert json.loads(first.confirmation_data)["url"] == first.payment.hpp_url
    order = Order.objects.get(pk=first.payment.order_id)
    assert (order.total, order.discount, order.voucher_code) == (summary.total, discount, "WELCOME10")
    assert order.name == "Ada Lovelace" and order.city == "Moscow" and order.postal_code == "101000"
    assert order.shipping_address["street_address_1"] == "Tverskaya 1" and order.shipping_name == "Courier"
    mug.refresh_from_db()
    assert mug.stock == 18

    pay(first.payment, PAID_CARD)
    done = checkouts.complete(checkout.token)
    assert done.errors == [] and done.order.status == "UNFULFILLED", done.errors
    assert services.order_payment_status(order) == "FULLY_CHARGED"
    assert not Checkout.objects.filter(token=checkout.token).exists()
    info = adapter().order_for_token(order.token)
    assert info.order.pk == order.pk and info.number == str(order.pk) and info.status == "UNFULFILLED"
    assert [(line.sku, line.quantity) for line in info.lines] == [(mug.sku, 2), (bag.sku, 1)]
    assert info.discount == discount and info.total == summary.total and info.shipping_method_name == "Courier"
    assert info.lines[0].thumbnail_url.startswith("http://127.0.0.1:8000/media/")
    assert info.shipping_address.city == "Moscow"
    assert checkouts.complete(checkout.token).order.order.pk == order.pk  # idempotent after deletion


@check
def the_order_page_shows_the_discount():
    from django.test import Client

    from sandbox_site.shop.models import Order

    order = Order.objects.exclude(voucher_code="").latest("pk")
    html = Client().get(f"/shop/orders/{order.token}/").content.decode()
    assert "data-discount" in html and "WELCOME10" in html, html


@check
def the_last_unit_goes_to_one_checkout():
    from cascad_wagtail import checkout as checkouts
    from sandbox_site.shop.models import ProductVariant

    last = variants()[3]
    ProductVariant.objects.filter(pk=last.pk).update(stock=1)
    first, second = ready([(last, 1)]), ready([(last, 1)])
    assert checkouts.complete(first.token).confirmation_needed
    refused = checkouts.complete(second.token)
    assert [(e.code, e.variants) for e in refused.errors] == [("INSUFFICIENT_STOCK", (str(last.pk),))], refused.errors
    last.refresh_from_db()
    assert last.stock == 0


@check
def a_changed_checkout_after_a_failed_payment_gives_the_old_orders_stock_back():
    from cascad_wagtail import checkout as checkouts
    from sandbox_site.shop.models import Order

    mug = variants()[4]
    checkout = ready([(mug, 3)])
    first = checkouts.complete(checkout.token)
    pay(first.payment, FAILED_CARD)
    failed = checkouts.complete(checkout.token)
    assert [e.code for e in failed.errors] == ["PAYMENT_ERROR"] and "not enough funds" in failed.errors[0].message
    mug.refresh_from_db()
    assert mug.stock == 17

    assert checkouts.lines_update(checkout.token, [(str(mug.pk), 1)]).errors == []
    checkout = checkouts.get_checkout(checkout.token)
    total = checkouts.checkout_summary(checkout).total
    assert checkouts.payment_create(checkout.token, checkouts.GATEWAY_ID, total, RETURN_URL).errors == []
    second = checkouts.complete(checkout.token)
    assert second.confirmation_needed, second.errors
    old = Order.objects.get(pk=first.payment.order_id)
    assert old.cancelled_at is not None and adapter().get_order_info(old).status == "CANCELED"
    mug.refresh_from_db()
    assert mug.stock == 19

    # The replaced order's own page no longer offers to pay it, and the shop refuses to start a payment.
    from django.test import Client

    from cascad_wagtail.exceptions import PaymentError
    from sandbox_site.shop import payments

    html = Client().get(f"/shop/orders/{old.token}/").content.decode()
    assert 'id="payment-link"' not in html, html
    try:
        payments.start(old)
    except PaymentError as exc:
        assert "cancelled" in exc.message
    else:
        raise AssertionError("a cancelled order could be paid")


@check
def a_checkout_costs_the_same_queries_with_one_line_as_with_all():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cascad_wagtail import checkout as checkouts
    from sandbox_site.shop.models import ProductVariant

    ProductVariant.objects.update(stock=20)

    def queries(lines) -> tuple[int, int]:
        checkout = ready([(variant, 1) for variant in lines], voucher="WELCOME10")
        with CaptureQueriesContext(connection) as summary:
            checkouts.checkout_summary(checkouts.get_checkout(checkout.token))
        order = checkouts.complete(checkout.token).payment.order
        with CaptureQueriesContext(connection) as info:
            adapter().get_order_info(order)
        return len(summary), len(info)

    everything = variants()
    one, all_lines = queries(everything[:1]), queries(everything)
    assert len(everything) > 5
    assert one == all_lines, f"1 line: {one}, {len(everything)} lines: {all_lines}"
    print(f"   (summary, order info: {one} queries with 1 line and with {len(everything)})")


@check
def the_voucher_snippet_is_in_the_admin():
    from django.contrib.auth.models import User
    from django.test import Client

    admin = User.objects.create_superuser("checks-admin", "admin@example.com", "pw")
    client = Client()
    client.force_login(admin)
    response = client.get("/admin/snippets/shop/voucher/")
    assert response.status_code == 200 and "WELCOME10" in response.content.decode()


@check
def the_sdk_documents_run_against_the_demo_shop():
    """SDK 0.3.0-10's own documents, batched as it sends them, buy from the demo shop through /graphql/."""
    from django.test import Client

    from cascad_wagtail.graphql import global_id
    from sandbox_site.shop.models import ShippingMethod
    from tests.graphql.documents import all_documents

    documents = {d.id: d for d in all_documents()}
    client = Client()

    def send(name, variables):
        document = documents[f"0.3.0-10:{name}"]
        body = [{"operationName": name, "variables": variables, "query": document.text}]
        response = client.post("/graphql/", json.dumps(body), content_type="application/json")
        assert response.status_code == 200, response.content
        (result,) = response.json()
        assert "errors" not in result, result
        return result["data"]

    mug = variants(1)[0]
    vid = global_id("ProductVariant", mug.pk)
    assert send("UserDetails", {})["me"] is None
    found = send(
        "CheckoutProductVariants", {"ids": [global_id("ProductVariant", mug.pk)], "channel": "default-channel"}
    )
    (edge,) = found["productVariants"]["edges"]
    assert edge["node"]["sku"] == mug.sku and edge["node"]["pricing"]["price"]["gross"]["currency"] == "RUB"
    address = {**ADDRESS, "companyName": "", "streetAddress2": "", "countryArea": ""}
    created = send(
        "CreateCheckout",
        {
            "checkoutInput": {
                "channel": "default-channel",
                "email": "ada@example.com",
                "lines": [{"quantity": 2, "variantId": vid}],
                "shippingAddress": address,
                "billingAddress": address,
            }
        },
    )["checkoutCreate"]
    assert created["errors"] == [], created
    checkout_id = created["checkout"]["id"]
    token = created["checkout"]["token"]
    lines = send("UpdateCheckoutLine", {"checkoutId": checkout_id, "lines": [{"quantity": 3, "variantId": vid}]})
    assert (
        lines["checkoutLinesUpdate"]["errors"] == []
        and lines["checkoutLinesUpdate"]["checkout"]["lines"][0]["quantity"] == 3
    )
    moved = send(
        "UpdateCheckoutShippingAddress",
        {"checkoutId": checkout_id, "shippingAddress": {**address, "city": "Kazan"}, "email": "ada@example.com"},
    )["checkoutShippingAddressUpdate"]
    assert moved["errors"] == [] and moved["checkout"]["shippingAddress"]["city"] == "Kazan", moved
    billed = send("UpdateCheckoutBillingAddress", {"checkoutId": checkout_id, "billingAddress": address})
    assert billed["checkoutBillingAddressUpdate"]["errors"] == []
    billed = send(
        "UpdateCheckoutBillingAddressWithEmail",
        {"checkoutId": checkout_id, "billingAddress": address, "email": "ada.l@example.com"},
    )
    assert billed["checkoutBillingAddressUpdate"]["errors"] == []
    assert billed["checkoutEmailUpdate"]["checkout"]["email"] == "ada.l@example.com", billed
    details = send("CheckoutDetails", {"token": token})["checkout"]
    assert details["id"] == checkout_id and details["lines"][0]["variant"]["sku"] == mug.sku
    assert details["billingAddress"]["city"] == "Moscow" and details["shippingAddress"]["city"] == "Kazan"
    courier = global_id("ShippingMethod", ShippingMethod.objects.get(name="Courier").pk)
    shipped = send("UpdateCheckoutShippingMethod", {"checkoutId": checkout_id, "shippingMethodId": courier})
    assert shipped["checkoutShippingMethodUpdate"]["errors"] == []
    wrong = send("AddCheckoutPromoCode", {"checkoutId": checkout_id, "promoCode": "NO-SUCH-CODE"})
    assert [error["code"] for error in wrong["checkoutAddPromoCode"]["errors"]] == ["INVALID"], wrong
    promo = send("AddCheckoutPromoCode", {"checkoutId": checkout_id, "promoCode": "WELCOME10"})
    removed = send("RemoveCheckoutPromoCode", {"checkoutId": checkout_id, "promoCode": "WELCOME10"})
    assert removed["checkoutRemovePromoCode"]["checkout"]["voucherCode"] is None, removed
    promo = send("AddCheckoutPromoCode", {"checkoutId": checkout_id, "promoCode": "WELCOME10"})
    checkout = promo["checkoutAddPromoCode"]["checkout"]
    assert checkout["voucherCode"] == "WELCOME10" and checkout["discount"]["amount"] > 0
    gateways = [gateway["id"] for gateway in checkout["availablePaymentGateways"]]
    assert gateways == ["cascad.payments"]
    amount = checkout["totalPrice"]["gross"]["amount"]
    payment = send(
        "CreateCheckoutPayment",
        {
            "checkoutId": checkout_id,
            "paymentInput": {"gateway": "cascad.payments", "amount": amount, "returnUrl": RETURN_URL},
        },
    )["checkoutPaymentCreate"]
    assert payment["errors"] == [] and payment["payment"]["token"] == "", payment
    first = send("CompleteCheckout", {"checkoutId": checkout_id})["checkoutComplete"]
    assert first["confirmationNeeded"] is True and first["order"] is None, first
    invoice = json.loads(first["confirmationData"])["url"].split("cpi=")[1].split("&")[0]
    url = f"{os.environ['SANDBOX_CASCAD_HOST']}/_emulator/invoices/{invoice}/pay"
    requests.post(url, json=PAID_CARD, timeout=10).raise_for_status()
    done = send("CompleteCheckout", {"checkoutId": checkout_id})["checkoutComplete"]
    order = done["order"]
    assert done["confirmationNeeded"] is False and order["paymentStatus"] == "FULLY_CHARGED", done
    assert order["status"] == "UNFULFILLED" and order["total"]["gross"]["amount"] == amount
    fetched = send("OrderByToken", {"token": order["token"]})["orderByToken"]
    assert fetched["number"] == order["number"] and len(fetched["lines"]) == 1
    assert send("GetShop", {})["shop"]["countries"]


def main() -> None:
    setup()
    for function in CHECKS:
        function()
        print(f"ok: {function.__name__}", flush=True)


if __name__ == "__main__":
    main()
