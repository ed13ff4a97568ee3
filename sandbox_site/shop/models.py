"""The demo shop's order: implements cascad_wagtail's order interface (``cascad_wagtail.orders``)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from cascad_wagtail.models import ChargeStatus


class Order(models.Model):
    token = models.UUIDField(_("private link token"), default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    payment_status = models.CharField(
        _("payment status"), max_length=20, choices=ChargeStatus.choices, default=ChargeStatus.NOT_CHARGED
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("Order %(number)s") % {"number": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("shop:order", kwargs={"token": self.token})

    # -- cascad_wagtail's order interface ---------------------------------------------------------

    def get_cascad_amount(self) -> Decimal:
        return self.total

    def get_cascad_currency(self) -> str:
        return self.currency

    def get_cascad_description(self) -> str:
        return str(self)

    def get_cascad_customer(self) -> dict[str, str]:
        return {"email": self.email, "name": self.name, "phone": self.phone}

    def get_cascad_site(self) -> Site:
        return self.site

    def get_cascad_return_url(self, payment) -> str:
        return self.get_absolute_url()

    def cascad_payment_status_changed(self, payment, previous: str, status: str) -> None:
        from cascad_wagtail.services import order_payment_status

        self.payment_status = order_payment_status(self)
        fields = ["payment_status"]
        if status == ChargeStatus.FULLY_CHARGED and self.paid_at is None:
            self.paid_at = payment.paid_at
            fields.append("paid_at")
        self.save(update_fields=fields)
