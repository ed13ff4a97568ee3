"""Running the demo (``python -m sandbox_site.demo``, what ``make demo`` runs) and looking at what it left.

``DemoProcess`` collects a process's output line by line; ``stop_and_check`` presses Ctrl-C and checks that
every piece stopped and its ports are free; ``ShopDatabase`` reads the demo's SQLite file, read-only.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BANNER = "Press Ctrl-C to stop everything."
STOPPED = "==> stopped"
#: Migrating a fresh SQLite database and seeding the demo takes a while on a slow machine.
START_TIMEOUT = 180
STOP_TIMEOUT = 60


# -- the demo's processes ---------------------------------------------------------------------------


class DemoProcess:
    """A process whose output (with its pieces' output, prefixed) is collected line by line."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        self.args = args
        self.lines: list[str] = []
        self.closed = False
        self.changed = threading.Condition()
        # A session of its own: a Ctrl-C in pytest's terminal reaches pytest, which then stops the demo.
        self.process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def output(self, last: int = 60) -> str:
        with self.changed:
            return "".join(self.lines[-last:])

    def printed(self, text: str) -> bool:
        with self.changed:
            return any(text in line for line in self.lines)

    def wait_for(self, text: str, timeout: float) -> None:
        """Wait until a line contains ``text``; fail with the output if it never does."""
        with self.changed:
            self.changed.wait_for(lambda: self.closed or any(text in line for line in self.lines), timeout)
        if not self.printed(text):
            state = f"exited with {self.process.poll()}" if self.process.poll() is not None else "still running"
            pytest.fail(
                f"{' '.join(self.args)!r} did not print {text!r} within {timeout:.0f}s ({state}). "
                f"Its last output:\n{self.output()}",
                pytrace=False,
            )

    def wait(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


# -- processes and ports, from /proc and the socket API ----------------------------------------------


def _stat(pid: int) -> tuple[int, str, int] | None:
    """``(parent pid, state, start time)`` of a process, or ``None`` once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], int(fields[19])


def descendants(pid: int) -> dict[int, int]:
    """Every process below ``pid`` (children, grandchildren, …) as ``{pid: start time}``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat:
                children.setdefault(stat[0], []).append(int(entry.name))
    found: dict[int, int] = {}
    queue = [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            stat = _stat(child)
            if stat and child not in found:
                found[child] = stat[2]
                queue.append(child)
    return found


def still_running(processes: dict[int, int]) -> list[int]:
    """The processes of ``processes`` (``{pid: start time}``) that are still alive (not zombies, not reused)."""
    alive = []
    for pid, started in processes.items():
        stat = _stat(pid)
        if stat and stat[2] == started and stat[1] != "Z":
            alive.append(pid)
    return alive


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:``port`` now (TIME_WAIT leftovers do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_until_free(ports: list[int], timeout: float = 10) -> list[int]:
    """The ports still taken after ``timeout`` seconds (an empty list once all are free)."""
    deadline = time.monotonic() + timeout
    while True:
        busy = [port for port in ports if not port_is_free(port)]
        if not busy or time.monotonic() > deadline:
            return busy
        time.sleep(0.2)


def demo_env(var_dir: Path) -> dict[str, str]:
    """The caller's environment on the demo's embedded defaults, its files in ``var_dir``."""
    dropped = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "DJANGO_SETTINGS_MODULE")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.pop("WAGTAILADMIN_BASE_URL", None)  # the demo points it at its own site
    env.update({"SANDBOX_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"})
    return env


def interrupt(demo: DemoProcess, group: bool) -> None:
    """Ctrl-C: SIGINT to the process, or to its whole process group as a terminal sends it."""
    if demo.process.poll() is not None:
        return
    try:
        if group:
            os.killpg(demo.process.pid, signal.SIGINT)
        else:
            demo.process.send_signal(signal.SIGINT)
    except ProcessLookupError:
        pass


def stop_and_check(demo: DemoProcess, ports: list[int], pieces: dict[int, int], group: bool = False) -> int:
    """Press Ctrl-C, wait, and check that nothing is left running or listening; returns the exit code."""
    interrupt(demo, group)
    code = demo.wait(STOP_TIMEOUT)
    left = still_running(pieces)
    if code is None or left:
        kill_all(left)
        if code is None:
            demo.process.kill()
            demo.wait(10)
        pytest.fail(
            f"the demo did not stop on Ctrl-C within {STOP_TIMEOUT}s (exit code {code}, "
            f"processes still running: {left}). Its last output:\n{demo.output()}",
            pytrace=False,
        )
    busy = wait_until_free(ports)
    assert not busy, f"ports {busy} are still taken after the demo stopped. Its last output:\n{demo.output()}"
    return code


# -- the demo's database, read-only ------------------------------------------------------------------


class ShopDatabase:
    """Read-only queries on the demo's SQLite file (the site, worker and beat write it meanwhile)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str, *params) -> list[sqlite3.Row]:
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=20)
        connection.row_factory = sqlite3.Row
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def order(self, token: str) -> sqlite3.Row:
        """The ``shop_order`` row of the order whose private link carries ``token`` (a UUID)."""
        rows = self.query("SELECT * FROM shop_order WHERE token = ?", token.replace("-", ""))
        assert rows, f"no order with token {token} in {self.path}"
        return rows[0]

    def order_of_invoice(self, invoice_id: str) -> sqlite3.Row:
        rows = self.query(
            "SELECT o.* FROM shop_order o JOIN cascad_wagtail_payment p ON p.order_id = o.id WHERE p.invoice_id = ?",
            invoice_id,
        )
        assert rows, f"no order with a payment for {invoice_id} in {self.path}"
        return rows[0]

    def payments(self, order_id: int) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM cascad_wagtail_payment WHERE order_id = ? ORDER BY id", order_id)

    def events(self, payment_id: int) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM cascad_wagtail_paymentevent WHERE payment_id = ? ORDER BY id", payment_id)

    def callbacks(self, invoice_id: str) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM cascad_wagtail_callbackevent WHERE invoice_id = ? ORDER BY id", invoice_id)

    def wait_for_order_status(self, order_id: int, status: str, timeout: float) -> sqlite3.Row:
        """Poll until the order's ``payment_status`` is ``status``; fail with what it is after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            row = self.query("SELECT * FROM shop_order WHERE id = ?", order_id)[0]
            if row["payment_status"] == status or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        assert row["payment_status"] == status, (
            f"order {order_id} is {row['payment_status']!r}, not {status!r}, after {timeout:.0f}s"
        )
        return row
