"""``Payment``: one Cascad payment invoice for one order, and what we last learnt of it."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .. import money

AMOUNT = {"max_digits": 19, "decimal_places": 3}


def new_reference_id() -> str:
    """An unguessable merchant reference for an invoice: ``cw_`` + 32 hex digits."""
    return f"cw_{uuid.uuid4().hex}"


class ChargeStatus(models.TextChoices):
    """Saleor's ``PaymentChargeStatusEnum``, also used by the GraphQL API."""

    NOT_CHARGED = "NOT_CHARGED", _("Not charged")
    PENDING = "PENDING", _("Pending")
    PARTIALLY_CHARGED = "PARTIALLY_CHARGED", _("Partially charged")
    FULLY_CHARGED = "FULLY_CHARGED", _("Paid")
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED", _("Partially refunded")
    FULLY_REFUNDED = "FULLY_REFUNDED", _("Refunded")
    REFUSED = "REFUSED", _("Failed")
    CANCELLED = "CANCELLED", _("Cancelled")


class Creation(models.TextChoices):
    """Whether Cascad has the invoice: the row is saved *before* the create call."""

    PENDING = "pending", _("Being created")
    CREATED = "created", _("Created")
    UNKNOWN = "unknown", _("Unknown (no answer)")
    FAILED = "failed", _("Not created")


class Payment(models.Model):
    class Mode(models.TextChoices):
        SANDBOX = "sandbox", _("Sandbox")
        LIVE = "live", _("Live")

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        settings.CASCAD_ORDER_MODEL,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="cascad_payments",
    )
    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    reference_id = models.CharField(_("reference id"), max_length=64, unique=True, default=new_reference_id)
    invoice_id = models.CharField(_("Cascad invoice id"), max_length=64, unique=True, null=True, blank=True)
    amount = models.DecimalField(_("amount"), **AMOUNT)
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=255, blank=True)
    #: Lower-cased copy of the order's customer email, for the editors' search (prefix, indexed).
    customer_email = models.CharField(_("customer email"), max_length=254, blank=True, db_index=True)
    service = models.CharField(_("preselected service"), max_length=64, blank=True)
    hpp_url = models.URLField(_("Checkout URL"), max_length=500, blank=True)
    return_url = models.URLField(
        _("storefront return URL"), max_length=500, blank=True, help_text=_("Where to send the customer afterwards.")
    )
    creation = models.CharField(_("creation"), max_length=8, choices=Creation.choices, default=Creation.PENDING)
    cascad_status = models.CharField(_("Cascad status"), max_length=32, blank=True)
    cascad_resolution = models.CharField(_("Cascad resolution"), max_length=64, blank=True)
    stage = models.PositiveSmallIntegerField(_("stage"), default=0)
    charge_status = models.CharField(
        _("payment status"), max_length=20, choices=ChargeStatus.choices, default=ChargeStatus.NOT_CHARGED
    )
    processed_amount = models.DecimalField(_("paid amount"), null=True, blank=True, **AMOUNT)
    refunded_amount = models.DecimalField(_("refunded amount"), default=Decimal(0), **AMOUNT)
    #: Open means "could still take money": not settled at Cascad and not known to be never created.
    is_open = models.BooleanField(_("open"), default=True)
    needs_review = models.BooleanField(_("needs review"), default=False)
    review_reason = models.TextField(_("review reason"), blank=True)
    #: Reasons an editor has resolved: a later answer repeating one does not reopen the review.
    resolved_review = models.TextField(_("resolved review reasons"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Cascad payment")
        verbose_name_plural = _("Cascad payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One order never has two invoices that could both take money.
            models.UniqueConstraint(
                fields=["order"], condition=Q(is_open=True), name="cascad_one_open_payment_per_order"
            ),
        ]
        indexes = [
            # The editors' list: newest first, filtered by status, site, mode, currency or dates.
            models.Index(fields=["-created_at", "-id"], name="cascad_payment_created_idx"),
            models.Index(fields=["order", "-created_at"], name="cascad_payment_order_idx"),
            models.Index(fields=["is_open", "updated_at"], name="cascad_payment_open_idx"),
            models.Index(fields=["charge_status", "-created_at"], name="cascad_payment_status_idx"),
            models.Index(fields=["currency", "-created_at"], name="cascad_payment_currency_idx"),
            models.Index(fields=["paid_at"], condition=Q(paid_at__isnull=False), name="cascad_payment_paid_idx"),
            models.Index(fields=["needs_review"], condition=Q(needs_review=True), name="cascad_payment_review_idx"),
        ]
        permissions = [
            ("refund_payment", _("Can refund and cancel Cascad payments")),
        ]

    def __str__(self) -> str:
        return f"{self.reference_id} ({self.get_charge_status_display()})"

    @property
    def balance(self) -> Decimal:
        """What can still be refunded: paid minus every refund that has not failed."""
        return self.balance_after(self.refunds.exclude(status="failed"))

    def balance_after(self, refunds) -> Decimal:
        """The balance given this payment's refunds (already loaded ones: no query); failed ones don't count."""
        claimed = sum((refund.amount for refund in refunds if refund.status != "failed"), Decimal(0))
        return money.quantize((self.processed_amount or Decimal(0)) - claimed, self.currency)

    @property
    def is_paid(self) -> bool:
        return self.charge_status in (
            ChargeStatus.FULLY_CHARGED,
            ChargeStatus.PARTIALLY_REFUNDED,
            ChargeStatus.FULLY_REFUNDED,
        )

    @property
    def is_failed(self) -> bool:
        return self.charge_status in (ChargeStatus.REFUSED, ChargeStatus.CANCELLED)

    def amount_display(self) -> str:
        return money.format_amount(self.amount, self.currency)
