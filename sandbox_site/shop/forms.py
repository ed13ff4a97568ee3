from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .cart import MAX_QUANTITY
from .models import ShippingMethod
from .payments import FLOW_CHECKOUT, FLOWS


class AddToCartForm(forms.Form):
    variant = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1)


class QuantityForm(forms.Form):
    variant = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=MAX_QUANTITY)


class PayForm(forms.Form):
    """How to pay: Checkout or the widget, and the method when the owner offers several."""

    flow = forms.ChoiceField(label=_("Where to pay"), choices=FLOWS, initial=FLOW_CHECKOUT, widget=forms.RadioSelect)
    method = forms.ChoiceField(label=_("Payment method"), required=False, widget=forms.RadioSelect)

    def __init__(self, *args, methods: list[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if methods:
            self.fields["method"].choices = methods
            self.fields["method"].required = True
            self.fields["method"].initial = self.initial.get("method") or methods[0][0]
        else:
            del self.fields["method"]


class CheckoutForm(PayForm):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    name = forms.CharField(label=_("Full name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    shipping_method = forms.ModelChoiceField(
        label=_("Delivery"),
        queryset=ShippingMethod.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    address = forms.CharField(
        label=_("Street address"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )

    field_order = ["email", "name", "phone", "shipping_method", "address", "city", "postal_code", "method", "flow"]

    def clean(self):
        data = super().clean()
        shipping = data.get("shipping_method")
        if shipping and shipping.needs_address:
            for field in ("address", "city", "postal_code"):
                if not data.get(field):
                    self.add_error(field, _("Needed for delivery."))
        return data

    def customer(self) -> dict[str, str]:
        data = self.cleaned_data
        needs_address = data["shipping_method"].needs_address
        fields = ("email", "name", "phone") + (("address", "city", "postal_code") if needs_address else ())
        return {field: data[field] for field in fields}
