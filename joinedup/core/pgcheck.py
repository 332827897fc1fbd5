"""Fail loudly when the PostgreSQL named by DATABASE_URL cannot be reached (used by CI)."""

from __future__ import annotations

import os
import sys

import dj_database_url
import psycopg


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url)
    try:
        with psycopg.connect(
            host=config["HOST"] or "127.0.0.1",
            port=int(config["PORT"] or 5432),
            user=config["USER"] or "postgres",
            password=config["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=5,
        ) as connection:
            version = connection.execute("show server_version").fetchone()
    except psycopg.OperationalError as error:
        print(
            f"PostgreSQL is unreachable at {config['HOST']}:{config['PORT']}: {error}",
            file=sys.stderr,
        )
        return 1
    print(f"PostgreSQL {version[0] if version else '?'} reachable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
