"""Content in two languages without a second page tree: ``title`` and its twin ``title_ru``."""

from __future__ import annotations

from django.utils.translation import get_language


class TranslatedField:
    """Reads ``<field>_<language>`` (``title_ru``) in that language when it is filled in, else ``<field>``.

    The demo keeps one page tree and lets editors fill in the Russian twin of each text field: the
    shop's words come from gettext, its content from these fields.
    """

    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        language = (get_language() or "").split("-")[0]
        return getattr(instance, f"{self.field}_{language}", None) or getattr(instance, self.field)
