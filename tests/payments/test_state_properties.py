"""Property tests of the one state function, ``services.apply_invoice``.

A true lifecycle of one invoice is generated as the contract (spec/cascad-api.md, *Statuses*) allows
it, then delivered the way callbacks and refreshes really arrive: repeated, late, stale after newer,
some never, in any order, and always ending with the final truth once more (as reconciliation
would). Invoices are built by hand, payments with the ORM: no emulator, no HTTP.

After every apply the stored state must only move forward and never claim a payment it does not
have; after the final truth it must be that truth, mapped to the charge status of design.md
(computed here from the truth, independently of ``services``), with ``order_paid`` sent exactly once
for an order paid in full and never otherwise.
"""

from __future__ import annotations

import dataclasses
import os
from decimal import Decimal

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from wagtail.models import Locale, Page, Site

from cascad_wagtail import money, services, signals
from cascad_wagtail.models import ChargeStatus, Payment, PaymentEvent, Refund
from cascad_wagtail.types import Invoice, RefundItem
from tests.testshop.models import Order

# -- the contract, written out here (not imported from the package under test) -----------------

STAGE = {
    "created": 0,
    "processing": 1,
    "process_pending": 1,
    "process_error": 1,
    "processed": 2,
    "partially_processed": 2,
    "process_failed": 2,
    "expired": 2,
    "terminated": 2,
}
IN_PROGRESS = ("processing", "process_pending", "process_error")
OUTCOMES = ("processed", "partially_processed", "process_failed", "expired", "terminated")
UNPAID_OUTCOMES = ("process_failed", "expired", "terminated")
REFUND_LABELS = ("refunding", "refund_pending", "refund_error", "partially_refunded", "refunded", "refund_failed")
FAIL_RESOLUTIONS = ("declined", "insufficient_funds", "invalid_cvv", "issuer_decline", "card_expired")
PAYMENT_CURRENCIES = ("RUB", "USD", "JPY", "KWD")

#: Multiplies every max_examples: ``PROPS_SCALE=10`` for a deeper search than the default run.
SCALE = int(os.environ.get("PROPS_SCALE", "1"))
ANY_OUTCOME = st.sampled_from(OUTCOMES)
FAST = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


def stage_of(status: str) -> int:
    return 2 if status in REFUND_LABELS else STAGE[status]


def outcome_key(status: str, processed_amount: Decimal | None):
    """What a settled invoice *is*: failed, expired, cancelled, or paid this much (refunds aside)."""
    if status in UNPAID_OUTCOMES:
        return status
    return ("paid", processed_amount)


def expected_charge(status: str, processed: Decimal | None, refunded: Decimal, review: bool) -> str:
    """design.md, *Money, statuses, order mapping* and *Payments in review*."""
    if review:
        return ChargeStatus.PARTIALLY_CHARGED if processed else ChargeStatus.PENDING
    if stage_of(status) < 2:
        return ChargeStatus.PENDING
    if status == "process_failed":
        return ChargeStatus.REFUSED
    if status in ("expired", "terminated"):
        return ChargeStatus.CANCELLED
    if status == "partially_processed":
        return ChargeStatus.PARTIALLY_CHARGED
    # Paid: the amounts decide; refund labels change nothing until money moves.
    if refunded == 0:
        return ChargeStatus.FULLY_CHARGED
    if refunded >= processed:
        return ChargeStatus.FULLY_REFUNDED
    return ChargeStatus.PARTIALLY_REFUNDED


# -- generating a true lifecycle ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, repr=False)
class Lifecycle:
    amount: Decimal  # the payment's amount
    currency: str  # the payment's currency
    outcome: str
    snapshots: tuple[Invoice, ...]  # in the order Cascad went through them; the last one is the truth
    mismatch: str = ""  # "amount", "currency" or "test_mode": the invoice differs from the payment

    @property
    def truth(self) -> Invoice:
        return self.snapshots[-1]

    @property
    def paid_in_full(self) -> bool:
        return self.outcome == "processed" and not self.mismatch

    def __repr__(self) -> str:
        return describe(self)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(describe(self))


