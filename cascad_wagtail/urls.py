"""The customer-facing URLs; include them at ``cascad/`` (``path("cascad/", include("cascad_wagtail.urls"))``)."""

from django.urls import path

from . import views
from .webhooks import views as webhooks

app_name = "cascad_wagtail"

urlpatterns = [
    path("callback/", webhooks.callback, name="callback"),
    path("pay/<str:token>/", views.pay, name="pay"),
    path("return/<uuid:payment_uuid>/", views.return_page, name="return"),
    path("return/<uuid:payment_uuid>/status/", views.return_status, name="return_status"),
]
