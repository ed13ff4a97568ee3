"""Settings → Cascad: the form shop owners save, and what it refuses before anything is saved.

**Secrets** (API keys, secret keys) are write-only: never rendered back, not even masked in the input,
and kept when their field is left blank. The help text says whether one is saved and, for secret keys,
which kind (``sk_test_…``), never any of its secret part.

**Overrides**: a field set by a ``CASCAD_*`` Django setting (``CascadSettings.overrides``) is disabled
and says which setting sets it; Django ignores a disabled field's input, so the stored value stays.

**Refused** (each error on its field; nothing is saved):

* a public or secret key whose prefix is not its mode's. The spec's key formats: sandbox keys start
  ``pk_test_`` / ``sk_test_``, live keys ``pk_live_`` / ``sk_live_``; account ids (``coma_…``) and API
  keys carry no mode. So test keys can never be entered as live keys, nor live keys as test keys;
* live mode whose keys, ``CASCAD_*`` overrides included, are test keys;
* live mode on the emulator's host. The emulator is recognised from the URL
  (``checks.looks_like_emulator``: a loopback host or the emulator's port 8100, since real Cascad
  never runs on the shop's machine) or else by asking the host: only the emulator answers
  ``GET /_emulator/config`` with its configuration. The probe is short, and a host that does not
  answer is not refused for that.

**Offered methods** are checkboxes whose choices come from the Public API's prerequest with the site's
saved host and public key (every method offered in a shop currency), cached for a few minutes. When
Cascad cannot be asked, the known methods (``METHOD_CHOICES``) are offered and the field says why.
"""

from __future__ import annotations

import dataclasses
import hashlib

import requests
from django import forms
from django.core.cache import cache
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import conf

SECRET_FIELDS = ("sandbox_api_key", "sandbox_secret_key", "live_api_key", "live_secret_key")
#: The fields whose prefix tells the mode (``checks.PREFIXES``, from ``spec/cascad-api.md``).
PREFIXED_FIELDS = ("public_key", "secret_key")
#: The currencies customers pay in (``design.md``); the offered methods are those of any of them.
CURRENCIES = ("RUB", "USD", "EUR", "UAH", "KZT")
METHODS_CACHE_SECONDS = 300
#: (connect, read) seconds for the admin's own calls: a page must not hang on a host that is down.
ADMIN_TIMEOUT = (3.05, 5.0)
MASK = "••••••••••••"


# -- rules shared with the Test connection button ---------------------------------------------------


def _prefixes() -> dict[str, dict[str, str]]:
    from .checks import PREFIXES  # checks imports the models, which import this module

    return PREFIXES


def expected_prefix(mode: str, field: str) -> str:
    """The prefix a ``field`` (``public_key`` or ``secret_key``) of ``mode`` starts with."""
    return _prefixes()[mode][field]


def key_kind(value: str) -> str | None:
    """The mode (``sandbox``, ``live``) a key's prefix names, else ``None`` (no known prefix)."""
    for mode, prefixes in _prefixes().items():
        if value.startswith(tuple(prefixes.values())):
            return mode
    return None


def key_prefix(value: str) -> str:
    """The mode prefix ``value`` starts with (``sk_test_``), or "": the only part of a key ever shown."""
    return next((p for prefixes in _prefixes().values() for p in prefixes.values() if value.startswith(p)), "")


def prefix_error(mode: str, field: str, value: str) -> str | None:
    """Why ``value`` cannot be ``mode``'s ``field`` (a public or secret key), or ``None`` when it can.

    The message names prefixes only, never the key.
    """
    expected = expected_prefix(mode, field)
    if not value or value.startswith(expected):
        return None
    kind, actual = key_kind(value), key_prefix(value)
    if mode == "live" and kind == "sandbox":
        return _(
            "This is a test key (it starts with %(actual)s): live mode takes real payments only with live keys, "
            "which start with %(expected)s."
        ) % {"actual": actual, "expected": expected}
    if mode == "sandbox" and kind == "live":
        return _(
            "This is a live key (it starts with %(actual)s): sandbox keys start with %(expected)s. "
            "Enter live keys under Live keys."
        ) % {"actual": actual, "expected": expected}
    return _("This is not a Cascad key of this mode: it should start with %(expected)s.") % {"expected": expected}


