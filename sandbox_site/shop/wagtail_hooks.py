"""The shop in the Wagtail admin: shipping methods to edit, orders to look at. Registration only."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import InspectView, SnippetViewSet

from .models import Order, OrderLine, ShippingMethod


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """Orders are made by customers at checkout and changed by payments; editors only look at them."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([action for action in actions if action == "view"])


class OrderInspectView(InspectView):
    def get_field_label(self, field_name, field):
        if field_name == "lines":
            return capfirst(OrderLine._meta.verbose_name_plural)
        return super().get_field_label(field_name, field)


class ShippingMethodViewSet(SnippetViewSet):
    model = ShippingMethod
    icon = "site"
    menu_label = _("Shipping")
    add_to_admin_menu = True
    menu_order = 310
    list_display = ["name", "price_rub", "price_usd", "price_eur", "needs_address", "is_active"]


class OrderViewSet(SnippetViewSet):
    model = Order
    icon = "list-ul"
    menu_label = _("Orders")
    add_to_admin_menu = True
    menu_order = 300
    inspect_view_enabled = True
    inspect_view_class = OrderInspectView
    list_display = ["__str__", "email", "total", "currency", "payment_status", "created_at"]
    list_filter = ["payment_status", "currency"]
    search_fields = ["email", "name"]
    inspect_view_fields = [
        "lines",
        "email",
        "name",
        "phone",
        "address",
        "city",
        "postal_code",
        "shipping_name",
        "shipping_price",
        "subtotal",
        "total",
        "currency",
        "payment_method",
        "payment_status",
        "paid_at",
        "created_at",
    ]


register_permission_policy(Order, ViewOnlyPermissionPolicy(Order))
register_snippet(ShippingMethodViewSet)
register_snippet(OrderViewSet)
