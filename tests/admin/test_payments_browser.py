"""The Payments admin in a real browser (Debian's Chromium), against the running emulator.

An editor logs in through Wagtail's login form, narrows the list with the filters and the search,
opens a payment, refunds part of it through the form and its confirmation, and sees the page
change; a viewer sees no Refund button and is turned away from the refund URL; "Copy link" copies
the shop's payment link; and the same pages render for an editor whose admin language is Russian.

Screenshots: with ``SCREENSHOT_DIR`` set (``SCREENSHOT_DIR=docs/screenshots``), each test saves
``admin-payments-<name>-<language>.png``, full page at 1400 px wide (and the detail at 400 px).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Page, expect
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from cascad_wagtail import services
from cascad_wagtail.models import ChargeStatus, Refund
from tests.browser import _support

pytestmark = [pytest.mark.browser, pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

# TODO(ru): the Russian runs check structure only (``if en:`` guards the words). Once the catalogue
# is final, assert there too: "Оплачен", "Частично возвращён", "Возврат", "Да, вернуть 400,00 RUB",
# "Вернуть покупателю 400,00 RUB из 1 500,00 RUB?", "Статус: Оплачен → Частично возвращён",
# "Возврат 400,00 RUB: One mug arrived broken", "Требует проверки", "Копировать ссылку", "Скопировано".

INDEX = "/admin/cascad/payments/"
PASSWORD = "correct horse battery staple"
GOOD_CARD = {"card": "5519283812030000", "expiry": "12/30"}
DECLINED_CARD = {"card": "4302912837020000", "expiry": "05/29"}  # "not enough funds"
WIDE, NARROW = 1400, 400


def detail(payment) -> str:
    return f"{INDEX}{payment.pk}/"


# -- data: five payments, made the real way through the emulator ----------------------------------


@pytest.fixture
def payments(live_site, make_order, emulator):
    """Paid in roubles and in dollars, unpaid, failed, and one Cascad paid only part of (to review)."""

    def started(**order):
        return services.start_payment(make_order(**order))

    def settled(payment, outcome: dict):
        emulator.control(f"invoices/{payment.invoice_id}/pay", outcome)
        return services.refresh_payment(payment)

    made = SimpleNamespace(
        rub=settled(started(total="1500.00", email="Paid.Buyer@Example.com"), GOOD_CARD),
        usd=settled(started(total="49.90", currency="USD", email="usd.buyer@example.com"), GOOD_CARD),
        unpaid=started(total="990.00", email="waiting@example.com"),
        failed=settled(started(total="250.00", email="declined@example.com"), DECLINED_CARD),
        review=settled(
            started(total="800.00", email="short@example.com"),
            {"outcome": "partially_processed", "processed_amount": Decimal("300.00")},
        ),
    )
    assert made.rub.charge_status == ChargeStatus.FULLY_CHARGED
    assert made.usd.charge_status == ChargeStatus.FULLY_CHARGED
    assert made.unpaid.charge_status == ChargeStatus.PENDING
    assert made.failed.charge_status == ChargeStatus.REFUSED
    assert made.review.needs_review
    return made


def make_user(django_user_model, username: str, *, refund: bool, language: str = "") -> str:
    """A Wagtail user in a group that may view payments (and refund them when ``refund``)."""
    codenames = ["access_admin", "view_payment"] + (["refund_payment"] if refund else [])
    group, _ = Group.objects.get_or_create(name=f"Payments ({', '.join(codenames)})")
    group.permissions.set(Permission.objects.filter(codename__in=codenames))
    user = django_user_model.objects.create_user(username=username, password=PASSWORD, email=f"{username}@example.com")
    user.groups.add(group)
    if language:
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = language
        profile.save()
    return username


# -- the browser -----------------------------------------------------------------------------------


@pytest.fixture
def admin(browser, live_server):
    """A logged-in admin page: ``admin(username)`` opens a fresh 1400 px context and logs in through
    Wagtail's login form. The clipboard may be read and written (for "Copy link")."""
    contexts = []

    def open_as(username: str) -> Page:
        # The browser asks for English: the admin's language comes from the user's profile.
        context = browser.new_context(locale="en-US", viewport={"width": WIDE, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        _support.admin_log_in(page, live_server.url, username, PASSWORD)
        return page

    yield open_as
    for context in contexts:
        context.close()


#: The height of everything on the page: Wagtail scrolls its main column itself, so Playwright's
#: ``full_page`` alone stops at the window's height.
CONTENT_HEIGHT = """() => Math.ceil(Math.max(document.documentElement.scrollHeight, ...Array.from(
    document.querySelectorAll("body *"),
    (el) => /(auto|scroll)/.test(getComputedStyle(el).overflowY) && el.scrollHeight > el.clientHeight
        ? el.getBoundingClientRect().top + el.scrollHeight : 0)))"""


def shot(page: Page, name: str, language: str) -> None:
    """Save ``admin-payments-<name>-<language>.png``, the whole page, when ``SCREENSHOT_DIR`` is set."""
    directory = os.environ.get("SCREENSHOT_DIR")
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    settle(page)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], page.evaluate(CONTENT_HEIGHT))})
    path = Path(directory) / f"admin-payments-{name}-{language}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    page.set_viewport_size(size)


