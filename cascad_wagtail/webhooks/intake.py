"""What happens to a callback, in the order of checks ``design.md`` fixes.

The view, the ``cascad_reprocess_callback`` command and the admin's "reprocess" action all go
through here. A callback is a trigger, never the truth: once its signature is verified and the event
stored, it only queues a refresh of its payment, which reads the invoice through the Private API.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import conf, signing, wire
from ..models import CallbackEvent, CascadSettings, Payment

logger = logging.getLogger("cascad_wagtail.webhooks")

REJECTED_BODY_LIMIT = 4 * 1024
KEPT_HEADERS = ("Content-Type", "Content-Length", "User-Agent", "X-Signature", "X-Request-Id")


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The HTTP answer for a callback and what became of it."""

    status: int
    reason: str
    event: CallbackEvent | None = None
    payment_id: int | None = None


_keys_cache: tuple[float, list[tuple[str, str]]] | None = None
KEYS_CACHE_SECONDS = 10


def configured_secret_keys() -> list[tuple[str, str]]:
    """Every (mode, secret key) configured on any site, both modes, ``CASCAD_*`` overrides applied.

    Decrypting every site's keys on every callback is most of the intake's own cost, so the list is
    kept for a few seconds per process (and dropped when this process saves settings). A callback
    refused meanwhile for a key changed in another process is retried by Cascad a minute later.
    """
    global _keys_cache
    now = time.monotonic()
    if _keys_cache is not None and now - _keys_cache[0] < KEYS_CACHE_SECONDS:
        return _keys_cache[1]
    keys = _read_secret_keys()
    _keys_cache = (now, keys)
    return keys


def forget_secret_keys(**_kwargs) -> None:
    global _keys_cache
    _keys_cache = None


def _read_secret_keys() -> list[tuple[str, str]]:
    keys: dict[str, str] = {}
    for config in CascadSettings.objects.all():
        for mode in conf.MODES:
            secret = config.keys(mode).secret_key
            if secret:
                keys.setdefault(secret, mode)
    for mode in conf.MODES:
        secret = conf.key_override(mode, "secret_key")
        if secret:
            keys.setdefault(secret, mode)
    return [(mode, secret) for secret, mode in keys.items()]


def _headers(meta: dict[str, Any]) -> dict[str, str]:
    """The few headers worth keeping; never cookies or authorization."""
    kept = {}
    for name in KEPT_HEADERS:
        key = (
            "CONTENT_TYPE"
            if name == "Content-Type"
            else "CONTENT_LENGTH"
            if name == "Content-Length"
            else ("HTTP_" + name.upper().replace("-", "_"))
        )
        if meta.get(key):
            kept[name] = str(meta[key])[:500]
    return kept


def receive(body: bytes, signature: str | None, meta: dict[str, Any], remote_addr: str | None) -> Verdict:
    """Check, store and queue one callback delivery (everything after the size cap)."""
    if not signature:
        logger.warning("callback without X-Signature from %s refused", remote_addr)
        return Verdict(403, "no signature")
    keys = configured_secret_keys()
    matched = signing.matching_key([secret for _, secret in keys], body, signature)
    body_hash = hashlib.sha256(body).hexdigest()
    if matched is None:
        event = CallbackEvent.objects.create(
            remote_addr=remote_addr,
            headers=_headers(meta),
            body=body[:REJECTED_BODY_LIMIT],
            body_hash=body_hash,
            signature_valid=False,
            status=CallbackEvent.Status.REJECTED,
            error="The signature matches none of the configured secret keys.",
        )
        logger.warning("callback with a wrong signature from %s refused (event %s)", remote_addr, event.pk)
        return Verdict(403, "bad signature", event)
    mode = next(mode for mode, secret in keys if secret == matched)
    return _store(body, body_hash, mode, meta, remote_addr)


def _store(body: bytes, body_hash: str, mode: str, meta: dict[str, Any], remote_addr: str | None) -> Verdict:
    try:
        document = wire.loads(body)
        data = document["data"]
        invoice_id = data["id"]
        if not isinstance(invoice_id, str) or not invoice_id:
            raise TypeError("data.id is not a string")
    except (ValueError, UnicodeDecodeError, KeyError, TypeError):
        return Verdict(400, "not a callback: invalid JSON or no data.id")
    fields = {
        "remote_addr": remote_addr,
        "headers": _headers(meta),
        "body": body,
        "body_hash": body_hash,
        "signature_valid": True,
        "mode": mode,
        "invoice_id": invoice_id[:64],
    }
    try:
        with transaction.atomic():
            event = CallbackEvent.objects.create(**fields)
    except IntegrityError:
        logger.info("callback for %s is an exact duplicate; acknowledged", invoice_id)
        return Verdict(200, "duplicate")
    return process(event, document)


def process(event: CallbackEvent, document: dict | None = None) -> Verdict:
    """Match a stored, verified event to its payment and queue the refresh. Safe to run again."""
    if document is None:
        document = wire.loads(bytes(event.body))
    data = document.get("data") or {}
    if data.get("type") != "payment-invoices":
        return _finish(event, CallbackEvent.Status.IGNORED, f"Not a payment invoice ({data.get('type')}).", 200)
    attributes = data.get("attributes") if isinstance(data.get("attributes"), dict) else {}
    payment = _payment_where(invoice_id=event.invoice_id)
    if payment is None and isinstance(attributes.get("reference_id"), str):
        payment = _payment_where(reference_id=attributes["reference_id"])
    if payment is None:
        logger.info("callback for unknown invoice %s acknowledged", event.invoice_id)
        return _finish(event, CallbackEvent.Status.IGNORED, "No payment of this shop has this invoice.", 200)
    if payment.mode != event.mode:
        return _finish(
            event,
            CallbackEvent.Status.REJECTED,
            f"Signed with a {event.mode} key, but the payment is in {payment.mode} mode.",
            403,
            payment,
        )
    from .. import tasks

    with transaction.atomic():
        CallbackEvent.objects.filter(pk=event.pk).update(payment=payment)
        transaction.on_commit(lambda: tasks.process_callback.delay(event.pk))
    return Verdict(200, "queued", event, payment.pk)


def _payment_where(**unique_field) -> Payment | None:
    """The payment with this unique field, by index alone (no ORDER BY)."""
    return next(iter(Payment.objects.filter(**unique_field).only("pk", "mode").order_by()[:1]), None)


def _finish(event: CallbackEvent, status: str, message: str, http_status: int, payment=None) -> Verdict:
    CallbackEvent.objects.filter(pk=event.pk).update(
        status=status, error=message, processed_at=timezone.now(), payment=payment
    )
    return Verdict(http_status, message, event, payment.pk if payment else None)