def answers_as_emulator(host: str) -> bool:
    """Whether ``host`` answers like the Cascad emulator: ``GET /_emulator/config`` gives its config.

    Real Cascad has no ``/_emulator/`` API. Any failure to answer counts as "not the emulator".
    """
    try:
        response = requests.get(f"{host.rstrip('/')}/_emulator/config", timeout=ADMIN_TIMEOUT, allow_redirects=False)
        body = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return False
    return isinstance(body, dict) and "callback_mode" in body and "time_scale" in body


def is_emulator_host(host: str) -> bool:
    """Whether ``host`` is the Cascad emulator: by its URL (loopback, port 8100), else by asking it."""
    from .checks import looks_like_emulator  # checks imports the models, which import this module

    return bool(host) and (looks_like_emulator(host) or answers_as_emulator(host))


# -- offered methods from the Public API ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OfferedMethods:
    """What Cascad offers the account: method → service names by language; ``problem`` when unasked."""

    methods: dict[str, dict[str, str]]
    problem: str | None = None


def lookup_methods(config, mode: str | None = None) -> OfferedMethods:
    """The methods Cascad's prerequest lists for any shop currency, with ``config``'s saved host and
    public key (``mode``'s, default the site's), cached per host and key for a few minutes."""
    from .client import CascadClient
    from .exceptions import AuthenticationError, CascadConnectionError, CascadError, InvalidRequestError
    from .transport import RetryPolicy

    host, keys = config.host, config.keys(mode)
    if not host or not keys.public_key:
        return OfferedMethods({}, "unconfigured")
    digest = hashlib.sha256(f"{host}\n{keys.public_key}".encode()).hexdigest()[:32]
    cache_key = f"cascad:admin-methods:{digest}"
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    methods: dict[str, dict[str, str]] = {}
    problem = None
    try:
        # The Public API sends no Basic auth; the client wants some to be built, so stand-ins do.
        with CascadClient(
            host,
            account_id=keys.account_id or "-",
            api_key=keys.api_key or "-",
            public_key=keys.public_key,
            connect_timeout=ADMIN_TIMEOUT[0],
            read_timeout=ADMIN_TIMEOUT[1],
            retry=RetryPolicy(attempts=1),
        ) as client:
            for currency in CURRENCIES:
                try:
                    result = client.prerequest(currency)
                except InvalidRequestError:
                    continue  # no services in this currency
                for service in result.services.values():
                    methods.setdefault(service.method, dict(service.name))
    except AuthenticationError:
        problem = "refused"
    except CascadConnectionError:
        problem = "unreachable"
    except (CascadError, ValueError):
        problem = "unexpected"
    found = OfferedMethods(methods, problem)
    cache.set(cache_key, found, METHODS_CACHE_SECONDS)
    return found


METHOD_NOTES = {
    "unconfigured": _(
        "Enter the Cascad host and this mode's public key, and save: the methods your Cascad account offers "
        "are then listed here. These are the methods Cascad is known to have."
    ),
    "refused": _(
        "Cascad refused the saved public key, so it could not be asked which methods your account offers. "
        "These are the methods Cascad is known to have."
    ),
    "unreachable": _(
        "Cascad did not answer, so it could not be asked which methods your account offers. "
        "These are the methods Cascad is known to have."
    ),
    "unexpected": _(
        "The saved host did not answer as Cascad does, so it could not be asked which methods your account "
        "offers. These are the methods Cascad is known to have."
    ),
}