def expect_listed(page: Page, *payments) -> None:
    """The list's results hold exactly ``payments`` (after the filters' or search's live update)."""
    rows = page.locator("#listing-results table tbody tr")
    expect(rows).to_have_count(len(payments))
    for payment in payments:
        expect(rows.locator(f'a[href="{detail(payment)}"]')).to_have_count(1)


def open_filter(page: Page, name: str) -> None:
    """Open the filters dropdown (if closed) and the drill-down panel of the filter ``name``."""
    toggle = page.locator("#filters-drilldown .w-dropdown__toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    back = page.locator("#filters-drilldown .w-drilldown__submenu:not([hidden]) .w-drilldown__back")
    if back.count():
        back.click()
    page.locator(f'#filters-drilldown [aria-controls="drilldown-id_{name}"]').click()
    expect(page.locator(f"#drilldown-id_{name}")).to_be_visible()


def resize(page: Page, width: int) -> None:
    """Change the window's width and wait for Wagtail's layout transitions (the sidebar) to end."""
    page.set_viewport_size({"width": width, "height": page.viewport_size["height"]})
    settle(page)


#: Waits (at most a second) for the running CSS transitions to end, however they end.
SETTLE = """() => Promise.race([
    Promise.all(document.getAnimations().filter((animation) => animation instanceof CSSTransition)
        .map((animation) => animation.finished.catch(() => null))),
    new Promise((resolve) => setTimeout(resolve, 1000)),
])"""


def settle(page: Page) -> None:
    page.evaluate(SETTLE)


def expect_fits_the_width(page: Page) -> None:
    """Nothing of the payment's content sticks out sideways (at a phone's width)."""
    overflow = page.locator(".cascad-admin").evaluate(
        "(el) => Math.max(el.scrollWidth - el.clientWidth, el.getBoundingClientRect().right - window.innerWidth)"
    )
    assert overflow <= 1, f"the payment's content is {overflow}px wider than the screen"


def set_theme(username: str, theme: str) -> None:
    profile = UserProfile.get_for_user(get_user_model().objects.get(username=username))
    profile.theme = theme
    profile.save()


# -- an editor: the list, filters, search, a partial refund -----------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_editor_filters_searches_and_refunds_part_of_a_payment(
    admin, live_server, django_user_model, payments, language
):
    en = language == "en"
    page = admin(make_user(django_user_model, "editor", refund=True, language=language))
    base = live_server.url

    # The list: every payment, each with its status badge.
    page.goto(base + INDEX)
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect_listed(page, payments.review, payments.failed, payments.unpaid, payments.usd, payments.rub)
    rub_row = page.locator("tbody tr", has=page.locator(f'a[href="{detail(payments.rub)}"]'))
    expect(rub_row.locator(".cascad-badge--success")).to_have_count(1)
    expect(
        page.locator("tbody tr", has=page.locator(f'a[href="{detail(payments.failed)}"]')).locator(
            ".cascad-badge--danger"
        )
    ).to_have_count(1)
    if en:
        expect(rub_row).to_contain_text("paid.buyer@example.com")
        expect(rub_row.locator(".cascad-badge--success")).to_have_text("Paid")

    # Filters, through the filter drill-down: status "Paid" narrows to the two paid payments ...
    page.locator("#filters-drilldown .w-dropdown__toggle").click()
    expect(page.locator('#filters-drilldown [aria-controls="drilldown-id_status"]')).to_be_visible()
    shot(page, "list", language)
    open_filter(page, "status")
    page.locator('#id_status input[value="FULLY_CHARGED"]').check()
    expect(page).to_have_url(re.compile(r"status=FULLY_CHARGED"))
    expect_listed(page, payments.usd, payments.rub)
    # ... and currency USD on top to the dollar one.
    open_filter(page, "currency")
    page.locator("#id_currency").select_option("USD")
    expect(page).to_have_url(re.compile(r"currency=USD"))
    expect_listed(page, payments.usd)
    expect(page.locator("#filters-drilldown .w-dropdown__toggle .w-drilldown__count")).to_have_text("2")
    shot(page, "list-filtered", language)
    page.keyboard.press("Escape")

    # The search (a prefix of the e-mail, then an invoice id), on the unfiltered list.
    page.goto(base + INDEX)
    expect_listed(page, payments.review, payments.failed, payments.unpaid, payments.usd, payments.rub)
    search = page.locator("input[name=q]")
    search.fill("PAID.buyer@")
    expect(page).to_have_url(re.compile(r"q=PAID\.buyer"))
    expect_listed(page, payments.rub)
    search.fill(payments.unpaid.invoice_id)
    expect_listed(page, payments.unpaid)
    search.fill("nobody@nowhere")
    expect_listed(page)
    search.fill("PAID.buyer@")
    expect_listed(page, payments.rub)

    # One payment: its status, facts, amounts, timeline and a Refund button.
    page.locator(f'#listing-results a[href="{detail(payments.rub)}"]').click()
    expect(page).to_have_url(base + detail(payments.rub))
    expect(page.locator(".cascad-facts")).to_contain_text(payments.rub.invoice_id)
    expect(page.locator(".cascad-timeline__entry--state")).to_have_count(2)  # not charged → pending → paid
    expect(page.locator(".cascad-status-row .cascad-badge--success")).to_be_visible()
    amounts = page.locator(".cascad-amounts td")
    expect(amounts).to_have_count(4)
    refund_button = page.locator(f'.cascad-actions a[href="{detail(payments.rub)}refund/"]')
    expect(refund_button).to_be_visible()
    if en:
        expect(amounts).to_have_text(["1,500.00 RUB", "1,500.00 RUB", "0.00 RUB", "1,500.00 RUB"])
        expect(page.locator(".cascad-timeline")).to_contain_text("Status: Pending → Paid")
    shot(page, "detail-paid", language)

    # Refund part of it: the form (the whole balance offered), then the confirmation, then the refund.
    refund_button.click()
    expect(page).to_have_url(base + detail(payments.rub) + "refund/")
    amount = page.locator("#id_amount")
    expect(amount).to_have_value(re.compile(r"^1[,\s]?500[.,]00$"))  # the whole balance
    amount.fill("400")
    page.locator("#id_reason").fill("One mug arrived broken")
    shot(page, "refund-form", language)
    page.locator(".cascad-admin form button[type=submit]").click()
    confirmation = page.locator(".cascad-confirm")
    expect(confirmation).to_be_visible()
    if en:
        expect(confirmation).to_contain_text(re.compile(r"Refund 400\.00\sRUB of 1,?500\.00\sRUB to the customer\?"))
    assert not Refund.objects.exists()  # nothing is sent before the confirmation
    shot(page, "refund-confirm", language)
    confirm = page.locator("button[data-cascad-once]")
    expect(confirm).to_have_text("Yes, refund 400.00 RUB" if en else re.compile(r"400[.,]00"))
    confirm.dblclick()  # clicked twice: sent once

    # Back on the payment: the new status, the amounts, the refund and the timeline entries.
    expect(page).to_have_url(base + detail(payments.rub))
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator(".cascad-status-row .cascad-badge--info")).to_be_visible()
    expect(page.locator(".cascad-refunds tbody tr")).to_have_count(1)
    timeline = page.locator(".cascad-timeline")
    action = timeline.locator(".cascad-timeline__entry--action")
    expect(action).to_have_count(1)
    expect(action).to_contain_text("One mug arrived broken")
    expect(action.locator(".cascad-user")).to_have_text("editor")
    expect(timeline.locator(".cascad-timeline__entry--state").last).to_contain_text("→")
    if en:
        expect(page.locator(".cascad-status-row .cascad-badge--info")).to_have_text("Partially refunded")
        expect(amounts).to_have_text(["1,500.00 RUB", "1,500.00 RUB", "400.00 RUB", "1,100.00 RUB"])
        expect(action).to_contain_text("Refund of 400.00 RUB requested: One mug arrived broken")
        expect(timeline.locator(".cascad-timeline__entry--state").last).to_have_text(
            re.compile(r"Status: Paid → Partially refunded")
        )
        expect(page.locator(".cascad-refunds tbody tr")).to_contain_text("Refunded")
    shot(page, "detail-refunded", language)
    resize(page, NARROW)
    expect_fits_the_width(page)
    shot(page, "detail-refunded-mobile", language)
    resize(page, WIDE)
    if os.environ.get("SCREENSHOT_DIR"):
        set_theme("editor", "dark")
        page.reload()
        shot(page, "detail-refunded-dark", language)
        set_theme("editor", "light")

    refund = Refund.objects.get()
    assert refund.amount == Decimal("400.00") and refund.status == Refund.Status.PROCESSED
    assert refund.created_by.username == "editor" and refund.reason == "One mug arrived broken"
    assert ModelLogEntry.objects.filter(action="cascad_wagtail.refund").count() == 1
    payments.rub.refresh_from_db()
    assert payments.rub.charge_status == ChargeStatus.PARTIALLY_REFUNDED
    assert payments.rub.refunded_amount == Decimal("400.00")

    # A payment Cascad paid only part of: the review alert, "Resolve review", and no refund.
    page.goto(base + detail(payments.review))
    expect(page.locator(".cascad-review")).to_be_visible()
    expect(page.locator(f'a[href="{detail(payments.review)}resolve/"]')).to_be_visible()
    expect(page.locator(f'a[href="{detail(payments.review)}refund/"]')).to_have_count(0)
    expect(page.locator(".cascad-status-row .cascad-badge--warning")).to_have_count(2)  # partly paid, to review
    if en:
        expect(page.locator(".cascad-review")).to_contain_text("Only part of the amount was paid.")
    shot(page, "detail-review", language)


