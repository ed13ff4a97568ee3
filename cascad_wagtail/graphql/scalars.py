"""The custom scalars of the storefront schema, as Saleor 3.x defines them.

The schema is built from SDL, which can only name a scalar; its behaviour is attached here by
``bind_scalars`` with graphql-core 3.3's hooks (``coerce_input_value``, ``coerce_input_literal``,
``coerce_output_value``). On 3.3 the legacy names (``parse_value`` & co.) are read only when the new
ones are missing, so setting just ``parse_value`` on a built scalar is silently ignored; both sets are
set here, so the scalars behave the same whichever name the installed graphql-core reads.

Amounts never pass through a binary float: a JSON number reaches ``Decimal``/``PositiveDecimal`` as
the ``Decimal`` the view parsed with its exact digits (``1290.10`` stays ``Decimal("1290.10")``), a
float given by a direct caller is read through ``repr`` (never ``Decimal(float)``), and a literal in
the query text is read from its own digits. Decimal outputs stay ``Decimal``, which the view writes
as a JSON number with exactly those digits.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import dateparse
from django.utils.translation import gettext as _
from graphql import (
    FloatValueNode,
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    print_ast,
    value_from_ast_untyped,
)

from cascad_wagtail import wire

# Bounds that keep a decimal printable and computable: 10^20 is far above any amount, and a
# client-chosen exponent such as 1e999999999 would otherwise print as a gigabyte of zeros.
MAX_INTEGER_DIGITS = 20
MAX_FRACTION_DIGITS = 20


def to_json(value: Any) -> str:
    """JSON text for ``value``: ``Decimal`` as an exact number, ``float`` by its shortest repr.

    The same encoder writes responses (see ``views``) and ``JSONString`` outputs.
    """
    return wire.dumps(_floats_as_decimals(value)).decode("utf-8")


def _floats_as_decimals(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot encode {value!r} as JSON")
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: _floats_as_decimals(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_floats_as_decimals(item) for item in value]
    return value


def _invalid(message: str, **params: Any) -> GraphQLError:
    return GraphQLError(message % params)


# -- Decimal and PositiveDecimal ------------------------------------------------------------------


def _to_decimal(value: Any) -> Decimal | None:
    """A finite ``Decimal`` within bounds for a number or numeric string, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    if not number.is_finite():
        return None
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if number.adjusted() >= MAX_INTEGER_DIGITS or not -MAX_FRACTION_DIGITS <= exponent <= MAX_INTEGER_DIGITS:
        return None
    return number


def coerce_decimal(value: Any) -> Decimal:
    number = _to_decimal(value)
    if number is None:
        raise _invalid(_("A decimal number is expected, got %(value)s."), value=_shown(value))
    return number


def coerce_positive_decimal(value: Any) -> Decimal:
    number = _to_decimal(value)
    if number is None or number < 0:
        raise _invalid(_("A decimal number of zero or more is expected, got %(value)s."), value=_shown(value))
    return number


def _number_literal(node: ValueNode) -> Any:
    # The literal's own digits, so 1290.10 in the query text is Decimal("1290.10").
    if isinstance(node, (IntValueNode, FloatValueNode, StringValueNode)):
        return node.value
    return node


def output_decimal(value: Any) -> Decimal:
    number = _to_decimal(value)
    if number is None:
        raise GraphQLError(f"Decimal cannot represent {value!r}")
    return number


# -- UUID -----------------------------------------------------------------------------------------


def coerce_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    raise _invalid(
        _("A UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427 is expected, got %(value)s."), value=_shown(value)
    )


def output_uuid(value: Any) -> str:
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


# -- JSONString and GenericScalar -----------------------------------------------------------------


def coerce_json_string(value: Any) -> Any:
    """A JSON document sent as a string, parsed with exact decimals."""
    if isinstance(value, str):
        try:
            return wire.loads(value)
        except (ValueError, RecursionError):
            pass
    raise _invalid(_("A string holding a JSON document is expected, got %(value)s."), value=_shown(value))


