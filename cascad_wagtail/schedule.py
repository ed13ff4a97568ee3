"""The beat schedule shipped with the app; merge it into the project's (``CELERY_BEAT_SCHEDULE``).

A module of its own, importable from settings (it loads no models).
"""

import datetime

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "cascad-reconcile": {"task": "cascad_wagtail.tasks.reconcile", "schedule": datetime.timedelta(minutes=5)},
    "cascad-expire": {"task": "cascad_wagtail.tasks.expire_payments", "schedule": datetime.timedelta(minutes=10)},
    "cascad-settle-refunds": {"task": "cascad_wagtail.tasks.settle_refunds", "schedule": datetime.timedelta(minutes=5)},
    "cascad-prune-sign-in-attempts": {
        "task": "cascad_wagtail.tasks.prune_sign_in_attempts",
        "schedule": datetime.timedelta(hours=1),
    },
    "cascad-reconcile-all-nightly": {
        "task": "cascad_wagtail.tasks.reconcile",
        "schedule": crontab(hour=3, minute=17),
        "kwargs": {"everything": True},
    },
}
