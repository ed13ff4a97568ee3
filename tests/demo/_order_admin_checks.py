"""The demo shop's order admin, checked inside the demo's own settings (``sandbox_site.settings``).

The main test settings use a minimal order model (``tests.testshop``), so the demo shop's admin code
cannot be imported there. ``test_order_admin.py`` runs this module as a subprocess instead::

    DJANGO_SETTINGS_MODULE=sandbox_site.settings SANDBOX_VAR_DIR=<tmp> python -m tests.demo._order_admin_checks

It migrates a fresh SQLite database in ``SANDBOX_VAR_DIR``, writes orders and payments straight to
the database (no Cascad is needed to *show* them) and checks, with Django's test client, what each
kind of editor sees on an order's admin page, that the page costs the same number of queries however
many payments the order has, and that a payment's page links back to its order. Each check prints
"ok: …"; the first failure raises (exit status 1).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

import django

CHECKS: list = []


def check(function):
    CHECKS.append(function)
    return function


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox_site.settings")
    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the locmem mailer, and ALLOWED_HOSTS gains "testserver"
    call_command("migrate", verbosity=0, interactive=False)


# -- data --------------------------------------------------------------------------------------------


def site():
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True)


def make_order(total: str = "1500.00", currency: str = "RUB", status: str = "NOT_CHARGED"):
    from sandbox_site.shop.models import Order

    return Order.objects.create(
        site=site(),
        email="ann.buyer@example.com",
        name="Ann Buyer",
        total=Decimal(total),
        currency=currency,
        subtotal=Decimal(total),
        payment_status=status,
    )


_invoices = iter(range(1, 10_000))


def make_payment(order, status: str, *, paid: str | None = None, refunded: str = "0", is_open: bool = False, **extra):
    from cascad_wagtail.models import Payment

    return Payment.objects.create(
        order=order,
        site=order.site,
        mode="sandbox",
        amount=order.total,
        currency=order.currency,
        description=str(order),
        invoice_id=f"cpi_Check{next(_invoices):08d}",
        creation="created",
        charge_status=status,
        processed_amount=None if paid is None else Decimal(paid),
        refunded_amount=Decimal(refunded),
        is_open=is_open,
        **extra,
    )


def make_refund(payment, amount: str, status: str = "processed"):
    from cascad_wagtail.models import Refund

    return Refund.objects.create(payment=payment, amount=Decimal(amount), status=status, reason="check")


def make_user(name: str, *codenames: str):
    """A Wagtail editor with exactly these permissions (``access_admin`` always)."""
    from django.contrib.auth.models import Group, Permission, User

    group = Group.objects.create(name=f"{name} group")
    group.permissions.set(Permission.objects.filter(codename__in=["access_admin", *codenames]))
    user = User.objects.create_user(username=name, password="pw")
    user.groups.add(group)
    return user


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def admin():
    from django.contrib.auth.models import User

    return User.objects.filter(username="checks-admin").first() or User.objects.create_superuser(
        "checks-admin", "admin@example.com", "pw"
    )


def order_url(order) -> str:
    return f"/admin/snippets/shop/order/inspect/{order.pk}/"


def payment_url(payment) -> str:
    return f"/admin/cascad/payments/{payment.pk}/"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    """The HTML of the element with ``id=element_id`` up to the next ``</section>`` (or ``</div>``)."""
    start = html.index(f'id="{element_id}"')
    end = html.find("</section>", start)
    return html[start : end if end > 0 else len(html)]


# -- checks ------------------------------------------------------------------------------------------


@check
def unpaid_order_shows_status_payments_and_link():
    from cascad_wagtail import services

    order = make_order(status="REFUSED")
    refused = make_payment(order, "REFUSED")
    html = page(client_for(admin()), order_url(order))
    status = section(html, "order-payment-status")
    assert 'data-status="REFUSED"' in status and "cascad-badge--danger" in status and ">Failed<" in status, status
    assert 'id="order-payment-link"' in html, "an unpaid order offers its payment link"
    signed_order = services.payment_link(order).rsplit(":", 2)[0]  # the link without its timestamp and signature
    assert f'value="{signed_order}:' in html, "the order's payment link, as services.payment_link gives it"
    assert 'data-cascad-copy="#order-payment-link"' in html and "cascad_wagtail/admin/admin.js" in html
    payments = section(html, "order-payments")
    assert f'href="{payment_url(refused)}"' in payments and refused.invoice_id in payments
    assert "data-refund-payment" not in payments, "a failed payment has nothing to refund"


@check
def order_without_payments_says_so():
    html = page(client_for(admin()), order_url(make_order()))
    assert "No payment has been started for this order yet." in html
    assert 'id="order-payment-link"' in html


@check
def paid_order_lists_each_payment_with_refund_buttons_that_come_back():
    order = make_order(status="PARTIALLY_REFUNDED")
    refused = make_payment(order, "REFUSED")
    paid = make_payment(order, "PARTIALLY_REFUNDED", paid="1500.00", refunded="400.00")
    make_refund(paid, "400.00")
    make_refund(paid, "50.00", status="failed")  # a failed refund gives its amount back to the balance
    html = page(client_for(admin()), order_url(order))
    assert 'id="order-payment-link"' not in html, "a paid order has no payment link"
    status = section(html, "order-payment-status")
    assert 'data-status="PARTIALLY_REFUNDED"' in status and ">Partially refunded<" in status
    payments = section(html, "order-payments")
    rows = re.findall(r'<tr data-payment="(\d+)" data-status="(\w+)">', payments)
    assert rows == [(str(paid.pk), "PARTIALLY_REFUNDED"), (str(refused.pk), "REFUSED")], rows  # newest first
    assert "1,500.00\xa0RUB / 400.00\xa0RUB" in re.sub(r"<[^>]+>", "", payments), payments
    refund = f'href="{payment_url(paid)}refund/?next=%2Fadmin%2Fsnippets%2Fshop%2Forder%2Finspect%2F{order.pk}%2F"'
    assert refund in payments, payments
    assert payments.count("data-refund-payment") == 1


@check
def nothing_left_to_refund_or_under_review_means_no_refund_button():
    order = make_order(status="FULLY_REFUNDED")
    refunded = make_payment(order, "FULLY_REFUNDED", paid="1500.00", refunded="1500.00")
    make_refund(refunded, "1500.00")
    html = page(client_for(admin()), order_url(order))
    assert "data-refund-payment" not in html

    order = make_order(status="FULLY_CHARGED")
    make_payment(order, "FULLY_CHARGED", paid="1500.00")
    make_payment(order, "FULLY_CHARGED", paid="1500.00", needs_review=True, review_reason="paid twice")
    html = page(client_for(admin()), order_url(order))
    assert html.count("data-refund-payment") == 1, "the payment under review is resolved first, on its own page"
    assert "A payment needs review" in html and "Needs review" in section(html, "order-payments")


@check
def the_order_list_shows_a_status_badge_per_order():
    order = make_order(status="FULLY_CHARGED")
    html = page(client_for(admin()), "/admin/snippets/shop/order/")
    assert 'data-payment-status="FULLY_CHARGED"' in html and "cascad-badge--success" in html
    assert "cascad_wagtail/admin/admin.css" in html
    results = page(client_for(admin()), "/admin/snippets/shop/order/results/?payment_status=FULLY_CHARGED")
    assert f"/inspect/{order.pk}/" in results and "cascad-badge--success" in results


@check
def what_each_editor_sees():
    order = make_order(status="FULLY_CHARGED")
    paid = make_payment(order, "FULLY_CHARGED", paid="1500.00")
    orders_only = client_for(make_user("orders-only", "view_order"))
    html = page(orders_only, order_url(order))
    assert 'data-status="FULLY_CHARGED"' in html, "anyone who sees the order sees its payment status"
    assert 'id="order-payments"' not in html and payment_url(paid) not in html, "payments need view_payment"

    viewer = client_for(make_user("payments-viewer", "view_order", "view_payment"))
    html = page(viewer, order_url(order))
    assert f'href="{payment_url(paid)}"' in html and "data-refund-payment" not in html

    refunder = client_for(make_user("refunder", "view_order", "view_payment", "refund_payment"))
    assert f'href="{payment_url(paid)}refund/?next=' in page(refunder, order_url(order))

    review = make_order(status="PENDING")
    make_payment(review, "PENDING", needs_review=True, review_reason="amount differs")
    html = page(orders_only, order_url(review))
    assert "A payment needs review" in html and 'id="order-payment-link"' not in html

    nobody = client_for(make_user("no-orders", "view_payment"))
    assert nobody.get(order_url(order)).status_code in (302, 403)


@check
def a_payment_page_links_back_to_its_order():
    from wagtail.admin.admin_url_finder import AdminURLFinder

    order = make_order(status="FULLY_CHARGED")
    paid = make_payment(order, "FULLY_CHARGED", paid="1500.00")
    html = page(client_for(admin()), payment_url(paid))
    assert f'<a href="{order_url(order)}">{order}</a>' in html, "the payment's Order links to the order's page"
    assert AdminURLFinder(make_user("payments-only", "view_payment")).get_edit_url(order) is None
    assert AdminURLFinder(make_user("orders-viewer", "view_order")).get_edit_url(order) == order_url(order)
    assert AdminURLFinder().get_edit_url(order) == order_url(order)


@check
def the_order_page_costs_the_same_queries_however_many_payments():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(admin())

    def queries(payments: int) -> int:
        order = make_order(status="FULLY_CHARGED")
        for _ in range(payments - 1):
            make_refund(make_payment(order, "PARTIALLY_REFUNDED", paid="1500.00", refunded="100.00"), "100.00")
        make_payment(order, "FULLY_CHARGED", paid="1500.00")
        page(client, order_url(order))  # warm the session and the per-process caches
        with CaptureQueriesContext(connection) as captured:
            page(client, order_url(order))
        return len(captured)

    one, six = queries(1), queries(6)
    assert one == six, f"1 payment: {one} queries, 6 payments: {six}"
    assert one <= 20, f"{one} queries for an order's page"
    print(f"   ({one} queries with 1 payment and with 6)")


@check
def the_order_list_costs_the_same_queries_however_many_orders():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(admin())
    url = "/admin/snippets/shop/order/?currency=EUR"

    def queries() -> int:
        page(client, url)
        with CaptureQueriesContext(connection) as captured:
            html = page(client, url)
        assert html.count("data-payment-status=") == Order.objects.filter(currency="EUR").count()
        return len(captured)

    from sandbox_site.shop.models import Order

    make_order(currency="EUR", status="FULLY_CHARGED")
    one = queries()
    for status in ("NOT_CHARGED", "PENDING", "REFUSED", "PARTIALLY_REFUNDED"):
        make_order(currency="EUR", status=status)
    five = queries()
    assert one == five, f"1 order: {one} queries, 5 orders: {five}"


def main() -> None:
    setup()
    for function in CHECKS:
        function()
        print(f"ok: {function.__name__}", flush=True)


if __name__ == "__main__":
    main()
