"""``CascadClient``: every call of the Cascad API (``spec/cascad-api.md``) over one ``requests.Session``.

What it promises, so the services above it need not care about HTTP:

* Amounts go out as exact ``Decimal`` JSON numbers (``wire.dumps``) after ``money.validate_amount``,
  and come back as ``Decimal`` quantized to their currency; a float never reaches the wire.
* Every answer is either a typed result (``types.py``) or an exception from ``exceptions.py``; the one
  status → exception mapping is ``error_for_response``. Every exception carries the ``X-Request-Id`` of the
  last answer seen (``request_id``).
* Each call is retried (``RetryPolicy``: 4 attempts, waits 0.5 s, 1 s, 2 s) on connection errors, timeouts,
  429 and 5xx. That is safe because every call here is a read, or idempotent by ``reference_id``
  (create, refund), or a cancel whose repetition is settled by reading the invoice.
* A timeout is *unknown*, never *failed*: when a changing call ran out of attempts and any attempt went
  unanswered, the call raises ``CascadTimeout`` even if the last attempt got a 5xx.
* Credentials and keys never appear in logs, reprs, exception messages or ``on_call`` records.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Self
from urllib.parse import parse_qs, quote, urlsplit

import requests

from .exceptions import ConflictError, InvalidRequestError, UnexpectedResponse
from .money import validate_amount
from .transport import Answer, RetryPolicy, Transport, mask
from .types import (
    ApiCall,
    Invoice,
    InvoicePage,
    PaymentService,
    PrerequestResult,
    PublicInvoiceStatus,
    Refund,
    RefundItem,
)

__all__ = [
    "ApiCall",
    "CascadClient",
    "Invoice",
    "InvoicePage",
    "PaymentService",
    "PrerequestResult",
    "PublicInvoiceStatus",
    "Refund",
    "RefundItem",
    "RetryPolicy",
]

logger = logging.getLogger("cascad_wagtail.client")

INVOICES = "/api/payment-invoices"
PUBLIC_INVOICES = "/public-api/payment-invoices"
PREREQUEST = "/public-api/payment-prerequest"
MAX_PAGE_SIZE = 100


class CascadClient:
    """One Cascad account, spoken to over HTTP. Thread-safe for concurrent calls.

    ``on_call`` is called once per HTTP attempt with an ``ApiCall`` (for an API call log); an exception
    it raises is logged and otherwise ignored. ``sleep`` is injectable so tests need not wait.
    """

    def __init__(
        self,
        host_url: str,
        account_id: str,
        api_key: str,
        public_key: str | None = None,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 20.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_call: Callable[[ApiCall], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.account_id = account_id
        self._api_key = api_key
        self._public_key = public_key or None
        self._transport = Transport(
            host_url,
            account_id,
            api_key,
            self._public_key,
            timeout=(connect_timeout, read_timeout),
            retry=retry or RetryPolicy(),
            sleep=sleep,
            on_call=on_call,
            session=session,
        )
        self._request = self._transport.request

    @property
    def host_url(self) -> str:
        return self._transport.host_url

    @property
    def timeout(self) -> tuple[float, float]:
        """``(connect, read)`` seconds for every attempt."""
        return self._transport.timeout

    @property
    def retry(self) -> RetryPolicy:
        return self._transport.retry

    def __repr__(self) -> str:
        return (
            f"<CascadClient {self.host_url} account={self.account_id} api_key={mask(self._api_key)} "
            f"public_key={mask(self._public_key)}>"
        )

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ----------------------------------------------------------------- Private API

    def create_invoice(
        self,
        *,
        reference_id: str,
        amount: Decimal | int | str,
        currency: str,
        service: str | None = None,
        description: str | None = None,
        return_url: str | None = None,
        return_urls: Mapping[str, str] | None = None,
        callback_url: str | None = None,
        customer: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        expires: int | None = None,
        lifetime_seconds: int | None = None,
        locale: str | None = None,
    ) -> Invoice:
        """Create the invoice for ``reference_id``, or return the one that already has it.

        Repeating a create with the same ``reference_id`` is how a lost answer is recovered: Cascad answers
        422 ``reference_id_duplicate`` and the existing invoice is returned, but only when its amount and
        currency are the ones asked for; otherwise the reference belongs to another order and the
        ``InvalidRequestError`` is raised. One order never gets two invoices.
        """
        attributes = _invoice_attributes(
            reference_id,
            amount,
            currency,
            service=service,
            description=description,
            return_url=return_url,
            return_urls=return_urls,
            callback_url=callback_url,
            customer=customer,
            metadata=metadata,
            expires=expires,
            lifetime_seconds=lifetime_seconds,
            locale=locale,
        )
        return self._create(INVOICES, attributes, private=True)

    def get_invoice(self, invoice_id: str) -> Invoice:
        """The invoice as Cascad has it now, with its ``refunds``: the state to apply."""
        answer = self._request("GET", f"{INVOICES}/{_segment(invoice_id)}")
        return self._parse(Invoice.from_document, answer)

    def list_invoices(
        self,
        *,
        reference_id: str | None = None,
        status: str | None = None,
        page_size: int | None = None,
        cursor: str | None = None,
    ) -> InvoicePage:
        """One page of invoices, filtered by reference and/or status; follow ``next_cursor`` for more."""
        params: dict[str, str] = {}
        if reference_id is not None:
            params["filter[reference_id]"] = reference_id
        if status is not None:
            params["filter[status]"] = status
        if page_size is not None:
            if not 1 <= page_size <= MAX_PAGE_SIZE:
                raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
            params["page[size]"] = str(page_size)
        if cursor is not None:
            params["page[cursor]"] = cursor
        answer = self._request("GET", INVOICES, params=params)
        return self._parse(_invoice_page, answer)

    def iter_invoices(
        self, *, reference_id: str | None = None, status: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[Invoice]:
        """Every invoice matching the filters, page after page (each page one request)."""
        cursor: str | None = None
        while True:
            page = self.list_invoices(reference_id=reference_id, status=status, page_size=page_size, cursor=cursor)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def find_invoice_by_reference(self, reference_id: str) -> Invoice | None:
        """The invoice created with ``reference_id``, or ``None`` when Cascad has none."""
        if not reference_id:
            raise ValueError("reference_id is required")
        page = self.list_invoices(reference_id=reference_id)
        found = [invoice for invoice in page.items if invoice.reference_id == reference_id]
        if len(found) > 1:
            raise UnexpectedResponse(f"Cascad listed {len(found)} invoices for one reference_id.")
        return found[0] if found else None

    def refund(
        self,
        invoice_id: str,
        *,
        amount: Decimal | int | str,
        currency: str,
        reference_id: str,
        description: str | None = None,
    ) -> Refund:
        """Refund ``amount`` (in the invoice's ``currency``) of a paid invoice.

        ``reference_id`` makes the refund safe to repeat: the same reference and amount answer 200 with the
        refund that already exists, so a retry after a timeout never refunds twice. ``currency`` is needed
        to check the amount before anything is sent, and must be the invoice's.
        """
        if not reference_id:
            raise ValueError("reference_id is required: it is what makes a refund safe to retry")
        value = validate_amount(amount, currency)
        attributes: dict[str, Any] = {"amount": value, "reference_id": reference_id}
        if description is not None:
            attributes["description"] = description
        body = {"data": {"type": "refund", "attributes": attributes}}
        answer = self._request("POST", f"{INVOICES}/{_segment(invoice_id)}/refund", body=body, changes=True)
        refund = self._parse(lambda doc: Refund.from_document(doc, invoice_id), answer)
        if refund.currency != currency or refund.amount != value or refund.reference_id != reference_id:
            raise UnexpectedResponse(
                f"Cascad answered refund {reference_id} with {refund.amount} {refund.currency} "
                f"(reference {refund.reference_id}), not the {value} {currency} asked for.",
                status=answer.status,
                request_id=answer.request_id,
            )
        return refund

    def cancel(self, invoice_id: str) -> Invoice:
        """Cancel an invoice that is still ``created``; returns it ``terminated``.

        A 409 is settled by reading the invoice: ``terminated`` means the cancel is done (an earlier attempt
        whose answer was lost, or a cancel by someone else); any other status means too late, and the
        ``ConflictError`` is raised.
        """
        path = f"{INVOICES}/{_segment(invoice_id)}/cancel"
        try:
            answer = self._request("POST", path, changes=True)
        except ConflictError as conflict:
            invoice = self.get_invoice(invoice_id)
            if invoice.status == "terminated":
                logger.info("Cascad cancel %s: already terminated", invoice_id)
                return invoice
            conflict.add_note(f"The invoice is {invoice.status}.")
            raise
        return self._parse(Invoice.from_document, answer)

    # ------------------------------------------------------------------ Public API

    def prerequest(self, currency: str, amount: Decimal | int | str | None = None) -> PrerequestResult:
        """The payment services the account offers for ``currency`` (and ``amount``, when given)."""
        body: dict[str, Any] = {"public_key": self._require_public_key(), "currency": currency}
        if amount is not None:
            body["amount"] = validate_amount(amount, currency)
        answer = self._request("POST", PREREQUEST, body=body, private=False)
        return self._parse(PrerequestResult.from_document, answer)

    def public_create_invoice(
        self,
        *,
        reference_id: str,
        amount: Decimal | int | str,
        currency: str,
        service: str | None = None,
        description: str | None = None,
        return_url: str | None = None,
        return_urls: Mapping[str, str] | None = None,
        customer: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        expires: int | None = None,
        lifetime_seconds: int | None = None,
        locale: str | None = None,
    ) -> Invoice:
        """Create an invoice through the Public API (no ``callback_url``: the account's default is used).

        The same duplicate rule as ``create_invoice`` applies; the lookup uses the Private API.
        """
        attributes = _invoice_attributes(
            reference_id,
            amount,
            currency,
            service=service,
            description=description,
            return_url=return_url,
            return_urls=return_urls,
            callback_url=None,
            customer=customer,
            metadata=metadata,
            expires=expires,
            lifetime_seconds=lifetime_seconds,
            locale=locale,
        )
        attributes = {"public_key": self._require_public_key(), **attributes}
        return self._create(PUBLIC_INVOICES, attributes, private=False)

    def public_get_invoice(self, invoice_id: str) -> PublicInvoiceStatus:
        """Status, resolution, amount and currency, as the browser-facing Public API shows them."""
        params = {"public_key": self._require_public_key()}
        answer = self._request("GET", f"{PUBLIC_INVOICES}/{_segment(invoice_id)}", params=params, private=False)
        return self._parse(PublicInvoiceStatus.from_document, answer)

    # ------------------------------------------------------------------- internals

    def _require_public_key(self) -> str:
        if not self._public_key:
            raise ValueError("This call uses the Public API: construct CascadClient with a public_key.")
        return self._public_key

    def _create(self, path: str, attributes: dict[str, Any], *, private: bool) -> Invoice:
        body = {"data": {"type": "payment-invoices", "attributes": attributes}}
        try:
            answer = self._request("POST", path, body=body, private=private, changes=True)
        except InvalidRequestError as error:
            if not error.has_code("reference_id_duplicate"):
                raise
            return self._adopt(error, attributes["reference_id"], attributes["amount"], attributes["currency"])
        return self._parse(Invoice.from_document, answer)

    def _adopt(self, duplicate: InvalidRequestError, reference_id: str, amount: Decimal, currency: str) -> Invoice:
        """The invoice that already has ``reference_id``, if it is the one we asked for; else re-raise."""
        existing = self.find_invoice_by_reference(reference_id)
        if existing is None:
            duplicate.add_note("No invoice with that reference_id could be read back.")
            raise duplicate
        if existing.amount != amount or existing.currency != currency:
            duplicate.add_note(
                f"Invoice {existing.id} has that reference_id for {existing.amount} {existing.currency}, "
                f"not {amount} {currency}: it belongs to another order."
            )
            raise duplicate
        logger.info("Cascad create %s: the invoice already exists as %s; using it", reference_id, existing.id)
        return existing

    def _parse(self, reader: Callable[[Any], Any], answer: Answer) -> Any:
        try:
            return reader(answer.body)
        except UnexpectedResponse as error:
            raise UnexpectedResponse(error.message, status=answer.status, request_id=answer.request_id) from None


def _segment(value: str) -> str:
    """An id as one path segment: never empty, never able to reach another path."""
    if not isinstance(value, str) or not value:
        raise ValueError("An invoice id is required")
    return quote(value, safe="")


def _invoice_page(document: Any) -> InvoicePage:
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise UnexpectedResponse("Cascad sent an invoice list whose 'data' is not a list.")
    items = tuple(Invoice.from_resource(item) for item in document["data"])
    links = document.get("links")
    next_link = links.get("next") if isinstance(links, dict) else None
    if not next_link:
        return InvoicePage(items=items, next_cursor=None)
    cursor = parse_qs(urlsplit(str(next_link)).query).get("page[cursor]")
    if not cursor:
        raise UnexpectedResponse("Cascad sent a 'links.next' without a page[cursor].")
    return InvoicePage(items=items, next_cursor=cursor[0])


def _invoice_attributes(
    reference_id: str,
    amount: Decimal | int | str,
    currency: str,
    *,
    callback_url: str | None,
    expires: int | None,
    lifetime_seconds: int | None,
    **optional: Any,
) -> dict[str, Any]:
    """The create attributes, checked before anything is sent: exact amount, one way to set the lifetime."""
    if not reference_id or not isinstance(reference_id, str):
        raise ValueError("reference_id is required: it is what makes a create safe to retry")
    if expires is not None and lifetime_seconds is not None:
        raise ValueError("Give expires or lifetime_seconds, not both")
    attributes: dict[str, Any] = {
        "reference_id": reference_id,
        "amount": validate_amount(amount, currency),
        "currency": currency,
    }
    extra = {**optional, "callback_url": callback_url, "expires": expires, "lifetime_seconds": lifetime_seconds}
    for name, value in extra.items():
        if value is not None:
            attributes[name] = dict(value) if isinstance(value, Mapping) else value
    return attributes