def invoice(reference_id: str, invoice_id: str, n: int, **attributes) -> Invoice:
    fields = {
        "id": invoice_id,
        "reference_id": reference_id,
        "resolution": "ok",
        "payment_amount": attributes["amount"],
        "fee": Decimal(0),
        "processed_amount": None,
        "refunded_amount": Decimal(0),
        "description": "Test order",
        "service": None,
        "flow": "hpp",
        "test_mode": True,
        "hpp_url": f"http://cascad.test/hpp/?cpi={invoice_id}",
        "return_url": None,
        "return_urls": None,
        "callback_url": None,
        "customer": None,
        "metadata": None,
        "locale": None,
        "refunds": (),
        "created": 1764460800,
        "updated": 1764460800 + n // 2,  # one-second resolution: neighbours may share a second
        "expires": 1764547200,
        "processed": None,
        "payment_service": None,
        "payment_method": None,
        "raw": {},
        **attributes,
    }
    return Invoice(**fields)


def amounts(currency: str, low: int = 2, high: int = 10**7):
    quantum = money.quantum(currency)
    return st.integers(low, high).map(lambda units: (Decimal(units) * quantum).quantize(quantum))


@st.composite
def lifecycles(
    draw,
    reference_id: str = "cw_property_1",
    invoice_id: str = "cpi_Property0001",
    outcomes=ANY_OUTCOME,
    mismatch: str = "",
    refund_failed_label: bool = False,
    payment_money: tuple[Decimal, str] | None = None,
):
    """One invoice's true history, snapshot by snapshot, as the contract allows it."""
    if payment_money is None:
        currency = draw(st.sampled_from(PAYMENT_CURRENCIES))
        amount = draw(amounts(currency))
    else:
        amount, currency = payment_money
    inv_amount, inv_currency, test_mode = amount, currency, True
    if mismatch == "amount":
        delta = draw(amounts(currency, 1, 1000))
        lower = amount - delta
        inv_amount = lower if lower >= 2 * money.quantum(currency) and draw(st.booleans()) else amount + delta
    elif mismatch == "currency":
        inv_currency = draw(st.sampled_from([c for c in ("RUB", "EUR", "JPY", "KWD") if c != currency]))
        same_number = amount.quantize(money.quantum(inv_currency))
        if same_number == amount and same_number >= 2 * money.quantum(inv_currency) and draw(st.booleans()):
            inv_amount = same_number  # 1500.00 RUB asked, 1500.00 EUR invoiced
        else:
            inv_amount = draw(amounts(inv_currency))
    elif mismatch == "test_mode":
        test_mode = False

    snapshots: list[Invoice] = []

    def snap(status: str, **changes) -> None:
        base = {
            "amount": inv_amount,
            "currency": inv_currency,
            "payment_amount": inv_amount,
            "test_mode": test_mode,
            "status": status,
        }
        if snapshots:
            previous = snapshots[-1]
            for name in ("resolution", "processed_amount", "refunded_amount", "refunds", "processed"):
                base[name] = getattr(previous, name)
        base.update(changes)
        snapshots.append(invoice(reference_id, invoice_id, len(snapshots), **base))

    snap("created")
    outcome = draw(outcomes)
    # A payment goes through stage 1 before its result; an unpaid invoice expires from ``created``
    # (the merchant's cancel too, a moderator may terminate one under way). Delivery may skip any.
    in_progress = {"expired": (0, 0), "terminated": (0, 2)}.get(outcome, (1, 3))
    for status in draw(st.lists(st.sampled_from(IN_PROGRESS), min_size=in_progress[0], max_size=in_progress[1])):
        snap(status)
    if outcome == "processed":
        snap(outcome, processed_amount=inv_amount, processed=1764461000)
    elif outcome == "partially_processed":
        units = int(inv_amount / money.quantum(inv_currency))
        part = Decimal(draw(st.integers(1, units - 1))) * money.quantum(inv_currency)
        snap(outcome, processed_amount=part.quantize(money.quantum(inv_currency)), processed=1764461000)
    elif outcome == "process_failed":
        snap(outcome, resolution=draw(st.sampled_from(FAIL_RESOLUTIONS)))
    else:
        snap(outcome)

    if outcome in ("processed", "partially_processed"):
        _refunds(draw, snap, snapshots, outcome, inv_currency, refund_failed_label)
    return Lifecycle(amount, currency, outcome, tuple(snapshots), mismatch)


