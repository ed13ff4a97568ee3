"""The demo customer, ``customer@example.com`` / ``customer``, and their past orders, true to the last status.

The orders are placed with the shop's own ``place_order`` and paid for real: a Cascad payment started
through the app's services, its invoice paid with the test card through the emulator's control API
(``/_emulator/``), then refreshed from Cascad, so the order's status comes out of the app's one state
function like any customer's. With no emulator answering, only the order awaiting payment is created
(it needs no payment) and the seed says so; a later run with the emulator adds the paid ones.

A past order is known by its lines: a run finishes one that a failed run left half-made (placed but
not paid, or paid but not refunded) and creates only those the customer has no order with those
lines for, so a second run creates nothing twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import requests
from django.contrib.auth import get_user_model
from wagtail.models import Site

from cascad_wagtail import services
from cascad_wagtail.exceptions import CascadError
from cascad_wagtail.models import ChargeStatus, Payment

from ..checkout import place_order
from ..models import DEFAULT_CURRENCY, Order, ProductVariant, ShippingMethod

EMAIL = "customer@example.com"
PASSWORD = "customer"
NAME = "Demo Customer"
PHONE = "+7 495 123-45-67"
ADDRESS = {"address": "Tverskaya 1", "city": "Moscow", "postal_code": "125009"}
#: The emulator's test card that pays at once (``spec/cascad-api.md``).
TEST_CARD = {"card": "5519283812030000", "expiry": "12/30"}
EMULATOR_TIMEOUT = 5


@dataclasses.dataclass(frozen=True)
class PastOrder:
    status: str  # the ``ChargeStatus`` the order ends in
    lines: dict[str, int]  # SKU → quantity
    refund_sku: str = ""  # after paying, one unit of this line is refunded (sent back)

    @property
    def needs_payment(self) -> bool:
        return self.status != ChargeStatus.NOT_CHARGED


#: Oldest first, so that the order awaiting payment tops the customer's list.
PAST_ORDERS = (
    PastOrder(ChargeStatus.FULLY_CHARGED, {"MUG-OCEAN": 2, "TEA-GREEN": 1}),
    PastOrder(ChargeStatus.PARTIALLY_REFUNDED, {"TOTE-NAT": 1, "SOCK-M": 2}, refund_sku="SOCK-M"),
    PastOrder(ChargeStatus.NOT_CHARGED, {"NOTE-A5": 3}),
)


def seed_customer(site: Site, cascad_host: str, say: Callable[[str], None]) -> None:
    """The demo customer and whichever of their past orders are missing or unfinished and can be made
    true now.

    Call it outside a transaction: paying talks to Cascad, and the order's status changes after commit.
    """
    customer = _customer(say)
    due = []
    for spec in PAST_ORDERS:
        order = _matching_order(spec, customer)
        if order is None or order.payment_status != spec.status:
            due.append((spec, order))
    if any(spec.needs_payment for spec, _order in due) and not emulator_answers(cascad_host):
        say(
            f"The Cascad emulator at {cascad_host} did not answer: the demo customer's paid orders were not "
            "created (run seed_demo again while the emulator runs to add them)."
        )
        due = [(spec, order) for spec, order in due if not spec.needs_payment]
    for spec, order in due:
        try:
            order = _past_order(spec, order or _place(spec, customer, site), cascad_host)
        except (CascadError, requests.RequestException) as exc:
            say(f"Could not finish the demo customer's order ({ChargeStatus(spec.status).label}): {exc}")
            continue
        say(f"Demo customer {EMAIL}: {order}, {order.get_payment_status_display()}.")


def _matching_order(spec: PastOrder, customer) -> Order | None:
    """The customer's order with exactly the lines of ``spec`` (SKU → quantity), if any."""
    for order in customer.shop_orders.prefetch_related("lines").order_by("pk"):
        if {line.sku: line.quantity for line in order.lines.all()} == spec.lines:
            return order
    return None


def emulator_answers(cascad_host: str) -> bool:
    """Whether ``cascad_host`` is a running emulator (its control API answers); real Cascad has none."""
    try:
        return requests.get(f"{cascad_host}/_emulator/config", timeout=EMULATOR_TIMEOUT).ok
    except requests.RequestException:
        return False


def _customer(say):
    users = get_user_model()
    customer = users.objects.filter(username=EMAIL).first()
    if customer is None:
        customer = users.objects.create_user(EMAIL, EMAIL, PASSWORD, first_name=NAME)
        say(f"Created the demo customer {EMAIL} / {PASSWORD}.")
    return customer


def _past_order(spec: PastOrder, order: Order, cascad_host: str) -> Order:
    """Take ``order`` on to the status of ``spec``, from wherever an earlier run left it."""
    if spec.needs_payment and order.payment_status == ChargeStatus.NOT_CHARGED:
        _pay(order, cascad_host)
        order.refresh_from_db()
    if spec.refund_sku and order.payment_status == ChargeStatus.FULLY_CHARGED:
        sent_back = order.lines.get(sku=spec.refund_sku)
        payment = services.order_current_payment(order)
        services.refund_payment(payment, sent_back.unit_price, reason="One item sent back", source="seed")
    order.refresh_from_db()
    return order


def _place(spec: PastOrder, customer, site: Site) -> Order:
    variants = dict(ProductVariant.objects.filter(sku__in=spec.lines).values_list("sku", "pk"))
    shipping = ShippingMethod.objects.filter(is_active=True).first()
    return place_order(
        quantities={variants[sku]: quantity for sku, quantity in spec.lines.items()},
        currency=DEFAULT_CURRENCY,
        site=site,
        customer={
            "email": customer.email,
            "name": customer.first_name,
            "phone": PHONE,
            **(ADDRESS if shipping.needs_address else {}),
        },
        shipping=shipping,
        user=customer,
    )


def _pay(order: Order, cascad_host: str) -> Payment:
    """Pay the order as a customer would on Checkout: the test card on its invoice, then what Cascad says."""
    payment = services.start_payment(order)
    url = f"{cascad_host}/_emulator/invoices/{payment.invoice_id}/pay"
    requests.post(url, json=TEST_CARD, timeout=EMULATOR_TIMEOUT).raise_for_status()
    return services.refresh_payment(payment)
