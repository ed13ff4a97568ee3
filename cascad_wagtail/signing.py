"""The ``X-Signature`` of Cascad callbacks.

``X-Signature = base64(sha1(secret_key + raw_body + secret_key).digest())``, computed on the raw
bytes as sent. There is no timestamp and no nonce: a valid signature proves the body came from
Cascad once, not that it is current, so a callback is only ever a trigger to read the invoice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

SIGNATURE_HEADER = "X-Signature"


def _to_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def sign(secret_key: str | bytes, body: bytes) -> str:
    """The ``X-Signature`` value for ``body`` under ``secret_key``."""
    key = _to_bytes(secret_key)
    digest = hashlib.sha1(key + body + key).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(secret_key: str | bytes, body: bytes, signature: str | bytes | None) -> bool:
    """Whether ``signature`` signs ``body`` under ``secret_key``, compared in constant time."""
    if not signature or not secret_key:
        return False
    expected = sign(secret_key, body).encode("ascii")
    return hmac.compare_digest(expected, _to_bytes(signature).strip())


def matching_key(secret_keys: Iterable[str | bytes], body: bytes, signature: str | bytes | None) -> str | bytes | None:
    """The first of ``secret_keys`` under which ``signature`` is valid, else ``None``.

    Every key is checked, so the time taken does not tell which key (if any) matched.
    """
    found = None
    for key in secret_keys:
        if verify(key, body, signature) and found is None:
            found = key
    return found
