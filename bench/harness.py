"""Shared pieces for the benchmarks: a Tansu broker, a scratch PostgreSQL database,
gunicorn processes and a wrk run. Every benchmark measures its baseline in the same run."""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import Service, free_port, postgres_database, redis_url, run_cli, tansu_broker, wait_until_healthy  # noqa: E402,F401

BIN = Path(sys.executable).parent


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    """Kafka (Tansu unless KAFKA_BOOTSTRAP_SERVERS is set), PostgreSQL and Redis, as env vars."""
    with contextlib.ExitStack() as stack:
        kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or stack.enter_context(tansu_broker())
        postgres = stack.enter_context(postgres_database())
        instance = stack.enter_context(tempfile.TemporaryDirectory())
        env = {"KAFKA_BOOTSTRAP_SERVERS": kafka, "DATABASE_URL": postgres, "REDIS_URL": redis_url(),
               "ENGAGEMENT_KAFKA_TOPIC": f"bench.{int(time.time())}", "ENGAGEMENT_INSTANCE_PATH": instance,
               "ENGAGEMENT_REDIS_PREFIX": f"bench{time.time_ns()}:",
               "ENGAGEMENT_KAFKA_SESSION_TIMEOUT_MS": "6000", "ENGAGEMENT_KAFKA_HEARTBEAT_MS": "1000",
               "ENGAGEMENT_KAFKA_MAX_POLL_INTERVAL_MS": "10000", "ENGAGEMENT_LOG_LEVEL": "WARNING",
               # Throughput against bare baselines: one key's rate limit (200/s) would cap the load generator.
               "ENGAGEMENT_RATE_LIMIT_KEY": "off", "ENGAGEMENT_RATE_LIMIT_USER": "off"}
        run_cli(["db", "upgrade"], env)
        yield env


@contextlib.contextmanager
def gunicorn(target: str, env: dict[str, str], workers: int = 2, threads: int = 8) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--chdir", str(ROOT), target],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base) if target == "wsgi:app" else time.sleep(2)
        yield base
    finally:
        process.terminate()
        process.wait(30)


WRK_SCRIPT = """
local counter = 0
local prefix = "%s"
request = function()
  counter = counter + 1
  local id = prefix .. "-" .. counter
  local body = '{"id":"' .. id .. '","type":"like.added","actor":"p' .. (counter %% 500) ..
    '","target":{"kind":"article","id":"a' .. (counter %% 997) .. '","owner":"o1"},' ..
    '"time":"2026-11-23T09:00:00+01:00","source":"bench"}'
  return wrk.format("POST", "/v1/events", {["Content-Type"]="application/json",
    ["Authorization"]="Bearer %s"}, body)
end
"""


def wrk_post(base: str, key: str, seconds: int = 10, connections: int = 16) -> dict[str, float]:
    """Single-event POSTs with unique ids; answers requests/s and the non-2xx count."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (f"w{time.time_ns()}", key))
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name,
                          base], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
    return {"rps": rps, "errors": int(errors.group(1)) if errors else 0,
            "p99": p99.group(1) + p99.group(2) if p99 else "?"}


def report(name: str, numbers: dict) -> None:
    print(json.dumps({"benchmark": name, **numbers}, indent=2))
