"""``make demo`` itself, as a newcomer runs it: it starts, the shop and its admin answer, Ctrl-C stops it all.

It uses the demo's default ports (8000 for the shop, 8100 for the emulator), so they must be free.
"""

from __future__ import annotations

import signal

import pytest
import requests

from ._demo import (
    BANNER,
    START_TIMEOUT,
    STOPPED,
    DemoProcess,
    demo_env,
    descendants,
    port_is_free,
    stop_and_check,
)

# Marked like the rest of tests/demo, so that leaving the browser tests out leaves out the whole demo.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

SITE_PORT, EMULATOR_PORT = 8000, 8100
SITE = f"http://127.0.0.1:{SITE_PORT}"


def test_make_demo_starts_answers_and_stops_on_ctrl_c(tmp_path):
    busy = [port for port in (SITE_PORT, EMULATOR_PORT) if not port_is_free(port)]
    if busy:
        pytest.fail(
            f"`make demo` needs ports {SITE_PORT} and {EMULATOR_PORT}, but {' and '.join(map(str, busy))} "
            "is already in use (another `make demo`?). Stop whatever listens there and run this test again.",
            pytrace=False,
        )
    make = DemoProcess(["make", "demo"], demo_env(tmp_path))
    pieces: dict[int, int] = {}
    try:
        make.wait_for(BANNER, START_TIMEOUT)
        pieces = descendants(make.process.pid)
        home = requests.get(f"{SITE}/", timeout=10)
        assert home.status_code == 200, home.status_code
        assert "Cascad demo shop" in home.text
        admin = requests.get(f"{SITE}/admin/", timeout=10, allow_redirects=False)
        if admin.status_code == 302:
            assert "/admin/login/" in admin.headers["Location"], admin.headers["Location"]
        else:
            assert admin.status_code == 200, admin.status_code
        assert (tmp_path / "db.sqlite3").exists(), "SANDBOX_VAR_DIR holds the demo's database"
    finally:
        pieces.update(descendants(make.process.pid))
        # Ctrl-C in a terminal: SIGINT to the whole foreground process group (make and the demo under it).
        code = stop_and_check(make, [SITE_PORT, EMULATOR_PORT], pieces, group=True)
    assert make.printed(STOPPED), f"the demo did not say it stopped:\n{make.output()}"
    # The demo exits 0; make itself, interrupted too, may die of the SIGINT (or report it as an error).
    assert code in (0, -signal.SIGINT, 2, 130), f"`make demo` exited with {code}:\n{make.output()}"
