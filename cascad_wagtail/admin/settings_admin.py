"""Settings → Cascad: the Test connection button's view, and its entry in the audit log.

The settings screen itself is Wagtail's (``register_setting``); its layout is ``CascadSettings.panels``
and its rules ``forms.CascadSettingsForm``. The button posts the settings form here
(``/admin/cascad/settings/<site id>/test-connection/``); this view tests the *saved* settings of the
mode chosen on the form (unsaved edits are named, never used) and shows one line per check:

1. the settings are complete: the host and the mode's account id, API key, public key, secret key;
2. the mode fits: live mode neither on the emulator's host nor with test keys, sandbox mode not with
   live keys (``forms.prefix_error``, ``forms.is_emulator_host``);
3. the host answers as Cascad does: refused connection, unknown name, TLS failure, timeout, and an
   answer without Cascad's ``X-Request-Id`` or in another format are told apart;
4. the Private API accepts the account id and API key (``GET /api/payment-invoices``, one page of one);
5. the Public API accepts the public key (the prerequest), and its ``test_mode`` fits the mode;
6. the secret key is set: it cannot be checked against Cascad (it only signs callbacks), so its prefix
   is what is checked;
7. the callback URL, with a warning when Cascad could not reach it in live mode.

Each call is made once (no retries) with short timeouts. Nothing shown, logged or put in the audit
log's data holds an API key or a secret key; messages are this module's own, never the client's.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import LogFormatter, log
from wagtail.models import Site

from .. import conf, forms
from ..client import CascadClient
from ..exceptions import (
    AuthenticationError,
    CascadAPIError,
    CascadConnectionError,
    CascadError,
    CascadTimeout,
    InvalidRequestError,
    RateLimitError,
    ServerError,
)
from ..models import CascadSettings
from ..models.site_settings import METHOD_CHOICES
from ..transport import RetryPolicy

ACTION = "cascad_wagtail.test_connection"
#: (connect, read) seconds for each call of the test; a test never retries.
TIMEOUT = forms.ADMIN_TIMEOUT
ACCOUNT_ID = re.compile(r"coma_[A-Za-z0-9]{16}")
API_KEY_LENGTH = 43

PASSED, WARNING, FAILED, SKIPPED = "passed", "warning", "failed", "skipped"


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the result: ``code`` is stable (the audit log keeps it), the rest is for people."""

    code: str
    title: str
    outcome: str
    message: str


CHECK_TITLES = {
    "settings": gettext_lazy("Settings complete"),
    "mode": gettext_lazy("Mode and keys agree"),
    "host": gettext_lazy("Cascad host"),
    "private_api": gettext_lazy("Account id and API key (Private API)"),
    "public_api": gettext_lazy("Public key (Public API)"),
    "secret_key": gettext_lazy("Secret key"),
    "callback_url": gettext_lazy("Callback URL"),
}


def _check(code: str, outcome: str, message: str) -> Check:
    return Check(code=code, title=str(CHECK_TITLES[code]), outcome=outcome, message=message)


def _label(name: str) -> str:
    return str(CascadSettings._meta.get_field(name).verbose_name)


def _mode_label(mode: str) -> str:
    return str(CascadSettings.Mode(mode).label) if mode in conf.MODES else mode


def shown_host(host: str) -> str:
    """``host`` as it may be shown and logged: scheme, name and port only (a URL can carry a password)."""
    try:
        parts = urlsplit(host)
        name = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""
    if ":" in name:
        name = f"[{name}]"
    return f"{parts.scheme}://{name}{port}" if parts.scheme and name else ""


# -- the checks -------------------------------------------------------------------------------------


def check_connection(config: CascadSettings, mode: str) -> list[Check]:
    """Test ``config``'s saved settings of ``mode`` against Cascad; one ``Check`` per line of the result."""
    keys = config.keys(mode)
    host = config.host
    checks = [_settings_check(config, mode, keys, host), _mode_check(mode, keys, host)]
    checks += _api_checks(mode, keys, host)
    checks.append(_secret_key_check(mode, keys))
    checks.append(_callback_url_check(config, mode))
    return checks


