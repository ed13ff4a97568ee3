"""``checkoutComplete``: the order and its invoice, then following the payment to its end."""

from __future__ import annotations

import hashlib
import json
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from .. import money, services, storefront
from ..exceptions import OrderAlreadyPaid, PaymentError, PaymentInProgress, PaymentUnavailable
from ..models import Checkout, CheckoutCompletion, Creation, Payment
from ..storefront import InsufficientStock
from ..views import outcome_of
from .editing import _email_errors, _error, _not_found, _Refused, _variant_errors
from .paying import SOURCE, _current_payment, _readiness, _refreshed, _unfreeze
from .pricing import _as_uuid, _locked, _summarize, available_gateways, get_checkout
from .results import CheckoutError, CheckoutErrorCode, CheckoutSummary, CompleteResult


def complete(token: object, *, user=None) -> CompleteResult:
    """``checkoutComplete``: create the order and its invoice, or follow the payment (see the module doc).

    ``paymentData`` is never taken: the payment is the one ``payment_create`` recorded, and its state is
    read from Cascad. Called twice at once, it makes one order and one invoice.
    """
    token = _as_uuid(token)
    if token is None:
        return CompleteResult(errors=[_not_found()])
    checkout = get_checkout(token)
    if checkout is None:
        return _completed(token)
    if checkout.frozen and checkout.order_id:
        return _follow(checkout)
    return _start(token, user)


def _completed(token: uuid.UUID) -> CompleteResult:
    """The checkout is gone: the order it became, if it became one."""
    completion = CheckoutCompletion.objects.select_related("order").filter(checkout_token=token).first()
    if completion is None:
        return CompleteResult(errors=[_not_found()])
    return _order_answer(completion.order)


def _order_answer(order, payment: Payment | None = None) -> CompleteResult:
    return CompleteResult(order=storefront.get_adapter().get_order_info(order), payment=payment)


def _completion_errors(summary: CheckoutSummary) -> list[CheckoutError]:
    checkout = summary.checkout
    if not checkout.payment_gateway or checkout.payment_amount is None:
        last = checkout.payment
        if last is not None and last.is_failed:
            return [_error(CheckoutErrorCode.PAYMENT_ERROR, _failure_message(last))]
        return [
            _error(
                CheckoutErrorCode.CHECKOUT_NOT_FULLY_PAID,
                _("Create a payment for this checkout first."),
            )
        ]
    errors = [_error(CheckoutErrorCode(code), message, field) for code, message, field in _readiness(summary)]
    errors += _email_errors(checkout.email)
    if summary.unavailable:
        errors.append(
            _error(
                CheckoutErrorCode.UNAVAILABLE_VARIANT_IN_CHANNEL,
                _("Some products in the checkout are no longer sold: remove them."),
                "lines",
                variants=tuple(line.variant_id for line in summary.unavailable),
            )
        )
    ordered = {line.variant.id: line.line.quantity for line in summary.lines}
    errors += _variant_errors(ordered, {line.variant.id: line.variant for line in summary.lines})
    if not available_gateways(checkout):
        errors.append(_error(CheckoutErrorCode.PAYMENT_ERROR, _("Card payments are not available right now.")))
    elif money.quantize(checkout.payment_amount, checkout.currency) != summary.total:
        errors.append(
            _error(
                CheckoutErrorCode.CHECKOUT_NOT_FULLY_PAID,
                _("The checkout changed after the payment was created: create the payment again."),
            )
        )
    return errors