def output_json_string(value: Any) -> str:
    """The resolver's Python value, encoded once: a resolver returns a dict, never pre-encoded JSON."""
    return to_json(value)


def _string_literal(node: ValueNode) -> Any:
    return node.value if isinstance(node, StringValueNode) else node


def coerce_generic(value: Any) -> Any:
    return value


def generic_literal(node: ValueNode) -> Any:
    """The literal as Python data, its non-integer numbers as exact ``Decimal`` at any depth."""
    if isinstance(node, FloatValueNode):
        return Decimal(node.value)
    if isinstance(node, ObjectValueNode):
        return {field.name.value: generic_literal(field.value) for field in node.fields}
    if isinstance(node, ListValueNode):
        return [generic_literal(item) for item in node.values]
    return value_from_ast_untyped(node)


# -- DateTime and Date ----------------------------------------------------------------------------


def coerce_datetime(value: Any) -> dt.datetime:
    parsed = None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dateparse.parse_datetime(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _invalid(
            _("A date and time with a time zone, such as 2024-05-01T12:30:00+00:00, is expected, got %(value)s."),
            value=_shown(value),
        )
    return parsed


def output_datetime(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return coerce_datetime(value).isoformat()
    raise GraphQLError(f"DateTime cannot represent {value!r}")


def coerce_date(value: Any) -> dt.date:
    parsed = None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dateparse.parse_date(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise _invalid(_("A date such as 2024-05-01 is expected, got %(value)s."), value=_shown(value))
    return parsed


def output_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return coerce_date(value).isoformat()
    raise GraphQLError(f"Date cannot represent {value!r}")


# -- binding --------------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    """The offending input as a short JSON-ish text for an error message."""
    if isinstance(value, ValueNode):
        text = print_ast(value)
    elif isinstance(value, str):
        text = f'"{value}"'
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass(frozen=True)
class Scalar:
    """How one scalar reads variables (``coerce_input``), literals (``literal``) and writes results."""

    coerce_input: Callable[[Any], Any]
    coerce_output: Callable[[Any], Any]
    # Turns a literal node into what ``coerce_input`` accepts; a node it cannot read is passed on
    # unchanged, and ``coerce_input`` then refuses it with the scalar's own message.
    literal: Callable[[ValueNode], Any]

    def coerce_literal(self, node: ValueNode, _variables: Any = None) -> Any:
        return self.coerce_input(self.literal(node))


SCALARS: dict[str, Scalar] = {
    "UUID": Scalar(coerce_uuid, output_uuid, _string_literal),
    "JSONString": Scalar(coerce_json_string, output_json_string, _string_literal),
    "GenericScalar": Scalar(coerce_generic, coerce_generic, generic_literal),
    "Decimal": Scalar(coerce_decimal, output_decimal, _number_literal),
    "PositiveDecimal": Scalar(coerce_positive_decimal, output_decimal, _number_literal),
    "DateTime": Scalar(coerce_datetime, output_datetime, _string_literal),
    "Date": Scalar(coerce_date, output_date, _string_literal),
}


def bind_scalars(schema: GraphQLSchema) -> None:
    """Attach ``SCALARS`` to the schema's scalar types of the same names; every custom one must be known."""
    for name, graphql_type in schema.type_map.items():
        if not isinstance(graphql_type, GraphQLScalarType) or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if name not in SCALARS:
            raise LookupError(f"the schema declares scalar {name}, which scalars.SCALARS does not implement")
        scalar = SCALARS[name]
        graphql_type.coerce_input_value = scalar.coerce_input
        graphql_type.coerce_input_literal = scalar.coerce_literal
        graphql_type.coerce_output_value = scalar.coerce_output
        # graphql-core 3.2 reads these names instead.
        graphql_type.parse_value = scalar.coerce_input  # type: ignore[method-assign]
        graphql_type.parse_literal = scalar.coerce_literal  # type: ignore[method-assign]
        graphql_type.serialize = scalar.coerce_output  # type: ignore[method-assign]
