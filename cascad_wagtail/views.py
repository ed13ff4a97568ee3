"""Customer views: the payment link and the return page. Thin: parse, call a service, render."""

from __future__ import annotations

import dataclasses
import logging

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import conf, services
from .exceptions import CascadError, OrderAlreadyPaid, PaymentError, PaymentUnavailable
from .formatting import display_amount
from .models import ChargeStatus, Creation, Payment
from .resolutions import describe

logger = logging.getLogger("cascad_wagtail.views")

POLL_REFRESH_SECONDS = 5
FORWARD_SECONDS = 3


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the customer is told: ``state`` drives the page, the words are translated."""

    state: str  # preparing | unpaid | processing | review | paid | refunded | failed | cancelled
    title: str
    message: str

    @property
    def waiting(self) -> bool:
        return self.state in ("preparing", "unpaid", "processing")

    @property
    def retry(self) -> bool:
        return self.state in ("failed", "cancelled")


def outcome_of(payment: Payment) -> Outcome:
    """The truth about a payment in customer words; never "failed" while money may still arrive."""
    status = payment.charge_status
    if payment.needs_review:
        return Outcome(
            "review",
            _("Payment received, being checked"),
            _("We have received your payment and are checking it. We will contact you if needed."),
        )
    if payment.creation in (Creation.PENDING, Creation.UNKNOWN):
        return Outcome("preparing", _("Preparing your payment"), _("This takes a few seconds."))
    if status == ChargeStatus.FULLY_CHARGED:
        return Outcome(
            "paid",
            _("Thank you, your payment was successful"),
            _("%(amount)s has been paid.") % {"amount": display_amount(payment.amount, payment.currency)},
        )
    if status in (ChargeStatus.PARTIALLY_REFUNDED, ChargeStatus.FULLY_REFUNDED):
        return Outcome(
            "refunded",
            _("This payment was refunded"),
            _("%(amount)s was paid; part or all of it has been refunded.")
            % {"amount": display_amount(payment.amount, payment.currency)},
        )
    if status == ChargeStatus.REFUSED:
        reason = (
            describe(payment.cascad_resolution) if payment.cascad_resolution else _("the payment was not completed")
        )
        return Outcome(
            "failed",
            _("The payment did not go through"),
            _("No money was taken. Reason: %(reason)s.") % {"reason": reason},
        )
    if status == ChargeStatus.CANCELLED:
        if payment.cascad_status == "expired":
            return Outcome("cancelled", _("The time to pay has run out"), _("No money was taken. You can try again."))
        return Outcome("cancelled", _("The payment was cancelled"), _("No money was taken. You can try again."))
    if payment.stage == 0:
        return Outcome("unpaid", _("Your order is not paid yet"), _("Continue to the payment page to pay."))
    return Outcome(
        "processing",
        _("Your payment is being processed"),
        _("Your bank has not confirmed the payment yet. This page updates by itself."),
    )


def _forward_url(payment: Payment) -> str:
    if payment.return_url:
        return payment.return_url
    try:
        return payment.order.get_cascad_return_url(payment)
    except Exception:  # the shop's hook is theirs; never break the customer's page over it
        logger.exception("order %s: get_cascad_return_url failed", payment.order_id)
        return ""


def _context(payment: Payment, refresh_failed: bool = False) -> dict:
    outcome = outcome_of(payment)
    forward = _forward_url(payment) if outcome.state in ("paid", "review", "refunded") else ""
    return {
        "payment": payment,
        "outcome": outcome,
        "forward_url": forward,
        "forward_seconds": FORWARD_SECONDS,
        "shop_url": _forward_url(payment),
        "retry_url": services.payment_link(payment.order) if outcome.retry else "",
        "refresh_failed": refresh_failed,
        "status_url": reverse("cascad_wagtail:return_status", kwargs={"payment_uuid": payment.uuid}),
    }


def _refresh_quietly(payment: Payment) -> tuple[Payment, bool]:
    """Refresh an unsettled payment once; on a Cascad outage show the last known state, truthfully."""
    if not payment.is_open and payment.creation == Creation.CREATED:
        return payment, False
    try:
        return services.refresh_payment(payment, source="return"), False
    except CascadError as exc:
        logger.warning("return page: refresh of %s failed: %s", payment.reference_id, exc)
        return payment, True


@never_cache
@require_GET
def return_page(request: HttpRequest, payment_uuid) -> HttpResponse:
    payment = get_object_or_404(Payment.objects.select_related("site"), uuid=payment_uuid)
    payment, failed = _refresh_quietly(payment)
    return render(request, "cascad_wagtail/return.html", {**_context(payment, failed), "base_template": _base()})


@never_cache
@require_GET
def return_status(request: HttpRequest, payment_uuid) -> JsonResponse:
    """The return page's polling: refreshes from Cascad at most every few seconds per payment."""
    payment = get_object_or_404(Payment.objects.select_related("site"), uuid=payment_uuid)
    failed = False
    if cache.add(f"cascad:poll:{payment.pk}", 1, POLL_REFRESH_SECONDS):
        payment, failed = _refresh_quietly(payment)
    context = _context(payment, failed)
    return JsonResponse(
        {
            "state": context["outcome"].state,
            "waiting": context["outcome"].waiting,
            "forward_url": context["forward_url"],
            "html": render_to_string("cascad_wagtail/includes/payment_status.html", context, request=request),
        }
    )


@never_cache
@require_GET
def pay(request: HttpRequest, token: str) -> HttpResponse:
    """The payment link: creates or reuses the order's invoice, then on to Cascad Checkout."""
    order = services.order_from_link_token(token)
    if order is None:
        raise Http404(_("This payment link is not valid."))
    try:
        payment = services.start_payment(order, source="link")
    except OrderAlreadyPaid as exc:
        return _error(request, exc, order, status=409)
    except PaymentUnavailable as exc:
        return _error(request, exc, order, status=503)
    except PaymentError as exc:
        return _error(request, exc, order, status=409)
    if payment.hpp_url and payment.stage == 0 and payment.creation == Creation.CREATED:
        return redirect(payment.hpp_url)
    return redirect("cascad_wagtail:return", payment_uuid=payment.uuid)


def _error(request: HttpRequest, exc: PaymentError, order, status: int) -> HttpResponse:
    context = {
        "message": exc.message,
        "retry_url": request.get_full_path() if exc.retryable else "",
        "base_template": _base(),
    }
    return render(request, "cascad_wagtail/error.html", context, status=status)


def _base() -> str:
    return conf.get("CASCAD_BASE_TEMPLATE") or "cascad_wagtail/base.html"