def method_choices(config) -> tuple[list[tuple[str, str]], str | None]:
    """Checkbox choices for the offered methods, and a note when they are not Cascad's own answer.

    Known methods keep their translated labels and order; others use the name Cascad gives them. A
    method the site already offers stays a choice even when Cascad no longer lists it, so saving the
    form never drops it silently.
    """
    from .models.site_settings import METHOD_CHOICES

    known = dict(METHOD_CHOICES)
    found = lookup_methods(config)
    if found.methods:
        language = (get_language() or "en").split("-")[0]
        codes = [code for code in known if code in found.methods]
        codes += sorted(code for code in found.methods if code not in known)
        choices = [
            (code, known.get(code) or found.methods[code].get(language) or found.methods[code].get("en") or code)
            for code in codes
        ]
        note = None
    else:
        choices = list(METHOD_CHOICES)
        note = METHOD_NOTES[found.problem or "unexpected"]
    listed = {code for code, _label in choices}
    choices += [(code, known.get(code, code)) for code in (config.offered_methods or []) if code not in listed]
    return choices, note


# -- the form -------------------------------------------------------------------------------------


class CascadSettingsForm(WagtailAdminModelForm):
    offered_methods = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.overrides = self.instance.overrides()
        for name in SECRET_FIELDS:
            if name in self.fields:
                self._make_write_only(name)
        if "offered_methods" in self.fields:
            choices, note = method_choices(self.instance)
            field = self.fields["offered_methods"]
            field.label = capfirst(self.instance._meta.get_field("offered_methods").verbose_name)
            field.choices = choices
            help_text = _("Tick none to offer every method Cascad has for the customer's currency.")
            field.help_text = f"{help_text} {note}" if note else help_text
        for name, setting in self.overrides.items():
            if name in self.fields:
                field = self.fields[name]
                field.disabled = True
                field.required = False
                field.help_text = _("Set by %(setting)s in the server settings; this field is ignored.") % {
                    "setting": setting
                }

    def _make_write_only(self, name: str) -> None:
        field = self.fields[name]
        stored = getattr(self.instance, name, "") or ""
        field.required = False
        attrs = {"autocomplete": "new-password"}
        if stored:
            attrs["placeholder"] = MASK
            prefix = key_prefix(stored)
            if prefix:
                field.help_text = _("Saved (%(prefix)s…); leave blank to keep it.") % {"prefix": prefix}
            else:
                field.help_text = _("Saved; leave blank to keep it.")
        else:
            field.help_text = _("Not set.")
        field.widget = forms.PasswordInput(render_value=False, attrs=attrs)

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

    def clean(self):
        cleaned = super().clean()
        for mode in conf.MODES:
            for field in PREFIXED_FIELDS:
                name = f"{mode}_{field}"
                if name in self.overrides:
                    continue  # system check E006 reports a wrong override
                value = (cleaned.get(name) or "").strip()
                if name in cleaned:
                    cleaned[name] = value
                error = prefix_error(mode, field, value)
                if error:
                    self.add_error(name, error)
        if cleaned.get("mode") == "live":
            self._clean_live_mode(cleaned)
        return cleaned

    def _clean_live_mode(self, cleaned) -> None:
        """Live mode takes real money: never with test keys, never on the emulator."""
        for field in PREFIXED_FIELDS:
            name = f"live_{field}"
            setting = self.overrides.get(name)
            if setting and key_kind(conf.key_override("live", field)) == "sandbox":
                self.add_error(
                    "mode",
                    _("Live mode needs live keys, but %(setting)s in the server settings is a test key.")
                    % {"setting": setting},
                )
        host = conf.get("CASCAD_HOST") or cleaned.get("host_url") or ""
        if host and is_emulator_host(host):
            message = _(
                "This is the Cascad emulator (a local address, port 8100, or a host that answers as the emulator), "
                "which takes no real payments: live mode needs Cascad's own host. Choose sandbox mode to keep "
                "using the emulator."
            )
            self.add_error("mode" if "host_url" in self.overrides else "host_url", message)
