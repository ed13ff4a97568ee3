"""System checks: ``manage.py check`` explains a misconfiguration before a customer meets it.

Every message has a stable id (``cascad_wagtail.E001``…) and a hint saying what to do; none ever
shows a key, not even part of one. All checks carry the tag ``cascad_wagtail``
(``manage.py check --tag cascad_wagtail``).

The per-site checks (E003, E004, E005, E007) read the database, so, like Django's own database
checks, they are tagged ``database`` and run only when Django passes ``databases``:
``manage.py check --database default`` and ``manage.py migrate`` (which runs them *before* migrating,
so they skip tables that do not exist yet). A plain ``manage.py check`` or ``runserver`` never queries.

- E001: ``CASCAD_ORDER_MODEL`` is not set, or names no installed model.
- E002: ``CASCAD_ENCRYPTION_KEYS`` is empty, or holds something that is not a Fernet key.
- E003: a site with Cascad switched on lacks the host or one of the four keys of its current mode.
- E004: a site's stored public or secret key has the wrong prefix for the mode it is stored under
  (sandbox keys start ``pk_test_``/``sk_test_``, live keys ``pk_live_``/``sk_live_``); both key
  sets are checked, so the current mode's keys always agree with the site's sandbox/live switch.
- E005: a site in live mode points at the emulator. The rule, from the URL alone (a check makes no
  network call): a loopback host (``localhost``, ``*.localhost``, ``127.0.0.0/8``, ``::1``,
  ``0.0.0.0``) or the emulator's default port 8100. Real Cascad is never on this machine.
- E006: a ``CASCAD_<MODE>_PUBLIC_KEY`` or ``CASCAD_<MODE>_SECRET_KEY`` override has the wrong prefix
  for its mode (the E004 rule; reported once here, not again per site).
- E007: a site's stored secret cannot be decrypted with ``CASCAD_ENCRYPTION_KEYS`` (a key was removed).
- E008: the order model lacks methods of the ``CascadOrder`` interface.
- E009: ``CASCAD_CHANNELS`` is malformed: not a dict of channel slug → ``{"site": …, "currency": …}``,
  or a currency that is unknown or does not have two decimals (the storefront SDK rounds to two).
- E010: ``CASCAD_JWT_SIGNING_KEYS`` is not a list of secrets of at least 32 characters each (the
  storefront's customer tokens would be signed with a guessable key).
- E011: the ``CASCAD_STOREFRONT_ADAPTER`` cannot be imported, or lacks methods of
  ``storefront.StorefrontAdapter`` (an adapter written before ``me.orders`` lacks ``orders_for_user`` and
  ``get_order_infos``).
- W001: ``DEBUG`` is off, tasks are not run eagerly (``CELERY_TASK_ALWAYS_EAGER``), and
  ``CELERY_BROKER_URL`` is missing or ``memory://``.

W001 is a warning, not an error: a Celery app can get its broker from outside Django's settings
(its ``celery.py``, the ``broker=`` argument, the environment), which this check cannot see, and a
deployment must not be blocked on a guess. When it is right, callbacks are stored but never
processed until reconciliation runs (which needs a worker too), so it deserves to be read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, router
from django.utils.translation import gettext as _

from . import conf, crypto, storefront
from .models import CascadSettings
from .orders import CascadOrder, get_order_model

TAG = "cascad_wagtail"
APP_LABEL = "cascad_wagtail"

#: The prefix each mode's keys carry (account ids and API keys have none).
PREFIXES = {
    "sandbox": {"public_key": "pk_test_", "secret_key": "sk_test_"},
    "live": {"public_key": "pk_live_", "secret_key": "sk_live_"},
}
EMULATOR_PORT = 8100
#: The methods of ``CascadOrder`` the app calls unconditionally (the status hook is optional).
ORDER_METHODS = (
    "get_cascad_amount",
    "get_cascad_currency",
    "get_cascad_description",
    "get_cascad_customer",
    "get_cascad_site",
    "get_cascad_return_url",
)


def _error(number: int, message: str, hint: str, obj=None) -> Error:
    return Error(message, hint=hint, obj=obj, id=f"{APP_LABEL}.E{number:03d}")


def _concerns_us(app_configs: Iterable | None) -> bool:
    """``manage.py check some_other_app`` must not report this app's configuration."""
    return app_configs is None or any(config.label == APP_LABEL for config in app_configs)


# -- settings (no database) ---------------------------------------------------------------------


@register(TAG)
def check_order_model(app_configs=None, **kwargs) -> list[Error]:
    if not _concerns_us(app_configs):
        return []
    name = conf.get("CASCAD_ORDER_MODEL")
    try:
        model = get_order_model()
    except ImproperlyConfigured:
        if not name:
            message = _("CASCAD_ORDER_MODEL is not set, so Cascad does not know which model is the shop's order.")
        else:
            message = _("CASCAD_ORDER_MODEL is “%(name)s”, which is not an installed model.") % {"name": name}
        hint = _(
            'Set CASCAD_ORDER_MODEL to "app_label.ModelName" of the order model, and add its app to INSTALLED_APPS.'
        )
        return [_error(1, message, hint)]
    missing = [method for method in ORDER_METHODS if not callable(getattr(model, method, None))]
    if missing:
        message = _("The order model %(model)s lacks methods of the Cascad order interface: %(methods)s.") % {
            "model": model._meta.label,
            "methods": ", ".join(missing),
        }
        hint = _("Implement them as described in cascad_wagtail.orders.%(interface)s.") % {
            "interface": CascadOrder.__name__
        }
        return [_error(8, message, hint, obj=model)]
    return []


