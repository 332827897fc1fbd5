"""The server under test: joinedup.wsgi under gunicorn, as production serves it (production
settings via joinedup.settings.bench, DEBUG off), on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from types import TracebackType

from bench.config import BIN, VAR, django_env


def workers() -> int:
    """BENCH_WORKERS, or two per core: PostgreSQL and the load generator share the cores."""
    return int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1)))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`with Server(url, audit=True) as server:` gunicorn serving at server.base."""

    def __init__(self, database_url: str, *, audit: bool, name: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers()
        self._env = django_env(database_url, audit=audit)
        self._log = VAR / f"gunicorn-{name}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        VAR.mkdir(parents=True, exist_ok=True)
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603
                [
                    str(BIN / "gunicorn"),
                    "joinedup.wsgi:application",
                    f"--bind=127.0.0.1:{self.port}",
                    f"--workers={self.workers}",
                    "--worker-class=sync",
                    "--timeout=60",
                ],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_for_health()
        return self

    def _wait_for_health(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: see {self._log}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz within a minute: see {self._log}")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