# -- a viewer: no refund --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_viewer_sees_no_refund_button_and_cannot_open_the_refund_url(
    admin, live_server, django_user_model, payments, language
):
    page = admin(make_user(django_user_model, "viewer", refund=False, language=language))
    base = live_server.url
    page.goto(base + detail(payments.rub))
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(".cascad-status-row .cascad-badge--success")).to_be_visible()
    expect(page.locator(f'form[action="{detail(payments.rub)}refresh/"] button')).to_be_visible()
    expect(page.locator('a[href$="/refund/"]')).to_have_count(0)
    expect(page.locator('a[href$="/cancel/"], a[href$="/resolve/"]')).to_have_count(0)
    shot(page, "detail-view-only", language)

    # The refund URL typed in: refused, back on the dashboard with an error, no form.
    page.goto(base + detail(payments.rub) + "refund/")
    expect(page).to_have_url(base + "/admin/")
    expect(page.locator(".messages .error")).to_be_visible()
    expect(page.locator("#id_amount")).to_have_count(0)
    # Nor does a forged confirmation get through.
    csrf = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    response = page.request.post(
        base + detail(payments.rub) + "refund/",
        form={"amount": "1", "reason": "x", "confirm": "yes", "csrfmiddlewaretoken": csrf},
        max_redirects=0,
    )
    assert response.status in (302, 403)
    assert not Refund.objects.exists()
    assert not ModelLogEntry.objects.filter(action__startswith="cascad_wagtail.").exists()


