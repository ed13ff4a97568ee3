"""Changing a checkout: create, lines, email, addresses, shipping method, promo codes.

Each change runs on the locked checkout and only while it is not frozen; its errors roll it back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from .. import storefront
from ..addresses import Address, validate_address
from ..models import Checkout, CheckoutLine
from ..storefront import Channel, Variant
from .pricing import _as_uuid, _locked, _summarize, channel_of, get_checkout
from .results import AddressType, CheckoutError, CheckoutErrorCode, CheckoutResult, LineInput

#: Saleor's default limit of one line's quantity.
MAX_QUANTITY_PER_LINE = 50
MAX_LINES = 250


class _Refused(Exception):
    """Raised inside a transaction to roll it back and answer these errors."""

    def __init__(self, errors: list) -> None:
        super().__init__(errors)
        self.errors = errors


def _error(code: CheckoutErrorCode, message: str, field: str | None = None, **extra: Any) -> CheckoutError:
    return CheckoutError(code=code, message=message, field=field, **extra)


def _not_found() -> CheckoutError:
    return _error(CheckoutErrorCode.NOT_FOUND, _("There is no such checkout."), "token")


def _frozen() -> CheckoutError:
    return _error(
        CheckoutErrorCode.INVALID,
        _(
            "A payment for this checkout is under way, so it cannot be changed. Complete the checkout, "
            "or create a new payment to change it."
        ),
    )


def _change(token: object, change) -> CheckoutResult:
    """Run ``change(checkout)`` on the locked, unfrozen checkout; its errors roll everything back."""
    token = _as_uuid(token)
    if token is None:
        return CheckoutResult(None, [_not_found()])
    try:
        with transaction.atomic():
            checkout = _locked(token)
            if checkout is None:
                raise _Refused([_not_found()])
            if checkout.frozen:
                raise _Refused([_frozen()])
            errors = change(checkout)
            if errors:
                raise _Refused(errors)
    except _Refused as refused:
        return CheckoutResult(None, refused.errors)
    return CheckoutResult(get_checkout(token), [])


def _clean_lines(lines: Iterable[LineInput | tuple[str, int] | None]) -> dict[str, int]:
    """Input lines → variant id → quantity, in input order; repeated variants are added up."""
    wanted: dict[str, int] = {}
    for item in lines or ():
        if item is None:
            continue
        variant_id, quantity = (item.variant_id, item.quantity) if isinstance(item, LineInput) else item
        variant_id = str(variant_id)
        wanted[variant_id] = wanted.get(variant_id, 0) + int(quantity)
    return wanted


def _line_errors(
    channel: Channel, quantities: Mapping[str, int], *, zero_removes: bool, line_count: int | None = None
) -> list[CheckoutError]:
    """What is wrong with setting these final quantities per variant in ``channel``.

    ``line_count`` is the number of lines the checkout would have (default: the positive quantities).
    """
    errors = []
    for variant_id, quantity in quantities.items():
        if quantity < 0 or (quantity == 0 and not zero_removes):
            errors.append(
                _error(
                    CheckoutErrorCode.ZERO_QUANTITY,
                    _("The quantity must be greater than zero."),
                    "quantity",
                    variants=(variant_id,),
                )
            )
        elif quantity > MAX_QUANTITY_PER_LINE:
            errors.append(
                _error(
                    CheckoutErrorCode.QUANTITY_GREATER_THAN_LIMIT,
                    _("You can buy at most %(limit)d of one item at a time.") % {"limit": MAX_QUANTITY_PER_LINE},
                    "quantity",
                    variants=(variant_id,),
                )
            )
    if errors:
        return errors
    ordered = {variant_id: quantity for variant_id, quantity in quantities.items() if quantity > 0}
    if (len(ordered) if line_count is None else line_count) > MAX_LINES:
        return [
            _error(
                CheckoutErrorCode.QUANTITY_GREATER_THAN_LIMIT,
                _("A checkout can hold at most %(limit)d different items.") % {"limit": MAX_LINES},
                "lines",
            )
        ]
    if not ordered:
        return []
    variants = storefront.get_adapter().get_variants(channel, list(ordered))
    return _variant_errors(ordered, variants)


def _variant_errors(ordered: Mapping[str, int], variants: Mapping[str, Variant]) -> list[CheckoutError]:
    missing = tuple(variant_id for variant_id in ordered if variant_id not in variants)
    errors = []
    if missing:
        errors.append(
            _error(CheckoutErrorCode.NOT_FOUND, _("This product does not exist."), "variantId", variants=missing)
        )
    found = [variants[variant_id] for variant_id in ordered if variant_id in variants]
    unpriced = tuple(variant.id for variant in found if variant.price is None)
    if unpriced:
        errors.append(
            _error(
                CheckoutErrorCode.UNAVAILABLE_VARIANT_IN_CHANNEL,
                _("This product is not sold in this channel."),
                "variantId",
                variants=unpriced,
            )
        )
    unpublished = tuple(variant.id for variant in found if variant.price is not None and not variant.is_purchasable)
    if unpublished:
        errors.append(
            _error(
                CheckoutErrorCode.PRODUCT_NOT_PUBLISHED,
                _("This product is not on sale."),
                "variantId",
                variants=unpublished,
            )
        )
    for variant in found:
        if variant.price is not None and variant.is_purchasable and ordered[variant.id] > variant.quantity_available:
            errors.append(
                _error(
                    CheckoutErrorCode.INSUFFICIENT_STOCK,
                    _("Only %(count)d of %(product)s, %(variant)s left.")
                    % {
                        "count": max(variant.quantity_available, 0),
                        "product": variant.product_name,
                        "variant": variant.name,
                    },
                    "quantity",
                    variants=(variant.id,),
                )
            )
    return errors


def _set_lines(checkout: Checkout, quantities: Mapping[str, int]) -> None:
    """Write final quantities (0 deletes the line) in three queries whatever their number."""
    existing = {line.variant_id: line for line in checkout.lines.all()}
    remove = [variant_id for variant_id, quantity in quantities.items() if quantity <= 0 and variant_id in existing]
    changed = []
    for variant_id, quantity in quantities.items():
        line = existing.get(variant_id)
        if quantity > 0 and line is not None and line.quantity != quantity:
            line.quantity = quantity
            changed.append(line)
    new = [
        CheckoutLine(checkout=checkout, variant_id=variant_id, quantity=quantity)
        for variant_id, quantity in quantities.items()
        if quantity > 0 and variant_id not in existing
    ]
    if remove:
        checkout.lines.filter(variant_id__in=remove).delete()
    if changed:
        CheckoutLine.objects.bulk_update(changed, ["quantity"])
    if new:
        CheckoutLine.objects.bulk_create(new)
    _lines_changed(checkout)


def _lines_changed(checkout: Checkout) -> None:
    """Keep the applied voucher truthful: its discount for the new subtotal, or no voucher once it no
    longer applies (as Saleor does)."""
    fields = ["updated_at"]
    if checkout.voucher_code:
        summary = _summarize(checkout, list(checkout.lines.all()))
        if summary.voucher is None or not summary.voucher.applicable or summary.discount <= 0:
            checkout.voucher_code, checkout.discount, checkout.discount_name = "", Decimal(0), ""
        else:
            checkout.discount = summary.discount
        fields += ["voucher_code", "discount", "discount_name"]
    checkout.save(update_fields=fields)


def _email_errors(email: str | None) -> list[CheckoutError]:
    if not email:
        return [_error(CheckoutErrorCode.REQUIRED, _("Enter an email address."), "email")]
    try:
        validate_email(email)
    except ValidationError:
        return [_error(CheckoutErrorCode.INVALID, _("Enter a valid email address."), "email")]
    return []


def _address(data, address_type: AddressType) -> tuple[Address | None, list[CheckoutError]]:
    address, problems = validate_address(data)
    return address, [
        _error(CheckoutErrorCode(problem.code), problem.message, problem.field, address_type=address_type)
        for problem in problems
    ]


def _channel(slug: str | None) -> tuple[Channel | None, list[CheckoutError]]:
    slug = slug or storefront.default_channel_slug()
    if not slug:
        return None, [_error(CheckoutErrorCode.MISSING_CHANNEL_SLUG, _("Name the channel."), "channel")]
    try:
        return storefront.get_channel(slug), []
    except storefront.UnknownChannel:
        return None, [_error(CheckoutErrorCode.NOT_FOUND, _("There is no such channel."), "channel")]
    except storefront.InactiveChannel:
        return None, [_error(CheckoutErrorCode.CHANNEL_INACTIVE, _("This channel is not open."), "channel")]


def create(
    channel: str | None,
    lines: Iterable[LineInput | tuple[str, int] | None] = (),
    *,
    email: str | None = None,
    shipping_address: Mapping[str, Any] | None = None,
    billing_address: Mapping[str, Any] | None = None,
    user=None,
) -> CheckoutResult:
    """``checkoutCreate``: a new checkout in ``channel`` (optional when only one is configured)."""
    found, errors = _channel(channel)
    if found is None:
        return CheckoutResult(None, errors)
    quantities = _clean_lines(lines)
    errors = _line_errors(found, quantities, zero_removes=False)
    email = (email or "").strip()
    if email:
        errors += _email_errors(email)
    shipping = billing = None
    if shipping_address is not None:
        shipping, problems = _address(shipping_address, AddressType.SHIPPING)
        errors += problems
    if billing_address is not None:
        billing, problems = _address(billing_address, AddressType.BILLING)
        errors += problems
    if errors:
        return CheckoutResult(None, errors)
    with transaction.atomic():
        checkout = Checkout.objects.create(
            channel=found.slug,
            site=found.site,
            currency=found.currency,
            email=email,
            shipping_address=shipping.as_dict() if shipping else None,
            billing_address=billing.as_dict() if billing else None,
            user=user if getattr(user, "is_authenticated", False) else None,
        )
        CheckoutLine.objects.bulk_create(
            CheckoutLine(checkout=checkout, variant_id=variant_id, quantity=quantity)
            for variant_id, quantity in quantities.items()
        )
    return CheckoutResult(get_checkout(checkout.token), [], created=True)


def lines_add(token: object, lines: Iterable[LineInput | tuple[str, int] | None]) -> CheckoutResult:
    """``checkoutLinesAdd``: add these quantities to the checkout's."""

    def change(checkout: Checkout) -> list[CheckoutError]:
        added = _clean_lines(lines)
        if any(quantity <= 0 for quantity in added.values()):
            return _line_errors(channel_of(checkout), added, zero_removes=False)
        current = {line.variant_id: line.quantity for line in checkout.lines.all()}
        quantities = {variant_id: current.get(variant_id, 0) + quantity for variant_id, quantity in added.items()}
        count = len(set(current) | set(quantities))
        errors = _line_errors(channel_of(checkout), quantities, zero_removes=False, line_count=count)
        if not errors:
            _set_lines(checkout, quantities)
        return errors

    return _change(token, change)


