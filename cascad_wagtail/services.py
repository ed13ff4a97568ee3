"""The public Python API: start, refresh, refund, cancel and reconcile payments.

Every path that learns something about an invoice (callback, return page, reconciliation, admin
action, GraphQL) ends in ``apply_invoice``, the one function that changes a payment's state. It
runs under the payment's row lock, only ever moves forward, checks amounts, currency and mode, and
writes the side effects as ``PaymentEvent`` rows that ``dispatch_effects`` sends after commit.

No API call is made while a row lock is held: rows are written first (a payment before its create,
a refund before it is sent), then the call is made, then its answer goes through ``apply_invoice``.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from decimal import Decimal
from typing import Any

from django.core import signing as django_signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import money, signals
from .client import CascadClient
from .exceptions import (
    CancelNotAllowed,
    CascadAPIError,
    CascadConnectionError,
    CascadError,
    ConflictError,
    InvalidRequestError,
    MethodNotOffered,
    NotConfigured,
    OrderAlreadyPaid,
    PaymentInProgress,
    PaymentUnavailable,
    RefundExceedsBalance,
    RefundNotAllowed,
    ReviewNotOpen,
    ServerError,
)
from .models import ApiCall, CascadSettings, ChargeStatus, Creation, Payment, PaymentEvent, Refund
from .orders import get_order_model
from .types import REFUNDABLE_STATUSES, Invoice, stage_of

logger = logging.getLogger("cascad_wagtail.services")

#: Statuses Cascad may send once money arrived (``refund_failed``: the invoice is back to paid).
REFUNDABLE = REFUNDABLE_STATUSES | {"refund_failed"}
PAID_STATUSES = REFUNDABLE | {"refunded"}
PENDING_CREATE_GRACE = datetime.timedelta(minutes=2)
METHODS_CACHE_SECONDS = 600
LINK_SALT = "cascad_wagtail.payment-link"


# -- configuration and clients ---------------------------------------------------------------


def settings_for_site(site) -> CascadSettings:
    return CascadSettings.for_site(site)


def _checked_settings(site) -> CascadSettings:
    config = settings_for_site(site)
    if not config.enabled:
        raise NotConfigured(_("Card payments are not available on this site right now."))
    if not config.host or not config.keys().complete:
        raise NotConfigured(_("Cascad is not fully configured for this site: the host or a key is missing."))
    return config


def _recorder(payment: Payment | None):
    """An ``on_call`` hook writing each HTTP attempt to the API call log (never secrets)."""

    def record(call) -> None:
        ApiCall.objects.create(
            payment=payment,
            method=call.method,
            path=call.path[:255],
            query=call.query[:500],
            status_code=call.status,
            duration_ms=int(call.duration * 1000),
            request_id=call.request_id or "",
            attempt=call.attempt,
            error=call.error or "",
        )

    return record


def client_for(payment: Payment) -> CascadClient:
    """A client with the keys of the payment's own mode, logging calls on the payment's timeline."""
    config = settings_for_site(payment.site)
    return config.client(payment.mode, on_call=_recorder(payment))


# -- offered methods --------------------------------------------------------------------------


def available_services(config: CascadSettings, currency: str) -> dict[str, str]:
    """Method → Cascad service code for ``currency``, limited to the methods the owner offers.

    Read from the Public API's prerequest and cached for a few minutes per site, mode and currency.
    """
    key = f"cascad:services:{config.site_id}:{config.mode}:{currency}"
    services = cache.get(key)
    if services is None:
        try:
            with config.client() as client:
                result = client.prerequest(currency)
        except InvalidRequestError:
            services = {}
        except (CascadConnectionError, ServerError) as exc:
            raise PaymentUnavailable(_("The payment service is not answering. Please try again in a minute.")) from exc
        else:
            services = {service.method: service.code for service in result.services.values()}
        cache.set(key, services, METHODS_CACHE_SECONDS)
    offered = set(config.offered_methods or [])
    return {method: code for method, code in services.items() if not offered or method in offered}


def _service_for(config: CascadSettings, currency: str, method: str | None) -> str:
    """The ``service`` to preselect ("" lets Checkout offer everything), or ``MethodNotOffered``."""
    services = available_services(config, currency)
    if not services:
        raise MethodNotOffered(_("Payments in %(currency)s are not accepted here.") % {"currency": currency})
    if method:
        if method not in services:
            raise MethodNotOffered(_("This payment method is not offered for %(currency)s.") % {"currency": currency})
        return services[method]
    if config.offered_methods:
        # The owner limited the methods: Checkout must not offer the others, so one is preselected
        # (the shop's picker passes ``method``; without a choice, e.g. a payment link, the first).
        return next(iter(services.values()))
    return ""


# -- the one state function -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ApplyResult:
    payment: Payment
    applied: bool
    previous_charge_status: str


def _derive_charge_status(payment: Payment) -> str:
    if payment.creation == Creation.FAILED:
        return ChargeStatus.REFUSED
    if not payment.cascad_status:
        return ChargeStatus.NOT_CHARGED
    paid = payment.processed_amount
    if payment.needs_review:
        return ChargeStatus.PARTIALLY_CHARGED if paid else ChargeStatus.PENDING
    status = payment.cascad_status
    if status in PAID_STATUSES and status != "partially_processed" and paid is not None:
        if payment.refunded_amount <= 0:
            return ChargeStatus.FULLY_CHARGED
        if payment.refunded_amount >= paid:
            return ChargeStatus.FULLY_REFUNDED
        return ChargeStatus.PARTIALLY_REFUNDED
    return {
        "partially_processed": ChargeStatus.PARTIALLY_CHARGED,
        "process_failed": ChargeStatus.REFUSED,
        "expired": ChargeStatus.CANCELLED,
        "terminated": ChargeStatus.CANCELLED,
    }.get(status, ChargeStatus.PENDING)


def _outcome(status: str, processed_amount: Decimal | None) -> tuple[str, Decimal | None]:
    """The settled outcome behind a stage-2 status: money received (and how much), or why not.

    Refund labels and ``partially_processed`` all mean "paid", and only the paid amount tells
    them apart: a later answer with another paid amount contradicts the settled outcome.
    """
    if status in PAID_STATUSES:
        return ("paid", processed_amount)
    return (status, None)


def _paid_in_full(payment: Payment) -> bool:
    """Cascad says this payment's whole amount arrived (whatever was refunded since)."""
    return (
        payment.cascad_status in PAID_STATUSES
        and payment.cascad_status != "partially_processed"
        and payment.processed_amount is not None
        and payment.processed_amount == payment.amount
    )


