"""Where resolvers are registered, and how they are attached to the schema built from SDL.

Other modules register without touching the schema::

    from cascad_wagtail.graphql import resolver

    @resolver("Query", "checkout")
    def resolve_checkout(root, info, token=None): ...

A resolver is called as ``resolver(root, info, **arguments)``: ``info.context`` is the Django
request, and argument names *and input-object keys* arrive in snake_case (``checkoutId`` →
``checkout_id``, ``{"variantId": …}`` → ``{"variant_id": …}``). A field without a resolver reads
the attribute or key of its parent (snake_case first, then the GraphQL name; a Django related
manager is turned into its ``.all()``), and ``id`` on a type implementing ``Node`` is the parent's
global id, ``global_id(type, parent.pk)`` (or ``parent.id`` when there is no ``pk``), unless the
parent is a dict, whose ``"id"`` is taken as already global. A root field (``Query``,
``Mutation``) without a resolver answers a clear "not available" error.

``fallback=True`` marks a stand-in that any ordinary registration replaces (the anonymous ``me``);
two ordinary resolvers for one field are a configuration error, raised at import time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db.models.manager import BaseManager
from django.utils.translation import gettext as _
from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    default_type_resolver,
)

from .ids import global_id

F = TypeVar("F", bound=Callable[..., Any])

ROOT_TYPES = ("Query", "Mutation")


class RegistryError(ImproperlyConfigured):
    """A resolver registered twice, for a field the schema does not have, or too late."""


def snake_case(name: str) -> str:
    """``checkoutId`` → ``checkout_id``; ``streetAddress1`` → ``street_address1``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


@dataclass(frozen=True)
class _Registration:
    function: Callable[..., Any]

    @property
    def origin(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"


class Registry:
    """Resolvers and type resolvers by GraphQL name, attached to a schema by ``bind``."""

    def __init__(self) -> None:
        self._fields: dict[tuple[str, str], _Registration] = {}
        self._fallbacks: dict[tuple[str, str], _Registration] = {}
        self._types: dict[str, _Registration] = {}
        self._bound = False

    def resolver(self, type_name: str, field_name: str, *, fallback: bool = False) -> Callable[[F], F]:
        """Decorator: ``function`` resolves ``type_name.field_name``."""

        def register(function: F) -> F:
            table = self._fallbacks if fallback else self._fields
            self._add(table, (type_name, field_name), function, f"{type_name}.{field_name}")
            return function

        return register

    def type_resolver(self, type_name: str) -> Callable[[F], F]:
        """Decorator for an interface or union: ``function(value, info, abstract_type)`` → object type name."""

        def register(function: F) -> F:
            self._add(self._types, type_name, function, type_name)
            return function

        return register

    def _add(self, table: dict, key: Any, function: Callable[..., Any], label: str) -> None:
        new = _Registration(function)
        if self._bound:
            raise RegistryError(
                f"{new.origin} registers {label} after the schema was built: "
                "import its module before the first GraphQL request (see cascad_wagtail.graphql)"
            )
        old = table.get(key)
        # The same function imported again (e.g. under a second module path) is not a conflict.
        if old is not None and old.origin != new.origin:
            raise RegistryError(f"{label} has two resolvers: {old.origin} and {new.origin}")
        table[key] = new

    def bind(self, schema: GraphQLSchema) -> None:
        """Attach every registration to ``schema`` (once); unknown type or field names are an error."""
        self._check_names(schema)
        for type_name, graphql_type in schema.type_map.items():
            if type_name.startswith("__"):
                continue
            if isinstance(graphql_type, GraphQLObjectType):
                self._bind_fields(graphql_type)
            elif isinstance(graphql_type, (GraphQLInterfaceType, GraphQLUnionType)):
                registration = self._types.get(type_name)
                graphql_type.resolve_type = registration.function if registration else default_type_resolver
                if isinstance(graphql_type, GraphQLInterfaceType):
                    _snake_case_arguments(graphql_type)
            elif isinstance(graphql_type, GraphQLInputObjectType):
                for name, field in graphql_type.fields.items():
                    field.out_name = snake_case(name)
        self._bound = True

    def _bind_fields(self, graphql_type: GraphQLObjectType) -> None:
        is_node = any(interface.name == "Node" for interface in graphql_type.interfaces)
        for field_name, field in graphql_type.fields.items():
            registration = self._fields.get((graphql_type.name, field_name)) or self._fallbacks.get(
                (graphql_type.name, field_name)
            )
            if registration is not None:
                field.resolve = registration.function
            elif graphql_type.name in ROOT_TYPES:
                field.resolve = unavailable
            elif is_node and field_name == "id":
                field.resolve = node_id
            else:
                field.resolve = attribute
        _snake_case_arguments(graphql_type)

    def _check_names(self, schema: GraphQLSchema) -> None:
        for type_name, field_name in [*self._fields, *self._fallbacks]:
            graphql_type = schema.type_map.get(type_name)
            if not isinstance(graphql_type, GraphQLObjectType) or field_name not in graphql_type.fields:
                origin = (self._fields.get((type_name, field_name)) or self._fallbacks[(type_name, field_name)]).origin
                raise RegistryError(f"{origin} resolves {type_name}.{field_name}, which the schema does not have")
        for type_name, registration in self._types.items():
            if not isinstance(schema.type_map.get(type_name), (GraphQLInterfaceType, GraphQLUnionType)):
                raise RegistryError(
                    f"{registration.origin} resolves the type of {type_name}, which is not an interface or union"
                )


def _snake_case_arguments(graphql_type: GraphQLObjectType | GraphQLInterfaceType) -> None:
    for field in graphql_type.fields.values():
        for name, argument in field.args.items():
            argument.out_name = snake_case(name)


# -- the resolvers used where none is registered --------------------------------------------------


def attribute(root: Any, info: GraphQLResolveInfo, **_arguments: Any) -> Any:
    """The parent's key or attribute of the field's name, snake_case first."""
    name = info.field_name
    if isinstance(root, Mapping):
        return root[name] if name in root else root.get(snake_case(name))
    value = getattr(root, snake_case(name), getattr(root, name, None))
    if isinstance(value, BaseManager):
        value = value.all()
    return value


def node_id(root: Any, info: GraphQLResolveInfo, **_arguments: Any) -> Any:
    """A dict carries its id as given; an object (model, dataclass) its raw ``pk`` or ``id``, encoded here."""
    if isinstance(root, Mapping):
        return root.get("id")
    raw = getattr(root, "pk", None)
    return global_id(info.parent_type.name, root.id if raw is None else raw)


def unavailable(_root: Any, info: GraphQLResolveInfo, **_arguments: Any) -> Any:
    raise GraphQLError(
        _("%(field)s is not available on this server.") % {"field": f"{info.parent_type.name}.{info.field_name}"},
        extensions={"exception": {"code": "NotImplementedError"}},
    )


#: The registry the served schema is built from (``cascad_wagtail.graphql.schema.get_schema``).
registry = Registry()
resolver = registry.resolver
type_resolver = registry.type_resolver