def lines_update(token: object, lines: Iterable[LineInput | tuple[str, int] | None]) -> CheckoutResult:
    """``checkoutLinesUpdate``: set these lines' quantities; a quantity of 0 removes the line."""

    def change(checkout: Checkout) -> list[CheckoutError]:
        quantities = _clean_lines(lines)
        current = [line.variant_id for line in checkout.lines.all()]
        after = {variant_id for variant_id in current if variant_id not in quantities}
        after |= {variant_id for variant_id, quantity in quantities.items() if quantity > 0}
        errors = _line_errors(channel_of(checkout), quantities, zero_removes=True, line_count=len(after))
        if not errors:
            _set_lines(checkout, quantities)
        return errors

    return _change(token, change)


def line_delete(token: object, line_id: object) -> CheckoutResult:
    """``checkoutLineDelete``: remove the line ``line_id`` (a ``CheckoutLine`` pk)."""

    def change(checkout: Checkout) -> list[CheckoutError]:
        try:
            deleted, _kinds = checkout.lines.filter(pk=int(str(line_id))).delete()
        except ValueError:
            deleted = 0
        if not deleted:
            return [_error(CheckoutErrorCode.NOT_FOUND, _("This checkout has no such line."), "lineId")]
        _lines_changed(checkout)
        return []

    return _change(token, change)


