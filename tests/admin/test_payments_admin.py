"""Payments in the Wagtail admin, against the running emulator: list, filters, search, export, the
payment page and its timeline, and every action with its permission and audit entry."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import ModelLogEntry

from cascad_wagtail import services
from cascad_wagtail.models import ChargeStatus, Payment, Refund

pytestmark = [pytest.mark.emulator, pytest.mark.django_db(transaction=True)]

INDEX = "/admin/cascad/payments/"
GOOD_CARD = {"card": "5519283812030000", "expiry": "12/30"}


def detail(payment) -> str:
    return f"{INDEX}{payment.pk}/"


@pytest.fixture
def paid(cascad, make_order, emulator):
    payment = services.start_payment(make_order(total="1500.00", email="Paid.Buyer@Example.com"))
    emulator.control(f"invoices/{payment.invoice_id}/pay", GOOD_CARD)
    return services.refresh_payment(payment)


@pytest.fixture
def unpaid(cascad, make_order):
    return services.start_payment(make_order(total="990.00", currency="USD", email="waiting@example.com"))


def make_editor(django_user_model, *, refund: bool):
    """A Wagtail editor who may view payments, and refund them only when ``refund``."""
    group = Group.objects.create(name=f"Payments {'refund' if refund else 'view'}")
    codenames = ["access_admin", "view_payment"] + (["refund_payment"] if refund else [])
    group.permissions.set(Permission.objects.filter(codename__in=codenames))
    user = django_user_model.objects.create_user(username=f"editor-{refund}", password="pw")
    user.groups.add(group)
    return user


# -- list ------------------------------------------------------------------------------------------


def test_the_list_shows_each_payment_with_its_status(admin_client, paid, unpaid):
    html = admin_client.get(INDEX).content.decode()
    assert paid.description in html and unpaid.description in html
    assert 'cascad-badge--success">Paid<' in html
    assert 'cascad-badge--pending">Pending<' in html
    assert "paid.buyer@example.com" in html  # emails are kept lower-cased for the search


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=FULLY_CHARGED", {"paid"}),
        ("status=PENDING&status=FULLY_CHARGED", {"paid", "unpaid"}),
        ("currency=USD", {"unpaid"}),
        ("mode=live", set()),
        ("needs_review=false", {"paid", "unpaid"}),
        ("needs_review=true", set()),
    ],
)
def test_filters(admin_client, paid, unpaid, query, expected):
    response = admin_client.get(f"{INDEX}results/?{query}")
    shown = {
        name
        for name, payment in (("paid", paid), ("unpaid", unpaid))
        if f"{INDEX}{payment.pk}/" in response.content.decode()
    }
    assert shown == expected


def test_search_by_email_invoice_reference_and_order_number(admin_client, paid, unpaid):
    for query in ("PAID.buyer@", paid.invoice_id, paid.reference_id[:12], str(paid.order_id), f"#{paid.order_id}"):
        html = admin_client.get(f"{INDEX}results/", {"q": query}).content.decode()
        assert detail(paid) in html, query
        if query != str(paid.order_id) or paid.order_id != unpaid.order_id:
            assert detail(unpaid) not in html, query


def test_csv_and_xlsx_export_hold_the_filtered_rows(admin_client, paid, unpaid):
    response = admin_client.get(INDEX, {"export": "csv", "currency": "RUB"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row["Reference id"] for row in rows] == [paid.reference_id]
    assert rows[0]["Payment status"] == "Paid" and Decimal(rows[0]["Paid amount"]) == Decimal("1500.00")
    response = admin_client.get(INDEX, {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    references = {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert references == {paid.reference_id, unpaid.reference_id}


# -- the payment page -----------------------------------------------------------------------------


def test_the_payment_page_shows_amounts_and_the_timeline(admin_client, paid):
    html = admin_client.get(detail(paid)).content.decode()
    assert paid.invoice_id in html and paid.reference_id in html
    assert "API call POST /api/payment-invoices" in html
    assert "Status: Pending → Paid" in html
    assert "Signal: order paid" in html
    assert f'href="{INDEX}{paid.pk}/refund/"' in html
    assert "Payment link for the customer" not in html  # the order is paid


def test_an_unpaid_payment_offers_cancel_and_the_payment_link(admin_client, unpaid):
    html = admin_client.get(detail(unpaid)).content.decode()
    assert f'href="{INDEX}{unpaid.pk}/cancel/"' in html
    link = re.search(r'value="(http://[^"]+/cascad/pay/([^"/]+)/)"', html)
    assert link and link.group(1).startswith(unpaid.site.root_url)
    assert services.order_from_link_token(link.group(2)) == unpaid.order
    assert "/refund/" not in html


# -- actions ---------------------------------------------------------------------------------------


def test_a_partial_refund_is_confirmed_first_then_sent_once(admin_client, admin_user, paid, emulator):
    url = f"{INDEX}{paid.pk}/refund/"
    form = admin_client.get(url)
    assert form.status_code == 200 and "1500.00" in form.content.decode()
    asked = admin_client.post(url, {"amount": "400.00", "reason": "one mug broken"})
    html = asked.content.decode()
    assert "Refund 400.00\u00a0RUB of 1,500.00\u00a0RUB to the customer?" in html
    assert not Refund.objects.exists()  # nothing is sent before the confirmation
    key = asked.context["request_key"]
    confirmed = {"amount": "400.00", "reason": "one mug broken", "request_key": str(key), "confirm": "yes"}
    done = admin_client.post(url, confirmed)
    assert done.status_code == 302 and done["Location"] == detail(paid)
    again = admin_client.post(url, confirmed)  # the confirmation submitted twice
    assert again.status_code == 302
    refund = Refund.objects.get()
    assert refund.amount == Decimal("400.00") and refund.status == Refund.Status.PROCESSED
    assert refund.created_by == admin_user and refund.reason == "one mug broken"
    paid.refresh_from_db()
    assert paid.charge_status == ChargeStatus.PARTIALLY_REFUNDED
    log = ModelLogEntry.objects.filter(action="cascad_wagtail.refund")
    assert log.count() == 2 and all(entry.user == admin_user for entry in log)
    html = admin_client.get(detail(paid)).content.decode()
    assert "Refund of 400.00 RUB requested: one mug broken" in html and "Status: Paid → Partially refunded" in html


@pytest.mark.parametrize("amount", ["1500.01", "0", "-1", "10.001", "ten"])
def test_a_bad_refund_amount_is_refused_and_changes_nothing(admin_client, paid, amount):
    response = admin_client.post(f"{INDEX}{paid.pk}/refund/", {"amount": amount, "reason": "x", "confirm": "yes"})
    assert response.status_code == 200 and b"error-message" in response.content
    assert not Refund.objects.exists()
    assert not ModelLogEntry.objects.filter(action="cascad_wagtail.refund").exists()


def test_cancel_asks_then_cancels_the_unpaid_invoice(admin_client, admin_user, unpaid):
    url = f"{INDEX}{unpaid.pk}/cancel/"
    assert b"Cancel the unpaid invoice" in admin_client.get(url).content
    assert admin_client.post(url, {}).status_code == 200  # not confirmed: asks again
    unpaid.refresh_from_db()
    assert unpaid.is_open
    assert admin_client.post(url, {"confirm": "yes"}).status_code == 302
    unpaid.refresh_from_db()
    assert unpaid.charge_status == ChargeStatus.CANCELLED and unpaid.cascad_status == "terminated"
    assert ModelLogEntry.objects.get(action="cascad_wagtail.cancel").user == admin_user


def test_cancelling_a_paid_payment_is_refused(admin_client, paid):
    response = admin_client.post(f"{INDEX}{paid.pk}/cancel/", {"confirm": "yes"}, follow=True)
    assert b"Only an unpaid invoice can be cancelled." in response.content
    paid.refresh_from_db()
    assert paid.charge_status == ChargeStatus.FULLY_CHARGED
    assert not ModelLogEntry.objects.filter(action="cascad_wagtail.cancel").exists()


def test_refresh_reads_cascad_and_is_logged(admin_client, admin_user, unpaid, emulator):
    emulator.control(f"invoices/{unpaid.invoice_id}/pay", GOOD_CARD)
    response = admin_client.post(f"{INDEX}{unpaid.pk}/refresh/", follow=True)
    assert "the payment is paid" in response.content.decode()
    unpaid.refresh_from_db()
    assert unpaid.charge_status == ChargeStatus.FULLY_CHARGED
    assert ModelLogEntry.objects.get(action="cascad_wagtail.refresh").user == admin_user


def test_resolving_a_review_needs_a_note_and_then_counts_the_payment_paid(admin_client, paid, signals_log):
    Payment.objects.filter(pk=paid.pk).update(
        needs_review=True, review_reason="Checked by hand", paid_at=None, charge_status=ChargeStatus.PENDING
    )
    url = f"{INDEX}{paid.pk}/resolve/"
    assert admin_client.post(url, {"note": "  "}).status_code == 200
    assert Payment.objects.get(pk=paid.pk).needs_review
    assert admin_client.post(url, {"note": "Customer confirmed by phone"}).status_code == 302
    paid.refresh_from_db()
    assert not paid.needs_review and paid.charge_status == ChargeStatus.FULLY_CHARGED and paid.paid_at
    assert ("order_paid", paid.reference_id) in signals_log
    services.refresh_payment(paid)  # the same finding again does not reopen the review
    paid.refresh_from_db()
    assert not paid.needs_review


# -- permissions -----------------------------------------------------------------------------------


def test_a_viewer_sees_payments_but_cannot_refund_cancel_or_resolve(client, django_user_model, paid, unpaid):
    client.force_login(make_editor(django_user_model, refund=False))
    assert client.get(INDEX).status_code == 200
    html = client.get(detail(paid)).content.decode()
    assert "/refund/" not in html and "Refresh from Cascad" in html
    assert "/cancel/" not in client.get(detail(unpaid)).content.decode()
    for url, data in (
        (f"{INDEX}{paid.pk}/refund/", {"amount": "1", "reason": "x", "confirm": "yes"}),
        (f"{INDEX}{unpaid.pk}/cancel/", {"confirm": "yes"}),
        (f"{INDEX}{paid.pk}/resolve/", {"note": "x"}),
    ):
        assert client.get(url).status_code in (302, 403)
        assert client.post(url, data).status_code in (302, 403)
    assert not Refund.objects.exists()
    unpaid.refresh_from_db()
    assert unpaid.is_open
    assert not ModelLogEntry.objects.filter(action__startswith="cascad_wagtail.").exists()


def test_an_editor_with_the_refund_permission_can_refund(client, django_user_model, paid):
    client.force_login(make_editor(django_user_model, refund=True))
    assert f"{INDEX}{paid.pk}/refund/" in client.get(detail(paid)).content.decode()


def test_a_user_without_view_permission_sees_no_payments(client, django_user_model, paid):
    user = django_user_model.objects.create_user(username="plain", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.get(INDEX).status_code in (302, 403)
    assert client.get(detail(paid)).status_code in (302, 403)
    assert reverse("cascad_payments:index") == INDEX