def _refunds(draw, snap, snapshots, paid_status, currency, refund_failed_label) -> None:
    """Refunds after a payment: started, labelled, settled or failed, possibly overlapping."""
    quantum = money.quantum(currency)
    paid = snapshots[-1].processed_amount
    refunds: list[list] = []  # [id, reference_id, amount, status]
    refunded = Decimal(0)
    label = "refunding"
    for step in range(draw(st.integers(0, 8))):
        balance = paid - sum((r[2] for r in refunds if r[3] != "failed"), Decimal(0))
        processing = [r for r in refunds if r[3] == "processing"]
        actions = []
        if balance > 0:
            actions.append("start")
        if processing:
            actions += ["label", "succeed", "fail"]
        if not actions:
            break
        action = draw(st.sampled_from(actions))
        failed_now = False
        if action == "start":
            units = int(balance / quantum)
            whole = draw(st.booleans())
            amount = balance if whole else (Decimal(draw(st.integers(1, units))) * quantum).quantize(quantum)
            refunds.append([f"ref_{step:04d}", f"cwr_property_{step:04d}", amount, "processing"])
            label = "refunding"
        elif action == "label":
            label = draw(st.sampled_from(["refund_pending", "refund_error", "refunding"]))
        else:
            target = draw(st.sampled_from(processing))
            if action == "succeed":
                target[3] = "processed"
                refunded += target[2]
            else:
                target[3] = "failed"
                failed_now = True
        items = tuple(RefundItem(id=r[0], reference_id=r[1], amount=r[2], status=r[3], created=None) for r in refunds)
        if failed_now and refund_failed_label:
            snap("refund_failed", refunds=items, refunded_amount=refunded)
        if any(r[3] == "processing" for r in refunds):
            status = label
        elif refunded == 0:
            status = paid_status
        elif refunded >= paid:
            status = "refunded"
        else:
            status = "partially_refunded"
        snap(status, refunds=items, refunded_amount=refunded)


@st.composite
def deliveries(draw, count: int):
    """Indices into the snapshots: repeats, stale after newer, some skipped, then the truth again."""
    picks = draw(st.lists(st.integers(0, count - 1), max_size=2 * count + 2))
    if draw(st.booleans()):
        picks.sort()  # mostly in order, with repeats and gaps (coalesced callbacks)
    return [*picks, count - 1]


@st.composite
def cases(draw, **options):
    lifecycle = draw(lifecycles(**options))
    return lifecycle, draw(deliveries(len(lifecycle.snapshots)))


# -- running a case -----------------------------------------------------------------------------


class Recorder:
    """Every ``order_paid`` signal, by order."""

    def __init__(self) -> None:
        self.order_paid: list[int] = []

    def __enter__(self):
        signals.order_paid.connect(self.receive, weak=False)
        return self

    def __exit__(self, *exc) -> None:
        signals.order_paid.disconnect(self.receive)

    def receive(self, sender, payment, order, **kwargs) -> None:
        self.order_paid.append(order.pk)


