"""Real concurrency against PostgreSQL: threads, each on its own connection, released by one barrier.

Nothing is mocked. Every worker opens its database connection *before* the barrier, so the threads
really meet at the row locks, and closes it when it ends. The emulator is the real subprocess of the
``emulator`` fixture, spoken to over HTTP. Row locks mean nothing on SQLite, so the module is skipped
there (the suite picks PostgreSQL whenever it answers on 127.0.0.1:5432 or ``DATABASE_URL`` names it).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import requests
from django.db import connection
from django.test import Client

from cascad_wagtail import services, signals, signing
from cascad_wagtail.exceptions import PaymentInProgress, RefundExceedsBalance
from cascad_wagtail.models import CallbackEvent, ChargeStatus, Creation, Payment, PaymentEvent, Refund
from tests.testshop.models import Order

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=(
            f"concurrency tests need PostgreSQL row locks; the test database is {connection.vendor} "
            "(start PostgreSQL on 127.0.0.1:5432 or set DATABASE_URL=postgresql://...)"
        ),
    ),
    pytest.mark.emulator,
    pytest.mark.django_db(transaction=True),
]

PAID_CARD = {"card": "5519283812030000", "expiry": "12/30"}
FAILED_CARD = {"card": "4302912837020000", "expiry": "05/29"}
JOIN_SECONDS = 45
#: A race is a roll of the dice: the storm tests race this many fresh orders each.
ROUNDS = 3


# -- helpers ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    value: Any = None
    error: BaseException | None = None


def run_together(calls: list[Callable[[], Any]]) -> list[Result]:
    """Run every call in its own thread, all released at once by a barrier; return results in order.

    Each thread connects to the database before the barrier (so nobody is still connecting when the
    others already race) and closes its connection when it ends.
    """
    barrier = threading.Barrier(len(calls))
    results = [Result() for _ in calls]

    def work(index: int, call: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=JOIN_SECONDS)
            results[index].value = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which decides
            results[index].error = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not [t for t in threads if t.is_alive()], "a worker thread hung (deadlock?)"
    return results


def errors_of(results: list[Result]) -> list[BaseException]:
    return [r.error for r in results if r.error is not None]


def pay(emulator, payment: Payment, **body) -> dict:
    return emulator.control(f"invoices/{payment.invoice_id}/pay", body).json()


def emulator_invoices(emulator) -> list[dict]:
    return emulator.control("invoices", method="GET").json()["data"]


def truth(emulator, payment: Payment) -> dict:
    (invoice,) = [i for i in emulator_invoices(emulator) if i["attributes"]["reference_id"] == payment.reference_id]
    return invoice["attributes"]


def fetch_invoice(payment: Payment):
    """Cascad's invoice as ``apply_invoice`` takes it, read through the app's own client."""
    with services.client_for(payment) as client:
        return client.get_invoice(payment.invoice_id)


def effects(payment: Payment, effect: str) -> list[PaymentEvent]:
    return list(PaymentEvent.objects.filter(payment=payment, effect=effect))


def paid_payment(make_order, emulator, total: str = "1500.00") -> tuple[Order, Payment]:
    """An order with a payment paid at Cascad (through the control API) but not yet refreshed here."""
    order = make_order(total=total)
    payment = services.start_payment(order)
    pay(emulator, payment, **PAID_CARD)
    return order, payment


def refreshed_once(payment: Payment) -> Payment:
    """What each racing thread does: load its own copy of the payment, refresh it from Cascad."""
    return services.refresh_payment(Payment.objects.get(pk=payment.pk))


def assert_paid_exactly_once(order: Order, payment: Payment, signals_log) -> None:
    """The invariants of "paid": one transition, one ``order_paid`` event and signal, one hook call."""
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED
    assert payment.cascad_status == "processed" and not payment.is_open and payment.paid_at is not None
    assert not payment.needs_review, payment.review_reason
    assert len(effects(payment, PaymentEvent.Effect.ORDER_PAID)) == 1
    changes = effects(payment, PaymentEvent.Effect.STATUS_CHANGED)
    assert [(e.effect_data["previous"], e.charge_status) for e in changes] == [
        ("NOT_CHARGED", "PENDING"),
        ("PENDING", "FULLY_CHARGED"),
    ]
    undispatched = PaymentEvent.objects.filter(payment=payment, dispatched_at__isnull=True).exclude(effect="")
    assert not undispatched.exists(), f"effects left unsent: {[e.effect for e in undispatched]}"
    sent = Counter(name for name, reference in signals_log if reference == payment.reference_id)
    assert sent["order_paid"] == 1
    assert sent["payment_status_changed"] == 1  # PENDING -> FULLY_CHARGED (the first was sent before the race)
    assert order.status_log == [["NOT_CHARGED", "PENDING"], ["PENDING", "FULLY_CHARGED"]]


# -- 1. refresh storm ---------------------------------------------------------------------------


def test_twenty_concurrent_refreshes_mark_the_order_paid_exactly_once(cascad, make_order, emulator, signals_log):
    """Behaviour: ``apply_invoice``'s order+payment row locks serialize 20 simultaneous refreshes of
    one paid invoice into exactly one PENDING → FULLY_CHARGED transition, one ``order_paid``."""
    for _round in range(ROUNDS):
        order, payment = paid_payment(make_order, emulator)
        signals_log.clear()

        results = run_together([lambda payment=payment: refreshed_once(payment)] * 20)

        assert errors_of(results) == []
        assert {r.value.charge_status for r in results} == {ChargeStatus.FULLY_CHARGED}
        assert_paid_exactly_once(order, payment, signals_log)


# -- 2. return page vs refreshes vs callbacks ---------------------------------------------------


def test_return_page_refreshes_and_apply_invoice_racing_mark_the_order_paid_exactly_once(
    cascad, make_order, emulator, signals_log
):
    """Behaviour: the customer's return page, background refreshes and callback-style
    ``apply_invoice`` of the same invoice, all at once, still give one transition and one ``order_paid``;
    every return page tells the truth (paid), none says "failed"."""
    for _round in range(ROUNDS):
        race_return_page_refreshes_and_callbacks(make_order, emulator, signals_log)


def race_return_page_refreshes_and_callbacks(make_order, emulator, signals_log) -> None:
    order, payment = paid_payment(make_order, emulator)
    invoice = fetch_invoice(payment)  # the state a callback-triggered refresh would apply
    assert invoice.status == "processed"
    signals_log.clear()
    url = f"/cascad/return/{payment.uuid}/"

    def return_page():
        return Client().get(url)

    def callback_apply():
        return services.apply_invoice(payment.pk, invoice, source="callback")

    calls = [return_page] * 8 + [lambda: refreshed_once(payment)] * 6 + [callback_apply] * 6
    results = run_together(calls)

    assert errors_of(results) == []
    pages = [r.value for r in results[:8]]
    assert [page.status_code for page in pages] == [200] * 8
    for page in pages:
        html = page.content.decode()
        assert 'data-state="paid"' in html, html
        assert "did not go through" not in html
    applied = [r.value for r in results[14:]]
    assert sum(result.previous_charge_status == ChargeStatus.PENDING for result in applied) <= 1
    assert_paid_exactly_once(order, payment, signals_log)


# -- 3. refunds above the balance ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "each", "fits"),
    [(2, "1000.00", 1), (5, "400.00", 3)],
    ids=["2x1000-of-1500", "5x400-of-1500"],
)
def test_concurrent_refunds_never_exceed_the_balance(cascad, make_order, emulator, signals_log, count, each, fits):
    """Behaviour: refund rows are written under the payment's row lock and count against the balance
    at once, so concurrent refunds whose sum exceeds what was paid succeed only as far as they fit;
    the rest raise ``RefundExceedsBalance``; ours and Cascad's books agree afterwards."""
    for _round in range(ROUNDS):
        race_refunds(make_order, emulator, signals_log, count, Decimal(each), fits)