def _review(payment: Payment, reason: str) -> None:
    if reason in payment.resolved_review.splitlines():
        return  # an editor already looked at exactly this and resolved it
    if reason not in payment.review_reason:
        payment.review_reason = f"{payment.review_reason}\n{reason}".strip()
    payment.needs_review = True


def _event(payment: Payment, kind: str, source: str, message: str = "", *, user=None, effect: str = "", **data):
    return PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        source=source,
        cascad_status=payment.cascad_status,
        charge_status=payment.charge_status,
        message=message,
        user=user,
        effect=effect,
        effect_data=data,
    )


def _sync_refunds(payment: Payment, invoice: Invoice) -> None:
    """Settle our refund rows from the invoice's ``refunds`` list; record refunds made elsewhere."""
    ours = {refund.reference_id: refund for refund in payment.refunds.all()}
    for item in invoice.refunds:
        refund = ours.get(item.reference_id)
        status = item.status if item.status in Refund.Status.values else Refund.Status.PROCESSING
        if refund is None:
            Refund.objects.create(
                payment=payment,
                reference_id=item.reference_id,
                cascad_refund_id=item.id,
                amount=item.amount,
                status=status,
                reason=_("Made outside this shop"),
            )
        elif refund.is_settled:
            continue  # processed or failed is final: an older answer cannot bring a refund back
        elif refund.status != status or refund.cascad_refund_id != item.id:
            refund.status, refund.cascad_refund_id = status, item.id
            refund.save(update_fields=["status", "cascad_refund_id", "updated_at"])