class Watch:
    """The invariants that hold after every apply, for one payment."""

    def __init__(self, payment: Payment, recorder: Recorder, *, never_paid: bool = False) -> None:
        self.payment, self.recorder, self.never_paid = payment, recorder, never_paid
        self.stage = 0
        self.refunded = Decimal(0)
        self.settled = None  # outcome_key once the stored stage is 2
        self.refunds: dict[str, str] = {}

    def check(self, note: str) -> Payment:
        p = Payment.objects.get(pk=self.payment.pk)
        order = Order.objects.get(pk=p.order_id)
        where = f"{note}: stored {p.cascad_status} stage={p.stage} charge={p.charge_status} review={p.needs_review}"
        assert p.stage >= self.stage, f"stage went back from {self.stage} ({where})"
        assert p.refunded_amount >= self.refunded, f"refunded_amount went back from {self.refunded} ({where})"
        assert p.refunded_amount <= (p.processed_amount or 0), f"refunded above processed ({where})"
        if p.stage == 2:
            key = outcome_key(p.cascad_status, p.processed_amount)
            if self.settled is None:
                self.settled = key
            assert key == self.settled, f"settled outcome {self.settled} turned into {key} ({where})"
        if p.needs_review:
            assert p.charge_status != ChargeStatus.FULLY_CHARGED, f"FULLY_CHARGED in review ({where})"
        if self.never_paid:  # an invoice that differs from the payment: in review from its first answer on
            assert p.needs_review and p.charge_status != ChargeStatus.FULLY_CHARGED, where
            assert p.paid_at is None and self.recorder.order_paid.count(p.order_id) == 0, where
        paid_events = PaymentEvent.objects.filter(payment__order_id=p.order_id, effect=PaymentEvent.Effect.ORDER_PAID)
        assert paid_events.count() <= 1, f"order_paid written {paid_events.count()} times ({where})"
        sent = self.recorder.order_paid.count(p.order_id)
        assert sent <= 1, f"order_paid sent {sent} times ({where})"
        log = [tuple(entry) for entry in order.status_log]
        for before, after in zip(log, log[1:], strict=False):
            assert before != after, f"status hook saw {before} twice in a row: {log} ({where})"
        assert all(before != after for before, after in log), f"status hook saw a non-change: {log} ({where})"
        # Beyond the brief: the stored charge status is design.md's mapping of the stored state, and
        # a refund the invoice settled (processed or failed) never goes back to processing.
        expected = expected_charge(p.cascad_status, p.processed_amount, p.refunded_amount, p.needs_review)
        assert p.charge_status == expected, f"charge {p.charge_status}, design says {expected} ({where})"
        refunds = dict(Refund.objects.filter(payment=p).values_list("reference_id", "status"))
        for reference_id, status in self.refunds.items():
            if status in (Refund.Status.PROCESSED, Refund.Status.FAILED):
                now = refunds[reference_id]
                assert now == status, f"refund {reference_id[-4:]} went from {status} back to {now} ({where})"
        self.stage, self.refunded, self.refunds = p.stage, p.refunded_amount, refunds
        return p


def new_order(lifecycle: Lifecycle, site: Site) -> Order:
    return Order.objects.create(total=lifecycle.amount, currency=lifecycle.currency, site=site, email="b@example.com")


def new_payment(order: Order, lifecycle: Lifecycle, site: Site) -> Payment:
    return Payment.objects.create(
        order=order,
        site=site,
        mode=Payment.Mode.SANDBOX,
        reference_id=lifecycle.truth.reference_id,
        amount=lifecycle.amount,
        currency=lifecycle.currency,
    )


def make_site() -> Site:
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    return Site.objects.create(hostname="props.test", port=8999, root_page=root, site_name="Property shop")


def deliver(test: TestCase, watch: Watch, lifecycle: Lifecycle, order_of_delivery: list[int]) -> Payment:
    for step, index in enumerate(order_of_delivery):
        snapshot = lifecycle.snapshots[index]
        with test.captureOnCommitCallbacks(execute=True):
            services.apply_invoice(watch.payment.pk, snapshot, source="callback")
        watch.check(f"delivery {step} = snapshot {index} ({snapshot.status})")
    return Payment.objects.get(pk=watch.payment.pk)


def check_truth(payment: Payment, lifecycle: Lifecycle, *, review: bool) -> None:
    truth = lifecycle.truth
    assert payment.cascad_status == truth.status
    assert payment.processed_amount == truth.processed_amount
    assert payment.refunded_amount == truth.refunded_amount
    assert payment.stage == stage_of(truth.status)
    assert payment.is_open == (stage_of(truth.status) < 2)
    assert payment.needs_review == review
    expected = expected_charge(truth.status, truth.processed_amount, truth.refunded_amount, review)
    assert payment.charge_status == expected, f"charge {payment.charge_status}, design says {expected}"
    rows = {r.reference_id: (r.amount, r.status) for r in Refund.objects.filter(payment=payment)}
    assert rows == {item.reference_id: (item.amount, item.status) for item in truth.refunds}


