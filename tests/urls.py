from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("cascad/", include("cascad_wagtail.urls")),
    path("graphql/", include("cascad_wagtail.graphql.urls")),
]
