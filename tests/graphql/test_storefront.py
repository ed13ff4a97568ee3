"""Every checkout, order and start-up operation of @saleor/sdk, sent to ``/graphql/`` exactly as the SDK
sends it (its own document text, batched), returns the right data from the test shop.

The example variables of the wire captures are kept, with ids swapped for the test shop's; the shop
is ``tests.testshop.storefront.TestStorefront`` on a Cascad-enabled site talking to the emulator.
"""

from __future__ import annotations

import ast
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cascad_wagtail.graphql import from_global_id, global_id
from cascad_wagtail.models import Checkout
from tests.testshop.models import Order

from .storefront_helpers import *  # noqa: F403  (fixtures: shop, make_variant, variant)
from .storefront_helpers import (
    COURIER,
    DOCUMENTS,
    PAID_CARD,
    SDK_ADDRESS,
    checkout_id,
    complete,
    create,
    create_payment,
    example,
    money,
    pay,
    plain,
    post,
    ready,
    sdk_amount,
    send,
    taxed,
    variant_id,
)
from .test_auth import TESTED as AUTH_TESTED
from .test_auth_orders import TESTED as ACCOUNT_TESTED

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

#: The SDK documents this module runs (``test_auth.py`` and ``test_auth_orders.py`` run sign-in's).
TESTED = {
    "0.3.0-10:UserDetails",
    "0.3.0-10:GetShop",
    "0.3.0-10:CheckoutProductVariants",
    "0.3.0-10:CreateCheckout",
    "0.3.0-10:UpdateCheckoutLine",
    "0.3.0-10:UpdateCheckoutShippingAddress",
    "0.3.0-10:UpdateCheckoutBillingAddress",
    "0.3.0-10:UpdateCheckoutBillingAddressWithEmail",
    "0.3.0-10:UpdateCheckoutShippingMethod",
    "0.3.0-10:AddCheckoutPromoCode",
    "0.3.0-10:RemoveCheckoutPromoCode",
    "0.3.0-10:CheckoutDetails",
    "0.3.0-10:CreateCheckoutPayment",
    "0.3.0-10:CompleteCheckout",
    "0.3.0-10:OrderByToken",
    "0.3.0-10:UserOrderByToken",
}


def paid_order(client, shop, emulator, *lines) -> dict:
    """The order of a checkout paid on Cascad, as ``CompleteCheckout`` answers it once paid."""
    checkout = ready(client, shop, *lines)
    assert create_payment(client, checkout)["errors"] == []
    first = complete(client, checkout)
    pay(emulator, first["confirmationData"], PAID_CARD)
    answer = complete(client, checkout)
    assert answer["errors"] == [] and answer["order"] is not None
    return answer["order"]


def expected_variant(item, *, stock: int | None = None) -> dict:
    price = taxed(item.prices["RUB"])
    return {
        "id": variant_id(item),
        "name": item.name,
        "sku": item.sku,
        "quantityAvailable": item.stock if stock is None else stock,
        "pricing": {"onSale": False, "priceUndiscounted": price, "price": price},
        "attributes": [],
        "product": {
            "id": global_id("Product", item.pk),
            "name": item.product_name,
            "slug": item.sku.lower(),
            "thumbnail": {"url": f"https://img.example.test/{item.sku}.png", "alt": item.product_name},
            "thumbnail2x": {"url": f"https://img.example.test/{item.sku}.png"},
            "productType": {"id": global_id("ProductType", "shippable"), "isShippingRequired": True},
        },
    }


def expected_address(data: dict) -> dict:
    """The ``Address`` fragment for an ``AddressInput`` the SDK sent (country name from the code)."""
    names = {"DE": "Germany", "RU": "Russia"}
    fields = ("firstName", "lastName", "companyName", "streetAddress1", "streetAddress2", "city", "postalCode")
    shown = {field: data.get(field) or "" for field in fields}
    shown.update(
        country={"code": data["country"], "country": names[data["country"]]},
        countryArea=data.get("countryArea") or "",
        phone=data.get("phone") or "",
        isDefaultBillingAddress=False,
        isDefaultShippingAddress=False,
    )
    return shown


def without_id(address: dict | None) -> dict | None:
    return None if address is None else {key: value for key, value in address.items() if key != "id"}


