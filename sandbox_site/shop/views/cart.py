"""The cart: add from a product page, change quantities, remove; and the currency switch."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..cart import Cart, subtotal
from ..currency import choose_currency, current_currency
from ..forms import AddToCartForm, QuantityForm
from ..models import ProductVariant
from .navigation import next_url


def cart_page(request):
    currency = current_currency(request)
    lines = Cart(request).lines(currency)
    context = {"lines": lines, "subtotal": subtotal(lines), "currency": currency}
    return render(request, "shop/cart.html", context)


def _variant(pk: int) -> ProductVariant:
    return get_object_or_404(ProductVariant.objects.select_related("page"), pk=pk, page__live=True)


@require_POST
def add(request):
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a variant and a quantity from 1 to 99."))
        return redirect(next_url(request, reverse("shop:cart")))
    variant = _variant(form.cleaned_data["variant"])
    wanted = form.cleaned_data["quantity"]
    cart = Cart(request)
    before = cart.quantity_of(variant)
    now = cart.add(variant, wanted)
    names = {"product": variant.page.display_title, "variant": variant.display_name, "count": now}
    if now == before:
        messages.error(request, _("Sorry, %(product)s, %(variant)s is sold out.") % names)
        return redirect(next_url(request, reverse("shop:cart")))
    if now < before + wanted:
        messages.warning(request, _("Only %(count)s of %(product)s, %(variant)s could go in your cart.") % names)
    else:
        messages.success(request, _("Added to your cart: %(product)s, %(variant)s.") % names)
    return redirect("shop:cart")


@require_POST
def update(request):
    form = QuantityForm(request.POST)
    if form.is_valid():
        variant = _variant(form.cleaned_data["variant"])
        wanted = form.cleaned_data["quantity"]
        now = Cart(request).set(variant, wanted)
        if now < wanted:
            names = {"product": variant.page.display_title, "variant": variant.display_name, "count": now}
            messages.warning(request, _("Only %(count)s of %(product)s, %(variant)s could go in your cart.") % names)
    else:
        messages.error(request, _("Enter a quantity from 0 to 99."))
    return redirect("shop:cart")


@require_POST
def remove(request):
    try:
        Cart(request).remove(int(request.POST.get("variant", "")))
    except ValueError:
        pass
    return redirect("shop:cart")


@require_POST
def set_currency(request):
    choose_currency(request, request.POST.get("currency", ""))
    return redirect(next_url(request, "/"))
