"""How the shop pays an order through cascad_wagtail: the three ways in, one order state out.

1. Redirect: ``start_payment`` and send the customer to Cascad Checkout (``payment.hpp_url``).
2. Widget: ``start_payment`` and show Checkout in an iframe on the shop's pay page.
3. Payment link: ``services.payment_link(order)``, a shop URL that creates or reuses the invoice.

All three return through the app's return page (``/cascad/return/<uuid>/``), which tells the truth
and forwards to the order's confirmation.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cascad_wagtail import services
from cascad_wagtail.exceptions import PaymentError
from cascad_wagtail.models import CascadSettings, Creation, Payment
from cascad_wagtail.models.site_settings import METHOD_CHOICES

FLOW_CHECKOUT = "checkout"
FLOW_HERE = "here"
FLOWS = [
    (FLOW_CHECKOUT, _("On Cascad's secure payment page")),
    (FLOW_HERE, _("Right here, without leaving the shop")),
]
CHECKOUT_LANGUAGES = ("en", "ru")


def method_choices(site, currency: str) -> list[tuple[str, str]]:
    """The payment methods the customer picks from: only when the owner offers several for ``currency``."""
    config = CascadSettings.for_site(site)
    offered = list(config.offered_methods or [])
    if not config.enabled or len(offered) < 2:
        return []
    try:
        available = services.available_services(config, currency)
    except PaymentError:
        available = dict.fromkeys(offered, "")  # Cascad is not answering: the payment step will say so
    labels = dict(METHOD_CHOICES)
    choices = [(method, labels.get(method, method)) for method in offered if method in available]
    return choices if len(choices) > 1 else []


def start(order, method: str = "") -> Payment:
    """The order's payment to send the customer to (reused while still unpaid). Raises ``PaymentError``."""
    if order.cancelled_at is not None:
        raise PaymentError(str(_("This order was cancelled and can no longer be paid.")))
    return services.start_payment(order, method=method or None)


def destination(payment: Payment, flow: str) -> str:
    """Where the customer goes once the payment exists: Checkout, the widget page, or the return page."""
    payable = payment.creation == Creation.CREATED and payment.stage == 0 and payment.invoice_id
    if payable and flow == FLOW_HERE:
        return reverse("shop:pay_here", kwargs={"token": payment.order.token, "payment_uuid": payment.uuid})
    if payable and payment.hpp_url:
        return checkout_url(payment)
    return reverse("cascad_wagtail:return", kwargs={"payment_uuid": payment.uuid})


def checkout_url(payment: Payment) -> str:
    """Cascad Checkout in the customer's language."""
    language = (get_language() or "").split("-")[0]
    if language not in CHECKOUT_LANGUAGES:
        return payment.hpp_url
    parts = urlsplit(payment.hpp_url)
    query = f"{parts.query}&{urlencode({'locale': language})}" if parts.query else urlencode({"locale": language})
    return urlunsplit(parts._replace(query=query))


def widget_script_url(order) -> str:
    return CascadSettings.for_site(order.site).host + "/widget.js"