def sent_documents() -> set[str]:
    """The id of every SDK document a module of this folder sends by name: a call of ``send`` or
    ``run_document`` whose document name (and SDK, when given) are written out."""
    found = set()
    for path in Path(__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("send", "run_document")):
                continue
            if len(node.args) < 2 or not isinstance(node.args[1], ast.Constant):
                continue
            sdk = node.args[3] if len(node.args) > 3 else next((k.value for k in node.keywords if k.arg == "sdk"), None)
            if sdk is None or isinstance(sdk, ast.Constant):
                found.add(f"{'0.3.0-10' if sdk is None else sdk.value}:{node.args[1].value}")
    return found


def test_every_sdk_document_is_run_by_exactly_one_module_and_sent_by_name():
    declared = [TESTED, AUTH_TESTED, ACCOUNT_TESTED]
    assert set(DOCUMENTS) == TESTED | AUTH_TESTED | ACCOUNT_TESTED
    assert sum(map(len, declared)) == len(DOCUMENTS)  # none is claimed by two modules
    assert sent_documents() == set(DOCUMENTS)


# -- start-up and catalogue -------------------------------------------------------------------------


def test_user_details_at_start_up_is_null_for_an_anonymous_visitor(client, shop):
    assert send(client, "UserDetails", example("UserDetails")) == {"me": None}


def test_get_shop_lists_every_country_by_name(client, shop):
    data = plain(send(client, "GetShop", {}))["shop"]

    assert data["displayGrossPrices"] is True and data["defaultCountry"] is None
    assert {"code": "RU", "country": "Russia"} in data["countries"]
    assert {"code": "DE", "country": "Germany"} in data["countries"]
    assert len(data["countries"]) == 249 and "EU" not in {item["code"] for item in data["countries"]}
    names = [item["country"] for item in data["countries"]]
    assert names == sorted(names)


def test_checkout_product_variants_answers_the_variants_asked_in_their_order(client, shop, make_variant):
    """Behaviour: each variant with its price in the channel, stock, product, thumbnails and product type;
    variants that do not exist, are not priced in the channel or are not on sale are left out."""
    mug, bag = make_variant(price="500.00", stock=7), make_variant(price="1290.10", stock=2)
    dollars_only = make_variant(price="5.00", currency="USD")
    hidden = make_variant(published=False)
    ids = [variant_id(bag), variant_id(dollars_only), global_id("ProductVariant", 999999), variant_id(hidden)]
    variables = {**example("CheckoutProductVariants"), "channel": shop, "ids": [*ids, variant_id(mug)]}

    data = send(client, "CheckoutProductVariants", variables)

    assert data["productVariants"]["__typename"] == "ProductVariantCountableConnection"
    nodes = [edge["node"] for edge in plain(data)["productVariants"]["edges"]]
    assert nodes == [expected_variant(bag), expected_variant(mug)]


def test_product_variants_without_a_channel_use_the_only_one(client, shop, variant):
    variables = {"ids": [variant_id(variant)]}
    data = plain(send(client, "CheckoutProductVariants", variables))
    assert [edge["node"]["id"] for edge in data["productVariants"]["edges"]] == [variant_id(variant)]


def test_product_variants_in_an_unknown_channel_is_an_error_that_says_so(client, shop, variant):
    document = DOCUMENTS["0.3.0-10:CheckoutProductVariants"]
    body = {"query": document.text, "variables": {"channel": "nope", "ids": [variant_id(variant)]}}
    (error,) = post(client, body).json()["errors"]
    assert error["message"] == "There is no channel “nope”."
    assert error["extensions"]["exception"]["code"] == "NOT_FOUND"


# -- building the checkout --------------------------------------------------------------------------


