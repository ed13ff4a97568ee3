"""``CallbackEvent``: every callback delivery, stored raw before it is processed and kept after."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CallbackEvent(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    remote_addr = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    headers = models.JSONField(_("headers"), default=dict)
    body = models.BinaryField(_("body"))
    body_hash = models.CharField(_("body SHA-256"), max_length=64, db_index=True)
    signature_valid = models.BooleanField(_("signature valid"))
    mode = models.CharField(_("mode of the matching key"), max_length=8, blank=True)
    invoice_id = models.CharField(_("Cascad invoice id"), max_length=64, blank=True, db_index=True)
    payment = models.ForeignKey(
        "cascad_wagtail.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(_("error"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Cascad callback")
        verbose_name_plural = _("Cascad callbacks")
        ordering = ["-received_at", "-id"]
        constraints = [
            # An exact duplicate of a genuine callback is acknowledged, not stored or processed twice.
            models.UniqueConstraint(
                fields=["body_hash"], condition=Q(signature_valid=True), name="cascad_callback_unique_body"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id or '?'} at {self.received_at:%Y-%m-%d %H:%M:%S}"
