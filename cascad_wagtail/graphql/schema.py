"""The storefront schema: ``schema.graphql`` with the scalars of ``scalars`` and the registered resolvers.

``get_schema()`` builds it once per process, on the first request. Before building, it imports every
module of the ``cascad_wagtail.graphql`` package, so a module placed there (``checkout.py``,
``auth.py``…) has registered its resolvers by then; a module elsewhere must be imported before the
first request (a registration after that raises ``RegistryError``).
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from pathlib import Path

from graphql import GraphQLSchema, build_schema

from .registry import Registry, registry
from .scalars import bind_scalars

SDL_PATH = Path(__file__).with_name("schema.graphql")

_lock = threading.Lock()
_schema: GraphQLSchema | None = None


def build(with_registry: Registry) -> GraphQLSchema:
    """A new schema from the SDL, with the scalars and ``with_registry``'s resolvers attached.

    Tests build their own with a registry of their own; the site serves ``get_schema()``.
    """
    schema = build_schema(SDL_PATH.read_text(encoding="utf-8"))
    bind_scalars(schema)
    with_registry.bind(schema)
    return schema


def get_schema() -> GraphQLSchema:
    """The schema the site serves, built on first use."""
    global _schema
    if _schema is None:
        with _lock:
            if _schema is None:
                discover_resolvers()
                _schema = build(registry)
    return _schema


def discover_resolvers() -> None:
    """Import every module of this package, so each one's ``@resolver`` registrations have run."""
    package = __name__.rpartition(".")[0]
    for module in pkgutil.walk_packages(importlib.import_module(package).__path__, prefix=f"{package}."):
        importlib.import_module(module.name)