def test_create_checkout_answers_the_whole_checkout_fragment(client, shop, make_variant, emulator):
    mug = make_variant(price="500.00", stock=10)

    checkout = create(client, shop, (mug, 2))

    assert checkout["__typename"] == "Checkout"
    stored = Checkout.objects.get()
    assert checkout["token"] == str(stored.token) and checkout["id"] == checkout_id(stored.token)
    shown = plain(checkout)
    line = shown["lines"][0]
    assert line == {
        "id": global_id("CheckoutLine", stored.lines.get().pk),
        "quantity": 2,
        "totalPrice": taxed("1000.00"),
        "variant": expected_variant(mug),
    }
    assert without_id(shown["shippingAddress"]) == expected_address(SDK_ADDRESS)
    assert from_global_id(shown["shippingAddress"]["id"], "Address")
    assert {key: value for key, value in shown.items() if key not in ("lines", "shippingAddress")} == {
        "token": str(stored.token),
        "id": checkout_id(stored.token),
        "totalPrice": taxed("1000.00"),
        "subtotalPrice": taxed("1000.00"),
        "billingAddress": None,
        "email": "ada@example.com",
        "availableShippingMethods": [{"id": COURIER, "name": "Courier", "price": money("300.00")}],
        "shippingMethod": None,
        "shippingPrice": taxed("0.00"),
        "isShippingRequired": True,
        "discount": money("0.00"),
        "discountName": None,
        "translatedDiscountName": None,
        "voucherCode": None,
        "availablePaymentGateways": [
            {
                "id": "cascad.payments",
                "name": "Cascad",
                "config": [
                    {"field": "publicKey", "value": emulator.public_key},
                    {"field": "checkoutUrl", "value": f"{emulator.url}/hpp/"},
                    {"field": "widgetUrl", "value": f"{emulator.url}/widget.js"},
                    {"field": "sandbox", "value": "true"},
                ],
                "currencies": ["RUB"],
            }
        ],
    }


def test_create_checkout_refuses_a_bad_address_or_a_malformed_variant_id_with_saleor_errors(client, shop, variant):
    variables = example("CreateCheckout")
    bad_address = {**SDK_ADDRESS, "postalCode": "1234"}
    variables["checkoutInput"].update(
        channel=shop, lines=[{"quantity": 1, "variantId": variant_id(variant)}], shippingAddress=bad_address
    )
    payload = send(client, "CreateCheckout", variables)["checkoutCreate"]
    assert payload["checkout"] is None
    assert plain(payload["errors"]) == [
        {
            "code": "INVALID",
            "field": "postalCode",
            "message": "This is not a valid postal code for this country (for example 10115).",
        }
    ]

    variables["checkoutInput"].update(shippingAddress=SDK_ADDRESS, lines=[{"quantity": 1, "variantId": "bad"}])
    payload = send(client, "CreateCheckout", variables)["checkoutCreate"]
    assert payload["checkout"] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("GRAPHQL_ERROR", "variantId")]
    assert Checkout.objects.count() == 0


def test_update_checkout_line_sets_the_quantity_and_zero_removes_the_line(client, shop, make_variant):
    mug, bag = make_variant(price="500.00", stock=5), make_variant(price="1000.00")
    checkout = create(client, shop, (mug, 2), (bag, 1))

    variables = {**example("UpdateCheckoutLine"), "checkoutId": checkout["id"]}
    variables["lines"] = [{"quantity": 3, "variantId": variant_id(mug)}, {"quantity": 0, "variantId": variant_id(bag)}]
    payload = plain(send(client, "UpdateCheckoutLine", variables))["checkoutLinesUpdate"]

    assert payload["errors"] == []
    assert [(line["variant"]["id"], line["quantity"], line["totalPrice"]) for line in payload["checkout"]["lines"]] == [
        (variant_id(mug), 3, taxed("1500.00"))
    ]
    assert payload["checkout"]["totalPrice"] == taxed("1500.00")


def test_update_checkout_line_beyond_the_stock_is_insufficient_stock_naming_the_variant(client, shop, make_variant):
    mug = make_variant(stock=2)
    checkout = create(client, shop, (mug, 1))

    variables = {"checkoutId": checkout["id"], "lines": [{"quantity": 3, "variantId": variant_id(mug)}]}
    data = send(client, "UpdateCheckoutLine", variables)["checkoutLinesUpdate"]

    assert data["checkout"] is None
    (error,) = data["errors"]
    assert (error["code"], error["field"]) == ("INSUFFICIENT_STOCK", "quantity")
    assert error["message"] == f"Only 2 of {mug.product_name}, {mug.name} left."
    assert Checkout.objects.get().lines.get().quantity == 1


