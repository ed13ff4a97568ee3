"""The "Cascad" menu: Payments and Callbacks (Settings → Cascad lives under Settings)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup

from .callbacks import callback_viewset
from .payments import payment_viewset


class CascadViewSetGroup(ModelViewSetGroup):
    menu_label = _("Cascad")
    menu_icon = "credit-card"
    menu_order = 250
    items = (payment_viewset, callback_viewset)


@hooks.register("register_admin_viewset")
def register_cascad_viewsets():
    return CascadViewSetGroup()


@hooks.register("register_icons")
def register_cascad_icons(icons):
    """The ``credit-card`` icon of the Cascad menu and Settings → Cascad (Wagtail has none)."""
    return [*icons, "cascad_wagtail/icons/credit-card.svg"]
