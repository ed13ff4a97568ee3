"""Russian is first-class: every string the app marks for translation has a Russian translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cascad_wagtail"
SHIPPED = PACKAGE / "locale" / "ru" / "LC_MESSAGES"


def test_the_shipped_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(SHIPPED / "django.po"))
    untranslated = [entry.msgid for entry in po if not entry.msgstr and not entry.obsolete]
    fuzzy = [entry.msgid for entry in po if "fuzzy" in entry.flags]
    assert untranslated == [] and fuzzy == []
    mo = polib.mofile(str(SHIPPED / "django.mo"))
    assert {e.msgid: e.msgstr for e in mo} == {e.msgid: e.msgstr for e in po if not e.obsolete and e.msgid}


def test_every_string_in_the_code_has_a_russian_translation(tmp_path):
    """Extract the strings afresh (as ``makemessages`` would) and look each one up in the shipped file."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: `make test` installs Debian's gettext")
    copy = tmp_path / "cascad_wagtail"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "emulator"))
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ru", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(PACKAGE.parent), "PATH": "/usr/bin:/bin"},
    )
    extracted = polib.pofile(str(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po"))
    shipped = {entry.msgid: entry.msgstr for entry in polib.pofile(str(SHIPPED / "django.po"))}
    missing = [entry.msgid for entry in extracted if entry.msgid and not shipped.get(entry.msgid)]
    assert missing == [], "strings without a Russian translation (run makemessages -l ru and translate them)"
