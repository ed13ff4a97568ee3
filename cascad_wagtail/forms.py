"""Admin forms. Secrets are write-only: never rendered back, kept when the field is left blank."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

SECRET_FIELDS = ("sandbox_api_key", "sandbox_secret_key", "live_api_key", "live_secret_key")


class CascadSettingsForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            field = self.fields.get(name)
            if field is None:
                continue
            stored = bool(getattr(self.instance, name, ""))
            field.required = False
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            field.help_text = _("Saved; leave blank to keep it.") if stored else _("Not set.")

    def _clean_secret(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        return value or getattr(self.instance, name, "")

    def clean_sandbox_api_key(self) -> str:
        return self._clean_secret("sandbox_api_key")

    def clean_sandbox_secret_key(self) -> str:
        return self._clean_secret("sandbox_secret_key")

    def clean_live_api_key(self) -> str:
        return self._clean_secret("live_api_key")

    def clean_live_secret_key(self) -> str:
        return self._clean_secret("live_secret_key")
