"""What Cascad's answers mean, as frozen dataclasses with exact ``Decimal`` amounts.

Each type is read from the JSON:API document the contract (``spec/cascad-api.md``) promises. Amounts
are quantized to their currency with ``money.quantize``; anything missing, mistyped or not exact money
raises ``UnexpectedResponse`` naming the field, so a broken answer never becomes a plausible value.
A status this package does not know is kept as sent and flagged (``stage`` is ``None``), never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from .exceptions import InvalidAmount, UnexpectedResponse
from .money import quantize

#: The outcome stage of each payment status: 0 unpaid, 1 under way, 2 settled. Refund labels only
#: ever follow a payment, so their outcome stage stays 2 (contract: "the outcome stage stays 2").
STAGES: Mapping[str, int] = MappingProxyType(
    {
        "created": 0,
        "processing": 1,
        "process_pending": 1,
        "process_error": 1,
        "processed": 2,
        "partially_processed": 2,
        "process_failed": 2,
        "expired": 2,
        "terminated": 2,
        "refunding": 2,
        "refund_pending": 2,
        "refund_error": 2,
        "partially_refunded": 2,
        "refunded": 2,
        "refund_failed": 2,
    }
)

#: Statuses from which a refund may be asked for (the contract's "refundable").
REFUNDABLE_STATUSES = frozenset(
    {
        "processed",
        "partially_processed",
        "refunding",
        "refund_pending",
        "refund_error",
        "partially_refunded",
    }
)


def stage_of(status: str) -> int | None:
    """The outcome stage of ``status``, or ``None`` for a status this package does not know."""
    return STAGES.get(status)


class _StatusMixin:
    status: str

    @property
    def stage(self) -> int | None:
        """0 unpaid, 1 under way, 2 settled; ``None`` when the status is unknown (flag it, do not guess)."""
        return stage_of(self.status)

    @property
    def is_known_status(self) -> bool:
        return self.status in STAGES

    @property
    def is_final(self) -> bool:
        """Nothing will change any more except by a refund. An unknown status is not final."""
        return self.stage == 2

    @property
    def is_refundable(self) -> bool:
        return self.status in REFUNDABLE_STATUSES


@dataclass(frozen=True)
class ApiCall:
    """One HTTP attempt, as reported to ``on_call``: never credentials, keys or bodies.

    ``query`` is the URL-encoded query without ``public_key``; ``error`` is the name of the
    exception class the attempt ended in (``"CascadTimeout"``, ``"ServerError"``, …), ``None`` on success.
    """

    method: str
    path: str
    query: str
    status: int | None
    duration: float
    request_id: str | None
    attempt: int
    error: str | None = None


class _Fields:
    """Typed reads from one JSON object; a mismatch raises ``UnexpectedResponse`` naming the field."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise UnexpectedResponse(f"Cascad sent {where} that is not a JSON object.")
        self.data = data
        self.where = where

    def _fail(self, name: str, what: str) -> UnexpectedResponse:
        return UnexpectedResponse(f"Cascad sent {self.where} whose {name!r} is {what}.")

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str) or not value:
            raise self._fail(name, "missing or not a string")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, str):
            raise self._fail(name, "not a string")
        return value

    def opt_int(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self._fail(name, "not an integer")
        return value

    def flag(self, name: str) -> bool:
        value = self.data.get(name)
        if not isinstance(value, bool):
            raise self._fail(name, "missing or not a boolean")
        return value

    def obj(self, name: str) -> dict[str, Any] | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, dict):
            raise self._fail(name, "not an object")
        return value

    def opt_money(self, name: str, currency: str) -> Decimal | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self._fail(name, "not a JSON number")
        try:
            return quantize(value, currency)
        except InvalidAmount:
            raise self._fail(name, f"not exact {currency} money ({value})") from None

    def money(self, name: str, currency: str) -> Decimal:
        value = self.opt_money(name, currency)
        if value is None:
            raise self._fail(name, "missing")
        return value

    def currency(self, name: str = "currency") -> str:
        value = self.text(name)
        try:
            quantize(0, value)
        except InvalidAmount:
            raise self._fail(name, f"a currency this package does not know ({value})") from None
        return value


