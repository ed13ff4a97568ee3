"""``PaymentEvent``: the payment's history (state changes, stale answers, actions) and its side effects.

Side effects are written here, in the same transaction as the change that causes them, and
dispatched after commit (``services.dispatch_effects``): a crash between the two only delays them,
and a dispatched effect is never dispatched again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Invoice created")
        APPLIED = "applied", _("Status applied")
        STALE = "stale", _("Stale answer recorded, not applied")
        REVIEW = "review", _("Needs review")
        RESOLVED = "resolved", _("Review resolved")
        REFUND = "refund", _("Refund")
        CANCEL = "cancel", _("Cancel")
        ERROR = "error", _("Error")

    class Effect(models.TextChoices):
        STATUS_CHANGED = "payment_status_changed", _("payment status changed")
        ORDER_PAID = "order_paid", _("order paid")
        ORDER_PAYMENT_FAILED = "order_payment_failed", _("order payment failed")
        ORDER_REFUNDED = "order_refunded", _("order refunded")

    payment = models.ForeignKey("cascad_wagtail.Payment", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=16, blank=True)
    cascad_status = models.CharField(_("Cascad status"), max_length=32, blank=True)
    charge_status = models.CharField(_("payment status"), max_length=20, blank=True)
    message = models.TextField(_("message"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: A signal to send after commit (``Effect``), or blank.
    effect = models.CharField(_("effect"), max_length=24, choices=Effect.choices, blank=True)
    effect_data = models.JSONField(_("effect data"), default=dict, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    dispatch_error = models.TextField(_("dispatch error"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Cascad payment event")
        verbose_name_plural = _("Cascad payment events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["payment", "created_at"], name="cascad_event_payment_idx"),
            models.Index(
                fields=["created_at"],
                condition=Q(dispatched_at__isnull=True) & ~Q(effect=""),
                name="cascad_event_undispatched_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.cascad_status or self.effect}"
