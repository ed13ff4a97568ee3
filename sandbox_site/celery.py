"""The demo's Celery app: ``celery -A sandbox_site worker`` / ``celery -A sandbox_site beat``."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox_site.settings")

app = Celery("sandbox_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
