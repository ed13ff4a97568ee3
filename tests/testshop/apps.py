from django.apps import AppConfig


class TestShopConfig(AppConfig):
    name = "tests.testshop"
    label = "testshop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tests import celery_app  # noqa: F401 - the app the tasks bind to
