"""Put the demo in place: page tree, pictures, site, Cascad settings, shipping, vouchers, admin, and the
demo customer with their past orders (``customer``). Safe to run again.

A second run creates nothing twice and changes no content an editor may have edited; it only tops
the stock of the demo's variants back up and re-applies the site's and Cascad's demo settings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cascad_wagtail.models import CascadSettings

from ..models import CatalogueIndexPage, HomePage, ProductImage, ProductPage, ProductVariant, ShippingMethod, Voucher
from . import content
from .customer import seed_customer
from .images import product_picture

#: The emulator's default sandbox credentials (``spec/cascad-api.md``); test keys, never live ones.
EMULATOR_CREDENTIALS = {
    "sandbox_account_id": "coma_SandboxAccnt0001",
    "sandbox_api_key": "sandbox-api-key-000000000000000000000000001",
    "sandbox_public_key": "pk_test_SandboxPublicKey0001",
    "sandbox_secret_key": "sk_test_SandboxSecretKey0001",
}


@dataclasses.dataclass(frozen=True)
class Options:
    cascad_host: str = "http://127.0.0.1:8100"
    hostname: str = "127.0.0.1"
    port: int = 8000
    stock: int = 10000
    offered_methods: tuple[str, ...] = ()
    with_admin: bool = False


def seed(options: Options, say: Callable[[str], None] = print) -> Site:
    with transaction.atomic():
        home = _home(say)
        site = _site(home, options)
        catalogue = _catalogue(home, say)
        for product in content.PRODUCTS:
            _product(catalogue, product, options.stock, say)
        _shipping(say)
        _vouchers(say)
        _cascad(site, options, say)
        if options.with_admin:
            _admin(say)
    # Outside the transaction: the customer's orders are paid through Cascad, as a customer pays.
    seed_customer(site, options.cascad_host, say)
    return site


def _publish(parent: Page, page: Page) -> Page:
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _home(say) -> HomePage:
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = _publish(root, HomePage(slug="shop-home", **content.HOME))
        say(f"Created the home page ({home.title}).")
    return home


def _site(home: HomePage, options: Options) -> Site:
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.port, site.root_page = options.hostname, options.port, home
    site.site_name = "Cascad demo shop"
    site.save()
    # Wagtail's "Welcome" page, made by its first migration, is no longer anybody's home.
    plain = ContentType.objects.get_for_model(Page)
    for page in Page.objects.filter(depth=2, content_type=plain, numchild=0).exclude(pk=home.pk):
        if not Site.objects.filter(root_page=page).exists():
            page.delete()
    return site


def _catalogue(home: HomePage, say) -> CatalogueIndexPage:
    catalogue = CatalogueIndexPage.objects.child_of(home).first()
    if catalogue is None:
        catalogue = _publish(home, CatalogueIndexPage(**content.CATALOGUE))
        say(f"Created the catalogue ({catalogue.url_path}).")
    return catalogue


def _product(catalogue: CatalogueIndexPage, product: dict, stock: int, say) -> None:
    if not ProductPage.objects.child_of(catalogue).filter(slug=product["slug"]).exists():
        texts = ("slug", "title", "title_ru", "summary", "summary_ru", "body", "body_ru")
        pictures = {variant.sku: _picture(product, variant) for variant in product["variants"]}
        page = ProductPage(
            **{field: product[field] for field in texts},
            gallery_images=[
                ProductImage(image=pictures[variant.sku], caption=f"{product['title']}, {variant.name}")
                for variant in product["variants"]
            ],
            variants=[
                ProductVariant(
                    sku=variant.sku,
                    name=variant.name,
                    name_ru=variant.name_ru,
                    stock=stock,
                    image=pictures[variant.sku],
                    price_rub=variant.prices[0],
                    price_usd=variant.prices[1],
                    price_eur=variant.prices[2],
                )
                for variant in product["variants"]
            ],
        )
        _publish(catalogue, page)
        say(f"Created the product {page.title}.")
    skus = [variant.sku for variant in product["variants"]]
    if ProductVariant.objects.filter(sku__in=skus, stock__lt=stock).update(stock=stock):
        say(f"Topped up the stock of {product['title']} to {stock}.")


def _picture(product: dict, variant: content.V):
    title = f"{product['title']}, {variant.name}"
    image_model = get_image_model()
    image = image_model.objects.filter(title=title).first()
    if image is None:
        data = product_picture(product["kind"], variant.palette)
        image = image_model(title=title, file=ContentFile(data, name=f"{variant.sku.lower()}.jpg"))
        image._set_image_file_metadata()
        image.save()
    return image


def _shipping(say) -> None:
    for position, method in enumerate(content.SHIPPING):
        _method, created = ShippingMethod.objects.get_or_create(
            name=method.name,
            defaults={
                "name_ru": method.name_ru,
                "description": method.description,
                "description_ru": method.description_ru,
                "price_rub": method.prices[0],
                "price_usd": method.prices[1],
                "price_eur": method.prices[2],
                "needs_address": method.needs_address,
                "sort_order": position,
            },
        )
        if created:
            say(f"Created the shipping method {method.name}.")


def _vouchers(say) -> None:
    for code, fields in content.VOUCHERS.items():
        _voucher, created = Voucher.objects.get_or_create(code=code, defaults=fields)
        if created:
            say(f"Created the voucher {code}.")


def _cascad(site: Site, options: Options, say) -> None:
    config = CascadSettings.for_site(site)
    config.enabled = True
    config.mode = CascadSettings.Mode.SANDBOX
    config.host_url = options.cascad_host
    for field, value in EMULATOR_CREDENTIALS.items():
        setattr(config, field, value)
    config.offered_methods = list(options.offered_methods)
    config.save()
    offered = ", ".join(options.offered_methods) or "every method"
    say(f"Cascad: sandbox mode against {options.cascad_host}, offering {offered}.")


def _admin(say) -> None:
    users = get_user_model()
    if not users.objects.filter(username="admin").exists():
        users.objects.create_superuser("admin", "admin@example.com", "admin")
        say("Created the superuser admin / admin.")
