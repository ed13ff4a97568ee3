"""Limits on what one operation may ask for, checked as validation rules (before anything runs).

*Depth* is the longest chain of nested fields, fragments followed (``me { addresses { country {
code } } }`` is 4). *Complexity* is the number of fields the operation selects once every fragment
spread is expanded where it stands, ``__typename`` not counted: a rough measure of the work an
answer takes that aliases and repeated fragments cannot dodge. Lists are not multiplied by their
page size; resolvers cap ``first`` themselves.

Introspection (inside ``__schema`` / ``__type``) counts for complexity but not for depth: the
standard introspection query nests 15 levels of ``ofType``, harmlessly, and graphql-core's own
``MaxIntrospectionDepthRule`` (added to the rules by ``execution``) bounds the recursion that is
costly there (``fields { type { fields …``).

Each fragment is measured once and remembered, so a document whose fragments double at every level
is refused in linear time rather than expanded; a fragment that spreads itself (refused anyway by
the spec's own rule) is not followed twice.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

INTROSPECTION_ROOTS = ("__schema", "__type")


class _Measure:
    """Depth and complexity of selection sets, with each fragment's figures remembered."""

    def __init__(self, context: ValidationContext) -> None:
        self.context = context
        self.fragments: dict[str, tuple[int, int]] = {}
        self.in_progress: set[str] = set()

    def selection_set(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        """``(depth, complexity)`` of a selection set."""
        depth = complexity = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                inner_depth, inner_complexity = self.selection_set(selection.selection_set)
                if selection.name.value in INTROSPECTION_ROOTS:
                    inner_depth = 0
                depth = max(depth, 1 + inner_depth)
                complexity += inner_complexity + (selection.name.value != "__typename")
            elif isinstance(selection, InlineFragmentNode):
                inner_depth, inner_complexity = self.selection_set(selection.selection_set)
                depth, complexity = max(depth, inner_depth), complexity + inner_complexity
            elif isinstance(selection, FragmentSpreadNode):
                inner_depth, inner_complexity = self.fragment(selection.name.value)
                depth, complexity = max(depth, inner_depth), complexity + inner_complexity
        return depth, complexity

    def fragment(self, name: str) -> tuple[int, int]:
        if name in self.fragments:
            return self.fragments[name]
        definition = self.context.get_fragment(name)
        if definition is None or name in self.in_progress:
            return 0, 0
        self.in_progress.add(name)
        self.fragments[name] = self.selection_set(definition.selection_set)
        self.in_progress.discard(name)
        return self.fragments[name]


def measure(context: ValidationContext, operation: OperationDefinitionNode) -> tuple[int, int]:
    """``(depth, complexity)`` of one operation of the document being validated."""
    return _Measure(context).selection_set(operation.selection_set)


def limits_rule(max_depth: int, max_complexity: int) -> type[ValidationRule]:
    """A validation rule refusing operations deeper than ``max_depth`` or costlier than ``max_complexity``."""

    class OperationLimits(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            depth, complexity = measure(self.context, node)
            if depth > max_depth:
                self.report_error(
                    GraphQLError(
                        _("The query nests fields %(depth)d levels deep; this server allows at most %(limit)d.")
                        % {"depth": depth, "limit": max_depth},
                        node,
                        extensions={"exception": {"code": "QueryTooDeep"}},
                    )
                )
            if complexity > max_complexity:
                self.report_error(
                    GraphQLError(
                        _("The query selects %(complexity)d fields; this server allows at most %(limit)d.")
                        % {"complexity": complexity, "limit": max_complexity},
                        node,
                        extensions={"exception": {"code": "QueryTooComplex"}},
                    )
                )

    return OperationLimits


class NoIntrospection(ValidationRule):
    """Refuses ``__schema`` and ``__type`` (``__typename`` stays allowed: clients add it everywhere)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value in INTROSPECTION_ROOTS:
            self.report_error(
                GraphQLError(
                    _("Introspection is switched off on this server: %(field)s cannot be queried.")
                    % {"field": node.name.value},
                    node,
                    extensions={"exception": {"code": "IntrospectionDisabled"}},
                )
            )