def test_update_checkout_shipping_address_and_email_in_one_operation(client, shop, variant):
    checkout = create(client, shop, (variant, 1))
    # The capture's "new@b.c" is refused as INVALID (see the test below): a valid address instead.
    variables = {**example("UpdateCheckoutShippingAddress"), "checkoutId": checkout["id"], "email": "new@b.example"}

    data = plain(send(client, "UpdateCheckoutShippingAddress", variables))

    address, email = data["checkoutShippingAddressUpdate"], data["checkoutEmailUpdate"]
    assert address["errors"] == [] and email["errors"] == []
    assert without_id(address["checkout"]["shippingAddress"]) == expected_address(variables["shippingAddress"])
    assert email["checkout"]["email"] == "new@b.example"
    assert without_id(email["checkout"]["shippingAddress"])["city"] == "Hamburg"
    assert Checkout.objects.get().email == "new@b.example"


def test_update_checkout_billing_address(client, shop, variant):
    checkout = create(client, shop, (variant, 1))
    variables = {**example("UpdateCheckoutBillingAddress"), "checkoutId": checkout["id"]}

    payload = plain(send(client, "UpdateCheckoutBillingAddress", variables))["checkoutBillingAddressUpdate"]

    assert payload["errors"] == []
    assert without_id(payload["checkout"]["billingAddress"]) == expected_address(variables["billingAddress"])


def test_update_checkout_billing_address_with_email(client, shop, variant):
    checkout = create(client, shop, (variant, 1))
    variables = json.loads(json.dumps(DOCUMENTS["0.3.0-10:UpdateCheckoutBillingAddressWithEmail"].variables))
    variables.update(checkoutId=checkout["id"], email="grace@example.com")

    data = plain(send(client, "UpdateCheckoutBillingAddressWithEmail", variables))

    assert data["checkoutBillingAddressUpdate"]["errors"] == [] and data["checkoutEmailUpdate"]["errors"] == []
    final = data["checkoutEmailUpdate"]["checkout"]
    assert final["email"] == "grace@example.com"
    assert without_id(final["billingAddress"]) == expected_address(variables["billingAddress"])


def test_a_billing_address_refused_for_its_country_says_which_field(client, shop, variant):
    checkout = create(client, shop, (variant, 1))
    variables = {"checkoutId": checkout["id"], "billingAddress": {**SDK_ADDRESS, "postalCode": ""}}

    payload = send(client, "UpdateCheckoutBillingAddress", variables)["checkoutBillingAddressUpdate"]

    assert payload["checkout"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("REQUIRED", "postalCode")]


def test_update_checkout_shipping_method_adds_its_price_to_the_total(client, shop, variant):
    checkout = create(client, shop, (variant, 2))

    payload = plain(
        send(client, "UpdateCheckoutShippingMethod", {"checkoutId": checkout["id"], "shippingMethodId": COURIER})
    )["checkoutShippingMethodUpdate"]

    assert payload["errors"] == []
    shown = payload["checkout"]
    assert shown["shippingMethod"] == {"id": COURIER, "name": "Courier", "price": money("300.00")}
    assert shown["shippingPrice"] == taxed("300.00") and shown["totalPrice"] == taxed("1300.00")


def test_a_shipping_method_that_cannot_deliver_there_is_not_applicable(client, shop, variant):
    checkout = create(client, shop, (variant, 1))  # to Berlin: the Russian Post does not go there
    for method, code in [
        (global_id("ShippingMethod", "ru-post"), "SHIPPING_METHOD_NOT_APPLICABLE"),
        (example("UpdateCheckoutShippingMethod")["shippingMethodId"], "SHIPPING_METHOD_NOT_APPLICABLE"),
        (checkout["id"], "GRAPHQL_ERROR"),
    ]:
        variables = {"checkoutId": checkout["id"], "shippingMethodId": method}
        payload = send(client, "UpdateCheckoutShippingMethod", variables)["checkoutShippingMethodUpdate"]
        assert payload["checkout"] is None and [e["code"] for e in payload["errors"]] == [code]


