"""A storefront's checkout: lines, addresses, shipping, promo code and the payment it is completed with.

Prices are never stored on a checkout: they are read from the shop's adapter whenever totals are
needed. Only the customer's choices are kept, and what ``checkoutPaymentCreate`` recorded (gateway,
amount, return URL), which ``checkoutComplete`` then holds the checkout to.

A checkout is *frozen* from the first ``checkoutComplete`` (its order exists, its stock is taken) until
its payment is final: paid, and the checkout is deleted (a ``CheckoutCompletion`` remembers its
order), or failed, and it can be changed and paid again.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .payment import AMOUNT


class Checkout(models.Model):
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=64)
    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(_("currency"), max_length=3)
    email = models.EmailField(_("email"), blank=True)
    shipping_address = models.JSONField(_("shipping address"), null=True, blank=True)
    billing_address = models.JSONField(_("billing address"), null=True, blank=True)
    shipping_method_id = models.CharField(_("shipping method"), max_length=64, blank=True)
    voucher_code = models.CharField(_("promo code"), max_length=64, blank=True)
    #: The voucher's discount when it was last computed (totals always compute it afresh).
    discount = models.DecimalField(_("discount"), default=Decimal(0), **AMOUNT)
    discount_name = models.CharField(_("discount name"), max_length=255, blank=True)
    # What checkoutPaymentCreate recorded: checkoutComplete pays exactly this.
    payment_gateway = models.CharField(_("payment gateway"), max_length=64, blank=True)
    payment_amount = models.DecimalField(_("payment amount"), null=True, blank=True, **AMOUNT)
    payment_return_url = models.URLField(_("storefront return URL"), max_length=500, blank=True)
    frozen = models.BooleanField(
        _("frozen"), default=False, help_text=_("A payment is under way: lines and amounts cannot change.")
    )
    order = models.ForeignKey(
        settings.CASCAD_ORDER_MODEL,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: What the order was made from: a changed checkout gets a new order after a failed payment.
    order_fingerprint = models.CharField(_("order fingerprint"), max_length=64, blank=True)
    payment = models.ForeignKey(
        "cascad_wagtail.Payment",
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return str(self.token)


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(Checkout, verbose_name=_("checkout"), on_delete=models.CASCADE, related_name="lines")
    variant_id = models.CharField(_("variant"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("checkout line")
        verbose_name_plural = _("checkout lines")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "variant_id"], name="cascad_checkout_line_per_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class CheckoutCompletion(models.Model):
    """A checkout's order, kept after the checkout is deleted: ``checkoutComplete`` stays idempotent."""

    checkout_token = models.UUIDField(_("checkout token"), unique=True)
    order = models.ForeignKey(
        settings.CASCAD_ORDER_MODEL, verbose_name=_("order"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("checkout completion")
        verbose_name_plural = _("checkout completions")

    def __str__(self) -> str:
        return f"{self.checkout_token} → {self.order_id}"
