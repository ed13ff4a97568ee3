"""The demo shop's storefront adapter and vouchers, in the demo's own settings (see ``_sandbox_checks``):
catalogue, shipping, vouchers, whole checkouts paid through the emulator, stock, query counts, admin."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.demo._demo import ROOT, demo_env

from ._sandbox_checks import CHECKS


@pytest.mark.slow
@pytest.mark.emulator
def test_the_sandbox_storefront_in_the_demo_settings(tmp_path, emulator):
    env = {
        **demo_env(tmp_path),
        "DJANGO_SETTINGS_MODULE": "sandbox_site.settings",
        "SANDBOX_CASCAD_HOST": emulator.url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.storefront._sandbox_checks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert result.stdout.count("ok: ") == len(CHECKS), result.stdout
