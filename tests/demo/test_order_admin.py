"""The demo shop's order admin: an order's payment status, its payments, the payment link, and a refund
made from the order's page that comes back to it.

Two ways in, as for the rest of the demo shop (the main test settings have their own minimal order):

- ``_order_admin_checks`` runs in a subprocess on ``sandbox_site.settings`` and a fresh SQLite database:
  what each kind of editor sees, the query count, the link from a payment back to its order;
- the browser tests drive the running demo (``python -m sandbox_site.demo``) in Debian's Chromium, in
  English and in Russian: a customer leaves an order unpaid, an editor finds it in the admin, copies its
  payment link, someone pays with that link, and the editor refunds part of it from the order's page.
"""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser._support import SUCCESS_CARD, expect_result, fill_card, screenshot

from ._demo import ROOT, demo_env
from ._shop import ORDER_PAGE, add_to_cart, expect_paid_confirmation, on_checkout, place_order, token_of

ORDERS = "/admin/snippets/shop/order/"
#: Every string the editor reads on the way, per admin language.
TEXT = {
    "en": {
        "locale": "en-US",
        "pending": "Pending",
        "paid": "Paid",
        "partially_refunded": "Partially refunded",
        "payments": "Payments",
        "link": "Payment link for the customer",
        "copy": "Copy link",
        "copied": "Copied",
        "refund": "Refund",
        "details": "Order details",
    },
    "ru": {
        "locale": "ru-RU",
        "pending": "В ожидании",
        "paid": "Оплачен",
        "partially_refunded": "Частично возвращён",
        "payments": "Платежи",
        "link": "Ссылка на оплату для покупателя",
        "copy": "Скопировать ссылку",
        "copied": "Скопировано",
        "refund": "Возврат",
        "details": "Данные заказа",
    },
}


