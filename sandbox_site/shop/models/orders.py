"""The demo shop's order: implements cascad_wagtail's order interface (``cascad_wagtail.orders``)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from cascad_wagtail.models import ChargeStatus
from cascad_wagtail.models.site_settings import METHOD_CHOICES

from .prices import PRICE
from .shipping import ShippingMethod

PAID_STATUSES = (ChargeStatus.FULLY_CHARGED, ChargeStatus.PARTIALLY_REFUNDED, ChargeStatus.FULLY_REFUNDED)


class Order(models.Model):
    token = models.UUIDField(_("private link token"), default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="+")
    #: The customer who placed it while signed in; orders placed anonymously belong to no account
    #: (not even one with the same email: emails are not verified) and stay reachable by their link.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shop_orders",
    )
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    shipping_method = models.ForeignKey(
        ShippingMethod,
        verbose_name=_("shipping method"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    shipping_name = models.CharField(_("shipping"), max_length=120, blank=True)
    shipping_price = models.DecimalField(_("shipping price"), default=Decimal(0), **PRICE)
    subtotal = models.DecimalField(_("subtotal"), default=Decimal(0), **PRICE)
    voucher_code = models.CharField(_("promo code"), max_length=64, blank=True)
    discount = models.DecimalField(_("discount"), default=Decimal(0), **PRICE)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    payment_method = models.CharField(_("payment method"), max_length=32, blank=True, choices=METHOD_CHOICES)
    payment_status = models.CharField(
        _("payment status"), max_length=20, choices=ChargeStatus.choices, default=ChargeStatus.NOT_CHARGED
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Orders from the storefront API keep the full addresses it was given (``storefront.py``).
    shipping_address = models.JSONField(_("shipping address (storefront)"), null=True, blank=True)
    billing_address = models.JSONField(_("billing address (storefront)"), null=True, blank=True)
    #: Set when the storefront replaced this unpaid order (its stock was given back).
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("Order %(number)s") % {"number": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("shop:order", kwargs={"token": self.token})

    @property
    def is_paid(self) -> bool:
        return self.payment_status in PAID_STATUSES

    @property
    def delivery_address(self) -> str:
        return ", ".join(part for part in (self.address, self.city, self.postal_code) if part)

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
        return reverse("shop:confirmation", kwargs={"token": self.token})

    def cascad_payment_status_changed(self, payment, previous: str, status: str) -> None:
        from cascad_wagtail.services import order_payment_status

        self.payment_status = order_payment_status(self)
        fields = ["payment_status"]
        if status == ChargeStatus.FULLY_CHARGED and self.paid_at is None:
            self.paid_at = payment.paid_at
            fields.append("paid_at")
        self.save(update_fields=fields)


class OrderLine(models.Model):
    """One variant in an order, with the name and price it had when the order was placed."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "shop.ProductVariant",
        verbose_name=_("variant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    product_title = models.CharField(_("product"), max_length=255)
    variant_name = models.CharField(_("variant"), max_length=120)
    sku = models.CharField(_("SKU"), max_length=64)
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_title} ({self.variant_name})"

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def display_product(self) -> str:
        """The product's name in the customer's language while it exists, else as it was sold."""
        return self.variant.page.display_title if self.variant else self.product_title

    @property
    def display_variant(self) -> str:
        return self.variant.display_name if self.variant else self.variant_name

    @property
    def product_page(self):
        return self.variant.page if self.variant and self.variant.page.live else None

    @property
    def picture(self):
        return self.variant.picture if self.variant else None
