"""A real paylater server for the browser tests: uvicorn on a free port, a fresh SQLite file.

The demo merchant and its credentials are created the way ``paylater demo`` creates them, so the
demo shop sells through the public merchant API over HTTP.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from paylater.db import Database
from paylater.merchants import service as merchants
from paylater.schema import migrate

SECRET_KEY = "browser-test-secret"


@dataclass(frozen=True)
class Server:
    base_url: str
    database: Database
    username: str
    secret: str
    data_dir: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(folder: Path) -> Iterator[Server]:
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    url = f"sqlite:///{folder / 'paylater.db'}"
    database = Database(url)
    migrate(database)
    now = datetime.now(UTC)

    def seed(connection: object) -> dict[str, str]:
        from sqlalchemy import Connection

        assert isinstance(connection, Connection)
        merchant = merchants.create_merchant(
            connection, name="Demo Marketplace", country="SE", at=now, merchant_id="mer_demo"
        )
        issued = merchants.issue_credential(
            connection, merchant.id, key=SECRET_KEY.encode(), at=now, label="demo"
        )
        return {"merchant_id": merchant.id, "username": issued.username, "secret": issued.secret}

    credentials = database.run(seed)
    (data_dir / "demo-credentials.json").write_text(json.dumps(credentials))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "PAYLATER_DATABASE_URL": url,
        "PAYLATER_DATA_DIR": str(data_dir),
        "PAYLATER_SECRET_KEY": SECRET_KEY,
        "PAYLATER_PUBLIC_URL": base,
        "PAYLATER_SANDBOX": "true",
    }
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "paylater.app:serving_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "server.log").read_text())
            time.sleep(0.1)
        yield Server(base, database, credentials["username"], credentials["secret"], data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        database.dispose()
