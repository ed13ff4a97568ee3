"""The Saleor-compatible storefront API served at ``/graphql/`` (transport: ``views``; limits: ``validation``).

``schema.graphql`` is the SDL; resolvers register from any module::

    from cascad_wagtail.graphql import from_global_id, global_id, resolver

    @resolver("Query", "checkout")
    def resolve_checkout(root, info, token=None): ...

Resolver calling conventions are in ``registry``. Modules inside this package are imported before
the schema is built (``schema.get_schema``), so their registrations are always in place.
"""

from .ids import InvalidGlobalId, from_global_id, global_id
from .registry import RegistryError, resolver, type_resolver

__all__ = ["InvalidGlobalId", "RegistryError", "from_global_id", "global_id", "resolver", "type_resolver"]
