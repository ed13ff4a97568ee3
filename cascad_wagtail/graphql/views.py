"""``/graphql/``: the storefront API over HTTP, as ``@saleor/sdk`` speaks it.

- ``POST`` with ``Content-Type: application/json``: one operation object (SDK 0.7.0), or a list of
  them (Apollo batching, SDK 0.3.0-10), answered with a list of results in the same order.
- ``GET ?query=…&variables=…&operationName=…``: queries only; a mutation is refused with 405.
- GraphQL errors (syntax, validation, the limits, resolver errors) are answered with HTTP 200: the
  SDK treats any status ≥ 300 as a network failure and retries. 4xx is kept for a request that is not
  GraphQL at all (malformed JSON or shape, wrong content type, wrong method, a body or batch over the
  limits), still with a GraphQL-shaped ``{"errors": [...]}`` body, and then nothing is executed.
- JSON numbers are read as exact ``Decimal`` (``cascad_wagtail.wire``), so ``1290.10`` reaches a
  ``PositiveDecimal`` argument with its digits; unknown extra variables are ignored.
- CSRF-exempt: a storefront on another origin cannot send Django's CSRF token. That is safe only
  because no session cookie counts: ``request.user`` is replaced before resolvers run, and a signed-in
  customer is recognised solely by the token in the ``Authorization`` (SDK 0.3.0-10: ``JWT <token>``)
  or ``authorization-bearer`` (SDK 0.7.0) header, which a cross-site form cannot set. The one cookie
  read, ``refreshToken`` in ``tokenRefresh``, works only with the ``csrfToken`` issued with it.
- Resolvers get the Django request as ``info.context``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLSchema

from cascad_wagtail import conf, wire

from .auth_resolvers import authenticate_request
from .execution import Operation, RequestRefused, run
from .scalars import to_json
from .schema import get_schema


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(View):
    """The transport; ``GraphQLView.as_view(schema=…)`` serves another schema (tests do)."""

    schema: GraphQLSchema | None = None
    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Never the session's user, only the header's token: see the module docstring (CSRF).
        authenticate_request(request)
        try:
            response = super().dispatch(request, *args, **kwargs)
        except RequestRefused as refused:
            response = _json_response(refused.as_response(), status=refused.status)
            for header, value in refused.headers.items():
                response[header] = value
            return response
        # Cookies resolvers asked for (tokenCreate's refresh token).
        for name, cookie in getattr(request, "cascad_response_cookies", {}).items():
            response.set_cookie(name, **cookie)
        return response

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise RequestRefused(
            405, _("Send GraphQL requests with POST (or queries with GET)."), "MethodNotAllowed", {"Allow": "GET, POST"}
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        body = _read_json(request)
        if isinstance(body, list):
            operations = _batch(body)
            return _json_response([run(self.get_schema(), operation, request) for operation in operations])
        return _json_response(run(self.get_schema(), Operation.from_json(body), request))

    def get(self, request: HttpRequest) -> HttpResponse:
        if len(request.META.get("QUERY_STRING", "")) > conf.get("CASCAD_GRAPHQL_MAX_BODY_BYTES"):
            raise _too_large()
        data: dict[str, Any] = {"query": request.GET.get("query"), "operationName": request.GET.get("operationName")}
        if request.GET.get("variables"):
            data["variables"] = _loads(request.GET["variables"].encode())
        return _json_response(run(self.get_schema(), Operation.from_json(data), request, queries_only=True))

    def get_schema(self) -> GraphQLSchema:
        return self.schema or get_schema()


def _read_json(request: HttpRequest) -> Any:
    if request.content_type != "application/json":
        raise RequestRefused(
            415, _("Send the GraphQL request as JSON, with Content-Type: application/json."), "UnsupportedMediaType"
        )
    limit = conf.get("CASCAD_GRAPHQL_MAX_BODY_BYTES")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise _too_large()
    # Read at most one byte past the limit, whatever the header said (or if it was absent).
    body = request.read(limit + 1)
    if len(body) > limit:
        raise _too_large()
    return _loads(body)


def _too_large() -> RequestRefused:
    limit = conf.get("CASCAD_GRAPHQL_MAX_BODY_BYTES")
    return RequestRefused(
        413,
        _("The request body is larger than %(limit)d bytes, the most this server accepts.") % {"limit": limit},
        "RequestTooLarge",
    )


def _loads(body: bytes) -> Any:
    try:
        return wire.loads(body)
    except (ValueError, RecursionError) as error:
        raise RequestRefused(400, _("The request body is not valid JSON."), "JSONDecodeError") from error


def _batch(items: list) -> list[Operation]:
    if not items:
        raise RequestRefused(400, _("The batch is empty: send at least one operation."), "InvalidRequest")
    limit = conf.get("CASCAD_GRAPHQL_MAX_BATCH")
    if len(items) > limit:
        raise RequestRefused(
            400,
            _("The batch holds %(count)d operations; this server accepts at most %(limit)d at once.")
            % {"count": len(items), "limit": limit},
            "BatchTooLarge",
        )
    return [Operation.from_json(item) for item in items]


def _json_response(payload: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(to_json(payload), status=status, content_type="application/json")
