"""The catalogue as Wagtail pages: home → catalogue → products, each product with its variants."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from ...translated import TranslatedField
from .prices import Priced


class TranslatedPage(Page):
    """A page whose title has a Russian twin (the rest of its fields decide for themselves)."""

    title_ru = models.CharField(_("title (Russian)"), max_length=255, blank=True)

    display_title = TranslatedField("title")

    content_panels = [*Page.content_panels, FieldPanel("title_ru")]

    class Meta:
        abstract = True


class HomePage(TranslatedPage):
    headline = models.CharField(_("headline"), max_length=200)
    headline_ru = models.CharField(_("headline (Russian)"), max_length=200, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_ru = models.TextField(_("introduction (Russian)"), blank=True)

    display_headline = TranslatedField("headline")
    display_intro = TranslatedField("intro")

    content_panels = [
        *TranslatedPage.content_panels,
        MultiFieldPanel(
            [FieldPanel("headline"), FieldPanel("headline_ru"), FieldPanel("intro"), FieldPanel("intro_ru")],
            heading=_("Welcome"),
        ),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["shop.CatalogueIndexPage"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["products"] = ProductPage.for_listing().descendant_of(self)[:6]
        context["catalogue"] = CatalogueIndexPage.objects.live().descendant_of(self).first()
        return context


class CatalogueIndexPage(TranslatedPage):
    intro = models.TextField(_("introduction"), blank=True)
    intro_ru = models.TextField(_("introduction (Russian)"), blank=True)

    display_intro = TranslatedField("intro")

    content_panels = [*TranslatedPage.content_panels, FieldPanel("intro"), FieldPanel("intro_ru")]
    parent_page_types = ["shop.HomePage"]
    subpage_types = ["shop.ProductPage"]

    class Meta:
        verbose_name = _("catalogue")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["products"] = ProductPage.for_listing().child_of(self)
        return context


class ProductPage(TranslatedPage):
    summary = models.CharField(_("summary"), max_length=255, help_text=_("One line for the catalogue."))
    summary_ru = models.CharField(_("summary (Russian)"), max_length=255, blank=True)
    body = RichTextField(_("description"), blank=True)
    body_ru = RichTextField(_("description (Russian)"), blank=True)

    display_summary = TranslatedField("summary")
    display_body = TranslatedField("body")

    content_panels = [
        *TranslatedPage.content_panels,
        MultiFieldPanel(
            [FieldPanel("summary"), FieldPanel("summary_ru"), FieldPanel("body"), FieldPanel("body_ru")],
            heading=_("Description"),
        ),
        InlinePanel("gallery_images", label=_("Images")),
        InlinePanel("variants", label=_("Variants"), min_num=1),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["shop.CatalogueIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("product")

    @classmethod
    def for_listing(cls):
        return cls.objects.live().prefetch_related("variants", "gallery_images__image").order_by("path")

    @property
    def main_image(self):
        images = list(self.gallery_images.all())
        return images[0].image if images else None

    @property
    def in_stock(self) -> bool:
        return any(variant.stock > 0 for variant in self.variants.all())

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["selected_variant"] = next((variant for variant in self.variants.all() if variant.stock > 0), None)
        return context

    def price_varies(self, currency: str) -> bool:
        return len({variant.price(currency) for variant in self.variants.all()}) > 1

    def lowest_price(self, currency: str) -> Decimal | None:
        variants = list(self.variants.all())
        available = [variant for variant in variants if variant.stock > 0] or variants
        return min((variant.price(currency) for variant in available), default=None)


class ProductImage(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(_("caption"), max_length=255, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]


class ProductVariant(Orderable, Priced):
    """What the customer actually buys: a size or a colour of a product, with its own stock and prices.

    Stock is edited with the page for convenience; orders take it with a row lock and a conditional
    update (``checkout.place_order``), so two customers can never buy the same last unit.
    """

    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64, db_index=True)
    name = models.CharField(_("variant name"), max_length=120, help_text=_("A size, a colour: what tells it apart."))
    name_ru = models.CharField(_("variant name (Russian)"), max_length=120, blank=True)
    stock = models.PositiveIntegerField(_("in stock"), default=0)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("picture"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown when this variant is chosen, and in the cart."),
    )

    display_name = TranslatedField("name")

    panels = [
        FieldPanel("sku"),
        FieldPanel("name"),
        FieldPanel("name_ru"),
        FieldPanel("stock"),
        FieldPanel("image"),
        FieldPanel("price_rub"),
        FieldPanel("price_usd"),
        FieldPanel("price_eur"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("variant")
        verbose_name_plural = _("variants")

    def __str__(self) -> str:
        return f"{self.page.title} — {self.name}"

    @property
    def picture(self):
        """The variant's own picture, else the product's first."""
        return self.image or self.page.main_image

    def clean(self) -> None:
        super().clean()
        if self.sku and ProductVariant.objects.filter(sku=self.sku).exclude(pk=self.pk).exists():
            raise ValidationError({"sku": _("Another variant already has this SKU.")})
