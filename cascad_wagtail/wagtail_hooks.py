"""Registers the app's admin screens (see ``cascad_wagtail.admin``)."""

from .admin import audit, dashboard, menu, settings_admin  # noqa: F401  (each registers its hooks)
