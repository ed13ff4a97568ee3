"""The checkout form: the order is placed (and its stock taken) before any payment starts."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from wagtail.models import Site

from cascad_wagtail.formatting import display_amount

from .. import payments
from ..cart import Cart, subtotal
from ..checkout import OutOfStock, place_order
from ..currency import current_currency
from ..forms import CheckoutForm
from ..models import ShippingMethod
from ..templatetags.shop_tags import shipping_price
from .orders import pay_order


def checkout(request):
    cart = Cart(request)
    currency = current_currency(request)
    lines = cart.lines(currency)
    if not lines:
        messages.info(request, _("Your cart is empty: add something first."))
        return redirect("shop:cart")
    site = Site.find_for_request(request) or Site.objects.get(is_default_site=True)
    methods = payments.method_choices(site, currency)
    form = CheckoutForm(request.POST or None, methods=methods, initial=_initial(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            order = place_order(
                quantities={line.variant.pk: line.quantity for line in lines},
                currency=currency,
                site=site,
                customer=form.customer(),
                shipping=form.cleaned_data["shipping_method"],
                payment_method=form.cleaned_data.get("method", ""),
                user=request.user if request.user.is_authenticated else None,
            )
        except OutOfStock as exc:
            _report_shortages(request, exc)
            return redirect("shop:cart")
        cart.clear()
        return pay_order(request, order, form.cleaned_data["flow"], form.cleaned_data.get("method", ""))
    items = subtotal(lines)
    shipping = [
        {
            "method": method,
            "price": shipping_price(method, currency),
            "total": display_amount(items + method.price(currency), currency),
        }
        for method in ShippingMethod.objects.filter(is_active=True)
    ]
    chosen = str(form["shipping_method"].value())
    selected = next((option for option in shipping if str(option["method"].pk) == chosen), None)
    context = {
        "form": form,
        "lines": lines,
        "subtotal": items,
        "currency": currency,
        "shipping": shipping,
        "selected_shipping": selected or (shipping[0] if shipping else None),
    }
    return render(request, "shop/checkout.html", context)


def _initial(user) -> dict:
    """The first delivery method, and a signed-in customer's own email and name."""
    first = ShippingMethod.objects.filter(is_active=True).first()
    initial = {"shipping_method": first.pk if first else None}
    if user.is_authenticated:
        initial.update(email=user.email, name=user.get_full_name())
    return initial


def _report_shortages(request, exc: OutOfStock) -> None:
    if not exc.shortages:
        messages.error(request, _("Your cart is empty: add something first."))
    for shortage in exc.shortages:
        if shortage.variant is None:
            messages.error(request, _("An item in your cart is no longer sold; it was left out."))
            continue
        names = {
            "product": shortage.variant.page.display_title,
            "variant": shortage.variant.display_name,
            "count": shortage.available,
        }
        messages.error(request, _("Only %(count)s of %(product)s, %(variant)s left: change the quantity.") % names)
