"""Running one GraphQL operation, and the one place errors are shaped for the wire.

Every error carries ``extensions.exception.code`` (SDK 0.7.0 crashes on an error without
``exception``): the code a resolver put there, else the class name of what was raised (Saleor's
convention: ``ExpiredSignatureError``, ``PermissionDenied``), else ``GraphQLError``. Messages of
errors raised on purpose (``GraphQLError``, the package's ``CascadError`` tree, Django's
``PermissionDenied``) reach the client; anything else is a bug: it is logged with its traceback and
the client reads a generic message (the real one too when ``DEBUG`` is on).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute_sync,
    get_operation_ast,
    parse,
    recommended_rules,
    specified_rules,
    validate,
)

from cascad_wagtail import conf
from cascad_wagtail.exceptions import CascadError

from .validation import NoIntrospection, limits_rule

logger = logging.getLogger("cascad_wagtail.graphql")

# Far above the SDK's largest document (under 400 tokens); bounds parsing work before any rule runs.
MAX_TOKENS = 20_000


class RequestRefused(Exception):
    """The HTTP request cannot be taken as GraphQL at all: answered with ``status``, nothing runs."""

    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}

    def as_response(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "extensions": {"exception": {"code": self.code}}}]}


@dataclass(frozen=True)
class Operation:
    """One ``{"query", "variables", "operationName"}`` object of a request body."""

    query: str
    variables: dict[str, Any]
    operation_name: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Operation:
        """Read one operation object; a wrong shape refuses the whole request (400)."""
        if not isinstance(data, dict) or not isinstance(data.get("query"), str):
            raise RequestRefused(
                400,
                _('Send a JSON object with a "query" string, or a list of such objects.'),
                "InvalidRequest",
            )
        variables = data.get("variables")
        if variables is not None and not isinstance(variables, dict):
            raise RequestRefused(400, _('"variables" must be a JSON object.'), "InvalidRequest")
        operation_name = data.get("operationName")
        if operation_name is not None and not isinstance(operation_name, str):
            raise RequestRefused(400, _('"operationName" must be a string.'), "InvalidRequest")
        return cls(query=data["query"], variables=variables or {}, operation_name=operation_name or None)


def validation_rules() -> list:
    """The spec's rules plus the configured depth and complexity limits (and introspection switch)."""
    rules = [
        *specified_rules,
        *recommended_rules,  # MaxIntrospectionDepthRule
        limits_rule(conf.get("CASCAD_GRAPHQL_MAX_DEPTH"), conf.get("CASCAD_GRAPHQL_MAX_COMPLEXITY")),
    ]
    if not conf.get("CASCAD_GRAPHQL_INTROSPECTION"):
        rules.append(NoIntrospection)
    return rules


def run(
    schema: GraphQLSchema, operation: Operation, request: HttpRequest | None, *, queries_only: bool = False
) -> dict[str, Any]:
    """The response object of one operation: parsed, validated (limits included), then executed.

    ``request`` is ``info.context`` for every resolver. With ``queries_only`` (a GET), a mutation is
    refused with ``RequestRefused(405)`` before it runs.
    """
    try:
        document = parse(operation.query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return {"errors": [format_error(error)]}
    errors = validate(schema, document, validation_rules())
    if errors:
        return {"errors": [format_error(error) for error in errors]}
    if queries_only:
        chosen = get_operation_ast(document, operation.operation_name)
        if chosen is not None and chosen.operation != OperationType.QUERY:
            raise RequestRefused(
                405,
                _("Only queries can be sent with GET; send mutations with POST."),
                "MethodNotAllowed",
                {"Allow": "POST"},
            )
    result = execute_sync(
        schema,
        document,
        context_value=request,
        variable_values=operation.variables,
        operation_name=operation.operation_name,
    )
    response: dict[str, Any] = {}
    if result.errors:
        response["errors"] = [format_error(error) for error in result.errors]
    response["data"] = result.data
    return response


def format_error(error: GraphQLError) -> dict[str, Any]:
    """``error`` as the wire shows it, always with ``extensions.exception.code``."""
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    code = "GraphQLError"
    if original is not None and not isinstance(original, GraphQLError):
        code = type(original).__name__
        if isinstance(original, CascadError):
            formatted["message"] = original.message
        elif isinstance(original, PermissionDenied):
            formatted["message"] = str(original) or _("You do not have permission to do this.")
        else:
            logger.error(
                "GraphQL resolver failed at %s", error.path, exc_info=(type(original), original, original.__traceback__)
            )
            if not settings.DEBUG:
                formatted["message"] = _("Something went wrong on the server; the error has been logged.")
    extensions = dict(formatted.get("extensions") or {})
    exception = dict(extensions.get("exception") or {})
    exception.setdefault("code", code)
    extensions["exception"] = exception
    formatted["extensions"] = extensions
    return formatted