def email_update(token: object, email: str | None) -> CheckoutResult:
    def change(checkout: Checkout) -> list[CheckoutError]:
        value = (email or "").strip()
        errors = _email_errors(value)
        if not errors:
            checkout.email = value
            checkout.save(update_fields=["email", "updated_at"])
        return errors

    return _change(token, change)


def shipping_address_update(token: object, address: Mapping[str, Any] | None) -> CheckoutResult:
    """Set the shipping address; a chosen shipping method that cannot deliver there is dropped."""

    def change(checkout: Checkout) -> list[CheckoutError]:
        cleaned, errors = _address(address, AddressType.SHIPPING)
        if errors:
            return errors
        checkout.shipping_address = cleaned.as_dict()
        fields = ["shipping_address", "updated_at"]
        if checkout.shipping_method_id:
            methods = storefront.get_adapter().get_shipping_methods(channel_of(checkout), cleaned)
            if checkout.shipping_method_id not in {method.id for method in methods}:
                checkout.shipping_method_id = ""
                fields.append("shipping_method_id")
        checkout.save(update_fields=fields)
        return []

    return _change(token, change)


def billing_address_update(token: object, address: Mapping[str, Any] | None) -> CheckoutResult:
    def change(checkout: Checkout) -> list[CheckoutError]:
        cleaned, errors = _address(address, AddressType.BILLING)
        if not errors:
            checkout.billing_address = cleaned.as_dict()
            checkout.save(update_fields=["billing_address", "updated_at"])
        return errors

    return _change(token, change)


