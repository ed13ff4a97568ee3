"""The storefront API's catalogue side (``productVariants``, ``shop``) and the shapes every storefront
resolver shares: money, addresses, Saleor errors, channels and the checkout a mutation names.

Resolvers here and in ``checkout_resolvers`` / ``order_resolvers`` are thin doors: they read the
arguments, call ``cascad_wagtail.checkout`` or the shop's adapter (``cascad_wagtail.storefront``),
and shape the answer. Prices and stock always come from the adapter, once per checkout or order
(see ``checkout.checkout_summary``), so a 50-line checkout costs the queries of a 1-line one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from graphql import GraphQLError, GraphQLResolveInfo

from cascad_wagtail import storefront
from cascad_wagtail.addresses import COUNTRY_CODES, INPUT_NAMES, Address
from cascad_wagtail.storefront import Channel, Variant

from .countries import country_name
from .ids import InvalidGlobalId, from_global_id, global_id
from .registry import resolver, snake_case

#: Most variants one ``productVariants`` page holds (the SDK asks for 100).
MAX_PAGE = 100

# -- money ------------------------------------------------------------------------------------------


def money(amount: Decimal | int, currency: str) -> dict[str, Any]:
    """Saleor's ``Money``."""
    return {"currency": currency, "amount": Decimal(amount)}


def taxed(amount: Decimal | int, currency: str) -> dict[str, Any]:
    """Saleor's ``TaxedMoney``: prices here include any tax, so gross = net and the tax is zero."""
    value = money(amount, currency)
    return {"currency": currency, "gross": value, "net": value, "tax": money(0, currency)}


# -- addresses --------------------------------------------------------------------------------------


def country(code: str) -> dict[str, str]:
    """Saleor's ``CountryDisplay``."""
    return {"code": code, "country": country_name(code)}


def address(value: Address | None) -> dict[str, Any] | None:
    """Saleor's ``Address`` for a stored address.

    Checkout and order addresses have no row of their own: the id is a digest of the content, so
    Apollo's cache (which merges objects of equal id) never mixes two different addresses.
    """
    if value is None:
        return None
    content = value.as_dict()
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:24]
    return {
        "id": global_id("Address", digest),
        "firstName": value.first_name,
        "lastName": value.last_name,
        "companyName": value.company_name,
        "streetAddress1": value.street_address_1,
        "streetAddress2": value.street_address_2,
        "city": value.city,
        "cityArea": value.city_area,
        "postalCode": value.postal_code,
        "country": country(value.country),
        "countryArea": value.country_area,
        "phone": value.phone,
        "isDefaultShippingAddress": False,
        "isDefaultBillingAddress": False,
    }


