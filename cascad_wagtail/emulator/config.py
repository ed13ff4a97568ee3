"""The emulated account's credentials and the emulator's run-time configuration."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from typing import Any

from .errors import invalid

DEFAULT_ACCOUNT_ID = "coma_SandboxAccnt0001"
DEFAULT_API_KEY = "sandbox-api-key-000000000000000000000000001"
DEFAULT_PUBLIC_KEY = "pk_test_SandboxPublicKey0001"
DEFAULT_SECRET_KEY = "sk_test_SandboxSecretKey0001"
DEFAULT_CALLBACK_URL = "http://127.0.0.1:8000/cascad/callback/"
DEFAULT_LIFETIME_SECONDS = 24 * 3600

_ACCOUNT_ID = re.compile(r"^coma_[A-Za-z0-9]{16}$")


def as_json(settings: Any) -> dict[str, Any]:
    """A settings dataclass as JSON-ready values: floats become exact decimals (``wire`` refuses floats)."""
    return {
        key: Decimal(repr(value)) if isinstance(value, float) else value
        for key, value in dataclasses.asdict(settings).items()
    }


class LiveKeyRefused(ValueError):
    """The emulator only ever runs a test-mode account."""


@dataclasses.dataclass(frozen=True)
class Account:
    account_id: str = DEFAULT_ACCOUNT_ID
    api_key: str = DEFAULT_API_KEY
    public_key: str = DEFAULT_PUBLIC_KEY
    secret_key: str = DEFAULT_SECRET_KEY

    def check(self) -> None:
        """Refuse live keys and malformed credentials before anything listens."""
        if self.public_key.startswith("pk_live_") or self.secret_key.startswith("sk_live_"):
            raise LiveKeyRefused("the emulator refuses live keys (pk_live_/sk_live_): use test keys")
        if not self.public_key.startswith("pk_test_"):
            raise ValueError("the public key must start with pk_test_")
        if not self.secret_key.startswith("sk_test_"):
            raise ValueError("the secret key must start with sk_test_")
        if not _ACCOUNT_ID.match(self.account_id):
            raise ValueError("the account id must be coma_ followed by 16 letters or digits")
        if len(self.api_key) != 43:
            raise ValueError("the API key must be 43 characters long")

    def __repr__(self) -> str:
        return f"Account(account_id={self.account_id!r}, keys=<hidden>)"


def _number(payload: dict, name: str, low: float, high: float) -> float:
    value = payload[name]
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or not low <= value <= high:
        raise invalid("invalid_value", f"{name} must be a number from {low:g} to {high:g}.", name)
    return float(value)


@dataclasses.dataclass(frozen=True)
class EmulatorConfig:
    """What ``POST /_emulator/config`` reads and changes (see the control API)."""

    callback_mode: str = "auto"
    attempts_limit: int = 10
    time_scale: float = 1.0
    refund_mode: str = "instant"
    pending_settle_seconds: float | None = None
    default_callback_url: str = DEFAULT_CALLBACK_URL
    callback_timeout: float = 10.0
    default_lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS

    def updated(self, payload: dict[str, Any]) -> EmulatorConfig:
        """This configuration with the fields of ``payload`` changed; anything invalid is a 422."""
        if not isinstance(payload, dict):
            raise invalid("invalid_value", "The configuration must be a JSON object.")
        known = {field.name for field in dataclasses.fields(self)}
        unknown = sorted(set(payload) - known)
        if unknown:
            raise invalid("unknown_field", f"Unknown configuration field(s): {', '.join(unknown)}.", unknown[0])
        changes: dict[str, Any] = {}
        for name, choices in (("callback_mode", ("auto", "manual")), ("refund_mode", ("instant", "manual"))):
            if name in payload:
                if payload[name] not in choices:
                    raise invalid("invalid_value", f"{name} must be one of {', '.join(choices)}.", name)
                changes[name] = payload[name]
        if "attempts_limit" in payload:
            value = payload["attempts_limit"]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
                raise invalid("invalid_value", "attempts_limit must be an integer from 1 to 100.", "attempts_limit")
            changes["attempts_limit"] = value
        if "default_lifetime_seconds" in payload:
            value = payload["default_lifetime_seconds"]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise invalid(
                    "invalid_value", "default_lifetime_seconds must be a positive integer.", "default_lifetime_seconds"
                )
            changes["default_lifetime_seconds"] = value
        if "time_scale" in payload:
            changes["time_scale"] = _number(payload, "time_scale", 0.001, 100000)
        if "callback_timeout" in payload:
            changes["callback_timeout"] = _number(payload, "callback_timeout", 0.1, 120)
        if "pending_settle_seconds" in payload:
            if payload["pending_settle_seconds"] is None:
                changes["pending_settle_seconds"] = None
            else:
                changes["pending_settle_seconds"] = _number(payload, "pending_settle_seconds", 0, 10**9)
        if "default_callback_url" in payload:
            url = payload["default_callback_url"]
            if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
                raise invalid("invalid_value", "default_callback_url must be an http(s) URL.", "default_callback_url")
            changes["default_callback_url"] = url
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return as_json(self)
