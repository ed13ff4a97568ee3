"""The real demo (``python -m sandbox_site.demo``, what ``make demo`` runs) as a subprocess.

The ``demo`` fixture starts it once per module on free ports, with its SQLite database and filesystem
broker in a temporary folder (``SANDBOX_VAR_DIR``) and no ``DATABASE_URL`` / ``CELERY_BROKER_URL``, so it
runs on its embedded defaults exactly as a newcomer's does. It waits for the "Press Ctrl-C" banner,
and at the end presses Ctrl-C (SIGINT) and checks that everything stopped: exit code 0, every piece
(emulator, site, worker, beat) gone, the ports free.

The tests read the demo's database with the stdlib ``sqlite3`` module, read-only.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from ._demo import (
    BANNER,
    START_TIMEOUT,
    STOPPED,
    DemoProcess,
    ShopDatabase,
    demo_env,
    descendants,
    free_ports,
    stop_and_check,
)

# -- the running demo --------------------------------------------------------------------------------


@dataclasses.dataclass
class Demo:
    site: str
    emulator: str
    var_dir: Path
    process: DemoProcess

    @property
    def db(self) -> ShopDatabase:
        return ShopDatabase(self.var_dir / "db.sqlite3")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("demo-var")
    site_port, emulator_port = free_ports(2)
    args = [
        sys.executable,
        "-m",
        "sandbox_site.demo",
        "--site-port",
        str(site_port),
        "--emulator-port",
        str(emulator_port),
    ]
    process = DemoProcess(args, demo_env(var_dir))
    pieces: dict[int, int] = {}
    try:
        process.wait_for(BANNER, START_TIMEOUT)
        pieces = descendants(process.process.pid)
        yield Demo(
            site=f"http://127.0.0.1:{site_port}",
            emulator=f"http://127.0.0.1:{emulator_port}",
            var_dir=var_dir,
            process=process,
        )
    finally:
        pieces.update(descendants(process.process.pid))
        code = stop_and_check(process, [site_port, emulator_port], pieces)
    assert code == 0, f"the demo exited with {code} on Ctrl-C. Its last output:\n{process.output()}"
    assert process.printed(STOPPED), process.output()
