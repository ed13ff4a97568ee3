"""The demo shop: a Wagtail project wired to cascad_wagtail, Celery and the bundled emulator."""

from .celery import app as celery_app

__all__ = ["celery_app"]