@pytest.mark.slow
def test_the_order_admin_in_the_demo_settings(tmp_path):
    """Editors and permissions, the query count and the payment → order link (see ``_order_admin_checks``)."""
    env = {**demo_env(tmp_path), "DJANGO_SETTINGS_MODULE": "sandbox_site.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.demo._order_admin_checks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert result.stdout.count("ok: ") == 9, result.stdout


# -- in the browser, on the running demo -------------------------------------------------------------


def _signed_order(link: str) -> str:
    """The order a payment link names: the signed value of its token (the signature carries a timestamp)."""
    return link.rstrip("/").rsplit("/", 1)[1].split(":")[0]


def _admin(browser, demo, language: str):
    """A page logged into the demo's admin as admin / admin, in ``language``; tall enough for an order."""
    context = browser.new_context(locale=TEXT[language]["locale"], viewport={"width": 1280, "height": 1400})
    context.set_default_timeout(10_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo.site)
    page = context.new_page()
    page.goto(f"{demo.site}/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("admin")
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page).to_have_url(f"{demo.site}/admin/")
    return page


def _unpaid_order(browser, demo) -> tuple[str, str]:
    """A customer places an order and leaves without paying; returns its token and its payment link."""
    context = browser.new_context(locale="en-US", viewport={"width": 1000, "height": 900})
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        add_to_cart(page, demo, "stoneware-mug", "MUG-OCEAN")
        place_order(page, flow="here")  # the pay page starts the invoice for the widget
        page.get_by_role("link", name="Back to your order").click()
        expect(page).to_have_url(ORDER_PAGE)
        return token_of(page), page.locator("#payment-link").input_value()
    finally:
        context.close()


def _pay_with_link(browser, demo, link: str) -> str:
    """Whoever got the link pays with it on their own device; returns the paid invoice's id."""
    context = browser.new_context(locale="en-US", viewport={"width": 1000, "height": 900})
    context.set_default_timeout(10_000)
    try:
        payer = context.new_page()
        payer.goto(link)
        invoice = on_checkout(payer, demo)
        fill_card(payer, SUCCESS_CARD, "12/30")
        expect_result(payer, "processed")
        expect_paid_confirmation(payer)
        return invoice
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_editor_sends_the_payment_link_then_refunds_from_the_order(demo, browser, language):
    text = TEXT[language]
    token, customer_link = _unpaid_order(browser, demo)
    order = demo.db.order(token)
    order_path = f"{ORDERS}inspect/{order['id']}/"
    admin = _admin(browser, demo, language)
    expect(admin.locator("html")).to_have_attribute("lang", language)

    # The list: each order with its payment status as a badge.
    admin.goto(f"{demo.site}{ORDERS}")
    row = admin.locator("tr", has=admin.locator(f"a[href='{order_path}']"))
    expect(row.locator("[data-payment-status]")).to_have_text(text["pending"])
    row.locator(f"a[href='{order_path}']").first.click()
    expect(admin).to_have_url(f"{demo.site}{order_path}")

    # The unpaid order: its status, its one open payment and the link the customer has.
    expect(admin.locator("#order-payment-status")).to_have_attribute("data-status", "PENDING")
    expect(admin.locator("#order-payment-status .cascad-badge").first).to_have_text(text["pending"])
    expect(admin.get_by_role("heading", name=text["payments"])).to_be_visible()
    expect(admin.get_by_role("heading", name=text["details"])).to_be_visible()
    (open_payment,) = demo.db.payments(order["id"])
    rows = admin.locator("#order-payments tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-payment", str(open_payment["id"]))
    expect(rows.first).to_contain_text(open_payment["invoice_id"])
    expect(rows.first.locator("[data-refund-payment]")).to_have_count(0)
    expect(admin.get_by_text(text["link"])).to_be_visible()
    link = admin.locator("#order-payment-link").input_value()
    assert link.startswith(f"{demo.site}/cascad/pay/"), link
    assert _signed_order(link) == _signed_order(customer_link), "the customer's own page gives the same order's link"
    copy = admin.get_by_role("button", name=text["copy"])
    screenshot(admin, f"admin-order-unpaid-{language}")
    copy.click()
    expect(admin.locator("[data-cascad-copy]")).to_have_text(text["copied"])
    assert admin.evaluate("navigator.clipboard.readText()") == link

    # Someone pays with the link the editor sent.
    invoice = _pay_with_link(browser, demo, link)
    assert invoice == open_payment["invoice_id"], "the link reuses the order's open invoice"
    admin.reload()
    expect(admin.locator("#order-payment-status")).to_have_attribute("data-status", "FULLY_CHARGED")
    expect(admin.locator("#order-payment-status .cascad-badge").first).to_have_text(text["paid"])
    expect(admin.locator("#order-payment-link")).to_have_count(0)

    # Refund part of it from the order's page: the app's refund screen, then back to the order.
    refund = admin.get_by_role("link", name=text["refund"], exact=True)
    expect(refund).to_have_count(1)
    refund.click()
    expect(admin).to_have_url(re.compile(rf"/admin/cascad/payments/{open_payment['id']}/refund/\?next="))
    admin.locator("#id_amount").fill("400")
    admin.locator("#id_reason").fill("One mug arrived chipped")
    admin.locator("form:has(input[name=next]) button[type=submit]").first.click()
    admin.locator("button[data-cascad-once]").click()  # "Yes, refund 400.00 RUB"
    expect(admin).to_have_url(f"{demo.site}{order_path}")
    expect(admin.locator(".messages")).to_contain_text("400")
    expect(admin.locator("#order-payment-status")).to_have_attribute("data-status", "PARTIALLY_REFUNDED")
    expect(admin.locator("#order-payment-status .cascad-badge").first).to_have_text(text["partially_refunded"])
    row = admin.locator(f"#order-payments tr[data-payment='{open_payment['id']}']")
    expect(row).to_have_attribute("data-status", "PARTIALLY_REFUNDED")
    expect(row.locator(".shop-order-money").last).to_contain_text("400")
    expect(row.locator("[data-refund-payment]")).to_have_count(1)  # the rest can still be refunded
    admin.reload()  # without the message, for the screenshot
    expect(admin.locator("#order-payment-status")).to_have_attribute("data-status", "PARTIALLY_REFUNDED")
    screenshot(admin, f"admin-order-paid-{language}")
    refunds = demo.db.query("SELECT * FROM cascad_wagtail_refund WHERE payment_id = ?", open_payment["id"])
    assert [(Decimal(str(r["amount"])), r["status"]) for r in refunds] == [(Decimal(400), "processed")]
    assert demo.db.order(token)["payment_status"] == "PARTIALLY_REFUNDED"

    # The payment's own page, and from it back to the order.
    row.locator("td.shop-order-date a").click()
    expect(admin).to_have_url(f"{demo.site}/admin/cascad/payments/{open_payment['id']}/")
    admin.locator(f"a[href='{order_path}']").first.click()
    expect(admin).to_have_url(f"{demo.site}{order_path}")
    admin.context.close()
