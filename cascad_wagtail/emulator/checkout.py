"""Cascad Checkout: the hosted page a customer pays on, its 3-D Secure step, and payment links.

Pages work without JavaScript (plain forms and redirects); the only scripts tell an embedding
parent (``embedded=1``) what happened, by ``postMessage`` to the origin the widget named.
Every value shown is escaped by ``_e``; card numbers are never stored beyond the 3-D Secure step
and never logged.
"""

from __future__ import annotations

import datetime
import html
import json
from decimal import Decimal
from importlib import resources as package_resources
from urllib.parse import parse_qs, urlencode, urlsplit

from .. import money
from ..exceptions import InvalidAmount
from . import catalogue
from .api import Request, Response, parse_invoice_attributes
from .cards import FAILING_CARDS, SUCCESS_CARD, THREE_DS_CARD, normalize_card, normalize_expiry
from .errors import ApiError
from .i18n import choose_language, format_money, resolution_words, text
from .state import EmulatorState, Invoice

SUCCESS_STATUSES = {
    "processed",
    "partially_processed",
    "partially_refunded",
    "refunded",
    "refunding",
    "refund_pending",
    "refund_error",
}
PENDING_STATUSES = {"processing", "process_pending", "process_error"}
FAILED_STATUSES = {"process_failed", "expired", "terminated"}
REDIRECT_SECONDS = 3
PENDING_REFRESH_SECONDS = 3


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _static(name: str) -> bytes:
    return package_resources.files(__package__).joinpath("static", name).read_bytes()


class Page:
    """What every Checkout page needs to know: the invoice, the language, how it is shown."""

    def __init__(self, state: EmulatorState, request: Request, invoice: Invoice | None = None) -> None:
        self.state = state
        self.request = request
        self.invoice = invoice
        form = _form(request) if request.method == "POST" else {}
        self.args = {key: values[-1] for key, values in request.query.items() if values}
        self.args.update(form)
        self.embedded = self.args.get("embedded") == "1"
        self.parent_origin = _origin(self.args.get("parent_origin"))
        self.language = choose_language(
            self.args.get("locale"), invoice.locale if invoice else None, request.headers.get("Accept-Language")
        )

    def t(self, key: str, **values: str) -> str:
        return text(key, self.language, **values)

    def money(self, amount: Decimal | None) -> str:
        assert self.invoice is not None
        return format_money(amount or Decimal(0), self.invoice.currency, self.language)

    def carried(self) -> dict[str, str]:
        """The query parameters every link and form keeps: invoice, language, embedding."""
        carried = {"cpi": self.invoice.id} if self.invoice else {}
        if self.args.get("locale") in ("en", "ru"):
            carried["locale"] = self.args["locale"]
        if self.embedded:
            carried["embedded"] = "1"
            if self.parent_origin:
                carried["parent_origin"] = self.parent_origin
        return carried

    def url(self, path: str, **extra: str) -> str:
        return f"{path}?{urlencode({**self.carried(), **extra})}"

    def hidden_fields(self) -> str:
        return "".join(
            f'<input type="hidden" name="{_e(key)}" value="{_e(value)}">' for key, value in self.carried().items()
        )

    def language_switch(self) -> str:
        links = []
        for code, label in (("en", "EN"), ("ru", "RU")):
            if code == self.language:
                links.append(f'<strong aria-current="true">{label}</strong>')
            else:
                query = {key: value for key, value in self.args.items() if key in ("cpi", "embedded", "parent_origin")}
                query["locale"] = code
                links.append(f'<a href="/hpp/?{_e(urlencode(query))}" lang="{code}">{label}</a>')
        return '<nav class="lang" aria-label="Language">' + "".join(links) + "</nav>"

    def render(self, body: str, *, status: int = 200, head: str = "", script: str = "") -> Response:
        document = f"""<!doctype html>
<html lang="{self.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{_e(self.t("title"))}</title>
<link rel="stylesheet" href="/hpp/static/checkout.css">
{head}
</head>
<body class="{"embedded" if self.embedded else ""}">
<main class="page">
<header class="brand"><span class="logo">Cascad <span>Checkout</span></span>{self.language_switch()}</header>
{body}
<footer>Cascad · {_e(self.t("test_mode_short"))}</footer>
</main>
{script}
</body>
</html>"""
        return Response(status, document.encode("utf-8"), "text/html; charset=utf-8")

    def summary(self) -> str:
        invoice = self.invoice
        assert invoice is not None
        expires = datetime.datetime.fromtimestamp(invoice.expires, datetime.UTC).strftime("%Y-%m-%d %H:%M")
        description = f'<p class="description">{_e(invoice.description)}</p>' if invoice.description else ""
        return f"""<section class="summary" aria-label="{_e(self.t("amount_due"))}">
<p class="label">{_e(self.t("amount_due"))}</p>
<p class="amount" data-testid="amount">{_e(self.money(invoice.amount))}</p>
{description}
<p class="expires">{_e(self.t("expires_at", time=expires))}</p>
</section>"""


