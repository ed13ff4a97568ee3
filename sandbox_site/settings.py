"""Settings of the demo shop. Everything that differs between machines comes from the environment.

Embedded defaults (no configuration): SQLite in ``var/``, a real Celery worker and beat on kombu's
filesystem transport in ``var/broker``. ``DATABASE_URL`` (PostgreSQL) and ``CELERY_BROKER_URL``
(Redis or RabbitMQ) switch to real servers.
"""

from __future__ import annotations

import os
from pathlib import Path

from cascad_wagtail.schedule import BEAT_SCHEDULE

from .env import database_from_url, filesystem_broker, flag

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SANDBOX_VAR_DIR", BASE_DIR.parent / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = flag("DJANGO_DEBUG", default=True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "sandbox-demo-only-" + "x" * 32
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "sandbox_site.shop",
    "cascad_wagtail",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
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
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]
ROOT_URLCONF = "sandbox_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "sandbox_site.shop.context_processors.shop",
            ]
        },
    }
]
WSGI_APPLICATION = "sandbox_site.wsgi.application"

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (site, worker, beat) share the file: wait for locks instead of failing, and
    # take the write lock when a transaction starts (a read-then-write one cannot deadlock midway).
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
TIME_ZONE = "UTC"
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# -- Customer accounts ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "shop:sign_in"
# Password reset emails: printed by the site's process in the demo; a real shop names its SMTP backend.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Cascad demo shop <shop@example.com>")

WAGTAIL_SITE_NAME = "Cascad demo shop"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False

# -- Cascad ---------------------------------------------------------------------------------------
CASCAD_ORDER_MODEL = "shop.Order"
# The return page and the payment link's messages wear the shop's own header and footer.
CASCAD_BASE_TEMPLATE = "base.html"
_keys_file = VAR_DIR / "cascad-encryption.key"
if os.environ.get("CASCAD_ENCRYPTION_KEYS"):
    CASCAD_ENCRYPTION_KEYS = os.environ["CASCAD_ENCRYPTION_KEYS"].split(",")
else:
    # The demo keeps its own key beside its database; a real shop sets CASCAD_ENCRYPTION_KEYS.
    if not _keys_file.exists():
        from cryptography.fernet import Fernet

        _keys_file.write_text(Fernet.generate_key().decode())
    CASCAD_ENCRYPTION_KEYS = [_keys_file.read_text().strip()]
# The storefront API (/graphql/): the demo shop's catalogue, one channel on the default site in the shop's
# default currency (``shop.models.DEFAULT_CURRENCY``; settings cannot import models), and the storefronts
# that may receive customers back after paying (a comma-separated list of origins in the environment).
CASCAD_STOREFRONT_ADAPTER = "sandbox_site.shop.storefront.SandboxStorefront"
CASCAD_CHANNELS = {"default-channel": {"site": "default", "currency": "RUB"}}
CASCAD_STOREFRONT_RETURN_ORIGINS = os.environ.get(
    "SANDBOX_STOREFRONT_ORIGINS",
    "http://127.0.0.1:8000,http://localhost:8000,http://127.0.0.1:3000,http://localhost:3000",
).split(",")
for _mode in ("SANDBOX", "LIVE"):
    for _field in ("ACCOUNT_ID", "API_KEY", "PUBLIC_KEY", "SECRET_KEY"):
        _name = f"CASCAD_{_mode}_{_field}"
        if os.environ.get(_name):
            globals()[_name] = os.environ[_name]

# -- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker(VAR_DIR / "broker")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"cascad_wagtail": {"handlers": ["console"], "level": os.environ.get("CASCAD_LOG_LEVEL", "INFO")}},
}
