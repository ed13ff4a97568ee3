"""Promo codes of the demo shop's storefront: a percentage of the items, or a fixed amount per currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from cascad_wagtail import money

from ...translated import TranslatedField
from .prices import CURRENCIES, PRICE

OPTIONAL_PRICE = {**PRICE, "null": True, "blank": True}


class Voucher(models.Model):
    """A code customers type at checkout (``WELCOME10``). Codes are stored in capitals and compared so."""

    class Kind(models.TextChoices):
        PERCENTAGE = "percentage", _("Percentage of the items")
        FIXED = "fixed", _("Fixed amount")

    code = models.CharField(
        _("code"), max_length=64, unique=True, help_text=_("What customers type; small and capital letters match.")
    )
    name = models.CharField(_("voucher name"), max_length=120, help_text=_("Shown to the customer with the discount."))
    name_ru = models.CharField(_("voucher name (Russian)"), max_length=120, blank=True)
    kind = models.CharField(_("discount"), max_length=12, choices=Kind.choices, default=Kind.PERCENTAGE)
    percentage = models.DecimalField(
        _("percentage"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    amount_rub = models.DecimalField(_("amount in RUB"), **OPTIONAL_PRICE)
    amount_usd = models.DecimalField(_("amount in USD"), **OPTIONAL_PRICE)
    amount_eur = models.DecimalField(_("amount in EUR"), **OPTIONAL_PRICE)
    minimum_rub = models.DecimalField(_("minimum order in RUB"), **OPTIONAL_PRICE)
    minimum_usd = models.DecimalField(_("minimum order in USD"), **OPTIONAL_PRICE)
    minimum_eur = models.DecimalField(_("minimum order in EUR"), **OPTIONAL_PRICE)
    is_active = models.BooleanField(_("active"), default=True)

    display_name = TranslatedField("name")

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("is_active")]),
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_ru")]),
        MultiFieldPanel(
            [
                FieldPanel("kind"),
                FieldPanel("percentage"),
                FieldRowPanel([FieldPanel("amount_rub"), FieldPanel("amount_usd"), FieldPanel("amount_eur")]),
            ],
            heading=_("Discount"),
        ),
        FieldRowPanel(
            [FieldPanel("minimum_rub"), FieldPanel("minimum_usd"), FieldPanel("minimum_eur")],
            heading=_("Minimum order (optional)"),
        ),
    ]

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        super().clean()
        self.code = (self.code or "").strip().upper()
        if self.kind == self.Kind.PERCENTAGE and self.percentage is None:
            raise ValidationError({"percentage": _("Enter the percentage taken off the items.")})
        if self.kind == self.Kind.FIXED:
            missing = {
                f"amount_{currency.lower()}": _("Enter the amount in every currency.")
                for currency in CURRENCIES
                if getattr(self, f"amount_{currency.lower()}") is None
            }
            if missing:
                raise ValidationError(missing)

    def save(self, *args, **kwargs) -> None:
        self.code = (self.code or "").strip().upper()
        super().save(*args, **kwargs)

    def minimum(self, currency: str) -> Decimal:
        return getattr(self, f"minimum_{currency.lower()}", None) or Decimal(0)

    def discount_for(self, subtotal: Decimal, currency: str) -> Decimal | None:
        """What this voucher takes off ``subtotal`` (never more than it), or ``None`` when it does not apply
        (below its minimum, or a fixed amount it has none of in ``currency``)."""
        if currency not in CURRENCIES or subtotal < self.minimum(currency):
            return None
        if self.kind == self.Kind.PERCENTAGE:
            if self.percentage is None:
                return None
            discount = (subtotal * self.percentage / 100).quantize(money.quantum(currency), ROUND_HALF_UP)
        else:
            discount = getattr(self, f"amount_{currency.lower()}")
            if discount is None:
                return None
        return min(money.quantize(discount, currency), subtotal)