def _resource(document: Any, expected_type: str) -> _Fields:
    """The ``data`` object of a single-resource document, checked for its JSON:API ``type``."""
    top = _Fields(document, "an answer")
    data = _Fields(top.data.get("data"), "an answer")
    if data.data.get("type") != expected_type:
        raise data._fail("type", f"not {expected_type!r}")
    return data


def _related_id(relationships: dict[str, Any] | None, name: str) -> str | None:
    item = (relationships or {}).get(name)
    data = item.get("data") if isinstance(item, dict) else None
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise UnexpectedResponse(f"Cascad sent a relationship {name!r} without an id.")
    return data["id"]


@dataclass(frozen=True)
class RefundItem:
    """One entry of an invoice's ``refunds`` list: how a refund whose answer was lost is settled."""

    id: str
    reference_id: str
    amount: Decimal
    status: str
    created: int | None

    @classmethod
    def from_json(cls, item: Any, currency: str) -> RefundItem:
        f = _Fields(item, "a refunds item")
        return cls(
            id=f.text("id"),
            reference_id=f.text("reference_id"),
            amount=f.money("amount", currency),
            status=f.text("status"),
            created=f.opt_int("created"),
        )


@dataclass(frozen=True)
class Invoice(_StatusMixin):
    """A payment invoice (``type: "payment-invoices"``) as the Private API shows it."""

    id: str
    reference_id: str
    status: str
    resolution: str | None
    amount: Decimal
    currency: str
    payment_amount: Decimal | None
    fee: Decimal | None
    processed_amount: Decimal | None
    refunded_amount: Decimal
    description: str | None
    service: str | None
    flow: str | None
    test_mode: bool
    hpp_url: str | None
    return_url: str | None
    return_urls: dict[str, str] | None = field(hash=False)
    callback_url: str | None
    customer: dict[str, Any] | None = field(hash=False)
    metadata: dict[str, Any] | None = field(hash=False)
    locale: str | None
    refunds: tuple[RefundItem, ...]
    created: int | None
    updated: int | None
    expires: int | None
    processed: int | None
    payment_service: str | None
    payment_method: str | None
    raw: dict[str, Any] = field(hash=False, compare=False, repr=False)

    @property
    def refundable_balance(self) -> Decimal:
        """``processed_amount`` minus the refunds that have not failed (the contract's balance)."""
        paid = self.processed_amount if self.processed_amount is not None else quantize(0, self.currency)
        return paid - sum((r.amount for r in self.refunds if r.status != "failed"), quantize(0, self.currency))

    def refund_by_reference(self, reference_id: str) -> RefundItem | None:
        return next((r for r in self.refunds if r.reference_id == reference_id), None)

    @classmethod
    def from_document(cls, document: Any) -> Invoice:
        """Read ``{"data": {...}}`` as returned by create, get and cancel."""
        return cls.from_resource(_Fields(document, "an answer").data.get("data"))

    @classmethod
    def from_resource(cls, resource: Any) -> Invoice:
        """Read one ``payment-invoices`` resource (an element of a list, or a callback's ``data``)."""
        r = _Fields(resource, "an invoice")
        if r.data.get("type") != "payment-invoices":
            raise r._fail("type", "not 'payment-invoices'")
        a = _Fields(r.data.get("attributes"), "invoice attributes")
        currency = a.currency()
        refunds = a.data.get("refunds") or []
        if not isinstance(refunds, list):
            raise a._fail("refunds", "not a list")
        relationships = r.obj("relationships")
        return cls(
            id=r.text("id"),
            reference_id=a.text("reference_id"),
            status=a.text("status"),
            resolution=a.opt_text("resolution"),
            amount=a.money("amount", currency),
            currency=currency,
            payment_amount=a.opt_money("payment_amount", currency),
            fee=a.opt_money("fee", currency),
            processed_amount=a.opt_money("processed_amount", currency),
            refunded_amount=a.money("refunded_amount", currency),
            description=a.opt_text("description"),
            service=a.opt_text("service"),
            flow=a.opt_text("flow"),
            test_mode=a.flag("test_mode"),
            hpp_url=a.opt_text("hpp_url"),
            return_url=a.opt_text("return_url"),
            return_urls=a.obj("return_urls"),
            callback_url=a.opt_text("callback_url"),
            customer=a.obj("customer"),
            metadata=a.obj("metadata"),
            locale=a.opt_text("locale"),
            refunds=tuple(RefundItem.from_json(item, currency) for item in refunds),
            created=a.opt_int("created"),
            updated=a.opt_int("updated"),
            expires=a.opt_int("expires"),
            processed=a.opt_int("processed"),
            payment_service=_related_id(relationships, "payment-service"),
            payment_method=_related_id(relationships, "payment-method"),
            raw=a.data,
        )


