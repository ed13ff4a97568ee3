"""The Payments admin costs a fixed number of queries, whatever the number of payments.

The list (plain, filtered, searched, the second page) and a payment's page are requested with 10
payments and again after growing to 10,000, and must run exactly as many queries both times. A
payment's page must also cost the same with 3 timeline entries or 300. A difference means a query per
row somewhere; the assertion message shows the queries that only one side ran.

No emulator: none of these pages calls Cascad on GET. The rows are made with ``bulk_create``.
"""

from __future__ import annotations

import collections
import datetime
import hashlib
import itertools
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import DurationField, ExpressionWrapper, F
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from wagtail.models import ModelLogEntry, Site

from cascad_wagtail.models import ApiCall, CallbackEvent, ChargeStatus, Payment, PaymentEvent, Refund
from tests.testshop.models import Order

pytestmark = pytest.mark.django_db

INDEX = "/admin/cascad/payments/"
SMALL, LARGE = 10, 10_000
CURRENCIES = ["RUB", "USD", "EUR"]
STATUSES = list(ChargeStatus.values)
REFUNDED = (ChargeStatus.PARTIALLY_REFUNDED, ChargeStatus.FULLY_REFUNDED)
PAID = (ChargeStatus.FULLY_CHARGED, *REFUNDED)
#: Payments per order, in turn: most orders have one, some were retried after a failure.
PAYMENTS_PER_ORDER = [1, 1, 2, 1, 3]

LIST_PAGES = {
    "plain": "",
    "status": "?status=FULLY_CHARGED",
    "status+currency": "?status=FULLY_CHARGED&status=PENDING&currency=USD",
    "email prefix": "?q=buyer1",
    "second page": "?p=2",
}


def populate(count: int, sites: list[Site], user, start: int = 0) -> list[Payment]:
    """``count`` payments (and their orders) with a realistic mix, numbered from ``start``.

    Statuses, currencies, sites and modes are spread over the rows; paid ones have API calls, a
    callback and state-change events; refunded ones a refund and an audit entry. One payment per order
    at most is open, as the ``cascad_one_open_payment_per_order`` constraint wants.
    """
    sizes, per_order = [], itertools.cycle(PAYMENTS_PER_ORDER)
    while sum(sizes) < count:
        sizes.append(min(next(per_order), count - sum(sizes)))
    orders = Order.objects.bulk_create(
        Order(
            email=f"Buyer{(start + index) % 997}@Example.com",
            total=Decimal(1000 + (start + index) % 5000),
            currency=CURRENCIES[(start + index) % len(CURRENCIES)],
            site=sites[(start + index) % len(sites)],
        )
        for index in range(len(sizes))
    )
    payments = []
    number = start
    for order, size in zip(orders, sizes, strict=True):
        for attempt in range(size):
            last = attempt == size - 1
            status = STATUSES[number % len(STATUSES)] if last else ChargeStatus.REFUSED
            payments.append(
                Payment(
                    order=order,
                    site=order.site,
                    mode=Payment.Mode.LIVE if number % 7 == 0 else Payment.Mode.SANDBOX,
                    invoice_id=f"cpi_{number:012d}",
                    amount=order.total,
                    currency=order.currency,
                    description=f"Order {order.pk}",
                    customer_email=order.email.lower(),
                    creation="created",
                    cascad_status="processed" if status in PAID else "created",
                    charge_status=status,
                    processed_amount=order.total if status in PAID else None,
                    refunded_amount=order.total if status == ChargeStatus.FULLY_REFUNDED else Decimal(0),
                    is_open=last and status in (ChargeStatus.NOT_CHARGED, ChargeStatus.PENDING),
                    needs_review=number % 50 == 3,
                    review_reason="Paid more than asked" if number % 50 == 3 else "",
                )
            )
            number += 1
    payments = Payment.objects.bulk_create(payments)
    # auto_now_add stamped them all alike: spread them over the past, one a minute, newest last.
    last = payments[-1].pk
    Payment.objects.filter(pk__in=[p.pk for p in payments]).update(
        created_at=Now()
        - ExpressionWrapper((last - F("id")) * datetime.timedelta(minutes=1), output_field=DurationField())
    )
    paid = [p for p in payments if p.charge_status in PAID]
    ApiCall.objects.bulk_create(
        ApiCall(payment=p, method=method, path=path, status_code=200, duration_ms=3)
        for p in paid
        for method, path in (("POST", "/api/payment-invoices"), ("GET", f"/api/payment-invoices/{p.invoice_id}"))
    )
    CallbackEvent.objects.bulk_create(
        CallbackEvent(
            body=b'{"data": {"id": "%s"}}' % p.invoice_id.encode(),
            body_hash=hashlib.sha256(p.invoice_id.encode()).hexdigest(),
            signature_valid=True,
            mode=p.mode,
            invoice_id=p.invoice_id,
            payment=p,
            status=CallbackEvent.Status.PROCESSED,
        )
        for p in paid
    )
    PaymentEvent.objects.bulk_create(
        PaymentEvent(
            payment=p,
            kind=PaymentEvent.Kind.APPLIED,
            source="callback",
            cascad_status="processed",
            charge_status=p.charge_status,
            effect=PaymentEvent.Effect.STATUS_CHANGED,
            effect_data={"previous": ChargeStatus.PENDING},
        )
        for p in paid
    )
    refunded = [p for p in payments if p.charge_status in REFUNDED]
    Refund.objects.bulk_create(
        Refund(payment=p, amount=p.amount / 2, reason="broken mug", status="processed", created_by=user)
        for p in refunded
    )
    add_log_entries(refunded, user, each=1)
    return payments


