"""A headless storefront buys from the running demo over ``/graphql/`` with the demo's promo code; the
customer's order page then shows the discount, in English and in Russian.

With ``SCREENSHOT_DIR`` set, the order page is saved as ``demo-storefront-order-{en,ru}.png``.
"""

from __future__ import annotations

import json

import pytest
import requests
from playwright.sync_api import expect

from cascad_wagtail.graphql import global_id
from tests.browser._support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "streetAddress1": "Tverskaya 1",
    "city": "Moscow",
    "postalCode": "125009",
    "country": "RU",
    "phone": "+74951234567",
}
CREATE = """mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) {
  checkout { id token totalPrice { gross { amount } } } errors { field code message } } }"""
SHIPPING = """mutation($id: ID!, $method: ID!) {
  checkoutShippingMethodUpdate(checkoutId: $id, shippingMethodId: $method) { errors { code } } }"""
PROMO = """mutation($id: ID!, $code: String!) { checkoutAddPromoCode(checkoutId: $id, promoCode: $code) {
  checkout { voucherCode totalPrice { gross { amount } } } errors { code } } }"""
PAYMENT = """mutation($id: ID!, $input: PaymentInput!) { checkoutPaymentCreate(checkoutId: $id, input: $input) {
  errors { code message } } }"""
COMPLETE = """mutation($id: ID!) { checkoutComplete(checkoutId: $id) {
  order { token paymentStatus } confirmationNeeded confirmationData errors { code message } } }"""


def graphql(demo, query: str, **variables) -> dict:
    response = requests.post(f"{demo.site}/graphql/", json={"query": query, "variables": variables}, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture(scope="module")
def order_token(demo) -> str:
    (variant,) = demo.db.query("SELECT id FROM shop_productvariant ORDER BY id LIMIT 1")
    (courier,) = demo.db.query("SELECT id FROM shop_shippingmethod WHERE name = 'Courier'")
    created = graphql(
        demo,
        CREATE,
        input={
            "channel": "default-channel",
            "email": "ada@example.com",
            "lines": [{"variantId": global_id("ProductVariant", variant["id"]), "quantity": 2}],
            "shippingAddress": ADDRESS,
            "billingAddress": ADDRESS,
        },
    )["checkoutCreate"]
    assert created["errors"] == [], created
    checkout = created["checkout"]["id"]
    method = global_id("ShippingMethod", courier["id"])
    assert graphql(demo, SHIPPING, id=checkout, method=method)["checkoutShippingMethodUpdate"]["errors"] == []
    promo = graphql(demo, PROMO, id=checkout, code="WELCOME10")["checkoutAddPromoCode"]
    assert promo["errors"] == [] and promo["checkout"]["voucherCode"] == "WELCOME10"
    amount = promo["checkout"]["totalPrice"]["gross"]["amount"]
    # The storefront's own page (an allowed origin of the demo's settings).
    payment = {"gateway": "cascad.payments", "amount": amount, "returnUrl": "http://127.0.0.1:3000/checkout/paid"}
    assert graphql(demo, PAYMENT, id=checkout, input=payment)["checkoutPaymentCreate"]["errors"] == []
    first = graphql(demo, COMPLETE, id=checkout)["checkoutComplete"]
    assert first["confirmationNeeded"] is True, first
    invoice = json.loads(first["confirmationData"])["url"].split("cpi=")[1].split("&")[0]
    paid = {"card": "5519283812030000", "expiry": "12/30"}
    requests.post(f"{demo.emulator}/_emulator/invoices/{invoice}/pay", json=paid, timeout=10).raise_for_status()
    done = graphql(demo, COMPLETE, id=checkout)["checkoutComplete"]
    assert done["order"]["paymentStatus"] == "FULLY_CHARGED", done
    return done["order"]["token"]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_storefront_order_page_shows_the_promo_discount(browser, demo, order_token, language):
    context = browser.new_context(locale="en-US", viewport={"width": 1000, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{demo.site}/shop/orders/{order_token}/")
        if language == "ru":
            page.locator(".language-switch button[value=ru]").click()
            expect(page.locator("html")).to_have_attribute("lang", "ru")
        discount = page.locator("[data-discount]")
        expect(discount).to_be_visible()
        expect(discount).to_contain_text("−258")  # 10 % of the two items, shipping not discounted
        expect(page.locator("main")).to_contain_text("WELCOME10")
        screenshot(page, f"demo-storefront-order-{language}")
    finally:
        context.close()