def _form(request: Request) -> dict[str, str]:
    try:
        parsed = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {key: values[-1] for key, values in parsed.items()}


def _origin(value: str | None) -> str | None:
    """A parent origin the widget sent, if it really is one (``scheme://host[:port]``)."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and not parts.path and not parts.query:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _redirect(location: str) -> Response:
    return Response(303, b"", "text/plain", {"Location": location})


def _invoice_or_none(state: EmulatorState, invoice_id: str | None) -> Invoice | None:
    if not invoice_id:
        return None
    try:
        return state.get(invoice_id)
    except ApiError:
        return None


def _invoice_page(state: EmulatorState, request: Request) -> Page | Response:
    """The page for the invoice a form or link names (``cpi`` in the query or the form), else a 404 page."""
    args = Page(state, request).args
    invoice = _invoice_or_none(state, args.get("cpi"))
    page = Page(state, request, invoice)
    if invoice is None:
        return _message_page(page, "not_found_title", "not_found_text", 404)
    return page


def _message_page(page: Page, title_key: str, text_key: str, status: int) -> Response:
    return page.render(
        f'<section class="card status-bad"><h1>{_e(page.t(title_key))}</h1><p>{_e(page.t(text_key))}</p></section>',
        status=status,
    )


# -- the invoice page ---------------------------------------------------------------------------


def checkout(state: EmulatorState, request: Request) -> Response:
    """``GET /hpp/``: by ``cpi``, or a payment link (``public_key`` & co.) that creates the invoice."""
    if request.arg("cpi") is None and request.arg("public_key") is not None:
        return payment_link(state, request)
    invoice = _invoice_or_none(state, request.arg("cpi"))
    page = Page(state, request, invoice)
    if invoice is None:
        return _message_page(page, "not_found_title", "not_found_text", 404)
    with state.lock:
        if invoice.three_ds_card is not None and invoice.status == "processing":
            return _redirect(page.url("/hpp/3ds"))
        if invoice.status == "created":
            return payment_form(page)
        return result_page(page)


def _services(invoice: Invoice) -> list[dict]:
    offered = catalogue.services_for(invoice.currency)
    if invoice.service:
        return [offered[invoice.service]] if invoice.service in offered else []
    return list(offered.values())


def payment_form(page: Page, error: str | None = None, status: int = 200, field: str = "") -> Response:
    invoice = page.invoice
    assert invoice is not None
    services = _services(invoice)
    chosen = page.args.get("service") or services[0]["code"]
    options = []
    for service in services:
        checked = " checked" if service["code"] == chosen else ""
        name = service["name"].get(page.language) or service["name"]["en"]
        options.append(
            f'<label class="method"><input type="radio" name="service" value="{_e(service["code"])}"{checked}>'
            f"<span>{_e(name)}</span></label>"
        )
    error_html = f'<div class="error" role="alert" id="form-error">{_e(error)}</div>' if error else ""

    def invalid(name: str) -> str:
        return ' aria-invalid="true" aria-describedby="form-error"' if error and field == name else ""

    pay_label = page.t("pay", amount=page.money(invoice.amount))
    card_service = next((s["code"] for s in services if s["method"] == "payment_card"), None)
    card_fields = ""
    if card_service:
        card_fields = f"""<div class="card-fields">
<div class="field"><label for="card_number">{_e(page.t("card_number"))}</label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" maxlength="23"
 placeholder="5519 2838 1203 0000" value="{_e(page.args.get("card_number", ""))}"{invalid("card_number")}></div>
<div class="row">
<div class="field"><label for="card_expiry">{_e(page.t("expiry"))}</label>
<input id="card_expiry" name="card_expiry" inputmode="numeric" autocomplete="cc-exp" maxlength="7" placeholder="12/30"
 value="{_e(page.args.get("card_expiry", ""))}"{invalid("card_expiry")}></div>