def _encryption_keys_usable() -> bool:
    try:
        crypto._fernet()
    except (ImproperlyConfigured, AttributeError):
        return False
    return True


@register(TAG)
def check_encryption_keys(app_configs=None, **kwargs) -> list[Error]:
    if not _concerns_us(app_configs) or _encryption_keys_usable():
        return []
    if not conf.get("CASCAD_ENCRYPTION_KEYS"):
        message = _("CASCAD_ENCRYPTION_KEYS is not set, so API and secret keys cannot be saved in the admin.")
    else:
        message = _("CASCAD_ENCRYPTION_KEYS holds a value that is not a Fernet key.")
    hint = _(
        "Set CASCAD_ENCRYPTION_KEYS to a list of Fernet keys, newest first, kept out of the code "
        '(generate one with: python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"). Keep the old keys in the list until every secret is saved again.'
    )
    return [_error(2, message, hint)]


def _prefix_problem(mode: str, field: str, value: str) -> str | None:
    """The prefix ``value`` should have, when it has not (only public and secret keys have prefixes)."""
    expected = PREFIXES[mode].get(field)
    if expected and value and not value.startswith(expected):
        return expected
    return None


@register(TAG)
def check_key_overrides(app_configs=None, **kwargs) -> list[Error]:
    if not _concerns_us(app_configs):
        return []
    errors = []
    for mode in conf.MODES:
        for field in PREFIXES[mode]:
            expected = _prefix_problem(mode, field, conf.key_override(mode, field))
            if expected:
                name = f"CASCAD_{mode.upper()}_{field.upper()}"
                message = _("%(name)s does not start with %(prefix)s, so it is not a key of its mode.") % {
                    "name": name,
                    "prefix": expected,
                }
                hint = _(
                    "Set %(name)s to the key that starts with %(prefix)s, or leave it empty to use the site settings."
                ) % {"name": name, "prefix": expected}
                errors.append(_error(6, message, hint))
    return errors


@register(TAG)
def check_channels(app_configs=None, **kwargs) -> list[Error]:
    if not _concerns_us(app_configs):
        return []
    try:
        storefront.channel_settings()
    except ImproperlyConfigured as exc:
        message = _("CASCAD_CHANNELS is not valid: %(problem)s") % {"problem": exc}
        hint = _(
            'Map each channel slug to a site and a currency, e.g. {"default-channel": {"site": "default", '
            '"currency": "RUB"}}; "site" is a site\'s hostname, "hostname:port" or "default", and the currency '
            "an ISO 4217 code with two decimals."
        )
        return [_error(9, message, hint)]
    return []


@register(TAG)
def check_storefront_adapter(app_configs=None, **kwargs) -> list[Error]:
    if not _concerns_us(app_configs) or not conf.get("CASCAD_STOREFRONT_ADAPTER"):
        return []
    try:
        adapter = storefront.get_adapter()
    except ImproperlyConfigured as exc:
        return [_error(11, str(exc), _("Name the adapter's class or object by its dotted path."))]
    methods = [name for name in dir(storefront.StorefrontAdapter) if not name.startswith("_")]
    missing = [name for name in methods if name != "supports_vouchers" and not callable(getattr(adapter, name, None))]
    if not hasattr(adapter, "supports_vouchers"):
        missing.append("supports_vouchers")
    if not missing:
        return []
    message = _("The storefront adapter %(adapter)s lacks %(names)s.") % {
        "adapter": conf.get("CASCAD_STOREFRONT_ADAPTER"),
        "names": ", ".join(sorted(missing)),
    }
    hint = _("Implement them as described in cascad_wagtail.storefront.StorefrontAdapter (see docs/storefront.md).")
    return [_error(11, message, hint)]


@register(TAG)
def check_jwt_signing_keys(app_configs=None, **kwargs) -> list[Error]:
    if not _concerns_us(app_configs):
        return []
    keys = conf.get("CASCAD_JWT_SIGNING_KEYS")
    if keys is None or (isinstance(keys, list | tuple) and all(isinstance(k, str) and len(k) >= 32 for k in keys)):
        return []
    message = _("CASCAD_JWT_SIGNING_KEYS must be a list of secrets of at least 32 characters each.")
    hint = _(
        "List random secrets, newest first (the first signs customers' tokens, every one verifies them), "
        'e.g. generated with python -c "import secrets; print(secrets.token_urlsafe(48))"; or leave the '
        "setting out to derive the keys from SECRET_KEY."
    )
    return [_error(10, message, hint)]


