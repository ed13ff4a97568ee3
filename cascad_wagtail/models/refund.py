"""``Refund``: written before it is sent, so a retry after a timeout reuses its reference."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .payment import AMOUNT


def new_refund_reference() -> str:
    return f"cwr_{uuid.uuid4().hex}"


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Not sent yet")
        UNKNOWN = "unknown", _("Sent, no answer yet")
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("Refunded")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey("cascad_wagtail.Payment", on_delete=models.PROTECT, related_name="refunds")
    reference_id = models.CharField(_("reference id"), max_length=64, unique=True, default=new_refund_reference)
    cascad_refund_id = models.CharField(_("Cascad refund id"), max_length=64, blank=True)
    amount = models.DecimalField(_("amount"), **AMOUNT)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Cascad refund")
        verbose_name_plural = _("Cascad refunds")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "updated_at"], name="cascad_refund_status_idx")]

    def __str__(self) -> str:
        return f"{self.reference_id} {self.amount} ({self.get_status_display()})"

    @property
    def is_settled(self) -> bool:
        return self.status in (self.Status.PROCESSED, self.Status.FAILED)