<div class="field"><label for="card_cvv">{_e(page.t("cvv"))}</label>
<input id="card_cvv" name="card_cvv" inputmode="numeric" autocomplete="cc-csc" maxlength="4"
 placeholder="123"{invalid("card_cvv")}></div>
</div>
<div class="field"><label for="cardholder">{_e(page.t("cardholder"))}</label>
<input id="cardholder" name="cardholder" autocomplete="cc-name" value="{_e(page.args.get("cardholder", ""))}"></div>
</div>"""
    methods = ""
    if len(services) > 1:
        methods = (
            f'<fieldset><legend>{_e(page.t("choose_method"))}</legend><div class="methods">{"".join(options)}'
            f"</div></fieldset>"
        )
    else:
        methods = f'<input type="hidden" name="service" value="{_e(services[0]["code"])}">'
    back = ""
    if page.embedded:
        back = f'<button type="button" class="secondary" id="close">{_e(page.t("close"))}</button>'
    elif invoice.return_urls and invoice.return_urls.get("fail") or invoice.return_url:
        back_url = (invoice.return_urls or {}).get("fail") or invoice.return_url
        back = f'<a class="button secondary" href="{_e(back_url)}">{_e(page.t("cancel"))}</a>'
    body = f"""<div class="banner" role="note">{_e(page.t("test_mode"))}</div>
<section class="card">
{page.summary()}
{error_html}
<form method="post" action="/hpp/pay" novalidate>
{page.hidden_fields()}
{methods}
{card_fields}
<div class="actions"><button type="submit" id="pay">{_e(pay_label)}</button>{back}</div>
<p class="note">{_e(page.t("secure_note"))}</p>
</form>
{_test_card_hint(page, opened=field == "card_number")}
</section>"""
    return page.render(body, status=status, script=_embedded_script(page))


def _test_card_hint(page: Page, opened: bool = False) -> str:
    return f"""<details class="hint"{" open" if opened else ""}><summary>{_e(page.t("test_cards"))}</summary><ul>
<li><code>{SUCCESS_CARD}</code> {_e(page.t("card_success"))}</li>
<li><code>{THREE_DS_CARD}</code> {_e(page.t("card_3ds"))}</li>
<li><code>{FAILING_CARDS[0]}</code>, <code>{FAILING_CARDS[1]}</code> {_e(page.t("card_fail"))}</li>
<li>{_e(page.t("card_pending"))}</li></ul></details>"""


def pay(state: EmulatorState, request: Request) -> Response:
    """``POST /hpp/pay``: the customer submitted the form."""
    page = _invoice_page(state, request)
    if isinstance(page, Response):
        return page
    invoice = page.invoice
    service = page.args.get("service", "")
    with state.lock:
        if invoice.status != "created":
            return _redirect(page.url("/hpp/"))
        if service not in {s["code"] for s in _services(invoice)}:
            return payment_form(page, page.t("error_method"), 422)
        if catalogue.method_of(service) != "payment_card":
            return _redirect(page.url("/hpp/method", service=service))
        card = normalize_card(page.args.get("card_number", ""))
        if card not in (SUCCESS_CARD, THREE_DS_CARD, *FAILING_CARDS):
            return payment_form(page, page.t("error_card_unknown"), 422, "card_number")
        try:
            expiry = normalize_expiry(page.args.get("card_expiry", ""))
        except ValueError:
            return payment_form(page, page.t("error_expiry"), 422, "card_expiry")
        cvv = page.args.get("card_cvv", "").strip()
        if not (cvv.isdigit() and len(cvv) in (3, 4)):
            return payment_form(page, page.t("error_cvv"), 422, "card_cvv")
        state.submit_card(invoice.id, card, expiry)
        if invoice.three_ds_card is not None:
            return _redirect(page.url("/hpp/3ds"))
    return _redirect(page.url("/hpp/"))


# -- intermediate steps ---------------------------------------------------------------------------


def _step_page(page: Page, title: str, message: str, action: str, yes: str, no: str, extra: str = "") -> Response:
    body = f"""<section class="card">
{page.summary()}
<h1>{_e(title)}</h1>
<p>{_e(message)}</p>
<form method="post" action="{action}">
{page.hidden_fields()}{extra}
<div class="actions">
<button type="submit" name="answer" value="yes" id="confirm">{_e(yes)}</button>
<button type="submit" name="answer" value="no" class="danger" id="fail">{_e(no)}</button>
</div>
</form>
</section>"""
    return page.render(body, script=_embedded_script(page))


def three_ds(state: EmulatorState, request: Request) -> Response:
    """``/hpp/3ds``: the bank's 3-D Secure step with Confirm and Fail."""
    page = _invoice_page(state, request)
    if isinstance(page, Response):
        return page
    invoice = page.invoice
    with state.lock:
        if invoice.three_ds_card is None or invoice.status != "processing":
            return _redirect(page.url("/hpp/"))
        if request.method == "POST":
            state.answer_three_ds(invoice.id, page.args.get("answer") == "yes")
            return _redirect(page.url("/hpp/"))
        return _step_page(
            page,
            page.t("three_ds_title"),
            page.t("three_ds_text", amount=page.money(invoice.amount)),
            "/hpp/3ds",
            page.t("confirm"),
            page.t("fail"),
        )


