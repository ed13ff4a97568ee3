"""The Cascad panel on the Wagtail dashboard: today's takings, pending, failed and to-review payments.

Each figure is checked against the payments list its link opens, so a figure and its list can never
disagree; payments are written straight to the database because only their dates and states matter here.
"""

from __future__ import annotations

import datetime
import html
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.users.models import UserProfile

from cascad_wagtail.admin import dashboard
from cascad_wagtail.models import ChargeStatus, Payment
from tests.browser import _support
from tests.browser._support import screenshot

pytestmark = pytest.mark.django_db

HOME = "/admin/"
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def local_midnight(tz) -> datetime.datetime:
    return datetime.datetime.combine(timezone.localdate(timezone=tz), datetime.time.min, tzinfo=tz)


@pytest.fixture
def add_payment(site, make_order):
    """A payment in a given state; ``when`` is its creation time and, once paid, its payment time."""

    def add(status, total="100.00", currency="RUB", *, when=None, paid=False, review=False, mode="sandbox"):
        when = when or timezone.now()
        order = make_order(total=total, currency=currency)
        payment = Payment.objects.create(
            order=order,
            site=site,
            mode=mode,
            amount=Decimal(total),
            currency=currency,
            description=f"Order {order.pk}",
            invoice_id=f"cpi_Dash{order.pk:012d}",
            creation="created",
            charge_status=status,
            processed_amount=Decimal(total) if paid else None,
            paid_at=when if paid else None,
            is_open=status in (ChargeStatus.NOT_CHARGED, ChargeStatus.PENDING),
            needs_review=review,
            review_reason="Paid amount differs from the invoice." if review else "",
        )
        Payment.objects.filter(pk=payment.pk).update(created_at=when)  # auto_now_add ignores the value given
        return payment

    return add


@pytest.fixture
def mix(add_payment):
    """Paid today in two currencies and two modes, paid yesterday, pending, failed today and earlier, to review."""
    midnight = local_midnight(timezone.get_current_timezone())
    today, yesterday = midnight + datetime.timedelta(minutes=1), midnight - datetime.timedelta(minutes=1)
    add_payment(ChargeStatus.FULLY_CHARGED, "1500.00", "RUB", when=today, paid=True)
    add_payment(ChargeStatus.PARTIALLY_REFUNDED, "250.50", "RUB", when=today, paid=True)
    add_payment(ChargeStatus.FULLY_CHARGED, "99.90", "USD", when=today, paid=True)
    add_payment(ChargeStatus.FULLY_CHARGED, "10.00", "USD", when=today, paid=True, mode="live")
    add_payment(ChargeStatus.FULLY_CHARGED, "700.00", "RUB", when=yesterday, paid=True)
    add_payment(ChargeStatus.PENDING, "300.00")
    add_payment(ChargeStatus.PENDING, "20.00", "EUR", when=yesterday)
    add_payment(ChargeStatus.REFUSED, "400.00", when=today)
    add_payment(ChargeStatus.REFUSED, "401.00", when=yesterday)
    add_payment(ChargeStatus.FULLY_CHARGED, "5.00", "EUR", when=yesterday, paid=True, review=True)
    add_payment(ChargeStatus.NOT_CHARGED, "6.00")


FIGURE = re.compile(
    r'<a class="cascad-figure cascad-figure--(?P<tone>\w+)" href="(?P<url>[^"]+)">\s*'
    r'<span class="cascad-figure__value">(?P<value>[^<]*)</span>\s*'
    r'<span class="cascad-figure__label">(?P<label>[^<]*)</span>'
)


def panel_figures(client) -> list[dict[str, str]]:
    """The figures the dashboard shows: label, value and link, as a person reads them."""
    page = client.get(HOME).content.decode()
    return [
        {key: html.unescape(value).strip() for key, value in match.groupdict().items()}
        for match in FIGURE.finditer(page)
    ]