def apply_invoice(payment_id: int, invoice: Invoice, *, source: str, user=None) -> ApplyResult:
    """Apply Cascad's invoice state to the payment, under its row lock. The only writer of payment state.

    The answer is applied unless it is behind what is stored on (stage, ``refunded_amount``); a behind
    or contradicting answer is recorded as ``stale`` and changes nothing. Amount, currency or mode that
    differ from the payment, a partial payment, a status this package does not know, or a second
    payment for an already paid order put the payment in review: never paid. Side effects are written
    as events and dispatched after commit, once.
    """
    order_model = get_order_model()
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    with transaction.atomic():
        # Lock order then payment, always in that order: order_paid must fire once per order.
        order_model._default_manager.select_for_update().filter(pk=order_id).exists()
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        previous = payment.charge_status
        if invoice.reference_id != payment.reference_id or (payment.invoice_id and invoice.id != payment.invoice_id):
            raise CascadError(
                f"Invoice {invoice.id} ({invoice.reference_id}) does not belong to payment {payment.reference_id}."
            )
        new_stage = stage_of(invoice.status)
        if new_stage is None:
            _review(
                payment, _("Cascad reported a status this shop does not know: %(status)s.") % {"status": invoice.status}
            )
            payment.charge_status = _derive_charge_status(payment)
            payment.save()
            _event(payment, PaymentEvent.Kind.REVIEW, source, invoice.status)
            return ApplyResult(payment, False, previous)
        if payment.cascad_status and _is_behind(payment, invoice, new_stage):
            _event(
                payment,
                PaymentEvent.Kind.STALE,
                source,
                _("Cascad answered %(status)s; the payment already is %(current)s.")
                % {"status": invoice.status, "current": payment.cascad_status},
            )
            return ApplyResult(payment, False, previous)

        refunded_before = payment.refunded_amount
        was_paid_notified = payment.paid_at is not None
        payment.invoice_id = invoice.id
        payment.creation = Creation.CREATED
        payment.hpp_url = invoice.hpp_url or payment.hpp_url
        if invoice.expires:
            payment.expires_at = datetime.datetime.fromtimestamp(invoice.expires, datetime.UTC)
        payment.cascad_status = invoice.status
        payment.cascad_resolution = invoice.resolution or ""
        payment.stage = new_stage
        payment.processed_amount = invoice.processed_amount
        payment.refunded_amount = invoice.refunded_amount
        payment.is_open = new_stage < 2
        _check_amounts(payment, invoice)
        _sync_refunds(payment, invoice)

        becomes_paid = _paid_in_full(payment) and not payment.needs_review and not was_paid_notified
        if becomes_paid and _order_paid_elsewhere(payment):
            _review(payment, _("The order was already paid by another payment: refund this one."))
            becomes_paid = False
        if becomes_paid:
            payment.paid_at = timezone.now()
        payment.charge_status = _derive_charge_status(payment)
        payment.save()

        _event(payment, PaymentEvent.Kind.APPLIED, source, invoice.resolution or "")
        if payment.needs_review and not previous_needs_review_noted(payment):
            _event(payment, PaymentEvent.Kind.REVIEW, source, payment.review_reason)
        if payment.charge_status != previous:
            _event(
                payment, PaymentEvent.Kind.APPLIED, source, effect=PaymentEvent.Effect.STATUS_CHANGED, previous=previous
            )
            if payment.charge_status in (ChargeStatus.REFUSED, ChargeStatus.CANCELLED):
                _event(payment, PaymentEvent.Kind.APPLIED, source, effect=PaymentEvent.Effect.ORDER_PAYMENT_FAILED)
        if becomes_paid:
            _event(payment, PaymentEvent.Kind.APPLIED, source, effect=PaymentEvent.Effect.ORDER_PAID)
        if payment.refunded_amount > refunded_before:
            _event(
                payment,
                PaymentEvent.Kind.REFUND,
                source,
                effect=PaymentEvent.Effect.ORDER_REFUNDED,
                amount=str(payment.refunded_amount - refunded_before),
                refunded_amount=str(payment.refunded_amount),
            )
        transaction.on_commit(lambda: dispatch_effects(payment.pk))
        return ApplyResult(payment, True, previous)


def previous_needs_review_noted(payment: Payment) -> bool:
    return payment.events.filter(kind=PaymentEvent.Kind.REVIEW, message=payment.review_reason).exists()


def _is_behind(payment: Payment, invoice: Invoice, new_stage: int) -> bool:
    if new_stage < payment.stage or invoice.refunded_amount < payment.refunded_amount:
        return True
    if payment.stage == 2 and new_stage == 2:
        before = _outcome(payment.cascad_status, payment.processed_amount)
        after = _outcome(invoice.status, invoice.processed_amount)
        return before != after
    return False


def _check_amounts(payment: Payment, invoice: Invoice) -> None:
    expected_test_mode = payment.mode == Payment.Mode.SANDBOX
    if invoice.currency != payment.currency or invoice.amount != money.quantize(payment.amount, payment.currency):
        _review(
            payment,
            _("Cascad's invoice is for %(theirs)s, the payment for %(ours)s.")
            % {"theirs": money.format_amount(invoice.amount, invoice.currency), "ours": payment.amount_display()},
        )
    if invoice.test_mode != expected_test_mode:
        _review(payment, _("Cascad's invoice is in the other mode (test or live) than the payment."))
    if invoice.status == "partially_processed":
        _review(payment, _("Only part of the amount was paid."))
    elif invoice.processed_amount is not None and invoice.processed_amount != invoice.amount:
        _review(
            payment,
            _("Cascad reports %(paid)s paid of %(amount)s.")
            % {
                "paid": money.format_amount(invoice.processed_amount, invoice.currency),
                "amount": money.format_amount(invoice.amount, invoice.currency),
            },
        )


