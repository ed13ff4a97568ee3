"""Permission policies for the app's admin screens: only the actions that mean something are granted."""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy


class OnlyActionsPermissionPolicy(ModelPermissionPolicy):
    """A model permission policy that grants nothing beyond ``ACTIONS`` (never add, edit or delete by hand)."""

    ACTIONS: tuple[str, ...] = ("view",)

    def user_has_permission(self, user, action):
        return action in self.ACTIONS and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([action for action in actions if action in self.ACTIONS])
