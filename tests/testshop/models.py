"""A deliberately minimal order model: proof that the app needs nothing from the demo shop."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from wagtail.models import Site


class Order(models.Model):
    email = models.EmailField(blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3, default="RUB")
    site = models.ForeignKey(Site, on_delete=models.PROTECT)
    #: What the shop did in reaction, to assert that status hooks run once.
    status_log = models.JSONField(default=list)

    def get_cascad_amount(self) -> Decimal:
        return self.total

    def get_cascad_currency(self) -> str:
        return self.currency

    def get_cascad_description(self) -> str:
        return f"Test order {self.pk}"

    def get_cascad_customer(self) -> dict[str, str]:
        return {"email": self.email} if self.email else {}

    def get_cascad_site(self) -> Site:
        return self.site

    def get_cascad_return_url(self, payment) -> str:
        return f"/orders/{self.pk}/"

    def cascad_payment_status_changed(self, payment, previous: str, status: str) -> None:
        self.status_log = [*self.status_log, [previous, status]]
        self.save(update_fields=["status_log"])
