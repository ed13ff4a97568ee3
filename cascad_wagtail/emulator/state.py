"""The emulated account: its invoices and refunds, the clock, and every state rule of the contract.

All state lives in one ``EmulatorState`` guarded by one lock, so concurrent requests see the
transitions of the contract one at a time. Every change of an invoice goes through ``_change``,
which stamps it and tells the listeners (the callback sender) with the invoice document captured at
that moment: a callback resends the body of its change, never a later one.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import heapq
import secrets
import string
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .. import money
from ..exceptions import InvalidAmount
from . import catalogue, resources
from .cards import CardResult, resolve_card
from .config import Account, EmulatorConfig
from .errors import ApiError, conflict, invalid, not_found
from .faults import FaultPlan

STAGES = {
    "created": 0,
    "processing": 1,
    "process_pending": 1,
    "process_error": 1,
    "processed": 2,
    "partially_processed": 2,
    "process_failed": 2,
    "expired": 2,
    "terminated": 2,
}
REFUNDABLE = {
    "processed",
    "partially_processed",
    "refunding",
    "refund_pending",
    "refund_error",
    "partially_refunded",
}
OUTCOMES = (
    "processed",
    "partially_processed",
    "process_failed",
    "process_pending",
    "process_error",
    "expired",
    "terminated",
)
PAID_OUTCOMES = {"processed", "partially_processed", "process_pending", "process_error"}

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(16))


@dataclasses.dataclass
class Refund:
    id: str
    reference_id: str
    invoice_id: str
    amount: Decimal
    currency: str
    description: str | None
    created: int
    status: str = "processing"
    fee: Decimal = Decimal(0)


@dataclasses.dataclass
class Invoice:
    seq: int
    id: str
    reference_id: str
    amount: Decimal
    currency: str
    created: int
    expires: int
    test_mode: bool
    flow: str = "hpp"
    status: str = "created"
    resolution: str = "ok"
    description: str | None = None
    service: str | None = None
    method: str | None = None
    return_url: str | None = None
    return_urls: dict[str, str] | None = None
    callback_url: str | None = None
    customer: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    locale: str | None = None
    processed_amount: Decimal | None = None
    refunded_amount: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    updated: int = 0
    processed: int | None = None
    refunds: list[Refund] = dataclasses.field(default_factory=list)
    #: The paid status a refund returns to (``processed`` or ``partially_processed``).
    paid_status: str | None = None
    #: Schedule time at which the invoice became ``process_pending``.
    pending_since: float | None = None
    #: The card waiting for its 3-D Secure step (Checkout only).
    three_ds_card: tuple[str, str] | None = dataclasses.field(default=None, repr=False)

    @property
    def balance(self) -> Decimal:
        """What can still be refunded: paid minus every refund that has not failed."""
        claimed = sum((r.amount for r in self.refunds if r.status != "failed"), Decimal(0))
        return (self.processed_amount or Decimal(0)) - claimed


class Clock:
    """Invoice time (UNIX seconds, movable by ``advance``) and the scaled schedule time.

    ``now()`` is real time plus whatever ``advance`` added. ``schedule_now()`` runs ``time_scale``
    times faster than the wall clock (plus the same advances): the retry schedule of callbacks and
    ``pending_settle_seconds`` are measured in it.
    """

    def __init__(self, time_scale: float = 1.0) -> None:
        self.reset(time_scale)

    def reset(self, time_scale: float) -> None:
        self.offset = 0.0
        self._scale = time_scale
        self._base_wall = time.monotonic()
        self._base_schedule = 0.0

    def now(self) -> int:
        return int(time.time() + self.offset)

    def schedule_now(self) -> float:
        return self._base_schedule + (time.monotonic() - self._base_wall) * self._scale + self.offset

    def set_scale(self, time_scale: float) -> None:
        self._base_schedule = self.schedule_now() - self.offset
        self._base_wall = time.monotonic()
        self._scale = time_scale

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def wall_seconds(self, schedule_seconds: float) -> float:
        """How long ``schedule_seconds`` of schedule time last on the wall clock."""
        return schedule_seconds / self._scale


Listener = Callable[[Invoice, bytes], None]


class EmulatorState:
    """One Cascad commerce account in test mode."""

    def __init__(self, account: Account, config: EmulatorConfig, public_url: str = "") -> None:
        self.lock = threading.RLock()
        self.account = account
        self.initial_config = config
        self.public_url = public_url
        self.faults = FaultPlan()
        self.clock = Clock(config.time_scale)
        self._listeners: list[Listener] = []
        self._reset_hooks: list[Callable[[], None]] = []
        #: The callback queue, once one subscribes (see ``callbacks.CallbackQueue``).
        self.callback_queue: Any = None
        self._clear()
        self.config = config

    # -- plumbing ---------------------------------------------------------------------------

    def _clear(self) -> None:
        self.invoices: dict[str, Invoice] = {}
        self.by_reference: dict[str, Invoice] = {}
        self.refunds: dict[str, Refund] = {}
        self.refunds_by_reference: dict[str, Refund] = {}
        self._expiry_heap: list[tuple[int, int, str]] = []
        self._pending: set[str] = set()
        self._seq = 0

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(invoice, document_bytes)`` on every change, under the state lock."""
        self._listeners.append(listener)

    def on_reset(self, hook: Callable[[], None]) -> None:
        self._reset_hooks.append(hook)

    def reset(self) -> None:
        with self.lock:
            self._clear()
            self.config = self.initial_config
            self.clock.reset(self.config.time_scale)
            self.faults.set(self.faults.settings.__class__())
            for hook in self._reset_hooks:
                hook()

    def configure(self, payload: dict[str, Any]) -> EmulatorConfig:
        with self.lock:
            config = self.config.updated(payload)
            if config.time_scale != self.config.time_scale:
                self.clock.set_scale(config.time_scale)
            self.config = config
            return config

    def document(self, invoice: Invoice) -> dict:
        return resources.invoice_document(invoice, self.public_url)

    def _change(self, invoice: Invoice, status: str, resolution: str | None = None) -> None:
        invoice.status = status
        if resolution is not None:
            invoice.resolution = resolution
        invoice.updated = self.clock.now()
        body = resources.encode(self.document(invoice))
        for listener in self._listeners:
            listener(invoice, body)

    def _created(self, invoice: Invoice) -> None:
        invoice.updated = invoice.created
        body = resources.encode(self.document(invoice))
        for listener in self._listeners:
            listener(invoice, body)

    # -- time -------------------------------------------------------------------------------

    def tick(self) -> None:
        """Apply what time has made due: expiries and the settling of pending payments."""
        with self.lock:
            now = self.clock.now()
            while self._expiry_heap and self._expiry_heap[0][0] <= now:
                _, _, invoice_id = heapq.heappop(self._expiry_heap)
                invoice = self.invoices.get(invoice_id)
                if invoice is not None and invoice.status == "created":
                    self._change(invoice, "expired")
            settle_after = self.config.pending_settle_seconds
            if settle_after is not None and self._pending:
                schedule_now = self.clock.schedule_now()
                for invoice_id in sorted(self._pending):
                    invoice = self.invoices[invoice_id]
                    if schedule_now - (invoice.pending_since or 0) >= settle_after:
                        self._settle_paid(invoice, "processed", "ok", invoice.amount)

    def advance(self, seconds: float) -> int:
        with self.lock:
            self.clock.advance(seconds)
            self.tick()
            return self.clock.now()

    # -- invoices ---------------------------------------------------------------------------

    def create_invoice(self, attrs: dict[str, Any]) -> Invoice:
        """Create an invoice from validated attributes (see ``api.parse_invoice_attributes``)."""
        with self.lock:
            self.tick()
            reference_id = attrs["reference_id"]
            if reference_id in self.by_reference:
                raise invalid(
                    "reference_id_duplicate",
                    f"An invoice with reference_id {reference_id!r} already exists.",
                    "reference_id",
                )
            now = self.clock.now()
            if attrs.get("expires") is not None:
                expires = attrs["expires"]
                if expires <= now:
                    raise invalid("invalid_expires", "expires must be in the future.", "expires")
            else:
                expires = now + attrs.get("lifetime_seconds", self.config.default_lifetime_seconds)
            service = attrs.get("service")
            self._seq += 1
            invoice = Invoice(
                seq=self._seq,
                id=new_id("cpi_"),
                reference_id=reference_id,
                amount=attrs["amount"],
                currency=attrs["currency"],
                created=now,
                expires=expires,
                test_mode=True,
                description=attrs.get("description"),
                service=service,
                method=catalogue.method_of(service) if service else None,
                return_url=attrs.get("return_url"),
                return_urls=attrs.get("return_urls"),
                callback_url=attrs.get("callback_url"),
                customer=attrs.get("customer"),
                metadata=attrs.get("metadata"),
                locale=attrs.get("locale"),
            )
            self.invoices[invoice.id] = invoice
            self.by_reference[reference_id] = invoice
            heapq.heappush(self._expiry_heap, (expires, invoice.seq, invoice.id))
            self._created(invoice)
            return invoice

    def get(self, invoice_id: str) -> Invoice:
        with self.lock:
            self.tick()
            invoice = self.invoices.get(invoice_id)
            if invoice is None:
                raise not_found(f"No payment invoice {invoice_id!r}.")
            return invoice

    def list(
        self, *, reference_id: str | None, statuses: set[str] | None, size: int, cursor: str | None
    ) -> tuple[list[Invoice], str | None]:
        """Newest first; ``cursor`` continues after the last invoice of the previous page."""
        with self.lock:
            self.tick()
            below = _decode_cursor(cursor) if cursor else None
            found: list[Invoice] = []
            for invoice in sorted(self.invoices.values(), key=lambda i: i.seq, reverse=True):
                if below is not None and invoice.seq >= below:
                    continue
                if reference_id is not None and invoice.reference_id != reference_id:
                    continue
                if statuses and invoice.status not in statuses:
                    continue
                found.append(invoice)
                if len(found) > size:
                    break
            if len(found) > size:
                return found[:size], _encode_cursor(found[size - 1].seq)
            return found, None

    def cancel(self, invoice_id: str) -> Invoice:
        with self.lock:
            invoice = self.get(invoice_id)
            if invoice.status != "created":
                raise conflict(f"Invoice is {invoice.status}: only a created invoice can be cancelled.")
            self._change(invoice, "terminated")
            return invoice

    # -- paying (control API and Checkout) ----------------------------------------------------

    def _settle_paid(self, invoice: Invoice, status: str, resolution: str, processed_amount: Decimal | None) -> None:
        """Move a created or in-progress invoice to ``status`` with its amounts and side data."""
        self._pending.discard(invoice.id)
        invoice.pending_since = None
        if status in PAID_OUTCOMES and invoice.service is None:
            invoice.service = f"payment_card_{invoice.currency.lower()}_hpp"
            invoice.method = "payment_card"
        if status in ("processed", "partially_processed"):
            invoice.processed_amount = processed_amount
            invoice.processed = self.clock.now()
            invoice.paid_status = status
        if status == "process_pending":
            invoice.pending_since = self.clock.schedule_now()
            self._pending.add(invoice.id)
        self._change(invoice, status, resolution)

    def _begin(self, invoice: Invoice) -> None:
        if invoice.status == "created":
            self._change(invoice, "processing")

    def pay_card(self, invoice_id: str, card: str, expiry: str, three_ds: str = "pass") -> tuple[Invoice, CardResult]:
        """The control API's card payment: submit the card and answer 3-D Secure in one go."""
        with self.lock:
            invoice, result = self.submit_card(invoice_id, card, expiry)
            if invoice.three_ds_card is not None:
                invoice, result = self.answer_three_ds(invoice_id, three_ds == "pass")
            return invoice, result

    def submit_card(self, invoice_id: str, card: str, expiry: str) -> tuple[Invoice, CardResult]:
        """The customer submits a card: the invoice goes to ``processing``; a 3-D Secure card stops there."""
        with self.lock:
            invoice = self._payable(invoice_id)
            try:
                result = resolve_card(card, expiry)
            except ValueError as exc:
                raise invalid("invalid_card", str(exc), "card") from None
            if invoice.service is None:
                invoice.service = f"payment_card_{invoice.currency.lower()}_hpp"
                invoice.method = "payment_card"
            self._begin(invoice)
            if result.needs_3ds:
                invoice.three_ds_card = (card, expiry)
                return invoice, result
            processed_amount = invoice.amount if result.status == "processed" else None
            self._settle_paid(invoice, result.status, result.resolution, processed_amount)
            return invoice, result

    def answer_three_ds(self, invoice_id: str, passed: bool) -> tuple[Invoice, CardResult]:
        """The 3-D Secure step's Confirm (``passed``) or Fail."""
        with self.lock:
            invoice = self.get(invoice_id)
            if invoice.three_ds_card is None or invoice.status != "processing":
                raise conflict("This invoice is not waiting for 3-D Secure.")
            card, expiry = invoice.three_ds_card
            invoice.three_ds_card = None
            result = resolve_card(card, expiry, "pass" if passed else "fail")
            processed_amount = invoice.amount if result.status == "processed" else None
            self._settle_paid(invoice, result.status, result.resolution, processed_amount)
            return invoice, result

    def pay_with_method(self, invoice_id: str, service: str, approved: bool) -> Invoice:
        """A non-card method (SBP, wallet): the customer approves or declines in the provider's step."""
        with self.lock:
            invoice = self._payable(invoice_id)
            if service not in catalogue.services_for(invoice.currency):
                raise invalid(
                    "invalid_service", f"Service {service!r} is not offered for {invoice.currency}.", "service"
                )
            invoice.service, invoice.method = service, catalogue.method_of(service)
            self._begin(invoice)
            if approved:
                self._settle_paid(invoice, "processed", "ok", invoice.amount)
            else:
                self._settle_paid(invoice, "process_failed", "declined", None)
            return invoice

    def _payable(self, invoice_id: str) -> Invoice:
        invoice = self.get(invoice_id)
        if invoice.status != "created":
            raise conflict(f"Invoice is {invoice.status}: only a created invoice can be paid.")
        return invoice

    def pay_outcome(
        self, invoice_id: str, outcome: str, resolution: str | None, processed_amount: Decimal | None
    ) -> Invoice:
        with self.lock:
            invoice = self.get(invoice_id)
            if STAGES.get(invoice.status) is None or STAGES[invoice.status] == 2:
                raise conflict(f"Invoice is {invoice.status}: it is final.")
            if invoice.status == "process_pending" and outcome not in ("processed", "process_failed"):
                raise conflict("A process_pending invoice can only become processed or process_failed.")
            if outcome == "partially_processed":
                if processed_amount is None or not 0 < processed_amount < invoice.amount:
                    raise invalid(
                        "invalid_amount",
                        "partially_processed needs a processed_amount above 0 and below the amount.",
                        "processed_amount",
                    )
            elif outcome == "processed":
                processed_amount = invoice.amount if processed_amount is None else processed_amount
            elif processed_amount is not None:
                raise invalid("invalid_value", f"processed_amount does not apply to {outcome}.", "processed_amount")
            if resolution is None:
                resolution = "general_fatal_error" if outcome == "process_failed" else "ok"
            if outcome not in ("expired", "terminated"):
                self._begin(invoice)
            self._settle_paid(invoice, outcome, resolution, processed_amount)
            return invoice

    # -- refunds ----------------------------------------------------------------------------

    def refund(
        self, invoice_id: str, amount: Decimal, reference_id: str, description: str | None
    ) -> tuple[Refund, bool]:
        """The refund and whether it is new (``False``: the same request again, answered as before)."""
        with self.lock:
            invoice = self.get(invoice_id)
            existing = self.refunds_by_reference.get(reference_id)
            if existing is not None:
                if existing.invoice_id == invoice.id and existing.amount == amount:
                    return existing, False
                raise invalid(
                    "reference_id_duplicate",
                    f"A refund with reference_id {reference_id!r} already exists with other details.",
                    "reference_id",
                )
            if invoice.status not in REFUNDABLE:
                raise conflict(f"Invoice is {invoice.status}: it cannot be refunded.")
            if amount > invoice.balance:
                raise invalid(
                    "refund_exceeds_balance",
                    f"Refund {amount} is above the refundable balance {invoice.balance} {invoice.currency}.",
                    "amount",
                )
            refund = Refund(
                id=new_id("ref_"),
                reference_id=reference_id,
                invoice_id=invoice.id,
                amount=amount,
                currency=invoice.currency,
                description=description,
                created=self.clock.now(),
            )
            invoice.refunds.append(refund)
            self.refunds[refund.id] = refund
            self.refunds_by_reference[reference_id] = refund
            self._change(invoice, "refunding")
            if self.config.refund_mode == "instant":
                self._settle_refund(invoice, refund, "processed")
            return refund, True

    def settle_refund(self, refund_id: str, outcome: str) -> Invoice:
        with self.lock:
            refund = self.refunds.get(refund_id)
            if refund is None:
                raise not_found(f"No refund {refund_id!r}.")
            if refund.status != "processing":
                raise conflict(f"Refund is {refund.status}: it is settled already.")
            invoice = self.invoices[refund.invoice_id]
            self._settle_refund(invoice, refund, outcome)
            return invoice

    def _settle_refund(self, invoice: Invoice, refund: Refund, outcome: str) -> None:
        refund.status = outcome
        if outcome == "processed":
            invoice.refunded_amount += refund.amount
        if any(r.status == "processing" for r in invoice.refunds):
            status = "refunding"
        elif invoice.refunded_amount == 0:
            status = invoice.paid_status or "processed"
        elif invoice.refunded_amount >= (invoice.processed_amount or 0):
            status = "refunded"
        else:
            status = "partially_refunded"
        self._change(invoice, status)


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        if prefix != "seq":
            raise ValueError(cursor)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            422, "invalid_cursor", "page[cursor] is not a cursor this API gave out.", "page[cursor]"
        ) from None


def quantize_amount(value: Any, currency: str, field: str = "amount") -> Decimal:
    """A wire amount as exact money of ``currency``, or the contract's 422 ``invalid_amount``."""
    if isinstance(value, str):
        raise invalid("invalid_amount", f"{field} must be a JSON number, not a string.", field)
    try:
        return money.validate_amount(value, currency)
    except InvalidAmount as exc:
        raise invalid("invalid_amount", exc.message, field) from None
