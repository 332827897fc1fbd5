"""Generated regions in PostgreSQL, built once and cached.

A region is built with `joinedup seed-region --people N --seed 2026` into an empty database,
then dumped (pg_dump custom format) to var/bench/region-<label>-<key>.dump. The key hashes the
people count, the seed, every migration and the region generator's source, so a change to any
of them builds afresh, and a rerun restores the dump instead. The database carries the key in
its comment; a database whose comment matches is used as it is."""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench.config import BIN, PG_URL, ROOT, SEED, VAR, Scale, django_env, tool

Say = Callable[[str], None]


def region_key(scale: Scale) -> str:
    """Changes whenever what `seed-region` would build changes."""
    digest = hashlib.sha256(f"{scale.people}:{SEED}".encode())
    package = ROOT / "joinedup"
    sources = sorted(package.glob("*/migrations/*.py")) + sorted(
        path for path in (package / "demo").rglob("*.py") if "tests" not in path.parts
    )
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(  # noqa: S603
        [
            tool("psql"),
            f"{PG_URL}/{database}",
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def _marker(scale: Scale) -> str:
    """The key in the database's comment; empty if there is no such database or comment.
    (The database names are the harness's own constants, never input.)"""
    found = _psql(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database "  # noqa: S608
        f"WHERE datname = '{scale.database}'"
    )
    return found.removeprefix("joinedup-bench ")


def _recreate(database: str) -> None:
    _psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _psql(f'CREATE DATABASE "{database}"')


def _mark(scale: Scale, key: str) -> None:
    _psql(f"COMMENT ON DATABASE \"{scale.database}\" IS 'joinedup-bench {key}'")


def dump_path(scale: Scale, key: str) -> Path:
    return VAR / f"region-{scale.label}-{key}.dump"


def ensure_region(scale: Scale, say: Say) -> dict[str, object]:
    """Make scale.database hold the current region; say how, and how long it took."""
    key = region_key(scale)
    started = time.perf_counter()
    if _marker(scale) == key:
        say(f"{scale.label}: database {scale.database} already holds the current region")
        return {"how": "reused", "key": key, "seconds": 0.0}
    dump = dump_path(scale, key)
    VAR.mkdir(parents=True, exist_ok=True)
    _recreate(scale.database)
    if dump.exists():
        say(f"{scale.label}: restoring {dump.name}")
        subprocess.run(  # noqa: S603
            [
                tool("pg_restore"),
                "--no-owner",
                "--jobs=2",
                f"--dbname={scale.url}",
                str(dump),
            ],
            check=True,
        )
        _psql("ANALYZE", scale.database)
        how = "restored"
    else:
        say(f"{scale.label}: building a region of {scale.people:,} people (seed {SEED})")
        env = django_env(scale.url)
        joinedup = str(BIN / "joinedup")
        subprocess.run([joinedup, "migrate", "--no-input", "-v", "0"], check=True, env=env)  # noqa: S603
        subprocess.run(  # noqa: S603
            [joinedup, "seed-region", "--people", str(scale.people), "--seed", str(SEED)],
            check=True,
            env=env,
        )
        _psql("VACUUM ANALYZE", scale.database)
        say(f"{scale.label}: dumping to {dump.name}")
        partial = dump.with_suffix(".partial")
        subprocess.run(  # noqa: S603
            [tool("pg_dump"), "--format=custom", "--compress=1", f"--file={partial}", scale.url],
            check=True,
        )
        partial.rename(dump)
        for stale in VAR.glob(f"region-{scale.label}-*.dump"):
            if stale != dump:
                stale.unlink()
        how = "built"
    _mark(scale, key)
    seconds = time.perf_counter() - started
    say(f"{scale.label}: region {how} in {seconds:.0f} s")
    return {"how": how, "key": key, "seconds": round(seconds, 1)}


def empty_database(name: str) -> str:
    """A fresh, migrated database for importing into; its URL."""
    _recreate(name)
    url = f"{PG_URL}/{name}"
    subprocess.run(  # noqa: S603
        [str(BIN / "joinedup"), "migrate", "--no-input", "-v", "0"],
        check=True,
        env=django_env(url),
    )
    return url


def drop_database(name: str) -> None:
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version() -> str:
    return _psql("SHOW server_version")
