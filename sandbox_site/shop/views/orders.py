"""The customer's order, by its private link: status, history, and the ways to pay while unpaid."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cascad_wagtail import services
from cascad_wagtail.exceptions import PaymentError
from cascad_wagtail.models import Creation, Payment
from cascad_wagtail.views import Outcome, outcome_of

from .. import payments
from ..forms import PayForm
from ..models import Order

PAYABLE_STATES = ("unpaid", "failed", "cancelled")
WAITING_STATES = ("preparing", "processing")
#: A word or two for each state of ``cascad_wagtail.views.outcome_of``: the order's badge, a payment's label.
STATE_LABELS = {
    "unpaid": gettext_lazy("Not paid"),
    "preparing": gettext_lazy("Processing"),
    "processing": gettext_lazy("Processing"),
    "review": gettext_lazy("Being checked"),
    "paid": gettext_lazy("Paid"),
    "refunded": gettext_lazy("Refunded"),
    "failed": gettext_lazy("Payment failed"),
    "cancelled": gettext_lazy("Cancelled"),
}


def pay_order(request, order: Order, flow: str, method: str = ""):
    """Start (or reuse) the order's payment and send the customer on; a refusal is shown on the order page."""
    try:
        payment = payments.start(order, method)
    except PaymentError as exc:
        messages.error(request, exc.message)
        return redirect(order)
    return redirect(payments.destination(payment, flow))


def _order(token) -> Order:
    return get_object_or_404(Order.objects.select_related("site", "shipping_method"), token=token)


def order_state(order: Order, current: Payment | None | object = ...) -> tuple[str, Outcome | None, Payment | None]:
    """Where the order's payment is (a state of ``outcome_of``), in words, and the payment it follows
    (``current``, when the caller read it already with ``services.order_current_payments``)."""
    if current is ...:
        current = services.order_current_payment(order)
    outcome = outcome_of(current) if current else None
    return (outcome.state if outcome else "unpaid"), outcome, current


def badge_label(state: str) -> str:
    """The order's badge: a cancelled invoice leaves the order simply not paid (it can be paid again)."""
    return STATE_LABELS["unpaid" if state == "cancelled" else state]


@never_cache
def order_page(request, token):
    order = _order(token)
    state, outcome, current = order_state(order)
    payable = state in PAYABLE_STATES and order.cancelled_at is None  # a replaced storefront order
    methods = payments.method_choices(order.site, order.currency) if payable else []
    context = {
        "order": order,
        "lines": order.lines.select_related("variant__page"),
        "state": state,
        "state_label": badge_label(state),
        "outcome": outcome,
        "history": [
            (payment, result, STATE_LABELS[result.state])
            for payment in order.cascad_payments.order_by("-created_at", "-pk")
            for result in [outcome_of(payment)]
        ],
        "pay_form": PayForm(initial={"method": order.payment_method}, methods=methods) if payable else None,
        "payment_link": services.payment_link(order) if payable else "",
        "status_url": (
            reverse("cascad_wagtail:return_status", kwargs={"payment_uuid": current.uuid})
            if current and state in WAITING_STATES
            else ""
        ),
    }
    return render(request, "shop/order.html", context)


@never_cache
def confirmation(request, token):
    """Where Cascad's return page sends the customer: thanks once paid, else the order page."""
    order = _order(token)
    state, outcome, _current = order_state(order)
    if state not in ("paid", "review", "refunded"):
        return redirect(order)
    context = {"order": order, "lines": order.lines.select_related("variant__page"), "state": state, "outcome": outcome}
    return render(request, "shop/confirmation.html", context)


@require_POST
def pay(request, token):
    order = _order(token)
    form = PayForm(request.POST, methods=payments.method_choices(order.site, order.currency))
    if not form.is_valid():
        messages.error(request, _("Choose how you would like to pay."))
        return redirect(order)
    method = form.cleaned_data.get("method", "")
    if method and method != order.payment_method:
        order.payment_method = method
        order.save(update_fields=["payment_method"])
    return pay_order(request, order, form.cleaned_data["flow"], method)


@never_cache
def pay_here(request, token, payment_uuid):
    """Cascad Checkout embedded with the widget; anything but an unpaid invoice goes to the return page."""
    order = _order(token)
    payment = get_object_or_404(Payment, uuid=payment_uuid, order_id=order.pk)
    return_url = reverse("cascad_wagtail:return", kwargs={"payment_uuid": payment.uuid})
    if not (payment.is_open and payment.creation == Creation.CREATED and payment.stage == 0 and payment.invoice_id):
        return redirect(return_url)
    context = {
        "order": order,
        "payment": payment,
        "lines": order.lines.select_related("variant__page"),
        "widget_src": payments.widget_script_url(order),
        "return_url": return_url,
        "checkout_url": payments.checkout_url(payment),
    }
    return render(request, "shop/pay.html", context)
