"""The real pieces together: the emulator in ``auto`` mode calling a live server, and a real Celery worker.

The broker is Redis when it answers (or ``CELERY_BROKER_URL`` names one), else kombu's filesystem
transport in a temporary folder, and the suite says so loudly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import warnings

import pytest
from django.db import connection

from sandbox_site.env import answers
from tests.celery_app import app as celery_app
from tests.shop_fixtures import *  # noqa: F403 - the shop's fixtures

REDIS_TEST_DB = 15


def broker_url(tmp_path_factory) -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if url and not url.startswith("memory"):
        return url
    if answers("127.0.0.1", 6379):
        return f"redis://127.0.0.1:6379/{REDIS_TEST_DB}"
    warnings.warn("Redis is not answering: the worker tests fall back to the filesystem broker", stacklevel=1)
    print("\n*** Redis is not answering on 127.0.0.1:6379: using kombu's filesystem broker ***\n")
    return "filesystem://"


class Worker:
    """A ``celery worker`` process on the test database and the chosen broker."""

    def __init__(self, broker: str, database_url: str, folder) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_BROKER_URL": broker,
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
        }
        if broker == "filesystem://":
            env["TEST_BROKER_FOLDER"] = str(folder)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.celery_app",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "6",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(60):
            self.stop()
            raise RuntimeError("the Celery worker did not start:\n" + "".join(self.lines[-40:]))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if " ready." in line:
                self._ready.set()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def failures(self) -> list[str]:
        return [line for line in self.lines if "Traceback" in line or " ERROR/" in line]


def forget_connections() -> None:
    """Drop the app's cached connection and producer pools, so the next task goes to the new broker."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker(transactional_db, tmp_path_factory):
    """A real worker, and this process's Celery app pointed at the same broker (not eager)."""
    broker = broker_url(tmp_path_factory)
    folder = tmp_path_factory.mktemp("broker")
    if broker.startswith("redis://"):
        import redis

        redis.Redis.from_url(broker).flushdb()
    settings = connection.settings_dict
    database_url = (
        f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"
        if connection.vendor == "postgresql"
        else f"sqlite:///{settings['NAME']}"
    )
    if connection.vendor != "postgresql":
        pytest.fail("the worker tests need PostgreSQL (a worker process cannot share an in-memory SQLite database)")
    previous = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url", "broker_transport_options")}
    celery_app.conf.update(task_always_eager=False, broker_url=broker)
    if broker == "filesystem://":
        from sandbox_site.env import filesystem_broker

        celery_app.conf.broker_transport_options = filesystem_broker(folder)
    forget_connections()
    process = Worker(broker, database_url, folder)
    yield process
    process.stop()
    celery_app.conf.update(previous)
    forget_connections()


def wait_until(predicate, timeout: float, interval: float = 0.1, message: str = "condition"):
    """Poll ``predicate`` (a database read across processes has no event to await) until true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{message} not reached within {timeout}s")
