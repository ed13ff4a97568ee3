"""Saleor-style global ids: ``base64("Type:pk")``, e.g. ``UHJvZHVjdFZhcmlhbnQ6MQ==`` for ProductVariant 1.

The SDK treats ids as opaque strings and sends back what it was given, so an id must name its type:
a ``Checkout`` id passed where a ``ProductVariant`` is expected is refused, not looked up.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, TypeVar, overload

from django.utils.translation import gettext as _

from cascad_wagtail.exceptions import CascadError

T = TypeVar("T")


class InvalidGlobalId(CascadError, ValueError):
    """An id that is not ``base64("Type:pk")``, names another type, or whose pk does not parse.

    ``message`` is translated and fit to show a customer; a resolver turns it into its payload's
    ``errors`` (Saleor uses code ``GRAPHQL_ERROR`` for these), or lets it reach the top-level errors.
    """


def global_id(type_name: str, pk: Any) -> str:
    """The global id of object ``pk`` of GraphQL type ``type_name``."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")


def split_global_id(value: Any) -> tuple[str, str]:
    """``(type_name, pk)`` of a well-formed global id of any type."""
    if isinstance(value, str) and value:
        try:
            type_name, separator, pk = base64.b64decode(value.encode("ascii"), validate=True).decode().partition(":")
        except (UnicodeError, binascii.Error):
            pass
        else:
            if separator and type_name and pk:
                return type_name, pk
    raise InvalidGlobalId(_("“%(value)s” is not a valid ID.") % {"value": _short(value)}, value=value)


@overload
def from_global_id(value: Any, expected_type: str) -> str: ...
@overload
def from_global_id(value: Any, expected_type: str, parse: Callable[[str], T]) -> T: ...
def from_global_id(value: Any, expected_type: str, parse: Callable[[str], Any] | None = None) -> Any:
    """The pk inside ``value``, a global id that must be of type ``expected_type``.

    ``parse`` (``int``, ``uuid.UUID``…) converts the pk; a pk it refuses makes the id invalid, so
    ``from_global_id(v, "ProductVariant", int)`` never hands a non-number to the ORM.
    Raises ``InvalidGlobalId`` with a message that names what was wrong.
    """
    type_name, pk = split_global_id(value)
    if type_name != expected_type:
        raise InvalidGlobalId(
            _("The ID “%(value)s” belongs to a %(actual)s, not a %(expected)s.")
            % {"value": _short(value), "actual": type_name, "expected": expected_type},
            value=value,
            expected_type=expected_type,
        )
    if parse is None:
        return pk
    try:
        return parse(pk)
    except (ValueError, TypeError) as error:
        raise InvalidGlobalId(
            _("“%(value)s” is not a valid ID.") % {"value": _short(value)}, value=value, expected_type=expected_type
        ) from error


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "…"
