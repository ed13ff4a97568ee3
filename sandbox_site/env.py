"""Settings from the environment, with the embedded defaults of the demo (SQLite, filesystem broker)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import unquote, urlsplit


def database_from_url(url: str) -> dict:
    """``postgresql://user:pass@host:port/name`` or ``sqlite:////abs/path.sqlite3`` → Django's DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
        }
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parts.path or ":memory:"}
    raise ValueError(f"DATABASE_URL: unsupported scheme {parts.scheme!r} (use postgresql:// or sqlite://)")


def filesystem_broker(folder: Path) -> dict:
    """kombu's filesystem transport: a real broker with no server, for one machine."""
    for name in ("in", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "in"),
        "data_folder_out": str(folder / "in"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


def flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def answers(host: str, port: int) -> bool:
    """Whether a server accepts connections on ``host:port`` (to use PostgreSQL or Redis when they run)."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
