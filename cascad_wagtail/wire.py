"""JSON as Cascad speaks it: numbers are exact decimals in both directions.

``loads`` reads every non-integer number as ``Decimal`` and refuses ``NaN``/``Infinity``;
``dumps`` writes ``Decimal`` as a bare JSON number (``1500.00``) and refuses ``float``, so a binary
float can never reach an amount on the wire. Used by the client and the emulator alike.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

# Non-ASCII text goes out as UTF-8, as Cascad sends it (and signs it).
_encode_string = json.encoder.encode_basestring


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON constant {name} is not allowed")


def loads(data: bytes | str) -> Any:
    """Parse JSON with exact decimals. Raises ``ValueError`` on anything that is not strict JSON."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return json.loads(data, parse_float=Decimal, parse_constant=_reject_constant)


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot encode {value!r} as JSON")
        out.append(format(value, "f"))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {key!r}")
            if index:
                out.append(",")
            out.append(_encode_string(key))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        # float lands here on purpose: amounts must be Decimal.
        raise TypeError(f"{type(value).__name__} {value!r} cannot be sent to Cascad; use Decimal")


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON bytes for ``value``."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode("utf-8")
