"""Bench-only URLconf: the demo shop's URLs, plus ``/bare/``, a Django view that only answers 200.

``/bare/`` goes through the same WSGI server, middleware stack and URL resolver as
``/cascad/callback/``, so the difference between the two is the callback's own work.
"""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from sandbox_site.urls import urlpatterns as sandbox_urlpatterns


@csrf_exempt
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bare/", bare), *sandbox_urlpatterns]
