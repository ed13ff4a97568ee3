"""The whole customer round trip in a real browser: shop → Cascad Checkout → the shop's return page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cascad_wagtail import services
from tests.browser._support import screenshot

pytestmark = [pytest.mark.emulator, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pay_on_checkout(page, card, expiry):
    page.fill("#card_number", card)
    page.fill("#card_expiry", expiry)
    page.fill("#card_cvv", "123")
    page.click("#pay")


def test_processing_turns_into_paid_without_a_reload_then_forwards(browser, live_site, make_order, emulator):
    order = make_order()
    payment = services.start_payment(order)
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(payment.hpp_url)
    pay_on_checkout(page, "5519283812030000", "07/77")
    page.click("#return")  # Checkout waits on a pending payment until the customer goes back
    expect(page).to_have_url(re.compile(rf"/cascad/return/{payment.uuid}/$"), timeout=15_000)
    status = page.locator("[data-state]")
    expect(status).to_have_attribute("data-state", "processing")
    expect(page.locator("h1")).to_have_text("Your payment is being processed")
    screenshot(page, "return-processing-en")
    page.evaluate("window.__noReload = true")
    emulator.control(f"invoices/{payment.invoice_id}/pay", {"outcome": "processed"})
    expect(status).to_have_attribute("data-state", "paid", timeout=15_000)
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "return-paid-en")
    expect(page).to_have_url(re.compile(rf"/orders/{order.pk}/$"), timeout=10_000)
    context.close()


def test_a_failed_payment_in_russian_names_the_reason_and_offers_a_retry(browser, live_site, make_order, emulator):
    payment = services.start_payment(make_order())
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.goto(payment.hpp_url)
    pay_on_checkout(page, "4302912837020000", "05/29")
    expect(page).to_have_url(re.compile(rf"/cascad/return/{payment.uuid}/$"), timeout=15_000)
    expect(page.locator("h1")).to_have_text("Платёж не прошёл")
    expect(page.locator(".cascad-message")).to_contain_text("на карте недостаточно средств")
    retry = page.get_by_role("link", name="Попробовать снова")
    expect(retry).to_be_visible()
    screenshot(page, "return-failed-ru")
    retry.click()
    # Try again makes a new invoice and goes straight to Cascad's Checkout for it.
    expect(page.locator("#pay")).to_be_visible(timeout=15_000)
    assert payment.order.cascad_payments.count() == 2
    context.close()