def address_input(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An ``AddressInput`` (its keys arrive in snake_case) with the GraphQL names the checkout reads."""
    if value is None:
        return None
    return {name: value[snake_case(name)] for name in INPUT_NAMES if snake_case(name) in value}


# -- errors and payloads ----------------------------------------------------------------------------


def checkout_error(error: Any) -> dict[str, Any]:
    """Saleor's ``CheckoutError`` from a ``checkout.CheckoutError`` (variants as global ids)."""
    variants = getattr(error, "variants", ())
    address_type = getattr(error, "address_type", None)
    return {
        "field": error.field,
        "message": error.message,
        "code": str(error.code),
        "variants": [global_id("ProductVariant", variant) for variant in variants] or None,
        "addressType": str(address_type) if address_type else None,
    }


def payment_error(error: Any) -> dict[str, Any]:
    """Saleor's ``PaymentError`` from a ``checkout.CheckoutPaymentError``."""
    return {"field": error.field, "message": error.message, "code": str(error.code)}


def with_errors(payload: dict[str, Any], errors: Iterable[dict[str, Any]], legacy_name: str) -> dict[str, Any]:
    """``payload`` with its errors under both names: ``errors`` (Saleor 3) and ``legacy_name``
    (``checkoutErrors`` / ``paymentErrors``, which SDK 0.3.0-10 selects as ``errors: checkoutErrors``)."""
    shaped = list(errors)
    return {**payload, "errors": shaped, legacy_name: shaped}


class ArgumentError(Exception):
    """An argument that cannot be read (a malformed id, no checkout named): one Saleor error."""

    def __init__(self, field: str, message: str, code: str = "GRAPHQL_ERROR") -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code

    def as_payment_error(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "code": self.code}

    def as_checkout_error(self) -> dict[str, Any]:
        return {**self.as_payment_error(), "variants": None, "addressType": None}


def checkout_token(checkout_id: Any = None, token: Any = None) -> uuid.UUID:
    """The token of the checkout a mutation names, by ``checkoutId`` (a global id) or ``token``."""
    if checkout_id is not None:
        try:
            return from_global_id(checkout_id, "Checkout", uuid.UUID)
        except InvalidGlobalId as exc:
            raise ArgumentError("checkoutId", exc.message) from exc
    if token is not None:
        return token
    raise ArgumentError("checkoutId", _("Name the checkout: send its checkoutId or its token."), "REQUIRED")


def request_user(info: GraphQLResolveInfo) -> Any:
    """The signed-in customer (set by the auth module from the token header), or ``None``."""
    user = getattr(info.context, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


# -- channels ---------------------------------------------------------------------------------------


def channel_named(slug: str | None) -> Channel:
    """The channel ``slug``, or the only configured one when none is named; a GraphQL error otherwise."""
    slug = slug or storefront.default_channel_slug()
    if not slug:
        raise GraphQLError(
            _("Name the channel: this shop has several."), extensions={"exception": {"code": "MISSING_CHANNEL_SLUG"}}
        )
    try:
        return storefront.get_channel(slug)
    except storefront.UnknownChannel:
        message, code = _("There is no channel “%(slug)s”.") % {"slug": slug}, "NOT_FOUND"
    except storefront.InactiveChannel:
        message, code = _("The channel “%(slug)s” is not open.") % {"slug": slug}, "CHANNEL_INACTIVE"
    raise GraphQLError(message, extensions={"exception": {"code": code}})


# -- catalogue --------------------------------------------------------------------------------------


@resolver("Query", "productVariants")
def resolve_product_variants(
    _root: Any,
    info: GraphQLResolveInfo,
    ids: list[Any] | None = None,
    channel: str | None = None,
    first: int | None = None,
    **_paging: Any,
) -> dict[str, Any]:
    """The variants ``ids`` sold in the channel, in the order asked (one adapter call).

    Without ``ids`` the page is empty: the adapter looks variants up, it does not list a catalogue.
    Variants that do not exist, are not priced in the channel or are not on sale are left out, as
    Saleor leaves out what a channel does not list.
    """
    found_channel = channel_named(channel)
    wanted = list(dict.fromkeys(from_global_id(value, "ProductVariant") for value in ids or () if value))
    limit = MAX_PAGE if first is None else max(0, min(first, MAX_PAGE))
    variants = storefront.get_adapter().get_variants(found_channel, wanted) if wanted else {}
    listed = [variants[pk] for pk in wanted if pk in variants and _listed(variants[pk])]
    page = listed[:limit]
    edges = [{"node": variant, "cursor": global_id("ProductVariant", variant.id)} for variant in page]
    return {
        "edges": edges,
        "totalCount": len(listed),
        "pageInfo": {
            "hasNextPage": len(listed) > len(page),
            "hasPreviousPage": False,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _listed(variant: Variant) -> bool:
    return variant.price is not None and variant.is_purchasable


@resolver("ProductVariant", "quantityAvailable")
def resolve_quantity_available(variant: Variant, _info: GraphQLResolveInfo, country_code: str | None = None) -> int:
    return max(variant.quantity_available, 0)


@resolver("ProductVariant", "isAvailable")
def resolve_is_available(variant: Variant, _info: GraphQLResolveInfo) -> bool:
    return _listed(variant) and variant.quantity_available > 0


@resolver("ProductVariant", "pricing")
def resolve_variant_pricing(variant: Variant, _info: GraphQLResolveInfo) -> dict[str, Any] | None:
    if variant.price is None:
        return None
    price = taxed(variant.price, variant.currency)
    return {"onSale": False, "price": price, "priceUndiscounted": price}


@resolver("ProductVariant", "attributes")
def resolve_variant_attributes(_variant: Variant, _info: GraphQLResolveInfo) -> list:
    """The adapter describes variants by name only: no selected attributes."""
    return []


@resolver("ProductVariant", "product")
def resolve_variant_product(variant: Variant, _info: GraphQLResolveInfo) -> dict[str, Any]:
    thumbnail = {"url": variant.thumbnail_url, "alt": variant.product_name} if variant.thumbnail_url else None
    kind = "shippable" if variant.is_shipping_required else "not-shippable"
    return {
        "id": global_id("Product", variant.product_id),
        "name": variant.product_name,
        "slug": variant.product_slug,
        # One image per product: ``thumbnail(size: 510)`` gets the same (the argument is a hint).
        "thumbnail": thumbnail,
        # Saleor decides "needs shipping" per product type; here the variant decides, so one of two types.
        "productType": {"id": global_id("ProductType", kind), "isShippingRequired": variant.is_shipping_required},
    }


# -- shop -------------------------------------------------------------------------------------------


@resolver("Query", "shop")
def resolve_shop(_root: Any, _info: GraphQLResolveInfo) -> dict[str, Any]:
    """Prices are shown with tax; every country the checkout accepts, by name."""
    countries = sorted((country(code) for code in COUNTRY_CODES), key=lambda item: item["country"])
    return {"displayGrossPrices": True, "defaultCountry": None, "countries": countries}
