"""Drive the real ``@saleor/sdk`` in Node 20 from Python tests.

Two pinned npm projects live next to this file: ``v03`` (``@saleor/sdk@0.3.0-10``, the last release with
cart, checkout, payment and orders) and ``v07`` (``@saleor/sdk@0.7.0``, auth and user only). Each has a
``run.js`` that reads a scenario (``apiUrl``, ``channel``, ``steps``), runs the steps in order through the
SDK's own API and prints one JSON line per step::

    {"step": 0, "op": "setShippingAddress", "data": ..., "dataError": ..., "functionError": ...,
     "requests": [{"operations": ["CreateCheckout"], "batched": true, "status": 200, ...}],
     "state": {...the SDK's own state after the step...}}

The SDK reports failures as ``dataError`` / ``functionError`` instead of raising, so a test asserts on
them; :class:`SdkHarnessError` is raised only when the driver itself crashed (non-zero exit) or timed out.

Two ways to run:

* :func:`run_scenario` runs a fixed list of steps and returns the lines.
* :class:`SdkSession` keeps the SDK running and takes one step at a time (lines on the driver's stdin):
  this is how a test pauses the storefront, e.g. to pay on Cascad's page between ``completeCheckout``
  calls, or picks the next step from the previous answer (a shipping method id)::

      with SdkSession("0.3.0-10", api_url, "default-channel") as sdk:
          sdk.step("addItem", variantId=variant_id, quantity=1)
          ...
          first = sdk.step("completeCheckout")
          pay_on_cascad(json.loads(first["data"]["confirmationData"])["url"])
          second = sdk.step("completeCheckout")

A scenario may name a ``storage_file``: the driver loads ``localStorage`` from it and saves it after every
step, so a later run (or the ``reload`` op within a run) starts like a reloaded browser tab. Without one,
each run starts with an empty ``localStorage`` and an empty cookie jar: another browser, another device.

``record_errors=True`` adds the GraphQL errors of each answer to its ``requests`` entry
(``errors: [{"operation", "code", "message"}]``, ``code`` being ``extensions.exception.code``), e.g. to see
the ``ExpiredSignatureError`` that made the SDK refresh its token.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SDK_DIR = Path(__file__).resolve().parent
FOLDERS = {"0.3.0-10": "v03", "v03": "v03", "0.7.0": "v07", "v07": "v07"}
MIN_NODE_MAJOR = 20


class SdkHarnessError(RuntimeError):
    """The Node driver crashed, timed out or could not be installed (not an SDK error: those are data)."""

    def __init__(self, message: str, *, stderr: str = "", results: list[dict] | None = None):
        self.stderr = stderr
        self.results = results or []
        detail = f"\n--- node stderr ---\n{stderr.strip()}" if stderr.strip() else ""
        super().__init__(message + detail)


def folder(version: str) -> Path:
    """The npm project for an SDK version (``"0.3.0-10"`` / ``"0.7.0"``, or ``"v03"`` / ``"v07"``)."""
    try:
        return SDK_DIR / FOLDERS[version]
    except KeyError:
        raise ValueError(f"unknown SDK version {version!r}; known: {sorted(FOLDERS)}") from None


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise SdkHarnessError(
            f"`{name}` is not on PATH: the @saleor/sdk tests need Node {MIN_NODE_MAJOR} and npm "
            "(Debian: apt-get install nodejs npm, or NodeSource's nodejs 20)."
        )
    return path


def node() -> str:
    """Path of ``node``, checked to be Node 20 or newer."""
    path = _tool("node")
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    if not match or int(match.group(1)) < MIN_NODE_MAJOR:
        raise SdkHarnessError(f"Node {MIN_NODE_MAJOR} or newer is needed for the @saleor/sdk tests; found {version!r}")
    return path


def ensure_installed(version: str) -> Path:
    """Run ``npm ci`` in the version's folder when ``node_modules`` is missing or older than the lock file.

    npm writes ``node_modules/.package-lock.json`` at the end of an install, so its age tells whether the
    installed tree matches ``package-lock.json``. Concurrent callers wait on a lock (``flock`` on the lock file).
    """
    project = folder(version)
    lock = project / "package-lock.json"
    installed = project / "node_modules" / ".package-lock.json"

    def fresh() -> bool:
        return installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime

    if fresh():
        return project
    npm = _tool("npm")
    node()
    with open(lock) as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if not fresh():
                done = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                    cwd=project,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise SdkHarnessError(
                        f"`npm ci` failed in {project} (exit {done.returncode}); the npm registry must be reachable "
                        "or the packages in npm's cache",
                        stderr=done.stdout + done.stderr,
                    )
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return project


def _scenario(
    api_url: str,
    channel: str,
    steps,
    *,
    interactive: bool,
    storage_file,
    settle_ms,
    step_timeout_ms,
    record_errors: bool = False,
):
    scenario: dict[str, Any] = {
        "apiUrl": api_url,
        "channel": channel,
        "steps": list(steps),
        "interactive": interactive,
    }
    if record_errors:
        scenario["recordErrors"] = True
    if storage_file is not None:
        scenario["storageFile"] = str(storage_file)
    if settle_ms is not None:
        scenario["settleMs"] = settle_ms
    if step_timeout_ms is not None:
        scenario["stepTimeoutMs"] = step_timeout_ms
    return scenario


def _parse(stdout: str, stderr: str) -> list[dict]:
    results = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            raise SdkHarnessError(f"the driver printed a line that is not JSON: {line!r}", stderr=stderr) from None
    return results


def run_scenario(
    version: str,
    api_url: str,
    channel: str,
    steps: list[dict],
    timeout: float = 120,
    *,
    storage_file: str | os.PathLike | None = None,
    settle_ms: int | None = None,
    step_timeout_ms: int | None = None,
    record_errors: bool = False,
) -> list[dict]:
    """Run ``steps`` through the real SDK and return one dict per step (see the module docstring).

    ``record_errors``: each entry of a line's ``requests`` also lists the GraphQL errors the server answered,
    ``errors: [{"operation", "code" (extensions.exception.code), "message"}]``.
    """
    project = ensure_installed(version)
    with tempfile.TemporaryDirectory(prefix="saleor-sdk-") as tmp:
        path = Path(tmp) / "scenario.json"
        path.write_text(
            json.dumps(
                _scenario(
                    api_url,
                    channel,
                    steps,
                    interactive=False,
                    storage_file=storage_file,
                    settle_ms=settle_ms,
                    step_timeout_ms=step_timeout_ms,
                    record_errors=record_errors,
                )
            )
        )
        try:
            done = subprocess.run(
                [node(), "run.js", str(path)],
                cwd=project,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired as expired:
            out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout or ""
            err = expired.stderr.decode() if isinstance(expired.stderr, bytes) else expired.stderr or ""
            raise SdkHarnessError(
                f"the SDK scenario did not finish within {timeout} s", stderr=err, results=_parse(out, err)
            ) from None
    results = _parse(done.stdout, done.stderr)
    if done.returncode != 0:
        raise SdkHarnessError(
            f"the SDK driver crashed (exit {done.returncode}) after {len(results)} of {len(steps)} steps",
            stderr=done.stderr,
            results=results,
        )
    if len(results) != len(steps):
        raise SdkHarnessError(
            f"the SDK driver printed {len(results)} lines for {len(steps)} steps", stderr=done.stderr, results=results
        )
    return results


class SdkSession:
    """The SDK kept running in Node, driven one step at a time; the pause mechanism for tests.

    Each :meth:`step` writes one JSON line to the driver's stdin and waits for its result line, so the test
    can act between steps (pay on Cascad's page, deliver a callback, read the database) for as long as it
    likes. :meth:`close` (or leaving the ``with`` block) ends the driver and checks it exited cleanly.
    """

    def __init__(
        self,
        version: str,
        api_url: str,
        channel: str,
        *,
        steps: Sequence[dict] = (),
        storage_file: str | os.PathLike | None = None,
        settle_ms: int | None = None,
        step_timeout_ms: int | None = None,
        timeout: float = 60,
        record_errors: bool = False,
    ):
        self.timeout = timeout
        self.results: list[dict] = []
        project = ensure_installed(version)
        self._tmp = tempfile.TemporaryDirectory(prefix="saleor-sdk-")
        path = Path(self._tmp.name) / "scenario.json"
        self._initial = len(steps)
        path.write_text(
            json.dumps(
                _scenario(
                    api_url,
                    channel,
                    steps,
                    interactive=True,
                    storage_file=storage_file,
                    settle_ms=settle_ms,
                    step_timeout_ms=step_timeout_ms,
                    record_errors=record_errors,
                )
            )
        )
        self._process = subprocess.Popen(
            [node(), "run.js", str(path)],
            cwd=project,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self._lines: queue.Queue = queue.Queue()
        self._stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._pump_stdout, daemon=True),
            threading.Thread(target=self._pump_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        for _ in range(self._initial):
            self._next()

    def _pump_stdout(self):
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of stdout

    def _pump_stderr(self):
        for line in self._process.stderr:
            self._stderr.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def _next(self, timeout: float | None = None) -> dict:
        try:
            line = self._lines.get(timeout=timeout or self.timeout)
        except queue.Empty:
            self._kill()
            raise SdkHarnessError(
                f"no answer from the SDK driver within {timeout or self.timeout} s",
                stderr=self.stderr,
                results=self.results,
            ) from None
        if line is None:
            code = self._process.wait()
            for reader in self._readers:
                reader.join(timeout=5)
            raise SdkHarnessError(
                f"the SDK driver ended (exit {code}) after {len(self.results)} steps",
                stderr=self.stderr,
                results=self.results,
            )
        result = json.loads(line)
        self.results.append(result)
        return result

    def step(self, op: str, /, timeout: float | None = None, **fields) -> dict:
        """Run one step (``op`` plus its fields, as in a scenario) and return its result line."""
        try:
            self._process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            pass  # the driver is gone: _next reports its exit and stderr
        return self._next(timeout)

    def close(self, timeout: float = 30) -> list[dict]:
        """End the driver; raise if it crashed. Returns every result line."""
        if self._process.poll() is None:
            try:
                self._process.stdin.write(json.dumps({"op": "exit"}) + "\n")
                self._process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            code = self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise SdkHarnessError("the SDK driver did not exit", stderr=self.stderr, results=self.results) from None
        for reader in self._readers:
            reader.join(timeout=5)
        self._tmp.cleanup()
        if code != 0:
            raise SdkHarnessError(f"the SDK driver crashed (exit {code})", stderr=self.stderr, results=self.results)
        return self.results

    def _kill(self):
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> SdkSession:
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self._kill()
            self._tmp.cleanup()
