"""Per-site Cascad configuration: the Wagtail site setting shop owners edit (Settings → Cascad).

The edit screen is laid out here (``panels``); its validation rules are in ``forms.CascadSettingsForm``
and its Test connection button posts to ``admin.settings_admin``.
"""

from __future__ import annotations

import dataclasses

from django import forms
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, Panel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .. import conf
from ..crypto import EncryptedTextField
from ..forms import CascadSettingsForm

METHOD_CHOICES = [
    ("payment_card", _("Bank card")),
    ("sbp", _("Faster Payments System (SBP)")),
    ("wallet", _("Cascad Wallet")),
]


@dataclasses.dataclass(frozen=True)
class KeySet:
    """One mode's credentials. ``repr`` never shows the secrets."""

    mode: str
    account_id: str
    api_key: str = dataclasses.field(repr=False)
    public_key: str
    secret_key: str = dataclasses.field(repr=False)

    @property
    def complete(self) -> bool:
        return all((self.account_id, self.api_key, self.public_key, self.secret_key))


class CallbackURLPanel(Panel):
    """The absolute callback URL, read-only with a copy button: it is pasted into Cascad's dashboard."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "cascad_wagtail/admin/settings/callback_url_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["callback_url"] = self.instance.callback_url
            return context


class ConnectionTestPanel(Panel):
    """The Test connection button. It submits the settings form to the test view (``formaction``), so
    it needs no form of its own (forms cannot nest); that view tests the saved settings only."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "cascad_wagtail/admin/settings/connection_test_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["test_url"] = reverse("cascad_settings:test_connection", args=[self.instance.site_id])
            return context


def _key_panels(mode: str) -> list[FieldPanel]:
    return [FieldPanel(f"{mode}_{field}") for field in conf.KEY_FIELDS]


@register_setting(icon="credit-card")
class CascadSettings(BaseSiteSetting):
    class Mode(models.TextChoices):
        SANDBOX = "sandbox", _("Sandbox (test keys)")
        LIVE = "live", _("Live")

    enabled = models.BooleanField(_("enabled"), default=False, help_text=_("Offer Cascad at checkout on this site."))
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.SANDBOX)
    host_url = models.URLField(
        _("Cascad host"),
        blank=True,
        help_text=_("Serves the Private and Public APIs and Checkout, e.g. the emulator at http://127.0.0.1:8100."),
    )
    sandbox_account_id = models.CharField(_("sandbox account id"), max_length=64, blank=True)
    sandbox_api_key = EncryptedTextField(_("sandbox API key"), blank=True)
    sandbox_public_key = models.CharField(_("sandbox public key"), max_length=128, blank=True)
    sandbox_secret_key = EncryptedTextField(_("sandbox secret key"), blank=True)
    live_account_id = models.CharField(_("live account id"), max_length=64, blank=True)
    live_api_key = EncryptedTextField(_("live API key"), blank=True)
    live_public_key = models.CharField(_("live public key"), max_length=128, blank=True)
    live_secret_key = EncryptedTextField(_("live secret key"), blank=True)
    offered_methods = models.JSONField(
        _("offered methods"),
        default=list,
        blank=True,
        help_text=_("Leave empty to offer every method Cascad has for the currency."),
    )
    invoice_lifetime_minutes = models.PositiveIntegerField(
        _("invoice lifetime (minutes)"), default=24 * 60, help_text=_("How long a customer has to pay an invoice.")
    )

    #: API and secret keys are write-only in the admin (see ``forms.CascadSettingsForm``).
    base_form_class = CascadSettingsForm

    panels = [
        MultiFieldPanel(
            [FieldPanel("enabled"), FieldPanel("mode", widget=forms.RadioSelect), FieldPanel("host_url")],
            heading=_("Cascad on this site"),
        ),
        CallbackURLPanel(heading=_("Callback URL")),
        MultiFieldPanel(
            _key_panels("sandbox"),
            heading=_("Sandbox keys"),
            help_text=_(
                "Test keys (pk_test_…, sk_test_…) from Cascad's sandbox, or the emulator's. API keys and secret "
                "keys are write-only: once saved they are never shown again."
            ),
        ),
        MultiFieldPanel(
            _key_panels("live"),
            heading=_("Live keys"),
            help_text=_(
                "Live keys (pk_live_…, sk_live_…) take real payments. Both key sets are kept, so callbacks "
                "for payments made in the other mode still verify after a switch."
            ),
        ),
        MultiFieldPanel(
            [FieldPanel("offered_methods"), FieldPanel("invoice_lifetime_minutes")],
            heading=_("Checkout options"),
        ),
        ConnectionTestPanel(heading=_("Connection test")),
    ]

    class Meta:
        verbose_name = _("Cascad")
        verbose_name_plural = _("Cascad")

    def keys(self, mode: str | None = None) -> KeySet:
        """The credentials of ``mode`` (default: the site's current mode), ``CASCAD_*`` overrides applied."""
        mode = mode or self.mode
        values = {
            field: conf.key_override(mode, field) or getattr(self, f"{mode}_{field}") or "" for field in conf.KEY_FIELDS
        }
        return KeySet(mode=mode, **values)

    @staticmethod
    def overrides() -> dict[str, str]:
        """Field name → the ``CASCAD_*`` setting that sets it for every site instead of this form."""
        found = {
            f"{mode}_{field}": f"CASCAD_{mode.upper()}_{field.upper()}"
            for mode in conf.MODES
            for field in conf.KEY_FIELDS
            if conf.key_override(mode, field)
        }
        if conf.get("CASCAD_HOST"):
            found["host_url"] = "CASCAD_HOST"
        return found

    def overridden_fields(self) -> set[str]:
        """Field names whose value comes from a ``CASCAD_*`` setting instead of this form."""
        return set(self.overrides())

    @property
    def host(self) -> str:
        return (conf.get("CASCAD_HOST") or self.host_url or "").rstrip("/")

    @property
    def callback_url(self) -> str:
        """The absolute URL Cascad must POST callbacks to: the site's root URL + ``/cascad/callback/``."""
        return f"{self.site.root_url.rstrip('/')}/cascad/callback/"

    @property
    def lifetime_seconds(self) -> int:
        return self.invoice_lifetime_minutes * 60

    def client(self, mode: str | None = None, **options):
        """A ``CascadClient`` for ``mode``'s keys on this site's host."""
        from ..client import CascadClient

        keys = self.keys(mode)
        connect_timeout, read_timeout = conf.get("CASCAD_TIMEOUT")
        options.setdefault("connect_timeout", connect_timeout)
        options.setdefault("read_timeout", read_timeout)
        return CascadClient(
            host_url=self.host,
            account_id=keys.account_id,
            api_key=keys.api_key,
            public_key=keys.public_key or None,
            **options,
        )
