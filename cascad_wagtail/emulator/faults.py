"""Reproducible fault injection.

Every decision is drawn from a generator keyed by (seed, what the request or callback concerns,
and the how-manieth such request or callback it is since the faults were set). Because the key
names the invoice (or ``reference_id``) rather than the arrival order across all requests, running
the same scenario with more threads, or in another order across invoices, faults the same requests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import threading
from decimal import Decimal
from typing import Any

from .config import as_json
from .errors import invalid

RATES = (
    "callback_drop",
    "callback_duplicate",
    "callback_reorder",
    "callback_coalesce",
    "api_error",
    "api_timeout",
)


@dataclasses.dataclass(frozen=True)
class FaultSettings:
    seed: int = 0
    callback_drop: float = 0.0
    callback_duplicate: float = 0.0
    callback_reorder: float = 0.0
    callback_coalesce: float = 0.0
    api_error: float = 0.0
    api_timeout: float = 0.0
    api_timeout_s: float = 30.0

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> FaultSettings:
        if not isinstance(payload, dict):
            raise invalid("invalid_value", "Faults must be a JSON object.")
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(payload) - known)
        if unknown:
            raise invalid("unknown_field", f"Unknown fault setting(s): {', '.join(unknown)}.", unknown[0])
        values: dict[str, Any] = {}
        seed = payload.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise invalid("invalid_value", "seed must be an integer.", "seed")
        values["seed"] = seed
        for name in RATES:
            rate = payload.get(name, 0)
            if isinstance(rate, bool) or not isinstance(rate, (int, Decimal)) or not 0 <= rate <= 1:
                raise invalid("invalid_value", f"{name} must be a number from 0 to 1.", name)
            values[name] = float(rate)
        timeout_s = payload.get("api_timeout_s", 30)
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, Decimal)) or not 0 <= timeout_s <= 600:
            raise invalid("invalid_value", "api_timeout_s must be a number of seconds from 0 to 600.", "api_timeout_s")
        values["api_timeout_s"] = float(timeout_s)
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return as_json(self)

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in RATES)


class FaultPlan:
    """The faults in force and the per-key counters that make their decisions reproducible."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self.settings = settings or FaultSettings()
        self._counters: dict[tuple[str, str], int] = {}

    def set(self, settings: FaultSettings) -> None:
        with self._lock:
            self.settings = settings
            self._counters.clear()

    def draw(self, kind: str, concern: str) -> random.Random:
        """The generator for the next ``kind`` event about ``concern`` (``api`` or ``callback``)."""
        with self._lock:
            key = (kind, concern)
            number = self._counters.get(key, 0)
            self._counters[key] = number + 1
            seed = self.settings.seed
        digest = hashlib.sha256(f"{seed}\x00{kind}\x00{concern}\x00{number}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def api_fault(self, concern: str) -> str | None:
        """``"error"``, ``"timeout"`` or ``None`` for the next API request about ``concern``."""
        settings = self.settings
        if not (settings.api_error or settings.api_timeout):
            return None
        rng = self.draw("api", concern)
        error_roll, timeout_roll = rng.random(), rng.random()
        if error_roll < settings.api_error:
            return "error"
        if timeout_roll < settings.api_timeout:
            return "timeout"
        return None