def _order_paid_elsewhere(payment: Payment) -> bool:
    return (
        PaymentEvent.objects.filter(payment__order_id=payment.order_id, effect=PaymentEvent.Effect.ORDER_PAID)
        .exclude(payment=payment)
        .exists()
    )


# -- side effects -----------------------------------------------------------------------------


def dispatch_effects(payment_id: int | None = None, limit: int = 100) -> int:
    """Send the signals of undispatched events, oldest first, each in a transaction that marks it sent.

    Each dispatch takes the order's row lock first (the lock order of ``apply_invoice``), so one
    dispatcher at a time works on an order: its effects go out in order and its hook never runs
    concurrently. A receiver that raises rolls back its own writes; the event stays undispatched
    (with the error) and so do the order's later ones, until a later call (reconciliation) succeeds.
    """
    sent = 0
    blocked_orders: set[int] = set()
    order_model = get_order_model()
    for _attempt in range(limit):
        pending = PaymentEvent.objects.filter(dispatched_at__isnull=True).exclude(effect="")
        pending = pending.exclude(payment__order_id__in=blocked_orders)
        if payment_id is not None:
            pending = pending.filter(payment_id=payment_id)
        order_id = pending.order_by("pk").values_list("payment__order_id", flat=True).first()
        if order_id is None:
            break
        with transaction.atomic():
            order_model._default_manager.select_for_update().filter(pk=order_id).exists()
            event = (
                PaymentEvent.objects.select_for_update(of=("self",))
                .filter(payment__order_id=order_id, dispatched_at__isnull=True)
                .exclude(effect="")
                .select_related("payment")
                .order_by("pk")
                .first()
            )
            if event is None:  # another dispatcher sent them meanwhile
                continue
            try:
                with transaction.atomic():
                    _send_effect(event)
            except Exception as exc:  # a shop's receiver failed: keep the effect (and its successors) for later
                logger.exception("dispatching %s for payment %s failed", event.effect, event.payment_id)
                event.dispatch_error = f"{exc.__class__.__name__}: {exc}"[:2000]
                event.save(update_fields=["dispatch_error"])
                blocked_orders.add(order_id)
                continue
            event.dispatched_at = timezone.now()
            event.dispatch_error = ""
            event.save(update_fields=["dispatched_at", "dispatch_error"])
            sent += 1
    return sent


def _send_effect(event: PaymentEvent) -> None:
    payment = event.payment
    order = payment.order
    kwargs: dict[str, Any] = {"sender": Payment, "payment": payment, "order": order}
    if event.effect == PaymentEvent.Effect.STATUS_CHANGED:
        # The statuses of this change, not the payment's current one: effects may go out late.
        previous, status = event.effect_data.get("previous", ""), event.charge_status
        hook = getattr(order, "cascad_payment_status_changed", None)
        if hook is not None:
            hook(payment, previous, status)
        signals.payment_status_changed.send(previous=previous, status=status, **kwargs)
    elif event.effect == PaymentEvent.Effect.ORDER_PAID:
        signals.order_paid.send(**kwargs)
    elif event.effect == PaymentEvent.Effect.ORDER_PAYMENT_FAILED:
        signals.order_payment_failed.send(**kwargs)
    elif event.effect == PaymentEvent.Effect.ORDER_REFUNDED:
        signals.order_refunded.send(
            amount=Decimal(event.effect_data["amount"]),
            refunded_amount=Decimal(event.effect_data["refunded_amount"]),
            **kwargs,
        )


# -- starting a payment -----------------------------------------------------------------------


def return_url_for(payment: Payment) -> str:
    root = payment.site.root_url.rstrip("/")
    return root + reverse("cascad_wagtail:return", kwargs={"payment_uuid": payment.uuid})


