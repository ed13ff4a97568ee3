"""Secrets at rest: API keys and secret keys are Fernet-encrypted in the database.

The keys come from ``CASCAD_ENCRYPTION_KEYS`` (a list, newest first; ``MultiFernet`` decrypts with
any and encrypts with the first, so keys can be rotated), never from ``SECRET_KEY``.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from . import conf


class DecryptionFailed(ImproperlyConfigured):
    """A stored secret cannot be read with any of ``CASCAD_ENCRYPTION_KEYS``."""


def _fernet() -> MultiFernet:
    keys = conf.get("CASCAD_ENCRYPTION_KEYS") or []
    if isinstance(keys, str):
        keys = [key for key in keys.split(",") if key.strip()]
    if not keys:
        raise ImproperlyConfigured(
            "CASCAD_ENCRYPTION_KEYS is empty: set it to a list of Fernet keys "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        )
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"CASCAD_ENCRYPTION_KEYS holds a key that is not a Fernet key: {exc}") from None


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionFailed(
            "A stored Cascad secret cannot be decrypted with CASCAD_ENCRYPTION_KEYS: was a key removed?"
        ) from None


class EncryptedTextField(models.TextField):
    """A text field stored as a Fernet token; Python code only ever sees the plain value."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return encrypt(value)
