from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CascadWagtailConfig(AppConfig):
    name = "cascad_wagtail"
    label = "cascad_wagtail"
    verbose_name = _("Cascad payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing registers the system checks (``manage.py check``).
        from . import checks  # noqa: F401