def _settings_check(config: CascadSettings, mode: str, keys, host: str) -> Check:
    missing = [] if host else [_label("host_url")]
    missing += [_label(f"{mode}_{field}") for field in conf.KEY_FIELDS if not getattr(keys, field)]
    if missing:
        return _check(
            "settings",
            FAILED,
            _("These settings are empty: %(missing)s. Enter them and save, then test again.")
            % {"missing": ", ".join(missing)},
        )
    if not config.enabled:
        return _check(
            "settings",
            WARNING,
            _("Everything is filled in, but Cascad is switched off for this site: customers cannot pay with it."),
        )
    return _check("settings", PASSED, _("The host and the four keys of this mode are set."))


def _mode_check(mode: str, keys, host: str) -> Check:
    problems = []
    for field in forms.PREFIXED_FIELDS:
        value = getattr(keys, field)
        if forms.prefix_error(mode, field, value):
            problems.append(_prefix_problem(mode, field, value))
    if mode == "live" and host and forms.is_emulator_host(host):
        problems.append(
            _(
                "Live mode points at the Cascad emulator, which takes no real payments: enter Cascad's own host, "
                "or choose sandbox mode."
            )
        )
    if problems:
        return _check("mode", FAILED, " ".join(problems))
    if mode == "live":
        return _check("mode", PASSED, _("Live mode, with live keys, on a host that is not the emulator."))
    return _check("mode", PASSED, _("Sandbox mode, with test keys: no real money moves."))


def _prefix_problem(mode: str, field: str, value: str) -> str:
    values = {
        "field": _label(f"{mode}_{field}"),
        "actual": forms.key_prefix(value),
        "expected": forms.expected_prefix(mode, field),
    }
    if values["actual"]:
        return _("The %(field)s starts with %(actual)s instead of %(expected)s.") % values
    return _("The %(field)s does not start with %(expected)s.") % values


def _api_checks(mode: str, keys, host: str) -> list[Check]:
    """The host, Private API and Public API lines: the first call made also tells whether the host answers."""
    codes = ("host", "private_api", "public_api")
    if not host:
        return [_check(code, SKIPPED, _("Not tested: the Cascad host is empty.")) for code in codes]
    calls: list = []
    try:
        # A Public API call sends no Basic auth; the client wants some to be built, so stand-ins do.
        client = CascadClient(
            host,
            account_id=keys.account_id or "-",
            api_key=keys.api_key or "-",
            public_key=keys.public_key or None,
            connect_timeout=TIMEOUT[0],
            read_timeout=TIMEOUT[1],
            retry=RetryPolicy(attempts=1),
            on_call=calls.append,
        )
    except ValueError:
        not_tested = _("Not tested: the host is not a usable address.")
        return [
            _check("host", FAILED, _("The host is not an http:// or https:// address (without a query).")),
            *(_check(code, SKIPPED, not_tested) for code in codes[1:]),
        ]
    host_check: Check | None = None
    with client:
        if keys.account_id and keys.api_key:
            host_check, private = _private_check(client, calls, keys)
        else:
            private = _check("private_api", SKIPPED, _("Not tested: the account id or the API key is empty."))
        if host_check is not None and host_check.outcome == FAILED:
            public = _check("public_api", SKIPPED, _("Not tested: the host did not answer as Cascad."))
        elif keys.public_key:
            public_host, public = _public_check(client, calls, mode)
            host_check = host_check or public_host
        else:
            public = _check("public_api", SKIPPED, _("Not tested: the public key is empty."))
    if host_check is None:
        host_check = _check("host", SKIPPED, _("Not tested: no key to call Cascad with."))
    return [host_check, private, public]


