"""State → JSON:API documents, exactly as ``cascad-api.md`` shows them."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .. import money, wire

if TYPE_CHECKING:
    from .state import Invoice, Refund

encode = wire.dumps


def _amount(value: Decimal | None, currency: str) -> Decimal | None:
    return None if value is None else money.quantize(value, currency)


def refund_item(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "reference_id": refund.reference_id,
        "amount": _amount(refund.amount, refund.currency),
        "status": refund.status,
        "created": refund.created,
    }


def invoice_attributes(invoice: Invoice, host: str) -> dict[str, Any]:
    currency = invoice.currency
    return {
        "reference_id": invoice.reference_id,
        "status": invoice.status,
        "resolution": invoice.resolution,
        "amount": _amount(invoice.amount, currency),
        "currency": currency,
        "payment_amount": _amount(invoice.amount, currency),
        "fee": _amount(invoice.fee, currency),
        "processed_amount": _amount(invoice.processed_amount, currency),
        "refunded_amount": _amount(invoice.refunded_amount, currency),
        "description": invoice.description,
        "service": invoice.service,
        "flow": invoice.flow,
        "test_mode": invoice.test_mode,
        "return_url": invoice.return_url,
        "return_urls": invoice.return_urls,
        "callback_url": invoice.callback_url,
        "customer": invoice.customer,
        "metadata": invoice.metadata,
        "locale": invoice.locale,
        "hpp_url": f"{host}/hpp/?cpi={invoice.id}",
        "refunds": [refund_item(refund) for refund in invoice.refunds],
        "created": invoice.created,
        "updated": invoice.updated,
        "expires": invoice.expires,
        "processed": invoice.processed,
    }


def invoice_resource(invoice: Invoice, host: str) -> dict[str, Any]:
    service = {"type": "payment-services", "id": invoice.service} if invoice.service else None
    method = {"type": "payment-methods", "id": invoice.method} if invoice.method else None
    return {
        "type": "payment-invoices",
        "id": invoice.id,
        "attributes": invoice_attributes(invoice, host),
        "relationships": {"payment-service": {"data": service}, "payment-method": {"data": method}},
        "links": {"self": f"/api/payment-invoices/{invoice.id}"},
    }


def invoice_document(invoice: Invoice, host: str) -> dict[str, Any]:
    return {"data": invoice_resource(invoice, host)}


def public_invoice_document(invoice: Invoice) -> dict[str, Any]:
    """What the Public API shows anyone holding the public key: the general status only."""
    return {
        "data": {
            "type": "payment-invoices",
            "id": invoice.id,
            "attributes": {
                "status": invoice.status,
                "resolution": invoice.resolution,
                "amount": _amount(invoice.amount, invoice.currency),
                "currency": invoice.currency,
            },
        }
    }


def refund_document(refund: Refund) -> dict[str, Any]:
    return {
        "data": {
            "type": "refunds",
            "id": refund.id,
            "attributes": {
                "reference_id": refund.reference_id,
                "status": refund.status,
                "amount": _amount(refund.amount, refund.currency),
                "fee": _amount(refund.fee, refund.currency),
                "currency": refund.currency,
                "description": refund.description,
                "created": refund.created,
            },
            "links": {"self": f"/api/payment-invoices/{refund.invoice_id}"},
        }
    }
