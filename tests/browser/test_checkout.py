"""The hosted Checkout page in a real browser: cards, 3-D Secure, pending, validation, languages, links.

Each test creates its invoice over raw HTTP, pays it the way a customer would (typing into the form),
then checks three things: what the page says, where the browser ends up, and what the emulator's
control API (``GET /_emulator/invoices``) says the invoice became.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from ._support import (
    FAILING_CARD,
    PENDING_EXPIRY,
    SUCCESS_CARD,
    THREE_DS_CARD,
    create_invoice,
    emulator_invoice,
    emulator_invoices,
    expect_result,
    fill_card,
    screenshot,
    url_pattern,
)

pytestmark = [pytest.mark.browser, pytest.mark.emulator]

#: The result page waits three seconds before it sends the customer back; allow for a slow machine.
REDIRECT_TIMEOUT = 10_000


def _cpi_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["cpi"][0]


# -- 1. the plain success card ----------------------------------------------------------------------


def test_success_card_pays_and_returns_to_the_success_url(emulator, shop, page):
    invoice = create_invoice(emulator, amount=25.5, return_urls=shop.return_urls())
    page.goto(invoice["attributes"]["hpp_url"])
    expect(page.get_by_test_id("amount")).to_have_text("25.50\u00a0USD")
    expect(page.locator("#pay")).to_have_text("Pay 25.50\u00a0USD")
    screenshot(page, "01-form-en")

    fill_card(page, SUCCESS_CARD, "12/30")

    card = expect_result(page, "processed")
    expect(card.locator("h1")).to_have_text("Payment successful")
    expect(card.get_by_test_id("message")).to_have_text("25.50\u00a0USD has been paid.")
    expect(card.locator("#return")).to_have_attribute("href", shop.return_urls()["success"])
    screenshot(page, "02-paid-en")

    # Without touching anything, the page sends the customer to return_urls.success.
    expect(page).to_have_url(url_pattern(shop.return_urls()["success"]), timeout=REDIRECT_TIMEOUT)
    expect(page.locator("#shop")).to_have_text("Back at the shop: /return/success")
    assert shop.visited("/return/success") and not shop.visited("/return/fail")

    truth = emulator_invoice(emulator, invoice["id"])
    assert truth["status"] == "processed"
    assert truth["resolution"] == "ok"
    assert Decimal(str(truth["processed_amount"])) == Decimal("25.50")
    assert Decimal(str(truth["processed_amount"])) == Decimal(str(truth["amount"]))


# -- 2. 3-D Secure ------------------------------------------------------------------------------


def test_3ds_card_confirm_processes_and_returns_to_return_url(emulator, shop, page):
    return_url = f"{shop.url}/return/plain?order=42"
    invoice = create_invoice(emulator, amount=1500, currency="RUB", return_url=return_url)
    page.goto(invoice["attributes"]["hpp_url"])
    fill_card(page, THREE_DS_CARD, "12/30")

    expect(page).to_have_url(re.compile(r"/hpp/3ds\?"))
    expect(page.locator("h1")).to_have_text("Confirm the payment with your bank")
    expect(page.locator("#confirm")).to_have_text("Confirm")
    expect(page.locator("#fail")).to_have_text("Fail")
    # Submitting the card moved the invoice to processing; the 3-D Secure answer settles it.
    assert emulator_invoice(emulator, invoice["id"])["status"] == "processing"
    screenshot(page, "03-3ds-step-en")

    page.locator("#confirm").click()

    card = expect_result(page, "processed")
    expect(card.get_by_test_id("message")).to_have_text("1,500.00\u00a0RUB has been paid.")
    expect(page).to_have_url(return_url, timeout=REDIRECT_TIMEOUT)
    assert shop.visited("/return/plain?order=42")

    truth = emulator_invoice(emulator, invoice["id"])
    assert (truth["status"], truth["resolution"]) == ("processed", "ok")
    assert Decimal(str(truth["processed_amount"])) == Decimal("1500.00")


def test_3ds_card_fail_is_process_failed_and_said_in_words(emulator, shop, page):
    invoice = create_invoice(emulator, return_urls=shop.return_urls())
    page.goto(invoice["attributes"]["hpp_url"])
    fill_card(page, THREE_DS_CARD, "12/30")
    expect(page.locator("#fail")).to_be_visible()

    page.locator("#fail").click()

    card = expect_result(page, "process_failed")
    expect(card.locator("h1")).to_have_text("Payment failed")
    message = card.get_by_test_id("message")
    expect(message).to_have_text("No money was taken. Reason: 3-D Secure confirmation failed.")
    expect(page.locator("body")).not_to_contain_text("invalid_3ds_code")
    screenshot(page, "04-3ds-failed-en")

    truth = emulator_invoice(emulator, invoice["id"])
    assert (truth["status"], truth["resolution"]) == ("process_failed", "invalid_3ds_code")
    assert truth["processed_amount"] is None
    expect(card.locator("#return")).to_have_attribute("href", shop.return_urls()["fail"])


# -- 3. a failing card ------------------------------------------------------------------------------


def test_failing_card_shows_the_reason_in_words_and_returns_to_the_fail_url(emulator, shop, page):
    invoice = create_invoice(emulator, return_urls=shop.return_urls())
    page.goto(invoice["attributes"]["hpp_url"])
    fill_card(page, FAILING_CARD, "05/29")

    card = expect_result(page, "process_failed")
    expect(card.locator("h1")).to_have_text("Payment failed")
    expect(card.get_by_test_id("message")).to_contain_text("not enough funds")
    expect(page.locator("body")).not_to_contain_text("insufficient_funds")
    screenshot(page, "05-failed-en")

    truth = emulator_invoice(emulator, invoice["id"])
    assert (truth["status"], truth["resolution"]) == ("process_failed", "insufficient_funds")

    expect(page).to_have_url(url_pattern(shop.return_urls()["fail"]), timeout=REDIRECT_TIMEOUT)
    expect(page.locator("#shop")).to_have_text("Back at the shop: /return/fail")
    assert not shop.visited("/return/success")


# -- 4. pending, settled later ----------------------------------------------------------------------


def test_pending_page_refreshes_itself_to_paid_once_settled(emulator, shop, page):
    invoice = create_invoice(emulator, return_urls=shop.return_urls())
    page.goto(invoice["attributes"]["hpp_url"])
    fill_card(page, SUCCESS_CARD, PENDING_EXPIRY)

    card = expect_result(page, "process_pending")
    expect(card.locator("h1")).to_have_text("Payment is being processed")
    expect(card.get_by_test_id("message")).to_contain_text("has not confirmed the payment yet")
    # A pending result offers the pending return URL but does not send the customer away by itself.
    expect(card.locator("#return")).to_have_attribute("href", shop.return_urls()["pending"])
    screenshot(page, "06-pending-en")
    assert emulator_invoice(emulator, invoice["id"])["status"] == "process_pending"

    emulator.control(f"invoices/{invoice['id']}/pay", {"outcome": "processed"})

    # No reload from the test: the page refreshes itself every 3 s.
    card = expect_result(page, "processed", timeout=10_000)
    expect(card.get_by_test_id("message")).to_have_text("25.50\u00a0USD has been paid.")
    screenshot(page, "07-pending-then-paid-en")
    truth = emulator_invoice(emulator, invoice["id"])
    assert truth["status"] == "processed"
    assert Decimal(str(truth["processed_amount"])) == Decimal("25.50")
    assert not shop.visited("/return/pending")


# -- 5. validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expiry", "cvv", "error"),
    [
        ("4111 1111 1111 1111", "12/30", "123", "This card is not accepted in test mode."),
        (SUCCESS_CARD, "13/30", "123", "Enter the expiry as MM/YY, for example 12/30."),
        (SUCCESS_CARD, "12", "123", "Enter the expiry as MM/YY, for example 12/30."),
        (SUCCESS_CARD, "12/30", "1", "Enter the 3 or 4 digits of the CVV."),
    ],
    ids=["unknown-card", "month-13", "expiry-without-year", "short-cvv"],
)
def test_invalid_card_details_show_an_error_and_leave_the_invoice_created(emulator, page, number, expiry, cvv, error):
    invoice = create_invoice(emulator)
    page.goto(invoice["attributes"]["hpp_url"])
    with page.expect_response(re.compile(r"/hpp/pay$")) as answer:
        fill_card(page, number, expiry, cvv)
    assert answer.value.status == 422

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(error)
    # The form is shown again with what was typed kept.
    expect(page.locator("#card_number")).to_have_value(number)
    expect(page.locator("#pay")).to_be_enabled()
    if number != SUCCESS_CARD:
        screenshot(page, "08-validation-error-en")
    assert emulator_invoice(emulator, invoice["id"])["status"] == "created"


# -- 7. Russian -------------------------------------------------------------------------------------


def _expect_russian_form(page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("#pay")).to_contain_text("Оплатить")
    expect(page.locator('label[for="card_number"]')).to_have_text("Номер карты")
    expect(page.locator('label[for="card_expiry"]')).to_have_text("Срок действия (ММ/ГГ)")
    expect(page.get_by_text("К оплате", exact=True)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Card number")


def test_locale_ru_shows_the_page_in_russian(emulator, page):
    invoice = create_invoice(emulator, amount=1500, currency="RUB", description="Заказ 42")
    page.goto(invoice["attributes"]["hpp_url"] + "&locale=ru")
    _expect_russian_form(page)
    expect(page.get_by_test_id("amount")).to_have_text("1\u202f500,00\u00a0₽")
    screenshot(page, "09-form-ru-locale-param")


def test_russian_browser_language_shows_the_page_in_russian(emulator, browser):
    invoice = create_invoice(emulator, amount=1500, currency="RUB")
    context = browser.new_context(locale="ru-RU")
    try:
        page = context.new_page()
        page.goto(invoice["attributes"]["hpp_url"])  # no locale parameter: Accept-Language decides
        _expect_russian_form(page)
        screenshot(page, "10-form-ru-accept-language")
    finally:
        context.close()


def test_failed_page_in_russian_says_the_reason_in_russian(emulator, shop, page):
    invoice = create_invoice(emulator, amount=1500, currency="RUB", return_urls=shop.return_urls())
    page.goto(invoice["attributes"]["hpp_url"] + "&locale=ru")
    fill_card(page, FAILING_CARD, "05/29")

    card = expect_result(page, "process_failed")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(card.locator("h1")).to_have_text("Платёж не прошёл")
    expect(card.get_by_test_id("message")).to_have_text("Деньги не списаны. Причина: на карте недостаточно средств.")
    expect(card.locator("#return")).to_have_text("Вернуться в магазин")
    screenshot(page, "11-failed-ru")
    truth = emulator_invoice(emulator, invoice["id"])
    assert (truth["status"], truth["resolution"]) == ("process_failed", "insufficient_funds")


# -- 8. payment links -------------------------------------------------------------------------------


def _link(emulator, **params: str) -> str:
    return f"{emulator.url}/hpp/?{urlencode(params)}"


def test_payment_link_creates_the_invoice_once_and_reopens_it(emulator, page):
    reference = f"link_{uuid.uuid4().hex[:12]}"
    link = _link(
        emulator,
        public_key=emulator.public_key,
        amount="10.50",
        currency="USD",
        reference_id=reference,
        description="Gift card",
    )
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/hpp/\?cpi=cpi_"))
    expect(page.get_by_test_id("amount")).to_have_text("10.50\u00a0USD")
    expect(page.locator(".description")).to_have_text("Gift card")
    expect(page.locator("#pay")).to_be_visible()
    first_cpi = _cpi_of(page.url)
    screenshot(page, "12-payment-link-form")

    page.goto(link)
    expect(page).to_have_url(re.compile(r"/hpp/\?cpi=cpi_"))
    assert _cpi_of(page.url) == first_cpi

    invoices = [i for i in emulator_invoices(emulator) if i["attributes"]["reference_id"] == reference]
    assert [i["id"] for i in invoices] == [first_cpi]
    attrs = invoices[0]["attributes"]
    assert attrs["status"] == "created"
    assert (Decimal(str(attrs["amount"])), attrs["currency"]) == (Decimal("10.50"), "USD")


def test_payment_link_with_a_wrong_public_key_shows_an_error_page(emulator, page):
    link = _link(
        emulator,
        public_key="pk_test_SomebodyElsesKey001",
        amount="10.50",
        currency="USD",
        reference_id=f"link_{uuid.uuid4().hex[:12]}",
    )
    response = page.goto(link)
    assert response is not None and response.status == 401
    expect(page.locator("h1")).to_have_text("This payment link cannot be used")
    expect(page.get_by_role("alert")).to_contain_text("public key")
    expect(page.locator("#pay")).to_have_count(0)
    screenshot(page, "13-payment-link-wrong-key")
    assert emulator_invoices(emulator) == []


def test_payment_link_reusing_a_reference_with_other_details_is_refused(emulator, page):
    reference = f"link_{uuid.uuid4().hex[:12]}"
    common = {"public_key": emulator.public_key, "currency": "USD", "reference_id": reference}
    page.goto(_link(emulator, amount="10.50", **common))
    expect(page.locator("#pay")).to_be_visible()

    response = page.goto(_link(emulator, amount="11.00", **common))
    assert response is not None and response.status == 409
    expect(page.locator("h1")).to_have_text("This payment link cannot be used")
    expect(page.locator("#pay")).to_have_count(0)
    assert len(emulator_invoices(emulator)) == 1