def start_payment(order, *, method: str | None = None, return_url: str = "", source: str = "shop") -> Payment:
    """The payment to send the customer to: a reusable open invoice, else a new one.

    Reuses the order's open invoice while it is still ``created`` for the same amount, currency and
    method (a double click or a reload lands on the same invoice); cancels it first when those
    changed; refuses while a payment is under way or after the order was paid. The payment row is
    saved before the API call, so a callback that beats the answer finds it; a timeout leaves it
    *unknown* (and the next call settles it by reference, never creating a second invoice).
    """
    site = order.get_cascad_site()
    config = _checked_settings(site)
    currency = order.get_cascad_currency()
    amount = money.validate_amount(order.get_cascad_amount(), currency)
    service = _service_for(config, currency, method)
    for _round in range(4):
        payment, todo = _claim_payment(order, config, amount, currency, service, return_url)
        if todo == "reuse":
            return payment
        if todo == "settle":
            _settle_open_payment(payment)
            continue
        if todo == "cancel":
            try:
                cancel_payment(payment, source=source)
            except CancelNotAllowed:
                raise PaymentInProgress(
                    _("A payment for this order is already being processed. Please wait for its result.")
                ) from None
            continue
        return _create_invoice(payment, order, config, source)
    raise PaymentInProgress(_("A payment for this order is already being processed. Please wait for its result."))


def _claim_payment(order, config, amount, currency, service, return_url) -> tuple[Payment | None, str]:
    """Under the order's lock: decide what to do with the order's open payment, or save a new one."""
    order_model = type(order)
    with transaction.atomic():
        order_model._default_manager.select_for_update().filter(pk=order.pk).exists()
        payments = Payment.objects.filter(order_id=order.pk)
        if (
            payments.filter(
                charge_status__in=[
                    ChargeStatus.FULLY_CHARGED,
                    ChargeStatus.PARTIALLY_REFUNDED,
                    ChargeStatus.FULLY_REFUNDED,
                ]
            ).exists()
            or payments.filter(needs_review=True, processed_amount__isnull=False).exists()
        ):
            raise OrderAlreadyPaid(_("This order has already been paid."))
        current = payments.filter(is_open=True).first()
        if current is not None:
            if current.creation in (Creation.PENDING, Creation.UNKNOWN):
                fresh = (
                    current.creation == Creation.PENDING and current.created_at > timezone.now() - PENDING_CREATE_GRACE
                )
                return current, "reuse" if fresh else "settle"
            if current.stage >= 1:
                raise PaymentInProgress(
                    _("A payment for this order is already being processed. Please wait for its result.")
                )
            same = (
                current.amount == amount
                and current.currency == currency
                and current.service == service
                and current.mode == config.mode
                and (not return_url or current.return_url == return_url)
            )
            if same and (current.expires_at is None or current.expires_at > timezone.now()):
                return current, "reuse"
            return current, "cancel"
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    order=order,
                    site=config.site,
                    mode=config.mode,
                    amount=amount,
                    currency=currency,
                    description=str(order.get_cascad_description())[:255],
                    customer_email=str((order.get_cascad_customer() or {}).get("email") or "").strip().lower()[:254],
                    service=service,
                    return_url=return_url,
                )
        except IntegrityError:
            # Another request opened a payment between our check and insert (only without row locks).
            return payments.filter(is_open=True).first(), "reuse"
        return payment, "create"


def _create_invoice(payment: Payment, order, config: CascadSettings, source: str) -> Payment:
    client = client_for(payment)
    customer = {key: value for key, value in (order.get_cascad_customer() or {}).items() if value}
    try:
        invoice = client.create_invoice(
            reference_id=payment.reference_id,
            amount=payment.amount,
            currency=payment.currency,
            service=payment.service or None,
            description=payment.description or None,
            return_url=return_url_for(payment),
            callback_url=config.callback_url,
            customer=customer or None,
            metadata={"order_id": str(order.pk), "payment": str(payment.uuid)},
            lifetime_seconds=config.lifetime_seconds,
        )
    except (CascadConnectionError, ServerError) as exc:
        Payment.objects.filter(pk=payment.pk, creation=Creation.PENDING).update(
            creation=Creation.UNKNOWN, last_error=f"{exc.__class__.__name__}: {exc}"[:2000]
        )
        _event(payment, PaymentEvent.Kind.ERROR, source, _("No answer from Cascad; the invoice may exist."))
        raise PaymentUnavailable(
            _("The payment service did not answer. Nothing was charged; please try again in a minute.")
        ) from exc
    except CascadAPIError as exc:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            locked.creation, locked.is_open = Creation.FAILED, False
            locked.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            locked.charge_status = _derive_charge_status(locked)
            locked.save()
            _event(locked, PaymentEvent.Kind.ERROR, source, str(exc))
        raise NotConfigured(_("Cascad refused to create the payment: %(error)s") % {"error": exc.message}) from exc
    finally:
        client.close()
    _event(payment, PaymentEvent.Kind.CREATED, source, invoice.id)
    return apply_invoice(payment.pk, invoice, source=source).payment