def shipping_method_update(token: object, shipping_method_id: object) -> CheckoutResult:
    """Choose a shipping method among those available for the checkout's shipping address."""

    def change(checkout: Checkout) -> list[CheckoutError]:
        summary = _summarize(checkout, list(checkout.lines.all()))
        if not summary.is_shipping_required:
            return [
                _error(
                    CheckoutErrorCode.SHIPPING_NOT_REQUIRED,
                    _("Nothing in this checkout needs delivery."),
                    "shippingMethod",
                )
            ]
        if summary.shipping_address is None:
            return [
                _error(
                    CheckoutErrorCode.SHIPPING_ADDRESS_NOT_SET,
                    _("Enter the shipping address first."),
                    "shippingAddress",
                )
            ]
        method_id = str(shipping_method_id or "")
        if method_id not in {method.id for method in summary.available_shipping_methods}:
            return [
                _error(
                    CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
                    _("This shipping method cannot deliver to the shipping address."),
                    "shippingMethod",
                )
            ]
        checkout.shipping_method_id = method_id
        checkout.save(update_fields=["shipping_method_id", "updated_at"])
        return []

    return _change(token, change)


def promo_code_add(token: object, promo_code: str | None) -> CheckoutResult:
    """Apply a voucher: ``INVALID`` when the shop has no vouchers or no such code,
    ``VOUCHER_NOT_APPLICABLE`` when the code exists but not for this checkout."""

    def change(checkout: Checkout) -> list[CheckoutError]:
        code = (promo_code or "").strip()
        adapter = storefront.get_adapter()
        if not code or not getattr(adapter, "supports_vouchers", False):
            return [_error(CheckoutErrorCode.INVALID, _("This promo code is not valid."), "promoCode")]
        summary = _summarize(checkout, list(checkout.lines.all()), voucher_code=code)
        if summary.voucher is None:
            return [_error(CheckoutErrorCode.INVALID, _("This promo code is not valid."), "promoCode")]
        if not summary.voucher.applicable or summary.discount <= 0:
            return [
                _error(
                    CheckoutErrorCode.VOUCHER_NOT_APPLICABLE,
                    _("This promo code does not apply to your checkout."),
                    "promoCode",
                )
            ]
        checkout.voucher_code = summary.voucher.code
        checkout.discount = summary.discount
        checkout.discount_name = summary.voucher.name
        checkout.save(update_fields=["voucher_code", "discount", "discount_name", "updated_at"])
        return []

    return _change(token, change)


def promo_code_remove(token: object, promo_code: str | None) -> CheckoutResult:
    """Remove the voucher if ``promo_code`` is the one applied (any case); otherwise nothing changes."""

    def change(checkout: Checkout) -> list[CheckoutError]:
        if checkout.voucher_code and checkout.voucher_code.casefold() == (promo_code or "").strip().casefold():
            checkout.voucher_code, checkout.discount, checkout.discount_name = "", Decimal(0), ""
            checkout.save(update_fields=["voucher_code", "discount", "discount_name", "updated_at"])
        return []

    return _change(token, change)
