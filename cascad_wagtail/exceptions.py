"""One small tree of errors under ``CascadError``.

``CascadError``
    ``InvalidAmount``            an amount that is not exact, positive money in its currency
        ``UnsupportedCurrency``
    ``CascadAPIError``           Cascad answered with an error status (carries status and request id)
        ``AuthenticationError``  401 / 403: wrong account id, API key or public key
        ``NotFoundError``        404
        ``ConflictError``        409: the invoice is in a status that does not allow the call
        ``InvalidRequestError``  422: see ``codes`` (``reference_id_duplicate``, ``invalid_amount``, …)
        ``RateLimitError``       429
        ``ServerError``          5xx
    ``CascadConnectionError``    no answer at all: connection refused or reset
        ``CascadTimeout``        the request may or may not have taken effect: *unknown*, never *failed*
    ``UnexpectedResponse``       an answer that breaks the contract (not JSON, missing fields)
    ``PaymentError``             a service call refused for a reason a person can act on
        ``NotConfigured``        Cascad is off for the site, or its keys or host are missing
        ``MethodNotOffered``     no offered method covers the currency, or the chosen method is not offered
        ``OrderAlreadyPaid``
        ``PaymentInProgress``    the order's current invoice is being paid: wait for it
        ``PaymentUnavailable``   Cascad could not be reached: nothing changed, try again
        ``RefundNotAllowed``     the payment is not in a refundable state
        ``RefundExceedsBalance``
        ``CancelNotAllowed``     only an unpaid invoice can be cancelled

``error_for_response`` is the one place that turns an HTTP status into one of these.
"""

from __future__ import annotations

from typing import Any


class CascadError(Exception):
    """Root of every error this package raises on purpose."""

    #: Whether repeating the same request may succeed (connection errors, timeouts, 429, 5xx).
    retryable: bool = False

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidAmount(CascadError, ValueError):
    """An amount that is not a finite, positive, exact number in its currency's exponent."""


class UnsupportedCurrency(InvalidAmount):
    """A currency this package has no ISO 4217 exponent for."""


class UnexpectedResponse(CascadError):
    """Cascad answered, but not in the shape the contract promises."""

    def __init__(self, message: str, *, status: int | None = None, request_id: str | None = None) -> None:
        super().__init__(message, status=status, request_id=request_id)
        self.status = status
        self.request_id = request_id


class CascadAPIError(CascadError):
    """Cascad answered with an error status and the error envelope."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        request_id: str | None = None,
        error_type: str | None = None,
        error_codes: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.request_id = request_id
        self.error_type = error_type
        self.error_codes = error_codes or []

    @property
    def codes(self) -> list[str]:
        return [str(item.get("code")) for item in self.error_codes if isinstance(item, dict)]

    def has_code(self, code: str) -> bool:
        return code in self.codes

    def __str__(self) -> str:
        suffix = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.message}{suffix}"


class AuthenticationError(CascadAPIError):
    """Cascad refused the credentials: check the account id, API key and public key."""


class NotFoundError(CascadAPIError):
    """Cascad has no such resource."""


class ConflictError(CascadAPIError):
    """The invoice's status does not allow the call (a cancel too late, a refund before payment)."""


class InvalidRequestError(CascadAPIError):
    """Cascad rejected the request's content (422)."""


class RateLimitError(CascadAPIError):
    retryable = True


class ServerError(CascadAPIError):
    retryable = True


class CascadConnectionError(CascadError):
    """Cascad could not be reached, or the connection broke before an answer."""

    retryable = True

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


class CascadTimeout(CascadConnectionError):
    """No answer in time. The request may have taken effect: the outcome is unknown."""


class PaymentError(CascadError):
    """A service-level refusal. ``message`` is for people (the customer or the editor), translated."""


class NotConfigured(PaymentError):
    pass


class MethodNotOffered(PaymentError):
    pass


class OrderAlreadyPaid(PaymentError):
    pass


class PaymentInProgress(PaymentError):
    pass


class PaymentUnavailable(PaymentError):
    retryable = True


class RefundNotAllowed(PaymentError):
    pass


class RefundExceedsBalance(RefundNotAllowed):
    pass


class CancelNotAllowed(PaymentError):
    pass


_BY_STATUS: dict[int, type[CascadAPIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidRequestError,
    429: RateLimitError,
}


def error_for_response(status: int, body: Any, request_id: str | None) -> CascadAPIError:
    """The exception for an error answer: ``status`` decides the class, the envelope the details."""
    envelope = body if isinstance(body, dict) else {}
    request_id = request_id or envelope.get("request_id")
    error_codes = envelope.get("error_codes")
    if not isinstance(error_codes, list):
        error_codes = []
    messages = [str(item.get("message") or item.get("code")) for item in error_codes if isinstance(item, dict)]
    message = "; ".join(m for m in messages if m and m != "None") or f"Cascad answered HTTP {status}"
    cls = ServerError if status >= 500 else _BY_STATUS.get(status, CascadAPIError)
    return cls(
        message,
        status=status,
        request_id=request_id,
        error_type=envelope.get("error_type"),
        error_codes=error_codes,
    )


class ReviewNotOpen(PaymentError):
    """Resolve was asked for a payment that does not need review (any more)."""