def listed(client, url: str) -> list[Payment]:
    """The payments the list behind ``url`` shows (every page)."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["paginator"].count <= 100
    ids = [payment.pk for payment in response.context["paginator"].object_list]
    return list(Payment.objects.filter(pk__in=ids))


def test_the_figures_for_a_mix_of_payments(admin_client, mix):
    figures = panel_figures(admin_client)
    assert [(figure["label"], figure["value"]) for figure in figures] == [
        ("Paid today", "10.00\u00a0USD"),  # live money first
        ("Paid today · Sandbox", "1,750.50\u00a0RUB"),
        ("Paid today · Sandbox", "99.90\u00a0USD"),
        ("Pending", "2"),
        ("Failed today", "1"),
        ("Needs review", "1"),
    ]


def test_each_link_opens_a_list_that_agrees_with_its_figure(admin_client, mix):
    for figure in panel_figures(admin_client):
        assert figure["url"].startswith("/admin/cascad/payments/?")
        payments = listed(admin_client, figure["url"])
        if figure["label"].startswith("Paid today"):
            amount, currency = figure["value"].replace(",", "").split()
            assert {payment.currency for payment in payments} == {currency}
            assert sum(payment.processed_amount for payment in payments) == Decimal(amount)
        else:
            assert len(payments) == int(figure["value"]), figure


def test_today_is_the_editors_today(client, admin_user, add_payment):
    """Paid at 00:30 in Moscow: today for an editor in Moscow; in UTC, it depends on the hour."""
    midnight = local_midnight(MOSCOW)
    paid_at = midnight + datetime.timedelta(minutes=30)
    add_payment(ChargeStatus.FULLY_CHARGED, "42.00", "RUB", when=paid_at, paid=True)
    client.force_login(admin_user)
    profile = UserProfile.get_for_user(admin_user)
    profile.current_time_zone = "Europe/Moscow"
    profile.save()
    [paid] = [figure for figure in panel_figures(client) if figure["label"].startswith("Paid today")]
    assert paid["value"] == "42.00\u00a0RUB"
    assert f"paid_from={midnight.date().isoformat()}" in paid["url"]
    assert len(listed(client, paid["url"])) == 1
    profile.current_time_zone = "UTC"
    profile.save()
    utc_today = paid_at.astimezone(datetime.UTC).date() == timezone.localdate(timezone=datetime.UTC)
    [paid] = [figure for figure in panel_figures(client) if figure["label"].startswith("Paid today")]
    assert paid["value"] == ("42.00\u00a0RUB" if utc_today else "0")


def test_nothing_yet_shows_zeros_that_still_link_to_their_lists(admin_client, site):
    figures = panel_figures(admin_client)
    assert [(figure["label"], figure["value"]) for figure in figures] == [
        ("Paid today", "0"),
        ("Pending", "0"),
        ("Failed today", "0"),
        ("Needs review", "0"),
    ]
    assert all(listed(admin_client, figure["url"]) == [] for figure in figures)
    assert {figure["tone"] for figure in figures} == {"neutral"}


def test_the_panel_is_shown_only_to_who_may_view_payments(client, django_user_model, mix):
    group = Group.objects.create(name="Editors without payments")
    group.permissions.set(Permission.objects.filter(codename="access_admin"))
    editor = django_user_model.objects.create_user(username="editor", password="pw")
    editor.groups.add(group)
    client.force_login(editor)
    page = client.get(HOME).content.decode()
    assert client.get(HOME).status_code == 200
    assert "cascad-payments" not in page and "cascad-figure" not in page
    group.permissions.add(Permission.objects.get(codename="view_payment"))
    editor = django_user_model.objects.get(pk=editor.pk)  # permissions are cached per user object
    client.force_login(editor)
    assert len(panel_figures(client)) == 6


def test_the_figures_cost_four_queries_whatever_the_number_of_payments(django_assert_num_queries, add_payment, mix):
    with django_assert_num_queries(4):
        few = dashboard.figures()
    for number in range(60):
        add_payment([ChargeStatus.FULLY_CHARGED, ChargeStatus.PENDING, ChargeStatus.REFUSED][number % 3], paid=True)
    with django_assert_num_queries(4):
        many = dashboard.figures()
    assert len(many) == len(few)


def test_the_dashboard_page_costs_the_same_queries_for_few_or_many_payments(admin_client, add_payment, mix):
    def queries() -> int:
        admin_client.get(HOME)
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(HOME).status_code == 200
        return len(captured)

    few = queries()
    for number in range(60):
        add_payment(ChargeStatus.PENDING if number % 2 else ChargeStatus.REFUSED, currency=["RUB", "USD"][number % 2])
    assert queries() == few


# -- in a real browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_dashboard_in_a_browser(browser, live_server, django_user_model, mix, language):
    user = django_user_model.objects.create_superuser(username="boss", email="boss@example.com", password="pw")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _support.admin_log_in(page, live_server.url, "boss", "pw")
    page.locator(".cascad-figure").first.wait_for()
    assert page.locator(".cascad-figure").count() == 6
    screenshot(page, f"admin-dashboard-{language}")
    page.locator(".cascad-figure").nth(3).click()  # Pending
    page.wait_for_url(re.compile(r"/admin/cascad/payments/\?status=PENDING$"))
    assert page.locator("table.listing tbody tr").count() == 2
    context.close()
