from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CascadWagtailConfig(AppConfig):
    name = "cascad_wagtail"
    label = "cascad_wagtail"
    verbose_name = _("Cascad payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        # Importing registers the system checks (``manage.py check``).
        from . import checks  # noqa: F401
        from .models import CascadSettings
        from .webhooks.intake import forget_secret_keys

        post_save.connect(forget_secret_keys, sender=CascadSettings, dispatch_uid="cascad_forget_secret_keys")