def describe(lifecycle: Lifecycle, order_of_delivery: list[int] | None = None) -> str:
    lines = [f"payment {lifecycle.amount} {lifecycle.currency}, mismatch={lifecycle.mismatch or '-'}"]
    for i, s in enumerate(lifecycle.snapshots):
        refunds = ", ".join(f"{r.reference_id[-4:]}:{r.amount}:{r.status}" for r in s.refunds)
        lines.append(
            f"  [{i}] {s.status} amount={s.amount} {s.currency} test={s.test_mode} "
            f"processed={s.processed_amount} refunded={s.refunded_amount} refunds=[{refunds}]"
        )
    if order_of_delivery is not None:
        lines.append(f"  delivered: {order_of_delivery}")
    return "\n".join(lines)


# -- the properties -------------------------------------------------------------------------------


class ApplyInvoiceProperties(TestCase):
    def run_case(self, lifecycle: Lifecycle, order_of_delivery: list[int]) -> None:
        note(describe(lifecycle, order_of_delivery))
        site = make_site()
        order = new_order(lifecycle, site)
        payment = new_payment(order, lifecycle, site)
        with Recorder() as recorder:
            watch = Watch(payment, recorder, never_paid=bool(lifecycle.mismatch))
            payment = deliver(self, watch, lifecycle, order_of_delivery)
        review = bool(lifecycle.mismatch) or lifecycle.outcome == "partially_processed"
        check_truth(payment, lifecycle, review=review)
        paid_events = PaymentEvent.objects.filter(payment=payment, effect=PaymentEvent.Effect.ORDER_PAID).count()
        expected = 1 if lifecycle.paid_in_full else 0
        assert paid_events == expected, f"order_paid written {paid_events} times, expected {expected}"
        assert recorder.order_paid.count(order.pk) == expected
        assert not PaymentEvent.objects.exclude(effect="").filter(dispatched_at__isnull=True).exists()
        if lifecycle.mismatch:
            assert payment.needs_review and payment.charge_status != ChargeStatus.FULLY_CHARGED

    @settings(FAST, max_examples=80 * SCALE)
    @given(case=cases())
    def test_any_delivery_of_a_true_lifecycle_ends_at_the_truth(self, case):
        self.run_case(*case)

    @settings(FAST, max_examples=30 * SCALE)
    @given(case=cases(outcomes=st.just("processed"), refund_failed_label=True))
    def test_a_refund_failed_label_changes_nothing_until_money_moves(self, case):
        """The contract lists ``refund_failed`` as a status a callback may carry before the invoice
        returns to its paid status; once paid, only the amounts decide the charge status."""
        self.run_case(*case)

    @settings(FAST, max_examples=30 * SCALE)
    @given(data=st.data())
    def test_a_contradicting_answer_never_changes_a_settled_outcome(self, data):
        """Beyond the contract: answers from two different histories of the same invoice.

        Cascad never sends them, but a forged-then-replayed or buggy answer must still not turn one
        settled outcome into another ("a behind or contradicting answer is recorded as stale").
        """
        truth, _ = data.draw(cases(), label="one history")
        other = data.draw(
            lifecycles(payment_money=(truth.amount, truth.currency)).filter(lambda o: o.outcome != truth.outcome),
            label="a contradicting history",
        )
        both = Lifecycle(truth.amount, truth.currency, truth.outcome, truth.snapshots + other.snapshots)
        picks = data.draw(st.lists(st.integers(0, len(both.snapshots) - 1), min_size=1, max_size=12), label="picks")
        note(describe(both, picks))
        site = make_site()
        order = new_order(both, site)
        payment = new_payment(order, both, site)
        with Recorder() as recorder:
            deliver(self, Watch(payment, recorder), both, picks)

    @settings(FAST, max_examples=40 * SCALE)
    @given(case=st.sampled_from(["amount", "currency", "test_mode"]).flatmap(lambda kind: cases(mismatch=kind)))
    def test_a_mismatched_invoice_needs_review_and_never_pays_the_order(self, case):
        lifecycle, order_of_delivery = case
        assert lifecycle.mismatch
        self.run_case(lifecycle, order_of_delivery)

    @settings(FAST, max_examples=25 * SCALE)
    @given(data=st.data())
    def test_a_second_payment_paid_after_the_first_needs_review(self, data):
        lifecycle, order_of_delivery = data.draw(cases(outcomes=st.just("processed")), label="first")
        late_lifecycle, late_delivery = data.draw(
            cases(
                outcomes=st.just("processed"),
                reference_id="cw_property_2",
                invoice_id="cpi_Property0002",
                payment_money=(lifecycle.amount, lifecycle.currency),
            ),
            label="late",
        )
        # The first payment settles as paid in full, no refunds; the late one is for the same order.
        lifecycle = dataclasses.replace(lifecycle, snapshots=_until_paid(lifecycle.snapshots))
        order_of_delivery = [i for i in order_of_delivery if i < len(lifecycle.snapshots)]
        order_of_delivery.append(len(lifecycle.snapshots) - 1)
        note(describe(lifecycle, order_of_delivery))
        note("late: " + describe(late_lifecycle, late_delivery))
        site = make_site()
        order = new_order(lifecycle, site)
        payment = new_payment(order, lifecycle, site)
        with Recorder() as recorder:
            payment = deliver(self, Watch(payment, recorder), lifecycle, order_of_delivery)
            assert payment.charge_status == ChargeStatus.FULLY_CHARGED and not payment.needs_review
            assert recorder.order_paid == [order.pk]
            late = new_payment(order, late_lifecycle, site)
            late = deliver(self, Watch(late, recorder), late_lifecycle, late_delivery)
        check_truth(late, late_lifecycle, review=True)
        assert late.charge_status != ChargeStatus.FULLY_CHARGED
        assert recorder.order_paid == [order.pk], "order_paid sent again for the late payment"
        assert PaymentEvent.objects.filter(payment__order=order, effect=PaymentEvent.Effect.ORDER_PAID).count() == 1
        payment.refresh_from_db()
        assert payment.charge_status == ChargeStatus.FULLY_CHARGED and not payment.needs_review

    @settings(FAST, max_examples=30 * SCALE)
    @given(data=st.data())
    def test_an_editor_resolving_a_review_midway_never_pays_twice_and_the_finding_stays_resolved(self, data):
        kind = data.draw(st.sampled_from(["amount", "currency", "test_mode"]), label="mismatch")
        lifecycle, order_of_delivery = data.draw(cases(mismatch=kind), label="case")
        resolve_at = data.draw(st.integers(0, len(order_of_delivery)), label="resolve after delivery")
        note(describe(lifecycle, order_of_delivery) + f"\n  resolved after delivery {resolve_at}")
        site = make_site()
        order = new_order(lifecycle, site)
        payment = new_payment(order, lifecycle, site)
        resolved_once = False
        with Recorder() as recorder:
            watch = Watch(payment, recorder)
            for step, index in enumerate(order_of_delivery + [None]):
                if step == resolve_at and Payment.objects.get(pk=payment.pk).needs_review:
                    with self.captureOnCommitCallbacks(execute=True):
                        services.resolve_review(Payment.objects.get(pk=payment.pk), note="checked by hand")
                    resolved_once = True
                    watch.check(f"resolved after delivery {step}")
                if index is None:
                    break
                with self.captureOnCommitCallbacks(execute=True):
                    services.apply_invoice(payment.pk, lifecycle.snapshots[index], source="callback")
                watch.check(f"delivery {step} = snapshot {index}")
        payment = Payment.objects.get(pk=payment.pk)
        resolved = set(payment.resolved_review.splitlines())
        assert not set(payment.review_reason.splitlines()) & resolved, "a resolved finding came back"
        if resolved_once and not payment.needs_review:
            assert payment.review_reason == ""
        sent = recorder.order_paid.count(order.pk)
        assert sent <= 1 and (payment.paid_at is not None) == (sent == 1)
        if sent:
            assert resolved_once and payment.processed_amount >= payment.amount


def _until_paid(snapshots: tuple[Invoice, ...]) -> tuple[Invoice, ...]:
    end = next(i for i, s in enumerate(snapshots) if s.status == "processed")
    return snapshots[: end + 1]
