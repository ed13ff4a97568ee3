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
    # Storefront GraphQL API (``/graphql/``). Largest request body, bytes (the SDK's biggest batch is ~35 KB).
    "CASCAD_GRAPHQL_MAX_BODY_BYTES": 256 * 1024,
    # Most operations in one batched request (SDK 0.3.0-10 batches up to 10).
    "CASCAD_GRAPHQL_MAX_BATCH": 10,
    # Deepest nesting of fields in one operation, introspection aside (the SDK's documents reach 8).
    "CASCAD_GRAPHQL_MAX_DEPTH": 12,
    # Most fields one operation selects, fragments expanded (the SDK's largest: 278; introspection: 220).
    "CASCAD_GRAPHQL_MAX_COMPLEXITY": 500,
    # Whether ``__schema`` / ``__type`` may be queried (the schema is public, as Saleor's is).
    "CASCAD_GRAPHQL_INTROSPECTION": True,
    # Dotted path of the shop's storefront adapter (a class or an object; see ``cascad_wagtail.storefront``):
    # the catalogue, shipping methods, vouchers and order creation behind the checkout API.
    "CASCAD_STOREFRONT_ADAPTER": None,
    # Storefront channels: slug → {"site": a Wagtail site's hostname, "hostname:port" or "default",
    # "currency": an ISO 4217 code with 2 decimals}, e.g. {"default-channel": {"site": "default", "currency": "RUB"}}.
    "CASCAD_CHANNELS": {},
    # Origins (scheme://host[:port]) a storefront's payment ``returnUrl`` may point to; any other is refused.
    "CASCAD_STOREFRONT_RETURN_ORIGINS": [],
    # Customer sign-in (``cascad_wagtail.accounts``). Secrets that sign the storefront's JWTs, newest first:
    # the first signs, every one verifies (rotation). Empty: keys derived from SECRET_KEY (and its fallbacks).
    "CASCAD_JWT_SIGNING_KEYS": [],
    # Lifetimes of access and refresh tokens, seconds (Saleor's: 5 minutes and 30 days).
    "CASCAD_JWT_ACCESS_TTL": 5 * 60,
    "CASCAD_JWT_REFRESH_TTL": 30 * 24 * 3600,
    # Failed sign-ins allowed per account (email) and per client address within the window (seconds).
    "CASCAD_SIGN_IN_FAILURES_PER_ACCOUNT": 5,
    "CASCAD_SIGN_IN_FAILURES_PER_ADDRESS": 30,
    "CASCAD_SIGN_IN_WINDOW": 15 * 60,
}

KEY_FIELDS = ("account_id", "api_key", "public_key", "secret_key")
MODES = ("sandbox", "live")


def get(name: str) -> Any:
    """The value of setting ``name``, or its documented default."""
    return getattr(settings, name, DEFAULTS.get(name))


def key_override(mode: str, field: str) -> str:
    """``CASCAD_SANDBOX_API_KEY`` & co.: a non-empty value overrides the site setting's field."""
    return getattr(settings, f"CASCAD_{mode.upper()}_{field.upper()}", "") or ""
