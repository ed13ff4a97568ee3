"""Russian is first-class: every string marked for translation has a Russian translation.

Checked for the app's catalogue and the demo shop's, by extracting the strings afresh (as
``makemessages`` would) and looking each one up in the shipped ``.po`` file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = {
    "app": (ROOT / "cascad_wagtail", "tests.settings", ("locale", "__pycache__", "emulator")),
    "demo shop": (ROOT / "sandbox_site", "sandbox_site.settings", ("locale", "__pycache__")),
}


def shipped(directory: Path) -> Path:
    return directory / "locale" / "ru" / "LC_MESSAGES"


@pytest.mark.parametrize("name", CATALOGUES)
def test_the_shipped_catalogue_is_complete_and_compiled(name):
    directory, _, _ = CATALOGUES[name]
    po = polib.pofile(str(shipped(directory) / "django.po"))
    untranslated = [entry.msgid for entry in po if not translated(entry) and not entry.obsolete]
    fuzzy = [entry.msgid for entry in po if "fuzzy" in entry.flags]
    assert untranslated == [] and fuzzy == []
    mo = polib.mofile(str(shipped(directory) / "django.mo"))
    assert {e.msgid: texts(e) for e in mo} == {e.msgid: texts(e) for e in po if not e.obsolete and e.msgid}


def texts(entry) -> tuple[str, ...]:
    """An entry's translation: its one text, or every plural form (Russian has three)."""
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural, key=int))
    return (entry.msgstr,)


def translated(entry) -> bool:
    forms = texts(entry)
    return all(forms) and len(forms) == (3 if entry.msgid_plural else 1)


@pytest.mark.parametrize("name", CATALOGUES)
def test_every_string_in_the_code_has_a_russian_translation(name, tmp_path):
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: `make test` installs Debian's gettext")
    directory, settings_module, ignored = CATALOGUES[name]
    copy = tmp_path / directory.name
    shutil.copytree(directory, copy, ignore=shutil.ignore_patterns(*ignored))
    (copy / "locale").mkdir()
    subprocess.run(
        # -P: the copied folder must not shadow packages (the demo's celery.py would shadow Celery).
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "ru", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        text=True,
        env={
            "DJANGO_SETTINGS_MODULE": settings_module,
            "PYTHONPATH": str(ROOT),
            "SANDBOX_VAR_DIR": str(tmp_path / "var"),
            "PATH": "/usr/bin:/bin",
        },
    )
    extracted = polib.pofile(str(shipped(copy) / "django.po"))
    translations = {entry.msgid: entry for entry in polib.pofile(str(shipped(directory) / "django.po"))}
    missing = [
        entry.msgid
        for entry in extracted
        if entry.msgid and (entry.msgid not in translations or not translated(translations[entry.msgid]))
    ]
    assert missing == [], "strings without a Russian translation (run makemessages -l ru and translate them)"