@dataclass(frozen=True)
class Refund:
    """The answer to a refund request. ``invoice_id`` is the invoice it was asked for."""

    id: str
    invoice_id: str
    reference_id: str
    status: str
    amount: Decimal
    fee: Decimal | None
    currency: str
    created: int | None
    raw: dict[str, Any] = field(hash=False, compare=False, repr=False)

    @classmethod
    def from_document(cls, document: Any, invoice_id: str) -> Refund:
        r = _resource(document, "refunds")
        a = _Fields(r.data.get("attributes"), "refund attributes")
        currency = a.currency()
        return cls(
            id=r.text("id"),
            invoice_id=invoice_id,
            reference_id=a.text("reference_id"),
            status=a.text("status"),
            amount=a.money("amount", currency),
            fee=a.opt_money("fee", currency),
            currency=currency,
            created=a.opt_int("created"),
            raw=a.data,
        )


@dataclass(frozen=True)
class InvoicePage:
    """One page of ``GET /api/payment-invoices``; ``next_cursor`` is ``None`` on the last page."""

    items: tuple[Invoice, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class PaymentService:
    """A payment service offered for a currency (``payment_card_rub_hpp`` and so on)."""

    code: str
    method: str
    currency: str | None
    name: dict[str, str] = field(hash=False)
    fields: tuple[Any, ...] = field(hash=False)

    @classmethod
    def from_json(cls, code: str, item: Any) -> PaymentService:
        f = _Fields(item, f"service {code!r}")
        fields = f.data.get("fields") or []
        if not isinstance(fields, list):
            raise f._fail("fields", "not a list")
        return cls(
            code=f.opt_text("code") or code,
            method=f.text("method"),
            currency=f.opt_text("currency"),
            name=f.obj("name") or {},
            fields=tuple(fields),
        )


@dataclass(frozen=True)
class PrerequestResult:
    """What the Public API offers for a currency (and amount): the services, by code."""

    currency: str
    amount: Decimal | None
    test_mode: bool
    services: dict[str, PaymentService] = field(hash=False)

    @classmethod
    def from_document(cls, document: Any) -> PrerequestResult:
        d = _Fields(_Fields(document, "an answer").data.get("data"), "a prerequest answer")
        currency = d.currency()
        services = d.obj("services") or {}
        return cls(
            currency=currency,
            amount=d.opt_money("amount", currency),
            test_mode=d.flag("test_mode"),
            services={code: PaymentService.from_json(code, item) for code, item in services.items()},
        )


@dataclass(frozen=True)
class PublicInvoiceStatus(_StatusMixin):
    """The little the Public API tells about an invoice: safe to show in a browser."""

    id: str
    status: str
    resolution: str | None
    amount: Decimal
    currency: str

    @classmethod
    def from_document(cls, document: Any) -> PublicInvoiceStatus:
        r = _resource(document, "payment-invoices")
        a = _Fields(r.data.get("attributes"), "invoice attributes")
        currency = a.currency()
        return cls(
            id=r.text("id"),
            status=a.text("status"),
            resolution=a.opt_text("resolution"),
            amount=a.money("amount", currency),
            currency=currency,
        )
