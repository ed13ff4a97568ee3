"""``checkoutPaymentCreate``: the payment a checkout will be completed with, and releasing a frozen one."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from .. import money, services, storefront
from ..exceptions import CancelNotAllowed, CascadError, InvalidAmount, PaymentUnavailable
from ..models import Checkout, Creation, Payment
from .editing import _frozen, _Refused
from .pricing import GATEWAY_ID, _locked, _summarize, available_gateways, get_checkout, payment_intent
from .results import CheckoutPaymentError, CheckoutSummary, PaymentErrorCode, PaymentResult

logger = logging.getLogger("cascad_wagtail.checkout")
#: ``PaymentEvent.source`` of what the storefront does (the editors' timeline calls it "checkout").
SOURCE = "shop"


def _payment_error(code: PaymentErrorCode, message: str, field: str | None = None) -> CheckoutPaymentError:
    return CheckoutPaymentError(code=code, message=message, field=field)


def _readiness(summary: CheckoutSummary) -> list[tuple[str, str, str | None]]:
    """What stops this checkout from being paid: (code name, message, field), codes common to both enums."""
    problems: list[tuple[str, str, str | None]] = []
    if not summary.lines:
        problems.append(("INVALID", _("The checkout is empty."), "lines"))
    if not summary.billing_address:
        problems.append(("BILLING_ADDRESS_NOT_SET", _("Enter the billing address."), "billingAddress"))
    if summary.is_shipping_required:
        if not summary.shipping_address:
            problems.append(("SHIPPING_ADDRESS_NOT_SET", _("Enter the shipping address."), "shippingAddress"))
        elif not summary.checkout.shipping_method_id:
            problems.append(("SHIPPING_METHOD_NOT_SET", _("Choose a shipping method."), "shippingMethod"))
        elif summary.shipping_method is None:
            problems.append(
                (
                    "INVALID_SHIPPING_METHOD",
                    _("The chosen shipping method cannot deliver to the shipping address."),
                    "shippingMethod",
                )
            )
    return problems


def payment_create(
    token: object, gateway: str | None, amount: Decimal | None = None, return_url: str | None = None
) -> PaymentResult:
    """``checkoutPaymentCreate``: record the payment ``checkoutComplete`` will make.

    ``amount`` must equal the checkout's total exactly (``None``: the total), the channel's currency
    must be one Cascad takes on the site, and ``return_url`` (where the customer goes after paying)
    must be on an allowed origin. On a frozen checkout whose invoice nobody has paid yet (the customer
    left Cascad's page), that invoice is cancelled first and the checkout can change again.
    """
    checkout = get_checkout(token)
    if checkout is None:
        return PaymentResult(
            None, None, [_payment_error(PaymentErrorCode.NOT_FOUND, _("There is no such checkout."), "token")]
        )
    if gateway != GATEWAY_ID or not available_gateways(checkout):
        message = _("This payment gateway is not available for this checkout.")
        return PaymentResult(None, None, [_payment_error(PaymentErrorCode.NOT_SUPPORTED_GATEWAY, message, "gateway")])
    return_url = (return_url or "").strip()
    if return_url and (len(return_url) > 500 or not storefront.is_allowed_return_url(return_url)):
        message = _("This return URL is not allowed.")
        return PaymentResult(None, None, [_payment_error(PaymentErrorCode.INVALID, message, "returnUrl")])
    if checkout.frozen:
        errors = _release_for_new_payment(checkout)
        if errors:
            return PaymentResult(None, None, errors)
    config = services.settings_for_site(checkout.site)
    try:
        if not services.available_services(config, checkout.currency):
            message = _("Payments in %(currency)s are not accepted here.") % {"currency": checkout.currency}
            return PaymentResult(
                None, None, [_payment_error(PaymentErrorCode.NOT_SUPPORTED_GATEWAY, message, "gateway")]
            )
    except PaymentUnavailable as exc:
        return PaymentResult(None, None, [_payment_error(PaymentErrorCode.PAYMENT_ERROR, exc.message)])

    try:
        with transaction.atomic():
            locked = _locked(checkout.token)
            if locked is None:
                message = _("There is no such checkout.")
                raise _Refused([_payment_error(PaymentErrorCode.NOT_FOUND, message, "token")])
            if locked.frozen:
                raise _Refused([_payment_error(PaymentErrorCode.PAYMENT_ERROR, _frozen().message)])
            summary = _summarize(locked, list(locked.lines.all()))
            problems = _readiness(summary)
            if problems:
                raise _Refused(
                    [_payment_error(PaymentErrorCode(code), message, field) for code, message, field in problems]
                )
            if amount is None:
                amount = summary.total
            try:
                amount = money.quantize(amount, locked.currency)
            except InvalidAmount:
                raise _Refused(
                    [
                        _payment_error(
                            PaymentErrorCode.INVALID, _("The amount is not a valid amount of money."), "amount"
                        )
                    ]
                ) from None
            if summary.total <= 0:
                raise _Refused([_payment_error(PaymentErrorCode.INVALID, _("There is nothing to pay."), "amount")])
            if amount != summary.total:
                raise _Refused(
                    [
                        _payment_error(
                            PaymentErrorCode.PARTIAL_PAYMENT_NOT_ALLOWED,
                            _("The amount must be the checkout's total, %(total)s.")
                            % {"total": money.format_amount(summary.total, locked.currency)},
                            "amount",
                        )
                    ]
                )
            locked.payment_gateway = GATEWAY_ID
            locked.payment_amount = amount
            locked.payment_return_url = return_url
            locked.save(update_fields=["payment_gateway", "payment_amount", "payment_return_url", "updated_at"])
    except _Refused as refused:
        return PaymentResult(None, None, refused.errors)
    fresh = get_checkout(checkout.token)
    return PaymentResult(fresh, payment_intent(fresh), [])


def _release_for_new_payment(checkout: Checkout) -> list[CheckoutPaymentError]:
    """A frozen checkout whose invoice is still unpaid: cancel it at Cascad, so the checkout can change."""
    payment = _current_payment(checkout)
    if payment is None or payment.creation in (Creation.PENDING, Creation.UNKNOWN):
        message = _("The payment for this checkout is being prepared. Please try again in a minute.")
        return [_payment_error(PaymentErrorCode.PAYMENT_ERROR, message)]
    payment = _refreshed(payment)
    if payment.is_paid:
        message = _("This checkout has been paid: complete it to see the order.")
        return [_payment_error(PaymentErrorCode.PAYMENT_ERROR, message)]
    if not payment.is_failed:
        if payment.stage >= 1 or payment.needs_review:
            message = _("A payment for this checkout is being processed. Please wait for its result.")
            return [_payment_error(PaymentErrorCode.PAYMENT_ERROR, message)]
        try:
            payment = services.cancel_payment(payment, source=SOURCE)
        except CancelNotAllowed as exc:
            return [_payment_error(PaymentErrorCode.PAYMENT_ERROR, exc.message)]
        except CascadError:
            message = _("The payment service is not answering. Please try again in a minute.")
            return [_payment_error(PaymentErrorCode.PAYMENT_ERROR, message)]
    _unfreeze(checkout, payment)
    return []


def _current_payment(checkout: Checkout) -> Payment | None:
    if checkout.payment_id:
        return Payment.objects.select_related("site").get(pk=checkout.payment_id)
    return services.order_current_payment(checkout.order) if checkout.order_id else None


def _refreshed(payment: Payment) -> Payment:
    """The payment as Cascad has it now; on an outage, as last known (the truth, just older)."""
    try:
        return services.refresh_payment(payment, source=SOURCE)
    except CascadError as exc:
        logger.warning("checkout: refresh of %s failed: %s", payment.reference_id, exc)
        payment.refresh_from_db()
        return payment


def _unfreeze(checkout: Checkout, payment: Payment | None) -> None:
    """The payment is over without money: the checkout can change, and needs a new payment."""
    with transaction.atomic():
        locked = _locked(checkout.token)
        if locked is None or not locked.frozen:
            return
        if payment is not None and locked.payment_id not in (None, payment.pk):
            return  # a newer payment has taken over meanwhile
        locked.frozen = False
        locked.payment = payment
        locked.payment_gateway, locked.payment_amount, locked.payment_return_url = "", None, ""
        locked.save(
            update_fields=["frozen", "payment", "payment_gateway", "payment_amount", "payment_return_url", "updated_at"]
        )
