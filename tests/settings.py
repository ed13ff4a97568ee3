"""Django settings for the test suite.

PostgreSQL is used whenever it answers (or ``DATABASE_URL`` names a database), because the row-lock
and concurrency tests mean nothing on SQLite; the suite says loudly when it falls back.
"""

from __future__ import annotations

import os

from sandbox_site.env import answers, database_from_url

# Playwright's sync API runs an event loop in the test thread; the ORM calls in those tests are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "tests.urls"
WAGTAIL_SITE_NAME = "Test shop"
WAGTAILADMIN_BASE_URL = "http://testserver"

INSTALLED_APPS = [
    "cascad_wagtail",
    "tests.testshop",
    "wagtail.contrib.settings",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "/static/"

CASCAD_ORDER_MODEL = "testshop.Order"
# The storefront checkout (issue 8): the test shop's adapter, one channel on the default site.
CASCAD_STOREFRONT_ADAPTER = "tests.testshop.storefront.TestStorefront"
CASCAD_CHANNELS = {"default-channel": {"site": "default", "currency": "RUB"}}
CASCAD_STOREFRONT_RETURN_ORIGINS = ["https://storefront.example.test", "http://127.0.0.1:3000"]

# Unit tests run tasks in-process; the integration tests start a real worker on a real broker.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "true") == "true"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
if CELERY_BROKER_URL == "filesystem://":
    from pathlib import Path

    from sandbox_site.env import filesystem_broker

    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker(Path(os.environ["TEST_BROKER_FOLDER"]))
# Fixed (tests only), so a worker process started by a test reads what the test process wrote.
CASCAD_ENCRYPTION_KEYS = ["dGVzdHMtb25seS1mZXJuZXQta2V5LW5vdC1zZWNyZXQ="]


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
elif answers("127.0.0.1", 5432):
    DATABASES = {"default": database_from_url("postgresql://postgres@127.0.0.1:5432/cascad")}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
# Threads in the concurrency tests open and close their own connections; none may linger.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# One test database per run, so parallel runs on one machine do not drop each other's.
DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_cascad_wagtail_{os.getpid()}"
