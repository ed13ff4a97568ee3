"""``POST /cascad/callback/``: thin on purpose. Read (capped), hand to ``intake``, answer at once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from .. import conf
from . import intake

CHUNK = 8192


class BodyTooLarge(Exception):
    pass


def _read_capped(request: HttpRequest, limit: int) -> bytes:
    """The raw body, refusing it as soon as it passes ``limit`` (never buffering more than that)."""
    declared = request.META.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    while True:
        chunk = request.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)


@csrf_exempt
def callback(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        body = _read_capped(request, conf.get("CASCAD_CALLBACK_MAX_BYTES"))
    except BodyTooLarge:
        return HttpResponse("body too large", status=413, content_type="text/plain")
    verdict = intake.receive(body, request.headers.get("X-Signature"), request.META, request.META.get("REMOTE_ADDR"))
    return HttpResponse(verdict.reason, status=verdict.status, content_type="text/plain")
