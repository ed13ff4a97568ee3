"""Customer accounts in the demo shop: sign up, sign in and out, password reset, "My orders", and the
demo customer the seed creates with past orders paid through the Cascad emulator.

Three ways in, as for the rest of the demo shop (the main test settings have their own minimal order):

- ``_account_checks`` runs in a subprocess on ``sandbox_site.settings`` and a fresh SQLite database, one
  test here per check: the forms, redirects, emails and pages with Django's test client;
- the seed runs twice in a subprocess against the test emulator: the demo customer's orders are real
  (placed by the shop, paid and refunded through Cascad) and a second run creates nothing;
- the browser tests drive the running demo (``python -m sandbox_site.demo``) in Debian's Chromium, in
  English and in Russian: a new customer signs up, buys, pays on Cascad Checkout and finds the order
  paid under "My orders"; the demo customer finds their past orders on a phone-sized screen.

With ``SCREENSHOT_DIR`` set, the pages are saved as ``accounts-*.png``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import expect

from tests.browser._support import SUCCESS_CARD, emulator_invoices, expect_result, fill_card, screenshot

from . import _account_checks
from ._demo import ROOT, ShopDatabase, demo_env
from ._shop import ORDER_PAGE, add_to_cart, expect_paid_confirmation, go_to_checkout, on_checkout, token_of

DEMO_CUSTOMER = ("customer@example.com", "customer")
#: What the customer reads, per language (the Russian words are the shipped catalogue's).
TEXT = {
    "en": {"locale": "en-US", "name": "Nina Buyer", "paid": "Paid", "refunded": "Refunded", "unpaid": "Not paid"},
    "ru": {
        "locale": "ru-RU",
        "name": "Нина Покупатель",
        "paid": "Оплачен",
        "refunded": "Возвращён",
        "unpaid": "Не оплачен",
    },
}


# -- in the demo's settings, with Django's test client -------------------------------------------------


@pytest.fixture(scope="module")
def account_checks(tmp_path_factory) -> dict[str, str]:
    """Every check of ``_account_checks`` by name: ``"ok"``, or its failure with the traceback."""
    env = {**demo_env(tmp_path_factory.mktemp("accounts-var")), "DJANGO_SETTINGS_MODULE": "sandbox_site.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.demo._account_checks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    outcomes: dict[str, str] = {}
    for block in re.split(r"^(?=ok: |FAIL: )", result.stdout, flags=re.M):
        if block.startswith("ok: "):
            outcomes[block[4:].strip()] = "ok"
        elif block.startswith("FAIL: "):
            name, _, failure = block[6:].partition("\n")
            outcomes[name] = failure
    if not outcomes:
        pytest.fail(f"the checks did not run:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return outcomes


@pytest.mark.slow
@pytest.mark.parametrize("name", [function.__name__ for function in _account_checks.CHECKS])
def test_accounts_in_the_demo_settings(account_checks, name):
    assert account_checks.get(name) == "ok", account_checks.get(name, "the check did not run")


# -- the seed against the emulator ---------------------------------------------------------------------


def _seed(env: dict[str, str], emulator) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--cascad-host", emulator.url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.emulator
@pytest.mark.slow
def test_the_seed_pays_the_demo_customers_orders_through_the_emulator_once(tmp_path, emulator):
    env = {**demo_env(tmp_path), "DJANGO_SETTINGS_MODULE": "sandbox_site.settings"}
    migrate = [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    first = _seed(env, emulator)
    assert "Created the demo customer customer@example.com / customer." in first, first

    db = ShopDatabase(tmp_path / "db.sqlite3")
    (user,) = db.query("SELECT * FROM auth_user WHERE username = ?", DEMO_CUSTOMER[0])
    assert user["email"] == DEMO_CUSTOMER[0] and user["first_name"] == "Demo Customer"
    assert PBKDF2PasswordHasher().verify(DEMO_CUSTOMER[1], user["password"])
    orders = db.query("SELECT * FROM shop_order WHERE user_id = ? ORDER BY id", user["id"])
    assert [order["payment_status"] for order in orders] == ["FULLY_CHARGED", "PARTIALLY_REFUNDED", "NOT_CHARGED"]
    paid, refunded, unpaid = ([dict(p) for p in db.payments(order["id"])] for order in orders)
    assert [(p["cascad_status"], p["charge_status"]) for p in paid] == [("processed", "FULLY_CHARGED")]
    assert [(p["cascad_status"], p["charge_status"]) for p in refunded] == [
        ("partially_refunded", "PARTIALLY_REFUNDED")
    ]
    assert unpaid == []
    # One pair of socks (990 RUB) sent back, as Cascad itself has it.
    truth = {invoice["id"]: invoice["attributes"] for invoice in emulator_invoices(emulator)}
    assert set(truth) == {paid[0]["invoice_id"], refunded[0]["invoice_id"]}
    assert truth[paid[0]["invoice_id"]]["status"] == "processed"
    assert truth[refunded[0]["invoice_id"]]["refunded_amount"] == Decimal("990")
    assert Decimal(str(refunded[0]["refunded_amount"])) == Decimal("990")

    second = _seed(env, emulator)
    assert "demo customer" not in second and "for customer@example.com" not in second, second
    assert [order["id"] for order in db.query("SELECT id FROM shop_order")] == [order["id"] for order in orders]
    assert len(emulator_invoices(emulator)) == 2


# -- in the browser, on the running demo ---------------------------------------------------------------


def _context(browser, language: str, width: int = 1000):
    context = browser.new_context(locale=TEXT[language]["locale"], viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    return context


def _in_language(page, demo, language: str) -> None:
    """Open the shop in ``language`` (the header's switch, as a customer does)."""
    page.goto(f"{demo.site}/")
    if language == "ru":
        page.locator(".language-switch button[value=ru]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def _sign_up(page, language: str) -> str:
    """From the header's "Sign in", the sign-up form; returns the new customer's email."""
    email = f"nina.{language}.{uuid.uuid4().hex[:8]}@example.com"
    page.locator("#sign-in-link").click()
    expect(page).to_have_url(re.compile(r"/shop/account/sign-in/\?next="))
    screenshot(page, f"accounts-sign-in-{language}")
    page.locator("#sign-up-link").click()
    expect(page).to_have_url(re.compile(r"/shop/account/sign-up/"))
    page.locator("#id_email").fill(email.upper())
    page.locator("#id_name").fill(TEXT[language]["name"])
    page.locator("#id_password1").fill("kiln-fired-mug-42")
    page.locator("#id_password2").fill("kiln-fired-mug-42")
    screenshot(page, f"accounts-sign-up-{language}")
    page.locator("#sign-up").click()
    expect(page.locator(".account-name")).to_have_text(TEXT[language]["name"])
    return email


def _checkout_as(page, email: str, language: str) -> None:
    """From the cart, the checkout form already filled in with the customer's details; pickup, Checkout."""
    go_to_checkout(page)
    expect(page.locator("#id_email")).to_have_value(email)
    expect(page.locator("#id_name")).to_have_value(TEXT[language]["name"])
    page.locator("input[name=shipping_method][data-needs-address=false]").first.check()
    page.locator("input[name=flow][value=checkout]").check()
    page.locator("#place-order").click()


def _rows(page):
    return page.locator("li.order-row")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_new_customer_signs_up_pays_and_finds_the_order_paid_in_my_orders(browser, demo, language):
    context = _context(browser, language)
    try:
        page = context.new_page()
        _in_language(page, demo, language)
        email = _sign_up(page, language)
        add_to_cart(page, demo, "soy-candle", "CANDLE-BERG")
        _checkout_as(page, email, language)
        on_checkout(page, demo)
        fill_card(page, SUCCESS_CARD, "12/30")
        expect_result(page, "processed")
        token = expect_paid_confirmation(page)

        page.locator("#my-orders-link").click()
        expect(page).to_have_url(f"{demo.site}/shop/account/orders/")
        row = _rows(page)
        expect(row).to_have_count(1)
        expect(row).to_have_attribute("data-state", "paid")
        expect(row.locator(".status")).to_have_text(TEXT[language]["paid"])
        screenshot(page, f"accounts-my-orders-new-{language}")
        row.locator("a").click()
        expect(page).to_have_url(ORDER_PAGE)
        assert token_of(page) == token

        (user,) = demo.db.query("SELECT id FROM auth_user WHERE username = ? AND email = ?", email, email)
        order = demo.db.order(token)
        assert order["user_id"] == user["id"] and order["payment_status"] == "FULLY_CHARGED"

        page.locator("#sign-out").click()
        expect(page).to_have_url(f"{demo.site}/")
        expect(page.locator("#sign-in-link")).to_be_visible()
        page.goto(f"{demo.site}/shop/account/orders/")
        expect(page).to_have_url(re.compile(r"/shop/account/sign-in/\?next=/shop/account/orders/$"))
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_demo_customer_finds_their_past_orders_on_a_phone(browser, demo, language):
    context = _context(browser, language, width=400)
    try:
        page = context.new_page()
        _in_language(page, demo, language)
        page.goto(f"{demo.site}/shop/account/orders/")
        expect(page).to_have_url(re.compile(r"/shop/account/sign-in/\?next="))
        email, password = DEMO_CUSTOMER
        page.locator("#id_email").fill(email)
        page.locator("#id_password").fill("not-" + password)
        page.locator("#sign-in").click()
        expect(page.locator(".account-form .message-error")).to_be_visible()
        expect(page.locator("#id_password")).to_have_value("")
        screenshot(page, f"accounts-sign-in-refused-phone-{language}")
        page.locator("#id_password").fill(password)
        page.locator("#sign-in").click()

        expect(page).to_have_url(f"{demo.site}/shop/account/orders/")
        rows = _rows(page)
        expect(rows).to_have_count(3)
        states = ["unpaid", "refunded", "paid"]  # newest first: the seed placed the unpaid one last
        assert [rows.nth(i).get_attribute("data-state") for i in range(3)] == states
        expect(rows.locator(".status")).to_have_text([TEXT[language][state] for state in states])
        expect(page.locator(".account-name")).to_have_text("Demo Customer")
        screenshot(page, f"accounts-my-orders-phone-{language}")
        # Nothing runs off the side of a phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
    finally:
        context.close()
