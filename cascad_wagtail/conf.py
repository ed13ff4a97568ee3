"""The app's Django settings, read lazily with documented defaults.

Every name starts with ``CASCAD_``. Per-site configuration (keys, mode, methods) lives in the
Wagtail site setting ``CascadSettings``; a non-empty ``CASCAD_<MODE>_<KEY>`` setting overrides the
matching field for every site (keys then come from the environment, never the database).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # "app_label.ModelName" of the shop's order model (see ``cascad_wagtail.orders``).
    "CASCAD_ORDER_MODEL": None,
    # Fernet keys (newest first) that encrypt API and secret keys saved in the admin.
    "CASCAD_ENCRYPTION_KEYS": [],
    # The Cascad host for every site (else each site's own setting).
    "CASCAD_HOST": "",
    # (connect, read) timeouts of API calls, seconds.
    "CASCAD_TIMEOUT": (3.05, 20.0),
    # Attempts of a retried API call (waits 0.5 s, 1 s, 2 s between them).
    "CASCAD_MAX_ATTEMPTS": 4,
    # The template the customer pages extend (block ``content``); the shop's own base fits them in.
    "CASCAD_BASE_TEMPLATE": "cascad_wagtail/base.html",
    # Largest callback body accepted, bytes.
    "CASCAD_CALLBACK_MAX_BYTES": 64 * 1024,
}

KEY_FIELDS = ("account_id", "api_key", "public_key", "secret_key")
MODES = ("sandbox", "live")


def get(name: str) -> Any:
    """The value of setting ``name``, or its documented default."""
    return getattr(settings, name, DEFAULTS.get(name))


def key_override(mode: str, field: str) -> str:
    """``CASCAD_SANDBOX_API_KEY`` & co.: a non-empty value overrides the site setting's field."""
    return getattr(settings, f"CASCAD_{mode.upper()}_{field.upper()}", "") or ""
