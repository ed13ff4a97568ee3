"""How the app meets the shop's order model.

``CASCAD_ORDER_MODEL`` names the model (``"shop.Order"``). It implements ``CascadOrder``: a few
methods that tell the app what to charge and whom, which site's settings apply, and where the
customer goes afterwards. For everything else, listen to the signals in ``cascad_wagtail.signals``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from . import conf

if TYPE_CHECKING:
    from wagtail.models import Site

    from .models import Payment


@runtime_checkable
class CascadOrder(Protocol):
    """The interface an order model implements (a plain Django model; no base class needed)."""

    pk: object

    def get_cascad_amount(self) -> Decimal:
        """The amount to charge now, in major units (``Decimal("1500.00")``)."""

    def get_cascad_currency(self) -> str:
        """ISO 4217 code of the amount."""

    def get_cascad_description(self) -> str:
        """One line for the customer's Checkout page and the editor's list (``"Order 42"``)."""

    def get_cascad_customer(self) -> dict[str, str]:
        """Any of ``email``, ``name``, ``phone``, ``reference_id``."""

    def get_cascad_site(self) -> Site:
        """The Wagtail site whose Cascad settings (keys, mode, methods) apply."""

    def get_cascad_return_url(self, payment: Payment) -> str:
        """The shop's page to show once the payment is settled (an absolute URL or a path)."""

    def cascad_payment_status_changed(self, payment: Payment, previous: str, status: str) -> None:
        """Called once per change of the payment's charge status, ``previous`` → ``status``, in order.

        Runs after the change is committed, in a transaction of its own that also marks the change
        handled: if it raises, its writes are rolled back and it is called again later.
        """


def get_order_model():
    """The model named by ``CASCAD_ORDER_MODEL``."""
    name = conf.get("CASCAD_ORDER_MODEL")
    if not name:
        raise ImproperlyConfigured("CASCAD_ORDER_MODEL is not set: name the shop's order model, e.g. 'shop.Order'.")
    try:
        return apps.get_model(name, require_ready=False)
    except (ValueError, LookupError):
        raise ImproperlyConfigured(f"CASCAD_ORDER_MODEL refers to {name!r}, which is not an installed model.") from None