def _settle_open_payment(payment: Payment) -> None:
    """An open payment whose create got no answer: settle it before deciding anything else."""
    try:
        refresh_payment(payment, source="shop")
    except (CascadConnectionError, ServerError) as exc:
        raise PaymentUnavailable(_("The payment service is not answering. Please try again in a minute.")) from exc
    payment.refresh_from_db()
    if payment.creation in (Creation.PENDING, Creation.UNKNOWN):
        # Cascad has no such invoice yet: repeat the create with the same reference (adopts it if it appears).
        order = payment.order
        _create_invoice(payment, order, _checked_settings(payment.site), "shop")


# -- refreshing ---------------------------------------------------------------------------------


def refresh_payment(payment: Payment, *, source: str = "refresh") -> Payment:
    """Read the invoice from Cascad (by id, else by ``reference_id``) and apply it."""
    with client_for(payment) as client:
        if payment.invoice_id:
            invoice = client.get_invoice(payment.invoice_id)
        else:
            invoice = client.find_invoice_by_reference(payment.reference_id)
    if invoice is not None:
        return apply_invoice(payment.pk, invoice, source=source).payment
    _expire_never_created(payment)
    payment.refresh_from_db()
    return payment


def _expire_never_created(payment: Payment) -> None:
    """Cascad has no invoice for the reference: after the invoice lifetime, it never will."""
    lifetime = datetime.timedelta(seconds=settings_for_site(payment.site).lifetime_seconds)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.creation not in (Creation.PENDING, Creation.UNKNOWN):
            return
        if locked.created_at > timezone.now() - lifetime:
            return
        previous = locked.charge_status
        locked.creation, locked.is_open = Creation.FAILED, False
        locked.charge_status = _derive_charge_status(locked)
        locked.save()
        _event(
            locked,
            PaymentEvent.Kind.APPLIED,
            "reconcile",
            _("Cascad never created this invoice."),
            effect=PaymentEvent.Effect.STATUS_CHANGED,
            previous=previous,
        )
        _event(locked, PaymentEvent.Kind.APPLIED, "reconcile", effect=PaymentEvent.Effect.ORDER_PAYMENT_FAILED)
        transaction.on_commit(lambda: dispatch_effects(locked.pk))


# -- refunds and cancel -------------------------------------------------------------------------


def refund_payment(
    payment: Payment, amount, *, reason: str = "", user=None, source: str = "admin", reference_id: str = ""
) -> Refund:
    """Refund ``amount`` of a paid payment. Written before sent; never above the balance.

    ``reference_id`` makes the request idempotent (an admin form submitted twice): a refund already
    made with it is returned as it is, and nothing is sent again.

    The refund row is saved under the payment's row lock with its amount counting against the
    balance at once, so concurrent refunds cannot together exceed what was paid. The API call is
    made without the lock; a timeout leaves the refund *unknown* until reconciliation settles it
    (resending with the same reference, which Cascad answers with the same refund).
    """
    amount = money.validate_amount(amount, payment.currency)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if reference_id:
            existing = Refund.objects.filter(reference_id=reference_id).first()
            if existing is not None:
                if existing.payment_id != locked.pk:
                    raise RefundNotAllowed(_("This refund request belongs to another payment."))
                return existing
        if locked.cascad_status not in REFUNDABLE or not locked.invoice_id:
            raise RefundNotAllowed(_("Only a paid payment can be refunded."))
        balance = locked.balance
        if amount > balance:
            raise RefundExceedsBalance(
                _("The refund of %(amount)s is more than the %(balance)s that can still be refunded.")
                % {
                    "amount": money.format_amount(amount, locked.currency),
                    "balance": money.format_amount(balance, locked.currency),
                }
            )
        refund = Refund.objects.create(
            payment=locked,
            amount=amount,
            reason=reason[:255],
            created_by=user,
            **({"reference_id": reference_id} if reference_id else {}),
        )
        _event(
            locked,
            PaymentEvent.Kind.REFUND,
            source,
            (_("Refund of %(amount)s requested: %(reason)s") if reason else _("Refund of %(amount)s requested."))
            % {"amount": money.format_amount(amount, locked.currency), "reason": reason[:255]},
            user=user,
        )
    _send_refund(refund)
    refund.refresh_from_db()
    return refund