def _ask(client: CascadClient, calls: list, call: Callable[[], Any]) -> tuple[Any, Check, CascadAPIError | None]:
    """Make one call: its result, the host line it supports, and the error to put on the keys' line.

    The host line fails when nothing answers, or when the answer is not Cascad's (no ``X-Request-Id``,
    which every Cascad answer carries, or a status or body outside the contract). A 401/403, 429 or 5xx
    comes from Cascad, so the host passes and the error concerns the call's own line.
    """
    host = client.host_url
    try:
        result = call()
    except CascadConnectionError as error:
        return None, _unreachable(host, error), None
    except CascadError as error:
        foreign = _answered(host, calls)
        if foreign is not None:
            return None, foreign, None
        if isinstance(error, (AuthenticationError, ServerError, RateLimitError)):
            return None, _host_passed(host), error
        return None, _not_cascad(host, error), None
    return result, _answered(host, calls) or _host_passed(host), None


def _answered(host: str, calls: list) -> Check | None:
    """A failed host line when the last answer lacks Cascad's ``X-Request-Id``."""
    last = calls[-1] if calls else None
    if last is not None and last.status is not None and not last.request_id:
        return _check(
            "host",
            FAILED,
            _(
                "Something answers at %(host)s (HTTP %(status)s), but it is not Cascad: Cascad marks every answer "
                "with an X-Request-Id. Check the host URL: it is the address of Cascad's API."
            )
            % {"host": shown_host(host), "status": last.status},
        )
    return None


def _unreachable(host: str, error: CascadConnectionError) -> Check:
    where = {"host": shown_host(host), "seconds": f"{TIMEOUT[1]:g}"}
    text = str(error)
    if isinstance(error, CascadTimeout):
        message = _("%(host)s did not answer within %(seconds)s seconds (timeout).") % where
    elif "NameResolution" in text or "Name or service not known" in text or "nodename nor servname" in text:
        message = _("The name in %(host)s cannot be resolved: check the spelling of the host.") % where
    elif "SSL" in text or "CERTIFICATE" in text.upper():
        message = _("%(host)s answered, but its TLS certificate could not be verified.") % where
    elif "refused" in text.lower():
        message = _("Nothing answers at %(host)s (connection refused): check the address and the port.") % where
    else:
        message = _("%(host)s cannot be reached (the connection failed or was cut).") % where
    return _check("host", FAILED, message)


def _not_cascad(host: str, error: CascadError) -> Check:
    message = _(
        "%(host)s answers, but not as Cascad does (HTTP %(status)s): check the host URL, the address of Cascad's API."
    ) % {"host": shown_host(host), "status": getattr(error, "status", None) or "?"}
    return _check("host", FAILED, message)


def _host_passed(host: str) -> Check:
    return _check("host", PASSED, _("Cascad answers at %(host)s.") % {"host": shown_host(host)})


def _server_trouble(code: str, error: CascadAPIError) -> Check:
    return _check(
        code,
        FAILED,
        _("Cascad answered with an error (HTTP %(status)s, request %(request)s) before checking: test again later.")
        % {"status": error.status, "request": error.request_id or "-"},
    )


def _private_check(client: CascadClient, calls: list, keys) -> tuple[Check, Check]:
    _result, host_check, error = _ask(client, calls, lambda: client.list_invoices(page_size=1))
    if host_check.outcome == FAILED:
        return host_check, _check("private_api", SKIPPED, _("Not tested: the host did not answer as Cascad."))
    if isinstance(error, AuthenticationError):
        message = _(
            "Cascad refused the account id or the API key (HTTP %(status)s). Copy both again from the Cascad "
            "dashboard: sandbox keys from the sandbox account, live keys from the live account."
        ) % {"status": error.status}
        hints = []
        if not ACCOUNT_ID.fullmatch(keys.account_id):
            hints.append(_("The account id does not look like one: Cascad's are coma_ and 16 letters or digits."))
        if len(keys.api_key) != API_KEY_LENGTH:
            hints.append(
                _("The API key does not look like one: Cascad's are %(length)d characters long.")
                % {"length": API_KEY_LENGTH}
            )
        return host_check, _check("private_api", FAILED, " ".join([message, *hints]))
    if error is not None:
        return host_check, _server_trouble("private_api", error)
    return host_check, _check("private_api", PASSED, _("Cascad accepted the account id and the API key."))


