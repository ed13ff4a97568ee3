"""The demo's embedded default: SQLite and a real worker and beat on kombu's filesystem broker."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class Process:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for(self, text: str, timeout: float = 60) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: any(text in line for line in self.lines), timeout):
                raise AssertionError(f"{text!r} never appeared:\n" + "".join(self.lines[-30:]))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def demo_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update({"SANDBOX_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "sandbox_site.settings"})
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def manage(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_worker_and_beat_run_on_the_filesystem_broker(demo_env, tmp_path):
    assert manage(demo_env, "check").returncode == 0
    migrated = manage(demo_env, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "db.sqlite3").exists()
    celery = [sys.executable, "-m", "celery", "-A", "sandbox_site"]
    worker = Process([*celery, "worker", "--pool", "solo", "--loglevel", "INFO"], demo_env)
    beat = Process([*celery, "beat", "--loglevel", "INFO"], demo_env)
    try:
        worker.wait_for(" ready.")
        beat.wait_for("beat: Starting")
        sent = manage(
            demo_env, "shell", "-c", "from cascad_wagtail import tasks; tasks.reconcile.delay(everything=True)"
        )
        assert sent.returncode == 0, sent.stderr
        worker.wait_for("cascad_wagtail.tasks.reconcile")
        worker.wait_for("succeeded")
        assert (tmp_path / "broker" / "in").is_dir()
        assert list(tmp_path.glob("celerybeat-schedule*")), "beat keeps its schedule beside the database"
        registered = manage(
            demo_env, "shell", "-c", "from sandbox_site.celery import app; print(sorted(app.conf.beat_schedule))"
        )
        assert "cascad-reconcile" in registered.stdout and "cascad-expire" in registered.stdout
    finally:
        worker.stop()
        beat.stop()
