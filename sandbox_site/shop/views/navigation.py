from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default: str) -> str:
    """The ``next`` the form carries when it points back into this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
