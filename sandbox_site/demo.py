"""``make demo``: the whole demo on one machine, stopped together by Ctrl-C.

Migrates, starts the Cascad emulator (http://127.0.0.1:8100, callbacks and pending settlement scaled
to seconds), loads the demo data (the demo customer's orders are paid through the emulator), then runs
the shop (http://127.0.0.1:8000), a Celery worker and beat.
Embedded defaults: SQLite and kombu's filesystem broker in ``var/``; ``DATABASE_URL`` and
``CELERY_BROKER_URL`` switch to PostgreSQL and Redis. If any piece dies, everything stops.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
COLOURS = {"emulator": "35", "site": "36", "worker": "33", "beat": "32"}


class Piece:
    """One child process, its output prefixed with its name."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._relay, daemon=True).start()

    def _relay(self) -> None:
        colour = COLOURS.get(self.name, "0")
        prefix = f"\033[{colour}m{self.name:>8}\033[0m │ " if sys.stdout.isatty() else f"{self.name:>8} | "
        for line in self.process.stdout:
            sys.stdout.write(prefix + line)
            sys.stdout.flush()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.process.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def run(step: str, args: list[str], env: dict[str, str]) -> None:
    print(f"==> {step}", flush=True)
    subprocess.run(args, cwd=ROOT, env=env, check=True)


def wait_for_http(url: str, pieces: list[Piece], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not all(piece.alive for piece in pieces):
            raise SystemExit("a piece of the demo stopped while starting; see its output above")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error still means the server answers
                return
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-port", type=int, default=8000)
    parser.add_argument("--emulator-port", type=int, default=8100)
    parser.add_argument("--time-scale", type=float, default=60, help="60: a minute of retries lasts a second")
    parser.add_argument("--pending-settle-seconds", type=float, default=1200, help="emulator seconds (20 s at 60x)")
    args = parser.parse_args(argv)

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox_site.settings", "PYTHONUNBUFFERED": "1"}
    site = f"http://127.0.0.1:{args.site_port}"
    emulator = f"http://127.0.0.1:{args.emulator_port}"
    env.setdefault("WAGTAILADMIN_BASE_URL", site)
    manage = [PYTHON, "manage.py"]
    run("migrating the database", [*manage, "migrate", "--no-input", "-v", "0"], env)

    pieces: list[Piece] = []
    stopping = threading.Event()

    def stop_all(*_signal) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    try:
        pieces.append(
            Piece(
                "emulator",
                [
                    PYTHON,
                    "-m",
                    "cascad_wagtail.emulator",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(args.emulator_port),
                    "--time-scale",
                    str(args.time_scale),
                    "--pending-settle-seconds",
                    str(args.pending_settle_seconds),
                    "--default-callback-url",
                    f"{site}/cascad/callback/",
                ],
                env,
            )
        )
        wait_for_http(f"{emulator}/_emulator/config", pieces)
        # Once the emulator answers: the demo customer's past orders are paid through it.
        run(
            "loading the demo data",
            [*manage, "seed_demo", "--with-admin", "--port", str(args.site_port), "--cascad-host", emulator],
            env,
        )
        pieces.append(Piece("site", [*manage, "runserver", f"127.0.0.1:{args.site_port}", "--noreload"], env))
        celery = [PYTHON, "-m", "celery", "-A", "sandbox_site"]
        pieces.append(
            Piece("worker", [*celery, "worker", "--pool", "threads", "--concurrency", "4", "--loglevel", "INFO"], env)
        )
        pieces.append(Piece("beat", [*celery, "beat", "--loglevel", "INFO"], env))
        wait_for_http(f"{site}/", pieces)
        var = os.path.relpath(os.environ.get("SANDBOX_VAR_DIR") or ROOT / "var", ROOT)
        database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else f"SQLite ({var})"
        broker = os.environ.get("CELERY_BROKER_URL", "").split("://")[0] or "filesystem"
        print(
            f"""
  ┌──────────────────────────────────────────────────────────────────────┐
  │  The Cascad demo shop is running.                                    │
  │                                                                      │
  │  Shop            {site + "/":<52}│
  │  Wagtail admin   {site + "/admin/":<36}admin / admin   │
  │  Demo customer   customer@example.com / customer                     │
  │  Cascad (emul.)  {emulator + "/":<52}│
  │  Test card       5519 2838 1203 0000, any future expiry, any CVV     │
  │                                                                      │
  │  Database: {database:<21} Broker: {broker:<25}│
  │  Press Ctrl-C to stop everything.                                    │
  └──────────────────────────────────────────────────────────────────────┘
""",
            flush=True,
        )
        while not stopping.is_set():
            if not all(piece.alive for piece in pieces):
                dead = ", ".join(piece.name for piece in pieces if not piece.alive)
                print(f"==> {dead} stopped unexpectedly; stopping the demo", flush=True)
                return 1
            stopping.wait(0.5)
        print("\n==> stopping the demo", flush=True)
        return 0
    finally:
        for piece in reversed(pieces):
            piece.stop()
        for piece in reversed(pieces):
            piece.wait(15)
        print("==> stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
