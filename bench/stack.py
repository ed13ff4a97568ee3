"""What the callback benchmarks start and stop: a fresh PostgreSQL database, Redis db 14, the emulator,
gunicorn and a Celery worker, all on 127.0.0.1, all gone again when the ``Stack`` closes.

``with Stack() as stack:`` cleans up on a normal exit, an exception, Ctrl-C (the children run in
sessions of their own, so the terminal's SIGINT reaches only this process, which then stops them in
order) and SIGTERM/SIGHUP. Each child also gets SIGTERM from the kernel if this process dies
without cleaning up (``PR_SET_PDEATHSIG``). Only the processes started here are ever signalled, by
their own process id or the process group each was started in.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 14
SUCCESS_CARD = {"card": "5519283812030000", "expiry": "12/30"}
CLK_TCK = os.sysconf("SC_CLK_TCK")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    # Fields after the command name, which may itself hold spaces and parentheses: [0] is field 3 (state).
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of ``pids`` (whole processes, every thread), from ``/proc/<pid>/stat``."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is None:
            raise RuntimeError(f"process {pid} is gone: a gunicorn worker died or was restarted mid-run")
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15), in clock ticks
    return total / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU time spent on this machine by everything, all cores (``/proc/stat``: all but idle and iowait)."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLK_TCK


class CpuMeter:
    """CPU seconds of processes that may come and go (PostgreSQL backends): each counted while it lives."""

    def __init__(self, list_pids: Callable[[], list[int]]) -> None:
        self.list_pids = list_pids
        self.seen: dict[int, float] = {}

    def _sample(self) -> dict[int, float]:
        sample = {}
        for pid in self.list_pids():
            fields = _stat_fields(pid)
            if fields is not None:
                sample[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
        return sample

    def start(self) -> None:
        self.seen = self._sample()

    def stop(self) -> float:
        """CPU since ``start``: deltas of survivors plus all of what started since (the gone are lost)."""
        now = self._sample()
        return sum(cpu - self.seen.get(pid, 0.0) for pid, cpu in now.items())


def children_of(pid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat_fields(int(name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(name))
    return sorted(found)


class Process:
    """A child process whose output goes to a log file in the stack's folder."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.log_path = folder / f"{name}.log"
        self._log = open(self.log_path, "wb")  # closed in stop()
        self.popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.pid = self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        """The first match of ``pattern`` in the log, waiting while the process lives."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.log())
            if match:
                return match
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        tail = "".join(self.log().splitlines(keepends=True)[-40:])
        raise RuntimeError(f"{self.name} did not get to {pattern!r} (exit code {self.popen.poll()}):\n{tail}")

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        # Whatever the child left in the process group it was started in (gunicorn or Celery workers).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self._log.close()


class Gunicorn(Process):
    def __init__(self, settings_module: str, workers: int, env: dict[str, str], folder: Path) -> None:
        argv = [
            sys.executable, "-m", "gunicorn",
            "--bind", "127.0.0.1:0",
            "--workers", str(workers),
            "--worker-class", "sync",
            "--timeout", "60",
            "--graceful-timeout", "5",
            "--chdir", str(ROOT),
            "--log-level", "info",
            "sandbox_site.wsgi:application",
        ]  # fmt: skip
        super().__init__("gunicorn", argv, {**env, "DJANGO_SETTINGS_MODULE": settings_module}, folder)
        self.workers = workers
        self.url, self.port = "", 0

    def wait_ready(self) -> None:
        self.url = self.wait_for(r"Listening at: (http://127\.0\.0\.1:\d+)", 30).group(1)
        self.port = int(self.url.rsplit(":", 1)[1])
        deadline = time.monotonic() + 30
        while len(self.worker_pids()) < self.workers:
            if time.monotonic() > deadline or self.popen.poll() is not None:
                raise RuntimeError(f"gunicorn did not boot {self.workers} workers:\n{self.log()[-3000:]}")
            time.sleep(0.05)

    def worker_pids(self) -> list[int]:
        return children_of(self.pid)


class Stack:
    """Everything one benchmark run needs, created on demand and removed on exit in reverse order."""

    def __init__(self) -> None:
        self.db_name = f"cascad_bench_{os.getpid()}"
        self.database_url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.db_name}"
        self.broker_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
        self.folder = Path(tempfile.mkdtemp(prefix="cascad_bench_"))
        self._cleanups: list[tuple[str, Callable[[], None]]] = []
        self._old_handlers: dict[int, object] = {}
        from cryptography.fernet import Fernet

        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "SANDBOX_VAR_DIR": str(self.folder / "var"),
            "CASCAD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CASCAD_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }

    # -- lifetime ---------------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        def stop(signum, frame):
            raise SystemExit(128 + signum)

        for signum in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[signum] = signal.signal(signum, stop)
        # Ctrl-C raises KeyboardInterrupt even when started with SIGINT ignored (a background job of a script).
        self._old_handlers[signal.SIGINT] = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.on_exit("temporary folder", lambda: shutil.rmtree(self.folder, ignore_errors=True))
        return self

    def __exit__(self, *exc_info) -> None:
        # A second Ctrl-C (or a SIGTERM) during cleanup must not leave the rest undone.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        try:
            while self._cleanups:
                name, cleanup = self._cleanups.pop()
                try:
                    cleanup()
                except Exception as exc:  # keep cleaning up the rest
                    print(f"cleanup of {name} failed: {exc}", file=sys.stderr)
        finally:
            for signum, handler in self._old_handlers.items():
                signal.signal(signum, handler)

    def on_exit(self, name: str, cleanup: Callable[[], None]) -> None:
        self._cleanups.append((name, cleanup))

    # -- PostgreSQL, Django, Redis -------------------------------------------------------------------

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.on_exit("database", self._drop_database)

    def _drop_database(self) -> None:
        import psycopg

        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def setup_django(self, settings_module: str) -> None:
        """Configure Django in this process on the bench database and migrate it."""
        os.environ.update(self.env)
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)

    def flush_redis(self) -> None:
        import redis

        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
        client.flushdb()
        self.on_exit("redis db 14", lambda: (client.flushdb(), client.close()))

    def database_backends(self) -> list[int]:
        """Process ids of the PostgreSQL backends serving the bench database, but this process's own."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [self.db_name]
            )
            return [row[0] for row in cursor.fetchall()]

    def redis(self):
        import redis

        return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)

    # -- processes ------------------------------------------------------------------------------------

    def _started(self, process: Process) -> Process:
        self.on_exit(process.name, process.stop)
        return process

    def start_emulator(self, *extra_args: str) -> str:
        argv = [sys.executable, "-m", "cascad_wagtail.emulator", "--host", "127.0.0.1", "--port", "0", *extra_args]
        process = self._started(Process("emulator", argv, self.env, self.folder))
        return process.wait_for(r"listening on (http://\S+)", 20).group(1)

    def start_gunicorn(self, settings_module: str, workers: int = 2) -> Gunicorn:
        """gunicorn with ``workers`` sync workers on a free port of 127.0.0.1, its workers booted."""
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            raise SystemExit("gunicorn is missing: .venv/bin/pip install -c constraints.txt -e '.[bench]'") from None
        server = self._started(Gunicorn(settings_module, workers, self.env, self.folder))
        server.wait_ready()
        return server

    def start_celery_worker(self, settings_module: str, pool: str, concurrency: int) -> Process:
        argv = [
            sys.executable, "-m", "celery", "-A", "sandbox_site", "worker",
            "--pool", pool, "--concurrency", str(concurrency),
            "--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        process = self._started(
            Process("celery-worker", argv, {**self.env, "DJANGO_SETTINGS_MODULE": settings_module}, self.folder)
        )
        process.wait_for(r" ready\.", 60)
        return process
