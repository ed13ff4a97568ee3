from django.urls import include, path

urlpatterns = [
    path("cascad/", include("cascad_wagtail.urls")),
]