def _public_check(client: CascadClient, calls: list, mode: str) -> tuple[Check, Check]:
    """The public key line, and the host line it supports."""

    def prerequest():
        for currency in forms.CURRENCIES:
            try:
                return client.prerequest(currency)
            except InvalidRequestError:
                continue  # no services in this currency: try the next
        return None

    result, host_check, error = _ask(client, calls, prerequest)
    if host_check.outcome == FAILED:
        return host_check, _check("public_api", SKIPPED, _("Not tested: the host did not answer as Cascad."))
    if isinstance(error, AuthenticationError):
        message = _(
            "Cascad refused the public key (HTTP %(status)s). Copy the %(field)s again from the Cascad dashboard."
        ) % {"status": error.status, "field": _label(f"{mode}_public_key")}
        return host_check, _check("public_api", FAILED, message)
    if error is not None:
        return host_check, _server_trouble("public_api", error)
    if result is None:
        message = _(
            "Cascad accepted the public key, but offers no payment method in %(currencies)s: ask Cascad to "
            "enable methods for your account."
        ) % {"currencies": ", ".join(forms.CURRENCIES)}
        return host_check, _check("public_api", WARNING, message)
    if mode == "live" and result.test_mode:
        message = _(
            "Cascad says these keys belong to a test account (test_mode), but the site is in live mode: "
            "no real money would move. Enter the live account's keys."
        )
        return host_check, _check("public_api", FAILED, message)
    if mode == "sandbox" and not result.test_mode:
        message = _(
            "Cascad says these keys belong to a live account, but the site is in sandbox mode: real money would "
            "move. Enter test keys, or choose live mode."
        )
        return host_check, _check("public_api", FAILED, message)
    labels = dict(METHOD_CHOICES)
    methods = dict.fromkeys(str(labels.get(service.method, service.method)) for service in result.services.values())
    message = _("Cascad accepted the public key. Methods offered in %(currency)s: %(methods)s.") % {
        "currency": result.currency,
        "methods": ", ".join(methods),
    }
    return host_check, _check("public_api", PASSED, message)


def _secret_key_check(mode: str, keys) -> Check:
    """The secret key only verifies callbacks (Cascad signs each with it): no API call can test it."""
    if not keys.secret_key:
        message = _(
            "The secret key is empty. Cascad signs every callback with it and the shop verifies that signature, "
            "so without it every callback is refused and payments are confirmed only by the periodic "
            "reconciliation, minutes later. Copy it from the Cascad dashboard."
        )
        return _check("secret_key", FAILED, message)
    expected = forms.expected_prefix(mode, "secret_key")
    if not keys.secret_key.startswith(expected):
        return _check("secret_key", FAILED, _prefix_problem(mode, "secret_key", keys.secret_key))
    message = _(
        "Set, and it starts with %(expected)s as it should in this mode. Cascad cannot test it from here: "
        "it only verifies the signatures of callbacks. The first callback shows whether it is right "
        "(Cascad → Callbacks lists each one with its signature result)."
    ) % {"expected": expected}
    return _check("secret_key", PASSED, message)


def _callback_url_check(config: CascadSettings, mode: str) -> Check:
    url = config.callback_url
    message = _("Cascad sends callbacks to %(url)s: it must be the callback URL in the Cascad dashboard.") % {
        "url": url
    }
    if mode == "live" and _is_local(url):
        warning = _(
            "Cascad cannot reach %(url)s: it is a local address. Set this site's public hostname in Settings → Sites."
        ) % {"url": url}
        return _check("callback_url", WARNING, warning)
    return _check("callback_url", PASSED, message)