def _send_refund(refund: Refund) -> None:
    payment = refund.payment
    try:
        with client_for(payment) as client:
            answer = client.refund(
                payment.invoice_id,
                amount=refund.amount,
                currency=payment.currency,
                reference_id=refund.reference_id,
                description=refund.reason or None,
            )
    except (CascadConnectionError, ServerError) as exc:
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.UNKNOWN, error=f"{exc.__class__.__name__}: {exc}"[:2000]
        )
        return
    except CascadAPIError as exc:
        Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.FAILED, error=str(exc)[:2000])
        raise RefundNotAllowed(_("Cascad refused the refund: %(error)s") % {"error": exc.message}) from exc
    status = answer.status if answer.status in Refund.Status.values else Refund.Status.PROCESSING
    Refund.objects.filter(pk=refund.pk).exclude(status__in=[Refund.Status.PROCESSED, Refund.Status.FAILED]).update(
        status=status, cascad_refund_id=answer.id, error=""
    )
    try:
        refresh_payment(payment, source="refund")
    except CascadError:
        logger.warning("refresh after refund %s failed; reconciliation will settle it", refund.reference_id)


def settle_refund(refund: Refund) -> Refund:
    """A refund whose answer never came: settle it from the invoice, else send it again (same reference)."""
    refresh_payment(refund.payment, source="reconcile")
    refund.refresh_from_db()
    if refund.status in (Refund.Status.PENDING, Refund.Status.UNKNOWN):
        _send_refund(refund)
        refund.refresh_from_db()
    return refund


def cancel_payment(payment: Payment, *, user=None, source: str = "admin") -> Payment:
    """Cancel an invoice nobody has paid yet; refused once a payment is under way or done."""
    if payment.creation in (Creation.PENDING, Creation.UNKNOWN) or not payment.invoice_id:
        payment = refresh_payment(payment, source=source)
        if not payment.invoice_id:
            raise CancelNotAllowed(_("Cascad has no invoice for this payment yet; try again in a minute."))
    if payment.stage != 0:
        raise CancelNotAllowed(_("Only an unpaid invoice can be cancelled."))
    try:
        with client_for(payment) as client:
            invoice = client.cancel(payment.invoice_id)
    except ConflictError as exc:
        refresh_payment(payment, source=source)
        raise CancelNotAllowed(_("The invoice can no longer be cancelled: a payment is under way or done.")) from exc
    result = apply_invoice(payment.pk, invoice, source=source, user=user)
    _event(result.payment, PaymentEvent.Kind.CANCEL, source, _("Invoice cancelled."), user=user)
    return result.payment


def resolve_review(payment: Payment, *, note: str, user=None, source: str = "admin") -> Payment:
    """An editor has looked at a payment in review and settled it outside this app (``note`` says how).

    The review is closed and its reasons remembered, so the same finding does not reopen it. A payment
    for which Cascad received at least its amount then counts as paid (``order_paid``, once), unless the
    order was already paid by another payment; a partly paid one stays partly paid.
    """
    note = (note or "").strip()
    if not note:
        raise ReviewNotOpen(_("Say how the review was resolved."))
    order_model = get_order_model()
    with transaction.atomic():
        order_model._default_manager.select_for_update().filter(pk=payment.order_id).exists()
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if not locked.needs_review:
            raise ReviewNotOpen(_("This payment does not need review."))
        previous = locked.charge_status
        resolved = [line for line in locked.resolved_review.splitlines() if line]
        resolved += [line for line in locked.review_reason.splitlines() if line and line not in resolved]
        locked.resolved_review = "\n".join(resolved)
        locked.needs_review, locked.review_reason = False, ""
        arrived = locked.processed_amount if locked.cascad_status in PAID_STATUSES else None
        covers = arrived is not None and locked.cascad_status != "partially_processed" and arrived >= locked.amount
        becomes_paid = covers and locked.paid_at is None and not _order_paid_elsewhere(locked)
        if becomes_paid:
            locked.paid_at = timezone.now()
        locked.charge_status = _derive_charge_status(locked)
        locked.save()
        _event(locked, PaymentEvent.Kind.RESOLVED, source, note[:2000], user=user)
        if locked.charge_status != previous:
            _event(
                locked, PaymentEvent.Kind.APPLIED, source, effect=PaymentEvent.Effect.STATUS_CHANGED, previous=previous
            )
        if becomes_paid:
            _event(locked, PaymentEvent.Kind.APPLIED, source, effect=PaymentEvent.Effect.ORDER_PAID)
        transaction.on_commit(lambda: dispatch_effects(locked.pk))
    return locked