def test_add_and_remove_checkout_promo_code(client, shop, variant):
    checkout = ready(client, shop, (variant, 2))  # 1000 + 300 courier

    variables = {"checkoutId": checkout["id"], "promoCode": "ten"}
    added = plain(send(client, "AddCheckoutPromoCode", variables))["checkoutAddPromoCode"]

    assert added["errors"] == []
    shown = added["checkout"]
    assert shown["voucherCode"] == "TEN" and shown["discount"] == money("100.00")
    assert shown["discountName"] == shown["translatedDiscountName"] == "Ten percent off"
    assert shown["totalPrice"] == taxed("1200.00") and sdk_amount(added["checkout"]) == Decimal("1200.00")

    removed = plain(send(client, "RemoveCheckoutPromoCode", variables))["checkoutRemovePromoCode"]
    assert removed["errors"] == []
    assert removed["checkout"]["voucherCode"] is None and removed["checkout"]["discount"] == money("0.00")
    assert removed["checkout"]["totalPrice"] == taxed("1300.00")


def test_an_unknown_promo_code_is_invalid(client, shop, variant):
    checkout = create(client, shop, (variant, 1))
    variables = {**example("AddCheckoutPromoCode"), "checkoutId": checkout["id"]}  # "PROMO": no such voucher

    payload = send(client, "AddCheckoutPromoCode", variables)["checkoutAddPromoCode"]

    assert payload["checkout"] is None
    assert plain(payload["errors"]) == [
        {"code": "INVALID", "field": "promoCode", "message": "This promo code is not valid."}
    ]


def test_checkout_details_reads_the_checkout_by_token(client, shop, variant):
    checkout = ready(client, shop, (variant, 1))

    data = send(client, "CheckoutDetails", {"token": checkout["token"]})

    assert data["checkout"] == checkout
    assert send(client, "CheckoutDetails", example("CheckoutDetails")) == {"checkout": None}


def test_a_mutation_naming_no_existing_checkout_is_not_found(client, shop, variant):
    variables = {**example("UpdateCheckoutLine"), "lines": [{"quantity": 1, "variantId": variant_id(variant)}]}
    payload = send(client, "UpdateCheckoutLine", variables)["checkoutLinesUpdate"]
    assert payload["checkout"] is None and [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]


# -- paying -----------------------------------------------------------------------------------------


def test_create_checkout_payment_for_the_total_the_sdk_computed(client, shop, variant):
    checkout = ready(client, shop, (variant, 2))

    payload = create_payment(client, checkout)

    assert payload["errors"] == []
    assert plain(payload["payment"]) == {
        "id": global_id("Payment", f"checkout-{checkout['token']}"),
        "gateway": "cascad.payments",
        "token": "",  # no Cascad invoice before checkoutComplete
        "total": money("1300.00"),
        "creditCard": None,
    }
    assert payload["checkout"]["token"] == checkout["token"]