@register(TAG)
def check_celery_broker(app_configs=None, **kwargs) -> list[CheckWarning]:
    if not _concerns_us(app_configs) or settings.DEBUG or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return []
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if broker and not broker.startswith("memory://"):
        return []
    message = _(
        "No Celery broker is configured (CELERY_BROKER_URL is missing or memory://) while DEBUG is off: "
        "callbacks would be stored but never processed, and reconciliation would never run."
    )
    hint = _(
        "Set CELERY_BROKER_URL to a broker every web and worker process shares (Redis, RabbitMQ, or "
        "filesystem:// on one machine), and run a Celery worker and beat."
    )
    return [CheckWarning(message, hint=hint, id=f"{APP_LABEL}.W001")]


# -- per-site settings (database) ---------------------------------------------------------------


def _field_label(name: str) -> str:
    return str(CascadSettings._meta.get_field(name).verbose_name)


def looks_like_emulator(host: str) -> bool:
    """Whether ``host`` is the Cascad emulator rather than Cascad: a loopback host or port 8100.

    Decided from the URL alone (a check makes no network call). Real Cascad is never on this
    machine; the emulator runs on it, by default on port 8100.
    """
    try:
        parts = urlsplit(host)
        hostname, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return False
    if port == EMULATOR_PORT or hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _tables_exist(alias: str) -> bool:
    from wagtail.models import Site

    tables = set(connections[alias].introspection.table_names())
    return {CascadSettings._meta.db_table, Site._meta.db_table} <= tables


@register(TAG, Tags.database)
def check_sites(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """E003, E004, E005, E007 for every site with Cascad switched on."""
    if databases is None or not _concerns_us(app_configs):
        return []
    # Secrets are decrypted one by one when read, so one undecryptable row cannot hide the others.
    encrypted = [field.name for field in CascadSettings._meta.fields if isinstance(field, crypto.EncryptedTextField)]
    errors: list[Error] = []
    for alias in databases:
        if not router.allow_migrate_model(alias, CascadSettings):
            continue
        try:
            if not _tables_exist(alias):
                continue  # Before the first migrate: nothing configured yet.
            sites = CascadSettings.objects.using(alias).filter(enabled=True).select_related("site").defer(*encrypted)
            errors.extend(error for config in sites for error in _site_errors(config))
        except DatabaseError:
            # A table of an older migration (a column not there yet) or a database that is not up:
            # migrate is about to fix the one and will report the other; a check must not stop it.
            continue
    return errors


def _site_errors(config: CascadSettings) -> list[Error]:
    site = config.site
    where = site.root_url
    try:
        key_sets = {mode: config.keys(mode) for mode in conf.MODES}
    except ImproperlyConfigured:
        if not _encryption_keys_usable():
            return []  # E002 says why; nothing stored can be read until it is fixed.
        message = _("A key stored for %(site)s cannot be decrypted with CASCAD_ENCRYPTION_KEYS.") % {"site": where}
        hint = _(
            "Put back the encryption key it was saved with (keys are tried in order, so old ones can stay "
            "after the new one), or enter the site's keys again in Settings → Cascad."
        )
        return [_error(7, message, hint, obj=site)]

    errors = []
    keys = key_sets[config.mode]
    missing = [_field_label("host_url")] if not config.host else []
    missing += [_field_label(f"{config.mode}_{field}") for field in conf.KEY_FIELDS if not getattr(keys, field)]
    if missing:
        message = _("Cascad is switched on for %(site)s, but these settings are empty: %(missing)s.") % {
            "site": where,
            "missing": ", ".join(missing),
        }
        hint = _(
            "Enter them in Settings → Cascad for this site (the keys are in the Cascad dashboard), "
            "set them with CASCAD_* settings, or switch Cascad off for the site."
        )
        errors.append(_error(3, message, hint, obj=site))

    for mode, key_set in key_sets.items():
        for field in PREFIXES[mode]:
            if conf.key_override(mode, field):
                continue  # E006 reports a wrong override once, not once per site.
            expected = _prefix_problem(mode, field, getattr(key_set, field))
            if expected:
                message = _("The %(field)s of %(site)s does not start with %(prefix)s.") % {
                    "field": _field_label(f"{mode}_{field}"),
                    "site": where,
                    "prefix": expected,
                }
                hint = _(
                    "Sandbox keys start with pk_test_ and sk_test_, live keys with pk_live_ and sk_live_: "
                    "enter each key under its own mode, and choose the mode the site should run in."
                )
                errors.append(_error(4, message, hint, obj=site))

    if config.mode == CascadSettings.Mode.LIVE and config.host and looks_like_emulator(config.host):
        # The host is not shown: a URL can carry credentials.
        message = _(
            "%(site)s is in live mode, but its Cascad host is the emulator (a loopback address or port %(port)d)."
        ) % {"site": where, "port": EMULATOR_PORT}
        hint = _(
            "Enter Cascad's own host URL for live payments (or set CASCAD_HOST), or switch the site to sandbox "
            "mode to keep using the emulator."
        )
        errors.append(_error(5, message, hint, obj=site))
    return errors