def _fingerprint(summary: CheckoutSummary) -> str:
    """What the order is made of: a changed checkout needs a new order."""
    checkout = summary.checkout
    content = {
        "currency": checkout.currency,
        "lines": [(line.variant.id, line.line.quantity, str(line.unit_price)) for line in summary.lines],
        "shipping": [summary.shipping_method.id if summary.shipping_method else "", str(summary.shipping_price)],
        "voucher": [summary.voucher.code if summary.voucher else "", str(summary.discount)],
        "total": str(summary.total),
        "email": checkout.email,
        "addresses": [checkout.shipping_address, checkout.billing_address],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _order_request(summary: CheckoutSummary, user) -> storefront.OrderRequest:
    checkout = summary.checkout
    return storefront.OrderRequest(
        checkout_token=checkout.token,
        channel=summary.channel,
        email=checkout.email,
        lines=tuple(
            storefront.OrderLineRequest(line.variant, line.line.quantity, line.unit_price, line.total_price)
            for line in summary.lines
        ),
        shipping_address=summary.shipping_address if summary.is_shipping_required else None,
        billing_address=summary.billing_address,
        shipping_method=summary.shipping_method,
        voucher=summary.voucher if summary.discount > 0 else None,
        currency=checkout.currency,
        subtotal=summary.subtotal,
        shipping_price=summary.shipping_price,
        discount=summary.discount,
        total=summary.total,
        user=user if getattr(user, "is_authenticated", False) else checkout.user,
    )


def _start(token: uuid.UUID, user) -> CompleteResult:
    """The first completion: the order, under the checkout's lock; then its invoice, without it."""
    adapter = storefront.get_adapter()
    try:
        with transaction.atomic():
            checkout = _locked(token)
            if checkout is None:
                return _completed(token)
            overtaken = checkout.frozen and checkout.order_id
            # The order of an earlier, failed attempt was paid after all (a late payment): it is the answer.
            paid_late = _paid_payment(checkout) if checkout.order_id and not overtaken else None
            if not overtaken and paid_late is None:
                summary = _summarize(checkout, list(checkout.lines.all()))
                errors = _completion_errors(summary)
                if errors:
                    raise _Refused(errors)
                _place_order(checkout, summary, adapter, user)
    except _Refused as refused:
        return CompleteResult(errors=refused.errors)
    if paid_late is not None:
        return _finish(checkout, paid_late)
    if overtaken:  # another call placed the order meanwhile: follow its payment
        fresh = get_checkout(token)
        return _follow(fresh) if fresh is not None else _completed(token)
    return _pay(checkout)


def _paid_payment(checkout: Checkout) -> Payment | None:
    current = services.order_current_payment(checkout.order)
    return current if current is not None and current.is_paid else None


def _place_order(checkout: Checkout, summary: CheckoutSummary, adapter, user) -> None:
    """Reuse the order of an unchanged checkout (a new payment after a failed one), else make one."""
    fingerprint = _fingerprint(summary)
    order = checkout.order if checkout.order_id else None
    if order is not None and checkout.order_fingerprint != fingerprint:
        adapter.cancel_order(order)
        order = None
    if order is None:
        try:
            with transaction.atomic():
                order = adapter.create_order(_order_request(summary, user))
                charged = money.quantize(order.get_cascad_amount(), checkout.currency)
                if charged != summary.total or order.get_cascad_currency() != checkout.currency:
                    raise _Refused(
                        [
                            _error(
                                CheckoutErrorCode.CHECKOUT_NOT_FULLY_PAID,
                                _("Prices changed while the order was placed: check the checkout and pay again."),
                            )
                        ]
                    )
        except InsufficientStock as exc:
            raise _Refused(
                [
                    _error(
                        CheckoutErrorCode.INSUFFICIENT_STOCK,
                        _("Some products sold out while you were paying: change the quantities."),
                        "lines",
                        variants=exc.variant_ids,
                    )
                ]
            ) from None
    checkout.order = order
    checkout.order_fingerprint = fingerprint
    checkout.frozen = True
    checkout.payment = None
    checkout.save(update_fields=["order", "order_fingerprint", "frozen", "payment", "updated_at"])


def _pay(checkout: Checkout) -> CompleteResult:
    """The order's invoice: created, or the one already open reused (a concurrent call makes the same)."""
    order = checkout.order
    try:
        payment = services.start_payment(order, return_url=checkout.payment_return_url, source=SOURCE)
    except OrderAlreadyPaid:
        return _finish(checkout, services.order_current_payment(order))
    except PaymentInProgress:
        payment = services.order_current_payment(order)
    except PaymentUnavailable as exc:
        # Nothing was charged; the order and the frozen checkout stay, and the next call retries.
        return CompleteResult(errors=[_error(CheckoutErrorCode.PAYMENT_ERROR, exc.message)])
    except PaymentError as exc:
        _unfreeze(checkout, None)
        return CompleteResult(errors=[_error(CheckoutErrorCode.PAYMENT_ERROR, exc.message)])
    with transaction.atomic():
        locked = _locked(checkout.token)
        if locked is not None and locked.frozen and locked.payment_id != payment.pk:
            locked.payment = payment
            locked.save(update_fields=["payment", "updated_at"])
    return _answer(checkout, payment)


def _follow(checkout: Checkout) -> CompleteResult:
    """A later call on a frozen checkout: refresh its payment from Cascad, then answer its state."""
    payment = _current_payment(checkout)
    if payment is None or payment.creation in (Creation.PENDING, Creation.UNKNOWN):
        return _pay(checkout)  # the invoice is being made, or its answer never came: settle it
    return _answer(checkout, _refreshed(payment))


def _answer(checkout: Checkout, payment: Payment) -> CompleteResult:
    if payment.is_paid:
        return _finish(checkout, payment)
    if payment.is_failed:
        _unfreeze(checkout, payment)
        return CompleteResult(
            errors=[_error(CheckoutErrorCode.PAYMENT_ERROR, _failure_message(payment))], payment=payment
        )
    if payment.stage >= 1 or payment.needs_review:
        return _order_answer(checkout.order, payment)  # processing: follow it with orderByToken
    if payment.creation == Creation.CREATED and payment.hpp_url:
        url = payment.hpp_url
    else:
        # Being created by a concurrent call: the payment link reuses that invoice and redirects to it.
        url = services.payment_link(checkout.order)
    data = json.dumps({"type": "redirect", "method": "GET", "url": url})
    return CompleteResult(confirmation_needed=True, confirmation_data=data, payment=payment)


def _finish(checkout: Checkout, payment: Payment | None) -> CompleteResult:
    """Paid: the checkout is deleted, its order remembered for later calls."""
    with transaction.atomic():
        locked = _locked(checkout.token)
        if locked is not None:
            CheckoutCompletion.objects.get_or_create(
                checkout_token=locked.token, defaults={"order_id": locked.order_id}
            )
            locked.delete()
    return _order_answer(checkout.order, payment)


def _failure_message(payment: Payment) -> str:
    """Why the payment failed, in the words of the customer's return page."""
    outcome = outcome_of(payment)
    return _("%(title)s. %(message)s") % {"title": outcome.title, "message": outcome.message}