def race_refunds(make_order, emulator, signals_log, count: int, amount: Decimal, fits: int) -> None:
    _order, payment = paid_payment(make_order, emulator)
    payment = services.refresh_payment(payment)
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED

    def refund(index: int):
        return lambda: services.refund_payment(Payment.objects.get(pk=payment.pk), amount, reason=f"racer {index}")

    results = run_together([refund(i) for i in range(count)])

    done = [r.value for r in results if r.error is None]
    refused = errors_of(results)
    assert all(isinstance(exc, RefundExceedsBalance) for exc in refused), refused
    assert (len(done), len(refused)) == (fits, count - fits)
    assert all(isinstance(r, Refund) and r.status == Refund.Status.PROCESSED for r in done)

    payment.refresh_from_db()
    live = Refund.objects.filter(payment=payment).exclude(status=Refund.Status.FAILED)
    assert live.count() == fits
    refunded = sum((r.amount for r in live), Decimal(0))
    assert refunded == fits * amount <= payment.processed_amount
    assert payment.refunded_amount == refunded  # the last refresh saw every refund: nothing lost
    assert payment.balance == payment.processed_amount - refunded
    assert payment.charge_status == ChargeStatus.PARTIALLY_REFUNDED

    cascad_side = truth(emulator, payment)
    assert Decimal(str(cascad_side["refunded_amount"])) == refunded
    assert sorted(
        (r["reference_id"], Decimal(str(r["amount"])), r["status"]) for r in cascad_side["refunds"]
    ) == sorted((r.reference_id, r.amount, r.status) for r in live)

    refund_events = effects(payment, PaymentEvent.Effect.ORDER_REFUNDED)
    assert sum(Decimal(e.effect_data["amount"]) for e in refund_events) == refunded
    assert all(e.dispatched_at is not None for e in refund_events), "order_refunded effects left unsent"
    sent = Counter(name for name, reference in signals_log if reference == payment.reference_id)
    assert sent["order_refunded"] == len(refund_events)