def expire_payment(payment: Payment) -> Payment:
    """An invoice past its expiry: ask Cascad; cancel only one that is still ``created``.

    A ``processed`` answer is applied even this late: expiry never loses money.
    """
    payment = refresh_payment(payment, source="expiry")
    if payment.stage == 0 and payment.invoice_id and payment.expires_at and payment.expires_at < timezone.now():
        try:
            payment = cancel_payment(payment, source="expiry")
        except CancelNotAllowed:
            payment.refresh_from_db()
    return payment


def order_current_payment(order) -> Payment | None:
    """The payment an order's status follows: its latest that is not refused or cancelled, else its latest."""
    payments = Payment.objects.filter(order_id=order.pk).order_by("-created_at", "-pk")
    settled_badly = (ChargeStatus.REFUSED, ChargeStatus.CANCELLED)
    return payments.exclude(charge_status__in=settled_badly).first() or payments.first()


def order_payment_status(order) -> str:
    """The order's charge status (see ``order_current_payment``); ``NOT_CHARGED`` without payments."""
    current = order_current_payment(order)
    return current.charge_status if current else ChargeStatus.NOT_CHARGED


def order_current_payments(orders) -> dict[Any, Payment | None]:
    """``order_current_payment`` of many orders in one query, by order pk."""
    settled_badly = (ChargeStatus.REFUSED, ChargeStatus.CANCELLED)
    latest: dict[Any, Payment] = {}
    current: dict[Any, Payment] = {}
    for payment in Payment.objects.filter(order_id__in=[order.pk for order in orders]).order_by("-created_at", "-pk"):
        latest.setdefault(payment.order_id, payment)
        if payment.charge_status not in settled_badly:
            current.setdefault(payment.order_id, payment)
    return {order.pk: current.get(order.pk) or latest.get(order.pk) for order in orders}


def order_payment_statuses(orders) -> dict[Any, str]:
    """``order_payment_status`` of many orders in one query, by order pk."""
    return {
        pk: payment.charge_status if payment else ChargeStatus.NOT_CHARGED
        for pk, payment in order_current_payments(orders).items()
    }


# -- payment links ------------------------------------------------------------------------------


def payment_link_token(order) -> str:
    return django_signing.dumps(str(order.pk), salt=LINK_SALT, compress=True)


def order_from_link_token(token: str):
    """The order a payment link names, or ``None`` for a forged or mangled link."""
    try:
        pk = django_signing.loads(token, salt=LINK_SALT)
    except django_signing.BadSignature:
        return None
    return get_order_model()._default_manager.filter(pk=pk).first()


def payment_link(order) -> str:
    """An absolute URL on the shop that creates or reuses the order's invoice and sends the customer on."""
    root = order.get_cascad_site().root_url.rstrip("/")
    return root + reverse("cascad_wagtail:pay", kwargs={"token": payment_link_token(order)})


# -- reconciliation -----------------------------------------------------------------------------


@dataclasses.dataclass
class ReconcileReport:
    refreshed: int = 0
    refunds_settled: int = 0
    effects_sent: int = 0
    errors: int = 0


def reconcile(
    *, older_than: datetime.timedelta = datetime.timedelta(minutes=5), everything: bool = False
) -> ReconcileReport:
    """Refresh open payments untouched for ``older_than`` (all payments with ``everything``), settle
    refunds whose answer never came, and send side effects that are still due."""
    report = ReconcileReport()
    cutoff = timezone.now() - older_than
    payments = Payment.objects.all() if everything else Payment.objects.filter(is_open=True, updated_at__lte=cutoff)
    for payment in payments.select_related("site").iterator():
        try:
            refresh_payment(payment, source="reconcile")
            report.refreshed += 1
        except CascadError as exc:
            report.errors += 1
            logger.warning("reconcile: payment %s not refreshed: %s", payment.reference_id, exc)
    refunds = Refund.objects.filter(status__in=[Refund.Status.PENDING, Refund.Status.UNKNOWN])
    if not everything:
        refunds = refunds.filter(updated_at__lte=cutoff)
    for refund in refunds.select_related("payment__site"):
        try:
            settle_refund(refund)
            report.refunds_settled += 1
        except CascadError as exc:
            report.errors += 1
            logger.warning("reconcile: refund %s not settled: %s", refund.reference_id, exc)
    report.effects_sent = dispatch_effects()
    return report
