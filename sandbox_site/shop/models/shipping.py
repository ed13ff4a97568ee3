from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from ...translated import TranslatedField
from .prices import Priced


class ShippingMethod(Priced):
    """A way to get the order to the customer, priced in every currency (editable as a snippet)."""

    name = models.CharField(_("method name"), max_length=120)
    name_ru = models.CharField(_("method name (Russian)"), max_length=120, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    description_ru = models.CharField(_("description (Russian)"), max_length=255, blank=True)
    needs_address = models.BooleanField(_("needs an address"), default=True)
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("position"), default=0)

    display_name = TranslatedField("name")
    display_description = TranslatedField("description")

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_ru")]),
        FieldRowPanel([FieldPanel("description"), FieldPanel("description_ru")]),
        FieldRowPanel([FieldPanel("price_rub"), FieldPanel("price_usd"), FieldPanel("price_eur")]),
        FieldRowPanel([FieldPanel("needs_address"), FieldPanel("is_active"), FieldPanel("sort_order")]),
    ]

    class Meta:
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return str(self.display_name)