def method_step(state: EmulatorState, request: Request) -> Response:
    """``/hpp/method``: a stand-in for SBP's or the wallet's own approval screen."""
    page = _invoice_page(state, request)
    if isinstance(page, Response):
        return page
    invoice = page.invoice
    service = page.args.get("service", "")
    with state.lock:
        services = {s["code"]: s for s in _services(invoice)}
        if invoice.status != "created" or service not in services:
            return _redirect(page.url("/hpp/"))
        if request.method == "POST":
            state.pay_with_method(invoice.id, service, page.args.get("answer") == "yes")
            return _redirect(page.url("/hpp/"))
        name = services[service]["name"].get(page.language) or services[service]["name"]["en"]
        return _step_page(
            page,
            page.t("method_title", method=name),
            page.t("method_text", amount=page.money(invoice.amount)),
            "/hpp/method",
            page.t("approve"),
            page.t("decline"),
            extra=f'<input type="hidden" name="service" value="{_e(service)}">',
        )


# -- the result page --------------------------------------------------------------------------------


def return_url_for(invoice: Invoice) -> str | None:
    """Where the customer goes after paying: ``return_urls`` by outcome, else ``return_url``."""
    urls = invoice.return_urls or {}
    if invoice.status in SUCCESS_STATUSES:
        key = "success"
    elif invoice.status in FAILED_STATUSES:
        key = "fail"
    else:
        key = "pending"
    return urls.get(key) or invoice.return_url


def result_page(page: Page) -> Response:
    invoice = page.invoice
    assert invoice is not None
    status = invoice.status
    if status in ("processed", "refunding", "refund_pending", "refund_error"):
        tone, icon, title, message = (
            "ok",
            "✓",
            page.t("paid_title"),
            page.t("paid_text", amount=page.money(invoice.amount)),
        )
    elif status == "partially_processed":
        tone, icon, title = "wait", "!", page.t("partly_title")
        message = page.t("partly_text", paid=page.money(invoice.processed_amount), amount=page.money(invoice.amount))
    elif status in ("partially_refunded", "refunded"):
        tone, icon, title = "ok", "↺", page.t("refunded_title")
        message = page.t("refunded_text", amount=page.money(invoice.processed_amount))
    elif status in PENDING_STATUSES:
        tone, icon, title, message = "wait", "…", page.t("pending_title"), page.t("pending_text")
    elif status == "process_failed":
        tone, icon, title = "bad", "✕", page.t("failed_title")
        message = page.t("failed_text", reason=resolution_words(invoice.resolution, page.language))
    else:  # expired, terminated
        tone, icon = "bad", "✕"
        title, message = page.t(f"{status}_title"), page.t(f"{status}_text")
    target = return_url_for(invoice)
    head = ""
    if status in PENDING_STATUSES:
        head = f'<meta http-equiv="refresh" content="{PENDING_REFRESH_SECONDS}">'
    action = ""
    if page.embedded:
        action = f'<button type="button" id="return">{_e(page.t("return"))}</button>'
    elif target:
        action = f'<a class="button" id="return" href="{_e(target)}">{_e(page.t("return"))}</a>'
        if status not in PENDING_STATUSES:
            head += f'<meta http-equiv="refresh" content="{REDIRECT_SECONDS};url={_e(target)}">'
            action += f'<p class="note">{_e(page.t("redirecting"))}</p>'
    body = f"""<section class="card status-{tone}" data-status="{_e(status)}" aria-live="polite">
<div class="status-icon" aria-hidden="true">{icon}</div>
<h1>{_e(title)}</h1>
<p data-testid="message">{_e(message)}</p>
<p class="note">{_e(page.t("amount"))}: {_e(page.money(invoice.amount))}{
        f" · {_e(invoice.description)}" if invoice.description else ""
    }</p>
<div class="actions">{action}</div>
</section>"""
    return page.render(body, head=head, script=_embedded_script(page, finished=True))


