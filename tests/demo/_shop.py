"""A customer in the demo shop: the steps the tests share, through the shop's own DOM hooks."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser._support import fill_card, screenshot

#: Checkout → the shop's return page → the confirmation: two forwards of three seconds each, on a slow machine.
FORWARD_TIMEOUT = 20_000
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
RETURN_PAGE = re.compile(rf"/cascad/return/{UUID}/$")
CONFIRMATION_PAGE = re.compile(rf"/shop/orders/({UUID})/confirmation/$")
ORDER_PAGE = re.compile(rf"/shop/orders/({UUID})/$")


def words(text: str) -> str:
    """``text`` with every run of whitespace (non-breaking spaces too) as one space."""
    return " ".join(text.split())


def checkout_page(demo) -> re.Pattern:
    """Cascad Checkout (the emulator's hosted page) for any invoice."""
    return re.compile("^" + re.escape(demo.emulator) + r"/hpp/\?cpi=cpi_\w+")


def invoice_of(url: str) -> str:
    match = re.search(r"[?&]cpi=(cpi_\w+)", url)
    assert match, f"no cpi in {url}"
    return match.group(1)


def token_of(page: Page) -> str:
    match = CONFIRMATION_PAGE.search(page.url) or ORDER_PAGE.search(page.url)
    assert match, f"{page.url} is not an order's page"
    return match.group(1)


def add_to_cart(page: Page, demo, product: str = "stoneware-mug", sku: str = "MUG-OCEAN", shot: str = "") -> None:
    """Open a product page, choose the variant ``sku`` and add it; ends on the cart."""
    page.goto(f"{demo.site}/catalogue/{product}/")
    page.locator(f"input[data-sku={sku}]").check()
    if shot:
        screenshot(page, shot)
    page.locator(".buy-form button[type=submit]").click()
    expect(page).to_have_url(f"{demo.site}/shop/cart/")
    expect(page.locator(f"tr[data-sku={sku}]")).to_be_visible()


def go_to_checkout(page: Page) -> None:
    """From the cart, the checkout form."""
    page.locator(".summary-card a[href$='/shop/checkout/']").click()
    expect(page).to_have_url(re.compile(r"/shop/checkout/$"))


def place_order(page: Page, *, flow: str = "checkout", courier: bool = False, shot: str = "") -> str:
    """From the cart (or the checkout form): fill the form, place the order; returns the grand total it showed."""
    if not page.url.endswith("/shop/checkout/"):
        go_to_checkout(page)
    page.locator("#id_email").fill("ann.buyer@example.com")
    page.locator("#id_name").fill("Ann Buyer")
    if courier:
        page.locator("input[name=shipping_method][data-needs-address=true]").first.check()
        page.locator("#id_address").fill("12 Kiln Lane")
        page.locator("#id_city").fill("Bristol")
        page.locator("#id_postal_code").fill("BS1 4DJ")
    else:
        page.locator("input[name=shipping_method][data-needs-address=false]").first.check()
    page.locator(f"input[name=flow][value={flow}]").check()
    total = words(page.locator("[data-grand-total]").inner_text())
    if shot:
        screenshot(page, shot)
    page.locator("#place-order").click()
    return total


def on_checkout(page: Page, demo) -> str:
    """The customer is on Cascad Checkout (or on the way there); returns the invoice's id."""
    expect(page).to_have_url(checkout_page(demo))
    expect(page.locator("#card_number")).to_be_visible()
    return invoice_of(page.url)


def pay_on_checkout(page: Page, demo, card: str, expiry: str) -> str:
    """On Cascad Checkout, type a card and press Pay; returns the invoice's id."""
    invoice = on_checkout(page, demo)
    fill_card(page, card, expiry)
    return invoice


def expect_paid_confirmation(page: Page) -> str:
    """Back on the shop after paying: the return page forwards to the confirmation; returns the order token."""
    expect(page).to_have_url(CONFIRMATION_PAGE, timeout=FORWARD_TIMEOUT)
    confirmation = page.locator(".confirmation")
    expect(confirmation).to_have_attribute("data-state", "paid")
    expect(confirmation).to_have_attribute("data-order-status", "FULLY_CHARGED")
    return token_of(page)


def open_order_page(page: Page) -> None:
    """From the confirmation, "View your order": the order's private page."""
    page.locator(".confirmation .actions a").first.click()
    expect(page).to_have_url(ORDER_PAGE)
