from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("cascad/", include("cascad_wagtail.urls")),
    path("graphql/", include("cascad_wagtail.graphql.urls")),
    path("shop/", include("sandbox_site.shop.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include(wagtail_urls)),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