def test_a_refund_request_submitted_ten_times_at_once_refunds_once(cascad, make_order, emulator):
    """Behaviour: the admin's confirmation carries one ``reference_id``; ten copies of it racing (a
    double-clicked button, a resent form) make one refund row and one refund at Cascad."""
    for _round in range(ROUNDS):
        _order, payment = paid_payment(make_order, emulator)
        payment = services.refresh_payment(payment)
        reference = f"cwr_race{_round}{payment.pk:024d}"

        def refund(pk=payment.pk, reference=reference):
            return services.refund_payment(
                Payment.objects.get(pk=pk), Decimal("100.00"), reason="once", reference_id=reference
            )

        results = run_together([refund for _ in range(10)])
        assert errors_of(results) == []
        assert {r.value.pk for r in results} == {Refund.objects.get(payment=payment).pk}
        cascad_side = truth(emulator, payment)
        assert [(r["reference_id"], Decimal(str(r["amount"]))) for r in cascad_side["refunds"]] == [
            (reference, Decimal("100.00"))
        ]


# -- 4. double click on pay ---------------------------------------------------------------------


@pytest.mark.parametrize("clicks", [2, 10], ids=["double-click", "ten-clicks"])
def test_concurrent_start_payment_creates_one_invoice(cascad, make_order, emulator, clicks):
    """Behaviour: concurrent ``start_payment`` for one order (a double or 10-fold click on pay) share
    one Payment row and one Cascad invoice. What the code does: the first caller saves the row under
    the order's lock and creates the invoice; the others, finding that row still being created, get
    the same payment back (possibly before its invoice exists) rather than ``PaymentInProgress``."""
    order = make_order()

    def click():
        return services.start_payment(Order.objects.get(pk=order.pk))

    results = run_together([click] * clicks)

    errors = errors_of(results)
    assert all(isinstance(exc, PaymentInProgress) for exc in errors), errors
    returned = [r.value for r in results if r.error is None]
    assert returned, "every click was refused"
    assert len({p.pk for p in returned}) == 1
    # The first click gets the created invoice; the others get the same row, which may still be
    # being created (no Checkout URL yet: the pay view then sends them to the return page).
    assert {p.creation for p in returned} <= {Creation.CREATED, Creation.PENDING}

    rows = Payment.objects.filter(order=order)
    assert rows.count() == 1
    assert rows.filter(is_open=True).count() == 1
    (payment,) = rows
    assert payment.pk == returned[0].pk
    assert payment.creation == Creation.CREATED and payment.invoice_id
    invoices = [i for i in emulator_invoices(emulator) if i["attributes"]["metadata"].get("order_id") == str(order.pk)]
    assert len(invoices) == 1
    assert invoices[0]["id"] == payment.invoice_id
    assert len(emulator_invoices(emulator)) == 1


# -- 5. dispatch_effects from many threads ------------------------------------------------------


class FailingReceivers:
    """While active, every app signal raises: ``dispatch_effects`` keeps the effects undispatched
    (as after a receiver bug or a crash between commit and dispatch), to be sent by a later call."""

    NAMES = ("payment_status_changed", "order_paid", "order_payment_failed", "order_refunded")

    def __enter__(self):
        for name in self.NAMES:
            getattr(signals, name).connect(self.fail, weak=False)
        return self

    def __exit__(self, *exc_info):
        for name in self.NAMES:
            getattr(signals, name).disconnect(self.fail)

    @staticmethod
    def fail(sender, **kwargs):
        raise RuntimeError("receiver down (test)")