def _is_local(url: str) -> bool:
    hostname = (urlsplit(url).hostname or "").lower()
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


def unsaved_fields(config: CascadSettings, mode: str, posted) -> list[str]:
    """Labels of the connection settings changed on the posted settings form but not saved."""
    if "host_url" not in posted:
        return []  # posted by "Test again", not by the settings form
    changed = []
    overrides = config.overrides()
    for name in ("host_url", f"{mode}_account_id", f"{mode}_public_key"):
        if name not in overrides and (posted.get(name) or "").strip() != (getattr(config, name) or ""):
            changed.append(_label(name))
    for name in (f"{mode}_api_key", f"{mode}_secret_key"):
        if name not in overrides and (posted.get(name) or "").strip():
            changed.append(_label(name))
    if (posted.get("mode") or mode) != config.mode:
        changed.append(_label("mode"))
    return changed


# -- the view --------------------------------------------------------------------------------------


class ConnectionTestView(WagtailAdminTemplateMixin, View):
    """POST: test the site's saved settings and show the checks. GET: back to the settings."""

    template_name = "cascad_wagtail/admin/settings/connection_test.html"
    page_title = gettext_lazy("Connection test")
    header_icon = "resubmit"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.site = get_object_or_404(Site, pk=kwargs["site_id"])

    def dispatch(self, request, *args, **kwargs):
        policy = CascadSettings.get_permission_policy()
        if not policy.user_has_permission_for_instance(request.user, "change", self.site):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def settings_url(self) -> str:
        meta = CascadSettings._meta
        return reverse("wagtailsettings:edit", args=[meta.app_label, meta.model_name, self.site.pk])

    def get(self, request, *args, **kwargs):
        return redirect(self.settings_url())

    def post(self, request, *args, **kwargs):
        config = CascadSettings.for_site(self.site)
        mode = request.POST.get("mode")
        if mode not in conf.MODES:
            mode = config.mode
        checks = check_connection(config, mode)
        failed = [check for check in checks if check.outcome == FAILED]
        warned = [check for check in checks if check.outcome == WARNING]
        log(
            instance=config,
            action=ACTION,
            user=request.user,
            data={
                "mode": mode,
                "host": shown_host(config.host),
                "ok": not failed,
                "checks": {check.code: check.outcome for check in checks},
            },
        )
        context = self.get_context_data(
            site=self.site,
            mode=mode,
            mode_label=_mode_label(mode),
            host=shown_host(config.host),
            checks=checks,
            failed=failed,
            warned=warned,
            unsaved=unsaved_fields(config, mode, request.POST),
            settings_url=self.settings_url(),
            test_url=request.path,
        )
        return self.render_to_response(context)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": self.settings_url(), "label": CascadSettings._meta.verbose_name},
            {"url": "", "label": self.get_page_title()},
        ]


# -- hooks -----------------------------------------------------------------------------------------


class ConnectionTestFormatter(LogFormatter):
    label = gettext_lazy("Test Cascad connection")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        mode = _mode_label(data.get("mode", ""))
        failed = [
            str(CHECK_TITLES.get(code, code))
            for code, outcome in (data.get("checks") or {}).items()
            if outcome == FAILED
        ]
        if not failed:
            return _("Cascad connection tested in mode “%(mode)s”: no check failed.") % {"mode": mode}
        return _("Cascad connection tested in mode “%(mode)s”; failed: %(checks)s.") % {
            "mode": mode,
            "checks": "; ".join(failed),
        }


@hooks.register("register_admin_urls")
def register_settings_urls():
    urls = [path("<int:site_id>/test-connection/", ConnectionTestView.as_view(), name="test_connection")]
    return [path("cascad/settings/", include((urls, "cascad_settings")))]


@hooks.register("register_log_actions")
def register_settings_log_actions(actions):
    actions.register_action(ACTION)(ConnectionTestFormatter)