def _embedded_script(page: Page, finished: bool = False) -> str:
    """In an iframe: report size, close and (when finished) the outcome to the widget's origin only."""
    if not page.embedded or not page.parent_origin or page.invoice is None:
        return ""
    payload = {"type": "cascad:return", "cpi": page.invoice.id, "status": page.invoice.status}
    return f"""<script>
(function () {{
  var origin = {json.dumps(page.parent_origin)};
  function tell(message) {{ window.parent.postMessage(message, origin); }}
  var content = document.querySelector(".page");
  tell({{type: "cascad:resize", height: Math.ceil(content.getBoundingClientRect().height)}});
  var close = document.getElementById("close");
  if (close) close.addEventListener("click", function () {{ tell({{type: "cascad:close"}}); }});
  var finished = {json.dumps(finished)};
  var outcome = {json.dumps(payload)};
  if (finished) {{
    tell(outcome);
    var again = document.getElementById("return");
    if (again) again.addEventListener("click", function () {{ tell(outcome); }});
  }}
}})();
</script>"""


# -- payment links ----------------------------------------------------------------------------------


def payment_link(state: EmulatorState, request: Request) -> Response:
    """An unsigned link: creates the invoice on first open; the same ``reference_id`` reopens it."""
    page = Page(state, request)
    args = page.args
    if args.get("public_key") != state.account.public_key:
        return _link_error(page, "The public key is missing or not this account's.", 401)
    attrs: dict[str, object] = {}
    for name in ("reference_id", "currency", "description", "locale", "return_url"):
        if args.get(name):
            attrs[name] = args[name]
    customer = {key[9:-1]: value for key, value in args.items() if key.startswith("customer[") and key.endswith("]")}
    metadata = {key[9:-1]: value for key, value in args.items() if key.startswith("metadata[") and key.endswith("]")}
    if customer:
        attrs["customer"] = customer
    if metadata:
        attrs["metadata"] = metadata
    try:
        attrs["amount"] = money.to_decimal(args.get("amount", ""))
        if args.get("expires"):
            if not args["expires"].isdigit():
                raise ApiError(422, "invalid_value", "expires must be a UNIX time.", "expires")
            attrs["expires"] = int(args["expires"])
        parsed = parse_invoice_attributes(attrs, public=True)
        with state.lock:
            existing = state.by_reference.get(parsed["reference_id"])
            if existing is not None:
                if existing.amount != parsed["amount"] or existing.currency != parsed["currency"]:
                    return _link_error(page, "This reference_id belongs to an invoice with other details.", 409)
                invoice = existing
            else:
                invoice = state.create_invoice(parsed)
    except InvalidAmount as exc:
        return _link_error(page, exc.message, 422)
    except ApiError as exc:
        return _link_error(page, exc.message, exc.status)
    query = {"cpi": invoice.id}
    if args.get("locale") in ("en", "ru"):
        query["locale"] = args["locale"]
    return _redirect(f"/hpp/?{urlencode(query)}")


def _link_error(page: Page, detail: str, status: int) -> Response:
    body = (
        f'<section class="card status-bad"><h1>{_e(page.t("link_error_title"))}</h1>'
        f'<p class="error" role="alert">{_e(detail)}</p></section>'
    )
    return page.render(body, status=status)


# -- static files -----------------------------------------------------------------------------------


def stylesheet(state: EmulatorState, request: Request) -> Response:
    return Response(200, _static("checkout.css"), "text/css; charset=utf-8", {"Cache-Control": "max-age=300"})


def widget_script(state: EmulatorState, request: Request) -> Response:
    return Response(
        200,
        _static("widget.js"),
        "application/javascript; charset=utf-8",
        {"Cache-Control": "max-age=300", "Access-Control-Allow-Origin": "*"},
    )