@pytest.fixture
def backlog(cascad, make_order, emulator, signals_log):
    """Two orders with a history of effects none of which was sent yet: one paid then partly
    refunded, one failed. Returns the orders and the undispatched effect events."""
    with FailingReceivers():
        paid_order, paid = paid_payment(make_order, emulator)
        paid = services.refresh_payment(paid)
        services.refund_payment(paid, Decimal("500.00"))
        failed_order = make_order(total="700.00")
        failed = services.start_payment(failed_order)
        pay(emulator, failed, **FAILED_CARD)
        services.refresh_payment(failed)
    pending = list(PaymentEvent.objects.filter(dispatched_at__isnull=True).exclude(effect="").order_by("pk"))
    assert Counter(e.effect for e in pending) == {
        "payment_status_changed": 5,
        "order_paid": 1,
        "order_refunded": 1,
        "order_payment_failed": 1,
    }
    paid_order.refresh_from_db()
    assert paid_order.status_log == []  # the hook's writes rolled back with the failed sends
    signals_log.clear()
    return paid_order, failed_order, pending


def test_dispatch_effects_from_many_threads_sends_each_effect_once(backlog, signals_log):
    """Behaviour: ``dispatch_effects()`` run by 8 threads at once (the after-commit hook of several
    requests plus reconciliation) sends every pending effect exactly once, and marks each sent."""
    _paid_order, _failed_order, pending = backlog

    results = run_together([services.dispatch_effects] * 8)

    assert errors_of(results) == []
    assert sum(r.value for r in results) == len(pending)
    assert not PaymentEvent.objects.filter(dispatched_at__isnull=True).exclude(effect="").exists()
    expected = Counter((e.effect, e.payment.reference_id) for e in pending)
    assert Counter(signals_log) == expected


def test_dispatch_effects_from_many_threads_runs_the_order_hook_for_every_change_in_order(backlog):
    """Behaviour: with effects dispatched by several threads at once, the order's
    ``cascad_payment_status_changed`` hook still runs once for every change of its payment, oldest
    first (``dispatch_effects`` promises "oldest first"; a shop keeping a status log must not lose or
    reorder a step), each with the statuses of that change even though it is dispatched late."""
    paid_order, failed_order, _pending = backlog

    results = run_together([services.dispatch_effects] * 8)

    assert errors_of(results) == []
    paid_order.refresh_from_db()
    failed_order.refresh_from_db()
    assert paid_order.status_log == [
        ["NOT_CHARGED", "PENDING"],
        ["PENDING", "FULLY_CHARGED"],
        ["FULLY_CHARGED", "PARTIALLY_REFUNDED"],
    ]
    assert failed_order.status_log == [["NOT_CHARGED", "PENDING"], ["PENDING", "REFUSED"]]


# -- 6. callback storm through the endpoint ------------------------------------------------------


def signed_invoice(emulator, payment: Payment) -> tuple[bytes, str]:
    """The invoice's current document as Cascad sends it in a callback, and its X-Signature."""
    url = f"{emulator.url}/api/payment-invoices/{payment.invoice_id}"
    body = requests.get(url, auth=emulator.auth, timeout=10).content
    return body, signing.sign(emulator.secret_key, body)


def test_twenty_concurrent_deliveries_of_one_callback_make_one_transition(cascad, make_order, emulator, signals_log):
    """Behaviour: the same signed callback arrives 20 times at once (Cascad retried, the network
    duplicated it); every delivery is answered 200, the event is stored once (deduplicated by body
    hash), and the order is paid exactly once."""
    for _round in range(ROUNDS):
        order, payment = paid_payment(make_order, emulator)  # paid at Cascad, still "created" here
        body, signature = signed_invoice(emulator, payment)
        signals_log.clear()

        def deliver(body: bytes = body, signature: str = signature) -> int:
            client = Client()
            response = client.post(
                "/cascad/callback/", data=body, content_type="application/json", HTTP_X_SIGNATURE=signature
            )
            return response.status_code

        results = run_together([deliver] * 20)
        assert errors_of(results) == []
        assert [r.value for r in results] == [200] * 20
        assert CallbackEvent.objects.filter(payment=payment).count() == 1
        assert_paid_exactly_once(order, payment, signals_log)
