"""The load generators, each a separate process on loopback, bounded in time.

Reads are driven by wrk (Debian's package; C, so the load generator takes as little as
possible of the two cores from the server it measures), with a Lua script that rotates
through the paths and credentials given and prints wrk's latency percentiles as JSON. The
referral write needs each request's If-Match to be the version the previous answer returned,
so it is driven by a small Python client (several processes, one keep-alive connection each,
each owning its own referrals so that no two clients race for one).

Both are closed loops at a fixed number of connections (one per gunicorn worker): latency
is measured at the client and includes loopback, under a load that keeps every worker busy."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bench.config import tool


@dataclass(frozen=True)
class Outcome:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
        }


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string for the ASCII we send


_LUA = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], headers[(n %% #headers) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%%d,"duration_us":%%d,"errors":%%d,"p50":%%d,"p95":%%d,"p99":%%d}\\n',
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk(
    base: str,
    paths: list[str],
    headers: list[dict[str, str]],
    *,
    seconds: float,
    connections: int,
) -> Outcome:
    """GET the paths in turn, with each set of headers in turn, for `seconds`."""
    script = _LUA % {
        "paths": ", ".join(_lua_string(p) for p in paths),
        "headers": ", ".join(
            "{" + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in h.items()) + "}"
            for h in headers or [{}]
        ),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        done = subprocess.run(  # noqa: S603
            [
                tool("wrk"),
                "--threads=1",
                f"--connections={connections}",
                f"--duration={max(1, round(seconds))}s",
                "--timeout=10s",
                f"--script={file.name}",
                base,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        Path(file.name).unlink()
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    found = json.loads(line.removeprefix("BENCH "))
    return Outcome(
        requests=found["requests"],
        errors=found["errors"],
        seconds=found["duration_us"] / 1e6,
        p50_ms=found["p50"] / 1000,
        p95_ms=found["p95"] / 1000,
        p99_ms=found["p99"] / 1000,
    )


if TYPE_CHECKING:
    from multiprocessing.queues import Queue

    # What each write client hands back: its latencies (s), its failed changes, its seconds.
    Results = Queue[tuple[list[float], int, float]]


@dataclass(frozen=True)
class StatusChanges:
    """Referrals moved between "in progress" and "on hold" with If-Match."""

    base: str
    token: str
    referrals: list[str]
    hold_reason: str


def _changer(job: StatusChanges, mine: list[str], seconds: float, out: Results) -> None:
    parts = urlsplit(job.base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    auth = {"Authorization": f"Bearer {job.token}"}

    def send(
        method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        connection.request(method, path, body=body, headers={**auth, **headers})
        answer = connection.getresponse()
        data = answer.read()
        if answer.getheader("Connection", "").lower() == "close":
            connection.close()
        return answer.status, dict(answer.getheaders()), data

    state: dict[str, tuple[str, str]] = {}
    for referral in mine:
        _, headers, data = send("GET", f"/api/v1/referrals/{referral}", None, {})
        state[referral] = (headers.get("ETag", ""), json.loads(data)["status"]["code"])
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + seconds
    turn = 0
    while time.perf_counter() < deadline:
        referral = mine[turn % len(mine)]
        turn += 1
        etag, status = state[referral]
        body = (
            {"status": "in_progress"}
            if status == "on_hold"
            else {"status": "on_hold", "reason": job.hold_reason}
        )
        sent = time.perf_counter()
        code, headers, data = send(
            "POST",
            f"/api/v1/referrals/{referral}/status",
            json.dumps(body).encode(),
            {"Content-Type": "application/json", "If-Match": etag},
        )
        latencies.append(time.perf_counter() - sent)
        if code == 200:
            state[referral] = (headers.get("ETag", ""), body["status"])
        else:
            errors += 1
            _, headers, data = send("GET", f"/api/v1/referrals/{referral}", None, {})
            state[referral] = (headers.get("ETag", ""), json.loads(data)["status"]["code"])
    out.put((latencies, errors, time.perf_counter() - started))


def status_changes(job: StatusChanges, *, seconds: float, connections: int) -> Outcome:
    clients = max(1, min(connections, len(job.referrals)))
    out: Results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(
            target=_changer, args=(job, job.referrals[i::clients], seconds, out)
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    latencies = sorted(value for found in results for value in found[0])
    cuts = (
        statistics.quantiles(latencies, n=100, method="inclusive")
        if len(latencies) > 1
        else latencies * 99
    )
    return Outcome(
        requests=len(latencies),
        errors=sum(found[1] for found in results),
        seconds=max(found[2] for found in results),
        p50_ms=cuts[49] * 1000,
        p95_ms=cuts[94] * 1000,
        p99_ms=cuts[98] * 1000,
    )