def test_create_checkout_payment_with_another_gateway_is_not_supported(client, shop, variant):
    checkout = ready(client, shop, (variant, 1))

    payload = create_payment(client, checkout, gateway=example("CreateCheckoutPayment")["paymentInput"]["gateway"])

    assert payload["payment"] is None and payload["checkout"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_SUPPORTED_GATEWAY", "gateway")]


def test_complete_checkout_first_asks_for_the_redirect_to_cascad_checkout(client, shop, variant, emulator):
    checkout = ready(client, shop, (variant, 1))
    create_payment(client, checkout)

    answer = complete(client, checkout)

    assert answer["errors"] == [] and answer["order"] is None and answer["confirmationNeeded"] is True
    data = json.loads(answer["confirmationData"])  # a JSON *string*, as storefronts JSON.parse it
    assert data["type"] == "redirect" and data["method"] == "GET"
    assert data["url"].startswith(f"{emulator.url}/hpp/?cpi=cpi_")


def test_complete_checkout_once_paid_answers_the_order_detail(client, shop, make_variant, emulator):
    mug = make_variant(price="500.00", stock=10)

    order = paid_order(client, shop, emulator, (mug, 2))

    stored = Order.objects.get()
    assert order["__typename"] == "Order"
    assert plain(order) == {
        "userEmail": "ada@example.com",
        "paymentStatus": "FULLY_CHARGED",
        "paymentStatusDisplay": "Paid",
        "status": "UNFULFILLED",
        "statusDisplay": "Unfulfilled",
        "id": global_id("Order", stored.pk),
        "token": str(stored.token),
        "number": str(stored.pk),
        "shippingAddress": {**expected_address(SDK_ADDRESS), "id": order["shippingAddress"]["id"]},
        "lines": [
            {
                "productName": mug.product_name,
                "quantity": 2,
                "variant": expected_variant(mug, stock=8),
                "unitPrice": {"currency": "RUB", **taxed("500.00")},
                "totalPrice": {"currency": "RUB", **taxed("1000.00")},
            }
        ],
        "subtotal": taxed("1000.00"),
        "total": taxed("1300.00"),
        "shippingPrice": taxed("300.00"),
    }


def test_order_by_token_and_user_order_by_token_read_the_order(client, shop, variant, emulator):
    order = paid_order(client, shop, emulator, (variant, 1))

    by_token = send(client, "OrderByToken", {"token": order["token"]})["orderByToken"]
    assert by_token == order
    with_invoices = send(client, "UserOrderByToken", {"token": order["token"]})["orderByToken"]
    assert with_invoices["invoices"] == [] and with_invoices["number"] == order["number"]
    assert send(client, "OrderByToken", example("OrderByToken")) == {"orderByToken": None}


# -- beyond the SDK's own documents -----------------------------------------------------------------

BOTH_ERROR_LISTS = """
mutation Lines($token: UUID, $lines: [CheckoutLineInput]!) {
  checkoutLinesUpdate(token: $token, lines: $lines) {
    checkout { token lines { quantity } }
    errors { code field message variants }
    checkoutErrors { code field message variants }
  }
}
"""


def test_errors_are_under_both_names_and_a_checkout_can_be_named_by_token(client, shop, make_variant):
    """Behaviour: Saleor 3's ``errors`` and the legacy ``checkoutErrors`` carry the same errors (variants as
    global ids); the ``token`` argument names a checkout as ``checkoutId`` does."""
    mug = make_variant(stock=1)
    checkout = create(client, shop, (mug, 1))
    lines = [{"quantity": 2, "variantId": variant_id(mug)}]

    payload = post(client, {"query": BOTH_ERROR_LISTS, "variables": {"token": checkout["token"], "lines": lines}})

    result = payload.json()["data"]["checkoutLinesUpdate"]
    assert result["checkout"] is None
    assert (
        result["errors"]
        == result["checkoutErrors"]
        == [
            {
                "code": "INSUFFICIENT_STOCK",
                "field": "quantity",
                "message": f"Only 1 of {mug.product_name}, {mug.name} left.",
                "variants": [variant_id(mug)],
            }
        ]
    )
    lines[0]["quantity"] = 1
    payload = post(client, {"query": BOTH_ERROR_LISTS, "variables": {"token": checkout["token"], "lines": lines}})
    assert payload.json()["data"]["checkoutLinesUpdate"]["checkout"] == {
        "token": checkout["token"],
        "lines": [{"quantity": 1}],
    }


def test_the_captured_email_new_at_b_dot_c_is_refused_as_invalid(client, shop, variant):
    """The wire capture's ``new@b.c`` has a one-letter top-level domain, which no real address has and
    Django's validator refuses: the address part of the operation succeeds, the email part says INVALID."""
    checkout = create(client, shop, (variant, 1))
    variables = {**example("UpdateCheckoutShippingAddress"), "checkoutId": checkout["id"]}

    data = send(client, "UpdateCheckoutShippingAddress", variables)

    assert data["checkoutShippingAddressUpdate"]["errors"] == []
    assert plain(data["checkoutEmailUpdate"]["errors"]) == [
        {"code": "INVALID", "field": "email", "message": "Enter a valid email address."}
    ]


def test_a_site_without_cascad_offers_no_payment_gateway(client, channel, variant):
    checkout = create(client, channel, (variant, 1))
    assert checkout["availablePaymentGateways"] == []


def test_a_customers_checkout_tokens(shop, variant, django_user_model):
    from cascad_wagtail import checkout as checkouts
    from cascad_wagtail.graphql.checkout_resolvers import resolve_user_checkout_tokens

    customer = django_user_model.objects.create_user("ada", "ada@example.com", "pw")
    mine = checkouts.create(shop, [(str(variant.pk), 1)], user=customer).checkout
    checkouts.create(shop, [(str(variant.pk), 1)])  # someone else's

    assert resolve_user_checkout_tokens(customer, None, channel=shop) == [mine.token]
    assert resolve_user_checkout_tokens(customer, None, channel="other") == []