def add_log_entries(payments: list[Payment], user, each: int) -> None:
    content_type = ContentType.objects.get_for_model(Payment)
    ModelLogEntry.objects.bulk_create(
        ModelLogEntry(
            content_type=content_type,
            object_id=str(p.pk),
            label=str(p.reference_id),
            action="cascad_wagtail.refresh",
            data={"message": f"Refund {n}"},
            timestamp=p.created_at,
            user=user,
        )
        for p in payments
        for n in range(each)
    )


def add_timeline(payment: Payment, user, entries: int) -> None:
    """``entries`` timeline entries for ``payment``, spread over its four sources."""
    calls, callbacks, events, logs = (entries // 4 + (source < entries % 4) for source in range(4))
    ApiCall.objects.bulk_create(
        ApiCall(payment=payment, method="GET", path="/api/payment-invoices/x", status_code=200, duration_ms=n)
        for n in range(calls)
    )
    CallbackEvent.objects.bulk_create(
        CallbackEvent(
            body=b'{"n": %d}' % n,
            body_hash=hashlib.sha256(f"{payment.pk}-{n}".encode()).hexdigest(),
            signature_valid=True,
            invoice_id=payment.invoice_id,
            payment=payment,
        )
        for n in range(callbacks)
    )
    kinds = itertools.cycle(["applied", "stale", "error", "review"])
    PaymentEvent.objects.bulk_create(
        PaymentEvent(payment=payment, kind=next(kinds), source="task", message=str(n)) for n in range(events)
    )
    add_log_entries([payment], user, each=logs)


def run(client, url: str) -> tuple[list[str], int | None]:
    """The SQL of one GET of ``url`` (after an uncounted one, so per-process caches are warm), and the
    number of rows it listed (``None`` for a payment's page)."""
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    page = response.context.get("page_obj")
    return [query["sql"] for query in captured.captured_queries], None if page is None else len(page.object_list)


def difference(small: list[str], large: list[str], sizes: tuple[str, str] = (f"{SMALL}", f"{LARGE}")) -> str:
    """The queries one side ran more often than the other (literals blanked), for the assertion message."""
    small, large = collections.Counter(map(shape, small)), collections.Counter(map(shape, large))
    lines = [f"{sum(small.values())} queries with {sizes[0]}, {sum(large.values())} with {sizes[1]}"]
    lines += [f"  only with {sizes[0]} ({n}x): {sql}" for sql, n in (small - large).items()]
    lines += [f"  only with {sizes[1]} ({n}x): {sql}" for sql, n in (large - small).items()]
    return "\n".join(lines)


def shape(sql: str) -> str:
    """The query without its literals, so the same query for another row or page reads the same."""
    sql = re.sub(r'"_django_curs_\w+"', '"_django_curs_?"', sql)  # server-side cursors are numbered
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


@pytest.fixture
def sites(site):
    other = Site.objects.create(hostname="other.test", port=site.port, root_page=site.root_page, site_name="Other")
    return [site, other]


@pytest.mark.slow  # about 10 s: 10,000 payments and their history
def test_the_list_and_a_payment_cost_the_same_queries_with_10_and_10000_payments(admin_client, admin_user, sites):
    populate(SMALL, sites, admin_user)
    payment = Payment.objects.filter(charge_status=ChargeStatus.PARTIALLY_REFUNDED).get()
    pages = {name: INDEX + query for name, query in LIST_PAGES.items()}
    pages["payment page"] = f"{INDEX}{payment.pk}/"
    small = {name: run(admin_client, url) for name, url in pages.items()}
    # With 10 payments every list shows them on one page (``?p=2`` falls back to the last page, 1).
    assert all(0 < rows < 25 for name, (_, rows) in small.items() if name != "payment page"), small

    populate(LARGE - SMALL, sites, admin_user, start=SMALL)
    assert Payment.objects.count() == LARGE
    large = {name: run(admin_client, url) for name, url in pages.items()}
    assert all(rows == 25 for name, (_, rows) in large.items() if name != "payment page")  # full pages
    assert admin_client.get(INDEX + "?p=2").context["page_obj"].number == 2

    differing = {
        name: difference(small[name][0], large[name][0]) for name in pages if len(small[name][0]) != len(large[name][0])
    }
    assert not differing, "\n".join(f"{name}: {text}" for name, text in differing.items())


def test_a_payment_page_costs_the_same_with_3_or_300_timeline_entries(admin_client, admin_user, sites):
    # Two like payments (one order each, not charged, no history yet) among others.
    few, many = populate(1, sites, admin_user)[0], populate(1, sites, admin_user, start=len(STATUSES))[0]
    populate(20, sites, admin_user, start=2 * len(STATUSES))
    add_timeline(few, admin_user, 3)
    add_timeline(many, admin_user, 300)
    for payment, entries in ((few, 3), (many, 300)):
        html = admin_client.get(f"{INDEX}{payment.pk}/").content.decode()
        assert html.count('class="cascad-timeline__entry ') == entries

    small, large = (run(admin_client, f"{INDEX}{payment.pk}/")[0] for payment in (few, many))
    assert len(small) == len(large), difference(small, large, ("3 entries", "300 entries"))