# -- the payment link -----------------------------------------------------------------------------


def test_copy_link_puts_the_shops_payment_link_in_the_clipboard(
    admin, live_server, django_user_model, payments, emulator
):
    page = admin(make_user(django_user_model, "editor", refund=True))
    expected = services.payment_link(payments.unpaid.order)
    assert expected.startswith(live_server.url + "/")
    page.goto(live_server.url + detail(payments.unpaid))
    field = page.locator("#cascad-payment-link")
    # The signed token carries the second it was made: the page's may be a second later than ``expected``.
    link = field.input_value()
    prefix = live_server.url + "/cascad/pay/"
    assert link.startswith(prefix) and expected.startswith(prefix)
    assert services.order_from_link_token(link[len(prefix) :].rstrip("/")) == payments.unpaid.order
    button = page.locator("[data-cascad-copy]")
    expect(button).to_have_text("Copy link")
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == link
    shot(page, "detail-unpaid", "en")
    resize(page, NARROW)
    expect_fits_the_width(page)
    shot(page, "detail-unpaid-mobile", "en")

    # The link works: it sends whoever holds it to Cascad Checkout for the same open invoice.
    page.goto(link)
    expect(page).to_have_url(re.compile("^" + re.escape(emulator.url) + r"/hpp/\?cpi=" + payments.unpaid.invoice_id))
