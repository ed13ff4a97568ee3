"""A customer buys from the running demo (``python -m sandbox_site.demo``) in Debian's Chromium.

Every piece is real and started the way ``make demo`` starts it: the Cascad emulator (callbacks and the
settlement of pending payments scaled to seconds), the Wagtail site, a Celery worker and beat on the
filesystem broker, all on SQLite. Each test pays the way a customer does, checks what the pages say,
then reads the order from the demo's database.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser._support import (
    FAILING_CARD,
    PENDING_EXPIRY,
    SUCCESS_CARD,
    expect_result,
    fill_card,
    screenshot,
)

from ._shop import (
    FORWARD_TIMEOUT,
    ORDER_PAGE,
    RETURN_PAGE,
    UUID,
    add_to_cart,
    expect_paid_confirmation,
    go_to_checkout,
    on_checkout,
    open_order_page,
    pay_on_checkout,
    place_order,
    token_of,
    words,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAILING_EXPIRY = "05/29"  # with the failing card: "insufficient funds"
#: The emulator settles a pending payment 1200 of its seconds later: 20 s at the demo's 60x, plus the
#: return page's polling (every 2 s, refreshing from Cascad at most every 5 s). Generous for a slow machine.
SETTLE_TIMEOUT = 90_000
#: With the tab closed, only the emulator's callback (and the worker it wakes) can tell the shop.
CALLBACK_SECONDS = 45


def _status(page):
    """The payment's status card on the app's return page (``data-state`` says which)."""
    return page.locator("#cascad-payment-status > [data-state]")


def _only_paid_payment(demo, token: str, invoice: str) -> None:
    order = demo.db.order(token)
    assert order["payment_status"] == "FULLY_CHARGED"
    assert order["paid_at"]
    payments = demo.db.payments(order["id"])
    assert [(p["invoice_id"], p["charge_status"]) for p in payments] == [(invoice, "FULLY_CHARGED")]


# -- the default way: Cascad Checkout ---------------------------------------------------------------


def test_success_card_pays_the_order(demo, page):
    page.goto(f"{demo.site}/")
    expect(page.locator(".product-card")).not_to_have_count(0)
    screenshot(page, "demo-success-1-home")
    page.locator("a.product-card-link[href$='/stoneware-mug/']").first.click()
    expect(page).to_have_url(f"{demo.site}/catalogue/stoneware-mug/")
    add_to_cart(page, demo, "stoneware-mug", "MUG-SAND", shot="demo-success-2-product")
    screenshot(page, "demo-success-3-cart")
    total = place_order(page, courier=True, shot="demo-success-4-checkout")

    invoice = on_checkout(page, demo)
    assert words(page.get_by_test_id("amount").inner_text()) == total
    screenshot(page, "demo-success-5-cascad-checkout")
    fill_card(page, SUCCESS_CARD, "12/30")
    expect_result(page, "processed")
    screenshot(page, "demo-success-6-cascad-paid")

    # Cascad sends the customer back to the shop, whose return page forwards to the confirmation.
    expect(page).to_have_url(RETURN_PAGE, timeout=FORWARD_TIMEOUT)
    token = expect_paid_confirmation(page)
    expect(page.locator(".confirmation h1")).to_have_text("Thank you for your order!")
    screenshot(page, "demo-success-7-confirmation")

    open_order_page(page)
    head = page.locator(".order-head")
    expect(head).to_have_attribute("data-state", "paid")
    expect(head).to_have_attribute("data-order-status", "FULLY_CHARGED")
    expect(page.locator("#order-status")).to_have_text("Paid")
    expect(page.locator("#pay-button")).to_have_count(0)
    screenshot(page, "demo-success-8-order")
    _only_paid_payment(demo, token, invoice)


def test_failing_card_says_why_and_a_good_card_then_pays(demo, page):
    add_to_cart(page, demo, "linen-tote", "TOTE-NAT")
    place_order(page)
    refused = pay_on_checkout(page, demo, FAILING_CARD, FAILING_EXPIRY)
    expect(expect_result(page, "process_failed").get_by_test_id("message")).to_contain_text("not enough funds")
    screenshot(page, "demo-fail-1-cascad")

    # Back on the shop: the return page says, in words, that it failed and why; it does not move on.
    expect(page).to_have_url(RETURN_PAGE, timeout=FORWARD_TIMEOUT)
    status = _status(page)
    expect(status).to_have_attribute("data-state", "failed")
    expect(status.locator("h1")).to_have_text("The payment did not go through")
    expect(status.locator(".cascad-message")).to_have_text(
        "No money was taken. Reason: there are not enough funds on the card."
    )
    screenshot(page, "demo-fail-2-return")

    status.get_by_role("link", name="Back to your order").click()
    expect(page).to_have_url(ORDER_PAGE)
    head = page.locator(".order-head")
    expect(head).to_have_attribute("data-state", "failed")
    expect(head).to_have_attribute("data-order-status", "REFUSED")
    expect(page.locator("#order-status")).to_have_text("Payment failed")
    expect(page.locator(".status-card")).to_contain_text("Reason: there are not enough funds on the card.")
    screenshot(page, "demo-fail-3-order")
    token = token_of(page)
    assert demo.db.order(token)["payment_status"] == "REFUSED"

    # Paying again, with a good card this time.
    page.locator("#pay-button").click()
    paid = pay_on_checkout(page, demo, SUCCESS_CARD, "12/30")
    assert paid != refused, "a refused invoice cannot be paid again: the retry needs a new one"
    expect_result(page, "processed")
    assert expect_paid_confirmation(page) == token
    screenshot(page, "demo-fail-4-paid")

    order = demo.db.order(token)
    assert order["payment_status"] == "FULLY_CHARGED"
    payments = demo.db.payments(order["id"])
    assert [(p["invoice_id"], p["charge_status"]) for p in payments] == [
        (refused, "REFUSED"),
        (paid, "FULLY_CHARGED"),
    ]


def test_pending_payment_shows_processing_then_paid_without_a_reload(demo, page):
    add_to_cart(page, demo, "dot-grid-notebook", "NOTE-A5")
    place_order(page)
    invoice = pay_on_checkout(page, demo, SUCCESS_CARD, PENDING_EXPIRY)
    expect(page.locator("section.card.status-wait")).to_be_visible()
    screenshot(page, "demo-pending-1-cascad")

    # The customer does not wait on Cascad's page: back to the shop while the bank still thinks.
    page.locator("#return").click()
    expect(page).to_have_url(RETURN_PAGE)
    status = _status(page)
    expect(status).to_have_attribute("data-state", "processing")
    expect(status.locator("h1")).to_have_text("Your payment is being processed")
    expect(status).to_contain_text("This page updates by itself.")
    screenshot(page, "demo-pending-2-processing")
    assert demo.db.order_of_invoice(invoice)["payment_status"] != "FULLY_CHARGED"

    # A marker on the window: a reload (or any navigation) would wipe it.
    page.evaluate("window.__demoMarker = 'set while processing'")
    settled = page.wait_for_function(
        """() => {
            const card = document.querySelector("#cascad-payment-status > [data-state]");
            return card && card.dataset.state !== "processing"
                && {state: card.dataset.state, text: card.innerText, marker: window.__demoMarker || null};
        }""",
        timeout=SETTLE_TIMEOUT,
    ).json_value()
    assert settled["marker"] == "set while processing", "the return page was reloaded to show the new state"
    assert settled["state"] == "paid", settled
    assert "Thank you, your payment was successful" in settled["text"]
    screenshot(page, "demo-pending-3-paid")

    token = expect_paid_confirmation(page)
    _only_paid_payment(demo, token, invoice)


# -- the other two ways: the widget and the payment link ---------------------------------------------


def test_widget_flow_pays_without_leaving_the_shop(demo, page):
    visited = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and visited.append(frame.url))
    add_to_cart(page, demo, "merino-socks", "SOCK-M")
    place_order(page, flow="here", shot="demo-widget-1-checkout")
    expect(page).to_have_url(re.compile(rf"/shop/orders/{UUID}/pay/{UUID}/$"))
    widget = page.frame_locator("#cascad-widget iframe")
    expect(widget.locator("#card_number")).to_be_visible()
    screenshot(page, "demo-widget-2-form")
    # Once paid, the widget tells the page at once, and the page goes to the shop's return page.
    fill_card(widget, SUCCESS_CARD, "12/30")
    expect(page).to_have_url(RETURN_PAGE, timeout=FORWARD_TIMEOUT)

    token = expect_paid_confirmation(page)
    screenshot(page, "demo-widget-3-confirmation")
    assert all(url.startswith(demo.site) for url in visited), f"the customer left the shop: {visited}"
    order = demo.db.order(token)
    assert order["payment_status"] == "FULLY_CHARGED"
    assert [p["charge_status"] for p in demo.db.payments(order["id"])] == ["FULLY_CHARGED"]


def test_payment_link_pays_the_order(demo, page, browser):
    page.goto(f"{demo.site}/")
    page.locator("#currency-select").select_option("EUR")
    expect(page.locator("#currency-select")).to_have_value("EUR")
    add_to_cart(page, demo, "tea-sampler", "TEA-GREEN")
    # The customer places the order but leaves the paying for later: back to the order from the pay page.
    place_order(page, flow="here")
    page.get_by_role("link", name="Back to your order").click()
    expect(page).to_have_url(ORDER_PAGE)
    expect(page.locator(".order-head")).to_have_attribute("data-state", "unpaid")
    link = page.locator("#payment-link").input_value()
    assert re.match(r"^http://(127\.0\.0\.1|localhost):\d+/cascad/", link), link
    screenshot(page, "demo-link-1-order")
    token = token_of(page)

    # Whoever pays opens the link on another device (another browser context, no cookies shared).
    other = browser.new_context(locale="en-US", viewport={"width": 1000, "height": 900})
    other.set_default_timeout(10_000)
    try:
        payer = other.new_page()
        payer.goto(link)
        invoice = on_checkout(payer, demo)
        expect(payer.get_by_test_id("amount")).to_contain_text("EUR")
        screenshot(payer, "demo-link-2-cascad-checkout")
        fill_card(payer, SUCCESS_CARD, "12/30")
        expect_result(payer, "processed")
        assert expect_paid_confirmation(payer) == token
        screenshot(payer, "demo-link-3-confirmation")
    finally:
        other.close()

    page.reload()
    expect(page.locator(".order-head")).to_have_attribute("data-state", "paid")
    expect(page.locator("#payment-link")).to_have_count(0)
    screenshot(page, "demo-link-4-order-paid")
    order = demo.db.order(token)
    assert order["currency"] == "EUR"
    _only_paid_payment(demo, token, invoice)


# -- the customer closes the tab ---------------------------------------------------------------------


def test_closing_the_tab_after_paying_the_callback_alone_marks_the_order_paid(demo, browser, page):
    context = browser.new_context(locale="en-US", viewport={"width": 1000, "height": 900})
    context.set_default_timeout(10_000)
    returned = []
    context.on("request", lambda request: "/cascad/return/" in request.url and returned.append(request.url))
    try:
        tab = context.new_page()
        add_to_cart(tab, demo, "soy-candle", "CANDLE-CEDAR")
        place_order(tab)
        invoice = pay_on_checkout(tab, demo, SUCCESS_CARD, "12/30")
        expect_result(tab, "processed")
        screenshot(tab, "demo-closed-1-cascad-paid")
        # Closed the moment Checkout says "paid", before it sends the customer back (3 s later).
        tab.close()
    finally:
        context.close()
    assert not returned, f"the browser reached the shop's return page: {returned}"

    order = demo.db.order_of_invoice(invoice)
    demo.db.wait_for_order_status(order["id"], "FULLY_CHARGED", CALLBACK_SECONDS)
    (payment,) = demo.db.payments(order["id"])
    events = demo.db.events(payment["id"])
    sources = {event["source"] for event in events}
    assert "return" not in sources, sources
    paid = [event for event in events if event["effect"] == "order_paid"]
    assert [event["source"] for event in paid] == ["callback"], [dict(event) for event in events]
    callbacks = demo.db.callbacks(invoice)
    assert any(c["signature_valid"] and c["status"] == "processed" for c in callbacks), [dict(c) for c in callbacks]

    # The customer opens the order's page later (say, from the order email): it says paid.
    page.goto(f"{demo.site}/shop/orders/{uuid.UUID(order['token'])}/")
    expect(page.locator(".order-head")).to_have_attribute("data-state", "paid")
    expect(page.locator("#order-status")).to_have_text("Paid")
    screenshot(page, "demo-closed-2-order-paid")


# -- in Russian ------------------------------------------------------------------------------------

#: Words no Russian page should show (the brand "Cascad Checkout" aside).
ENGLISH = re.compile(
    r"\b(the|your|you|and|order|cart|pay|payment|paid|checkout|to|of|is|with|card|amount|shop|return|"
    r"thank|total|items|delivery|continue)\b",
    re.IGNORECASE,
)


def _in_russian(page, name: str, heading: str | None = None) -> None:
    """The page is Russian: ``lang="ru"``, the expected heading, and none of the usual English words."""
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    if heading:
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    screenshot(page, name)
    text = page.locator("body").inner_text().replace("Cascad Checkout", "")
    english = sorted({word.lower() for word in ENGLISH.findall(text)})
    assert not english, f"{page.url} still shows English words: {english}"


def test_customer_pages_and_cascad_checkout_are_in_russian(demo, page):
    page.goto(f"{demo.site}/")
    page.locator(".language-switch button[value=ru]").click()
    _in_russian(page, "demo-ru-1-home", "Маленькие вещи, сделанные с заботой")
    expect(page.get_by_role("heading", name="Сейчас популярно")).to_be_visible()

    page.locator("a.product-card-link[href$='/stoneware-mug/']").first.click()
    _in_russian(page, "demo-ru-2-product", "Керамическая кружка")
    expect(page.locator(".buy-form button[type=submit]")).to_have_text("В корзину")

    add_to_cart(page, demo, "stoneware-mug", "MUG-OCEAN")
    _in_russian(page, "demo-ru-3-cart", "Ваша корзина")

    go_to_checkout(page)
    _in_russian(page, "demo-ru-4-checkout", "Оформить заказ")
    expect(page.locator("#place-order")).to_have_text("Оформить и оплатить")

    # Cascad's Checkout, in the language the shop sends it (``locale=ru``).
    place_order(page)
    on_checkout(page, demo)
    assert "locale=ru" in page.url
    expect(page.locator("#pay")).to_contain_text("Оплатить")
    _in_russian(page, "demo-ru-5-cascad-checkout")
    fill_card(page, SUCCESS_CARD, "12/30")
    expect_result(page, "processed")
    _in_russian(page, "demo-ru-6-cascad-paid", "Оплата прошла успешно")

    # Back on the shop: the return page, the confirmation and the order's own page.
    expect(page).to_have_url(RETURN_PAGE, timeout=FORWARD_TIMEOUT)
    expect(_status(page).locator("h1")).to_have_text("Спасибо, оплата прошла успешно")
    expect_paid_confirmation(page)
    _in_russian(page, "demo-ru-7-confirmation", "Спасибо за заказ!")
    open_order_page(page)
    expect(page.locator("#order-status")).to_have_text("Оплачен")
    _in_russian(page, "demo-ru-8-order")
