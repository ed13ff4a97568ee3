"""Requests → state calls → JSON:API answers, for the Private, Public and control APIs.

Each handler parses and validates its input (every rejection is a 4xx in the error envelope and
changes nothing), calls one ``EmulatorState`` method and shapes the answer. The routing table at
the bottom is the emulator's whole surface.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from decimal import Decimal
from email.message import Message
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from .. import wire
from . import catalogue, resources
from .errors import ApiError, invalid
from .faults import FaultSettings
from .state import OUTCOMES, STAGES, EmulatorState, quantize_amount

KNOWN_STATUSES = set(STAGES) | {
    "refunding",
    "refund_pending",
    "refund_error",
    "partially_refunded",
    "refunded",
}
LOCALES = ("en", "ru", "uk")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
MAX_REFERENCE_LENGTH = 255
MAX_LIFETIME_SECONDS = 90 * 24 * 3600


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    params: dict[str, str] = dataclasses.field(default_factory=dict)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    @cached_property
    def json(self) -> Any:
        if not self.body.strip():
            raise invalid("invalid_json", "The request body must be a JSON document.")
        try:
            return wire.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise invalid("invalid_json", "The request body is not valid JSON.") from None


@dataclasses.dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def json_response(status: int, document: Any) -> Response:
    return Response(status, wire.dumps(document))


# -- validation helpers ---------------------------------------------------------------------


def _object(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise invalid("invalid_value", f"{field} must be a JSON object.", field)
    return value


def _resource_attributes(request: Request, expected_type: str) -> dict:
    document = _object(request.json, "body")
    data = document.get("data")
    if not isinstance(data, dict):
        raise invalid("invalid_body", 'The body must be {"data": {"type": ..., "attributes": {...}}}.', "data")
    if data.get("type") != expected_type:
        raise invalid("invalid_type", f"data.type must be {expected_type!r}.", "data.type")
    return _object(data.get("attributes", {}), "data.attributes")


def _string(attrs: dict, name: str, *, required: bool = False, max_length: int = 1024) -> str | None:
    value = attrs.get(name)
    if value is None:
        if required:
            raise invalid("required", f"{name} is required.", name)
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise invalid("invalid_value", f"{name} must be a non-empty string.", name)
    if len(value) > max_length:
        raise invalid("invalid_value", f"{name} must be at most {max_length} characters.", name)
    return value


def _url(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 2048:
        raise invalid("invalid_url", f"{field} must be an http(s) URL.", field)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("invalid_url", f"{field} must be an http(s) URL.", field)
    return value


def _integer(attrs: dict, name: str, low: int, high: int) -> int | None:
    value = attrs.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid("invalid_value", f"{name} must be an integer from {low} to {high}.", name)
    return value


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not catalogue.services_for(value):
        raise invalid("invalid_currency", f"Currency {value!r} is not offered on this account.", "currency")
    return value


INVOICE_FIELDS = {
    "reference_id",
    "amount",
    "currency",
    "service",
    "description",
    "return_url",
    "return_urls",
    "callback_url",
    "customer",
    "metadata",
    "expires",
    "lifetime_seconds",
    "locale",
}


def parse_invoice_attributes(attrs: dict, *, public: bool) -> dict[str, Any]:
    """Validated create attributes, or a 422 naming the first bad field."""
    allowed = INVOICE_FIELDS | {"public_key"} if public else INVOICE_FIELDS
    if public and "callback_url" in attrs:
        raise invalid(
            "field_not_allowed",
            "callback_url cannot be set through the Public API: the account's default is used.",
            "callback_url",
        )
    unknown = sorted(set(attrs) - allowed)
    if unknown:
        raise invalid("unknown_field", f"Unknown attribute {unknown[0]!r}.", unknown[0])
    reference_id = _string(attrs, "reference_id", required=True, max_length=MAX_REFERENCE_LENGTH)
    if "amount" not in attrs:
        raise invalid("required", "amount is required.", "amount")
    if "currency" not in attrs:
        raise invalid("required", "currency is required.", "currency")
    currency = _currency(attrs["currency"])
    parsed: dict[str, Any] = {
        "reference_id": reference_id,
        "currency": currency,
        "amount": quantize_amount(attrs["amount"], currency),
        "description": _string(attrs, "description"),
        "return_url": _url(attrs.get("return_url"), "return_url"),
        "callback_url": _url(attrs.get("callback_url"), "callback_url"),
    }
    service = _string(attrs, "service")
    if service is not None and service not in catalogue.services_for(currency):
        raise invalid("invalid_service", f"Service {service!r} is not offered for {currency}.", "service")
    parsed["service"] = service
    if attrs.get("return_urls") is not None:
        return_urls = _object(attrs["return_urls"], "return_urls")
        extra = sorted(set(return_urls) - {"success", "fail", "pending"})
        if extra:
            raise invalid("unknown_field", f"return_urls has no key {extra[0]!r}.", "return_urls")
        parsed["return_urls"] = {key: _url(url, f"return_urls.{key}") for key, url in return_urls.items()}
    for name in ("customer", "metadata"):
        if attrs.get(name) is not None:
            value = _object(attrs[name], name)
            for key, item in value.items():
                if isinstance(item, (dict, list)):
                    raise invalid("invalid_value", f"{name}.{key} must be a plain value.", f"{name}.{key}")
            parsed[name] = value
    if attrs.get("expires") is not None and attrs.get("lifetime_seconds") is not None:
        raise invalid("expires_conflict", "Send either expires or lifetime_seconds, not both.", "lifetime_seconds")
    parsed["expires"] = _integer(attrs, "expires", 1, 2**40)
    lifetime = _integer(attrs, "lifetime_seconds", 1, MAX_LIFETIME_SECONDS)
    if lifetime is not None:
        parsed["lifetime_seconds"] = lifetime
    locale = attrs.get("locale")
    if locale is not None and locale not in LOCALES:
        raise invalid("invalid_locale", f"locale must be one of {', '.join(LOCALES)}.", "locale")
    parsed["locale"] = locale
    return parsed


# -- Private API ----------------------------------------------------------------------------


def create_invoice(state: EmulatorState, request: Request) -> Response:
    attrs = parse_invoice_attributes(_resource_attributes(request, "payment-invoices"), public=False)
    invoice = state.create_invoice(attrs)
    return json_response(201, state.document(invoice))


def get_invoice(state: EmulatorState, request: Request) -> Response:
    return json_response(200, state.document(state.get(request.params["id"])))


def list_invoices(state: EmulatorState, request: Request) -> Response:
    size_arg = request.arg("page[size]")
    size = DEFAULT_PAGE_SIZE
    if size_arg is not None:
        if not size_arg.isdigit() or not 1 <= int(size_arg) <= MAX_PAGE_SIZE:
            raise invalid("invalid_page_size", f"page[size] must be from 1 to {MAX_PAGE_SIZE}.", "page[size]")
        size = int(size_arg)
    statuses = None
    if request.arg("filter[status]"):
        statuses = {s.strip() for s in request.arg("filter[status]").split(",") if s.strip()}
        unknown = sorted(statuses - KNOWN_STATUSES)
        if unknown:
            raise invalid("invalid_status", f"Unknown status {unknown[0]!r}.", "filter[status]")
    invoices, cursor = state.list(
        reference_id=request.arg("filter[reference_id]"),
        statuses=statuses,
        size=size,
        cursor=request.arg("page[cursor]"),
    )
    links: dict[str, str | None] = {"next": None}
    if cursor:
        query = [f"page[size]={size}", f"page[cursor]={cursor}"]
        for name in ("filter[reference_id]", "filter[status]"):
            if request.arg(name):
                query.append(f"{name}={request.arg(name)}")
        links["next"] = "/api/payment-invoices?" + "&".join(query)
    with state.lock:
        data = [resources.invoice_resource(invoice, state.public_url) for invoice in invoices]
    return json_response(200, {"data": data, "links": links})


def refund_invoice(state: EmulatorState, request: Request) -> Response:
    attrs = _resource_attributes(request, "refund")
    invoice = state.get(request.params["id"])
    reference_id = _string(attrs, "reference_id", required=True, max_length=MAX_REFERENCE_LENGTH)
    if "amount" not in attrs:
        raise invalid("required", "amount is required.", "amount")
    amount = quantize_amount(attrs["amount"], invoice.currency)
    refund, created = state.refund(invoice.id, amount, reference_id, _string(attrs, "description"))
    with state.lock:
        return json_response(201 if created else 200, resources.refund_document(refund))


def cancel_invoice(state: EmulatorState, request: Request) -> Response:
    invoice = state.cancel(request.params["id"])
    return json_response(200, state.document(invoice))


# -- Public API -----------------------------------------------------------------------------


def check_public_key(state: EmulatorState, key: Any) -> None:
    if not isinstance(key, str) or key != state.account.public_key:
        raise ApiError(401, "invalid_public_key", "The public key is missing or not this account's.", "public_key")


def prerequest(state: EmulatorState, request: Request) -> Response:
    body = _object(request.json, "body")
    check_public_key(state, body.get("public_key"))
    currency = _currency(body.get("currency"))
    amount = body.get("amount")
    if amount is not None:
        amount = quantize_amount(amount, currency)
    return json_response(
        200,
        {
            "data": {
                "currency": currency,
                "amount": amount,
                "test_mode": True,
                "services": catalogue.services_for(currency),
            }
        },
    )


def public_create_invoice(state: EmulatorState, request: Request) -> Response:
    attrs = _resource_attributes(request, "payment-invoices")
    check_public_key(state, attrs.get("public_key"))
    invoice = state.create_invoice(parse_invoice_attributes(attrs, public=True))
    return json_response(201, state.document(invoice))


def public_get_invoice(state: EmulatorState, request: Request) -> Response:
    check_public_key(state, request.arg("public_key"))
    invoice = state.get(request.params["id"])
    with state.lock:
        return json_response(200, resources.public_invoice_document(invoice))


# -- control API ----------------------------------------------------------------------------


def control_reset(state: EmulatorState, request: Request) -> Response:
    state.reset()
    return json_response(200, {})


def control_config(state: EmulatorState, request: Request) -> Response:
    if request.method == "POST" and request.body.strip():
        return json_response(200, state.configure(_object(request.json, "body")).to_json())
    return json_response(200, state.config.to_json())


def control_invoices(state: EmulatorState, request: Request) -> Response:
    with state.lock:
        state.tick()
        invoices = sorted(state.invoices.values(), key=lambda invoice: invoice.seq)
        data = [resources.invoice_resource(invoice, state.public_url) for invoice in invoices]
    return json_response(200, {"data": data})


def control_pay(state: EmulatorState, request: Request) -> Response:
    invoice_id = request.params["id"]
    currency = state.get(invoice_id).currency
    body = _object(request.json, "body")
    if ("card" in body) == ("outcome" in body):
        raise invalid("invalid_body", "Send either card (with expiry) or outcome.", "card")
    if "card" in body:
        three_ds = body.get("three_ds", "pass")
        if three_ds not in ("pass", "fail"):
            raise invalid("invalid_value", "three_ds must be pass or fail.", "three_ds")
        if not isinstance(body.get("card"), str) or not isinstance(body.get("expiry"), str):
            raise invalid("required", "card and expiry must be strings.", "expiry")
        invoice, _ = state.pay_card(invoice_id, body["card"], body["expiry"], three_ds)
    else:
        outcome = body["outcome"]
        if outcome not in OUTCOMES:
            raise invalid("invalid_value", f"outcome must be one of {', '.join(OUTCOMES)}.", "outcome")
        resolution = body.get("resolution")
        if resolution is not None and not isinstance(resolution, str):
            raise invalid("invalid_value", "resolution must be a string.", "resolution")
        processed_amount = body.get("processed_amount")
        if processed_amount is not None:
            processed_amount = quantize_amount(processed_amount, currency, "processed_amount")
        invoice = state.pay_outcome(invoice_id, outcome, resolution, processed_amount)
    with state.lock:
        return json_response(200, state.document(invoice))


def control_settle_refund(state: EmulatorState, request: Request) -> Response:
    body = _object(request.json, "body")
    outcome = body.get("outcome")
    if outcome not in ("processed", "failed"):
        raise invalid("invalid_value", "outcome must be processed or failed.", "outcome")
    invoice = state.settle_refund(request.params["id"], outcome)
    with state.lock:
        return json_response(200, state.document(invoice))


def control_advance(state: EmulatorState, request: Request) -> Response:
    body = _object(request.json, "body")
    seconds = body.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, Decimal)) or seconds < 0:
        raise invalid("invalid_value", "seconds must be a number of seconds, 0 or more.", "seconds")
    return json_response(200, {"now": state.advance(float(seconds))})


def control_faults(state: EmulatorState, request: Request) -> Response:
    if request.method == "POST":
        state.faults.set(FaultSettings.from_json(_object(request.json, "body")))
    return json_response(200, state.faults.settings.to_json())


def control_callbacks(state: EmulatorState, request: Request) -> Response:
    queue = state.callback_queue
    return json_response(200, {"data": queue.listing(), "pending": queue.pending()})


def control_deliver(state: EmulatorState, request: Request) -> Response:
    results = state.callback_queue.deliver_due()
    return json_response(200, {"sent": len(results), "results": results})


# -- routing --------------------------------------------------------------------------------

Handler = Callable[[EmulatorState, Request], Response]


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    #: ``private`` (Basic auth), ``public`` (public key), ``control`` or ``page``.
    area: str

    @cached_property
    def pattern(self) -> re.Pattern:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        return re.compile(f"^{regex}$")


def _checkout_routes() -> list[Route]:
    from . import checkout

    return [
        Route("GET", "/hpp/", checkout.checkout, "page"),
        Route("POST", "/hpp/pay", checkout.pay, "page"),
        Route("GET", "/hpp/3ds", checkout.three_ds, "page"),
        Route("POST", "/hpp/3ds", checkout.three_ds, "page"),
        Route("GET", "/hpp/method", checkout.method_step, "page"),
        Route("POST", "/hpp/method", checkout.method_step, "page"),
        Route("GET", "/hpp/static/checkout.css", checkout.stylesheet, "page"),
        Route("GET", "/widget.js", checkout.widget_script, "page"),
    ]


ROUTES: list[Route] = [
    Route("POST", "/api/payment-invoices", create_invoice, "private"),
    Route("GET", "/api/payment-invoices", list_invoices, "private"),
    Route("GET", "/api/payment-invoices/{id}", get_invoice, "private"),
    Route("POST", "/api/payment-invoices/{id}/refund", refund_invoice, "private"),
    Route("POST", "/api/payment-invoices/{id}/cancel", cancel_invoice, "private"),
    Route("POST", "/public-api/payment-prerequest", prerequest, "public"),
    Route("POST", "/public-api/payment-invoices", public_create_invoice, "public"),
    Route("GET", "/public-api/payment-invoices/{id}", public_get_invoice, "public"),
    Route("POST", "/_emulator/reset", control_reset, "control"),
    Route("GET", "/_emulator/config", control_config, "control"),
    Route("POST", "/_emulator/config", control_config, "control"),
    Route("GET", "/_emulator/invoices", control_invoices, "control"),
    Route("POST", "/_emulator/invoices/{id}/pay", control_pay, "control"),
    Route("POST", "/_emulator/refunds/{id}/settle", control_settle_refund, "control"),
    Route("POST", "/_emulator/clock/advance", control_advance, "control"),
    Route("GET", "/_emulator/callbacks", control_callbacks, "control"),
    Route("POST", "/_emulator/callbacks/deliver", control_deliver, "control"),
    Route("GET", "/_emulator/faults", control_faults, "control"),
    Route("POST", "/_emulator/faults", control_faults, "control"),
]


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for ``method`` and ``path``: 404 for an unknown path, 405 for a wrong method."""
    path_known = False
    for route in routes:
        found = route.pattern.match(path)
        if found:
            path_known = True
            if route.method == method:
                return route, found.groupdict()
    if path_known:
        raise ApiError(405, "method_not_allowed", f"{method} is not allowed on {path}.")
    raise ApiError(404, "not_found", f"No such endpoint: {path}.")


def fault_concern(state: EmulatorState, route: Route, request: Request) -> str:
    """What a request is about, for keying fault decisions: its invoice's ``reference_id``.

    The reference, not the random ``cpi_`` id, so that a scenario replayed with the same seed and
    the same references meets the same faults.
    """
    concern = None
    invoice_id = request.params.get("id")
    if invoice_id is not None:
        invoice = state.invoices.get(invoice_id)
        concern = invoice.reference_id if invoice is not None else invoice_id
    if concern is None:
        try:
            concern = request.json["data"]["attributes"]["reference_id"]
        except (ApiError, KeyError, TypeError):
            concern = request.arg("filter[reference_id]")
    if not isinstance(concern, str):
        concern = ""
    return f"{route.method} {route.template} {concern}"
