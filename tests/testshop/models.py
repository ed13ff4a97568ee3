"""A deliberately minimal order model: proof that the app needs nothing from the demo shop.

For the storefront checkout the test shop also sells a few ``Variant``s (``tests.testshop.storefront``
is its adapter): an order then has lines, a private token, and stock taken from the variants.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from wagtail.models import Site


class Order(models.Model):
    email = models.EmailField(blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=3)
    currency = models.CharField(max_length=3, default="RUB")
    site = models.ForeignKey(Site, on_delete=models.PROTECT)
    #: What the shop did in reaction, to assert that status hooks run once.
    status_log = models.JSONField(default=list)
    # Storefront orders only.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    shipping_method = models.CharField(max_length=64, blank=True)
    shipping_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    shipping_address = models.JSONField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    #: The signed-in customer who placed a storefront order (``me.orders``).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="testshop_orders"
    )

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


class Variant(models.Model):
    """Something the storefront sells: prices per currency (``{"RUB": "100.00"}``), a stock count."""

    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    product_name = models.CharField(max_length=200)
    prices = models.JSONField(default=dict)
    stock = models.PositiveIntegerField(default=0)
    published = models.BooleanField(default=True)
    shipping_required = models.BooleanField(default=True)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, null=True, on_delete=models.SET_NULL, related_name="+")
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=120)
    sku = models.CharField(max_length=64)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
