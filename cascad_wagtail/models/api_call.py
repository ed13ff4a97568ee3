"""``ApiCall``: one HTTP attempt to Cascad, for a payment's timeline. Never secrets or bodies."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiCall(models.Model):
    payment = models.ForeignKey(
        "cascad_wagtail.Payment", null=True, blank=True, on_delete=models.CASCADE, related_name="api_calls"
    )
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=255)
    query = models.CharField(_("query"), max_length=500, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    error = models.CharField(_("error"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Cascad API call")
        verbose_name_plural = _("Cascad API calls")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["payment", "created_at"], name="cascad_apicall_payment_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status_code or self.error}"
