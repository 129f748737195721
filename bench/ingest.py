"""Ingest benchmark, under gunicorn against a Kafka-protocol broker.

Prints, measured in this one run:
* single-event requests/s as a ratio to a bare Flask endpoint that answers 202 (target >= 0.5), and
  the gunicorn processes' CPU ms per request as the same ratio (``single_cpu_vs_bare``): the one
  that still means something when other work shares the machine;
* batch-ingest events/s as a ratio to raw kafka-python producer throughput (target >= 0.9);
* both again with ENGAGEMENT_KAFKA_PRODUCER=confluent-kafka when confluent-kafka is installed.

The API runs as in production (docker-compose.yml): ENGAGEMENT_CONSUMERS=external, the read models
in their own processes, which this benchmark does not start; ``--in-process`` measures the API
with every read model applied in its workers too, as the embedded default does.

Run: python bench/ingest.py [--in-process]  (needs wrk, PostgreSQL and Redis; starts Tansu itself)

``--cpu [N]`` measures instead what wall-clock rates on a shared machine cannot: the CPU seconds one
process spends per single-event request (``time.process_time``, so the producer's own threads
count too), N requests (5,000) called straight through WSGI, one after another, each answered 202
only once Tansu acknowledged it; the bare endpoint likewise. ``--profile`` adds a cProfile of the
kafka-python run (the request thread's CPU time), written to /tmp/ingest.pstats (read it with ``python -m pstats``).
"""
from __future__ import annotations

import cProfile
import importlib.util
import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import requests
from harness import gunicorn, report, run_cli, services, wrk_post  # noqa: I001
from kafka import KafkaProducer

from engagement.events import Event, Target

TOTAL = 50_000
WRK_SECONDS = 10
BATCH = 500
PROFILE_FILE = "/tmp/ingest.pstats"


def event(i: int, prefix: str) -> dict:
    return {"id": f"{prefix}-{i}", "type": "like.added", "actor": f"p{i % 500}",
            "target": {"kind": "article", "id": f"a{i % 997}", "owner": "o1"},
            "time": "2026-11-23T09:00:00+01:00", "source": "bench"}


def batch_ingest(base: str, key: str) -> float:
    """Acknowledged events/s for TOTAL events in batches of BATCH, from 4 client threads."""
    prefix = uuid.uuid4().hex[:8]
    bodies = [json.dumps({"events": [event(i, prefix) for i in range(s, s + BATCH)]}).encode()
              for s in range(0, TOTAL, BATCH)]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    failures = []

    def post(chunk: list[bytes]) -> None:
        with requests.Session() as session:
            for body in chunk:
                answer = session.post(f"{base}/v1/events/batch", data=body, headers=headers)
                if answer.status_code != 202:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
    threads = [threading.Thread(target=post, args=(bodies[i::4],)) for i in range(4)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:  # a 503 under overload is an honest answer (nothing acknowledged is lost): say so
        print(f"{len(failures)} batches refused, e.g. {failures[0]}", file=sys.stderr)
    return (TOTAL - BATCH * len(failures)) / elapsed


def raw_producer(bootstrap: str, topic: str) -> float:
    """Events/s for the same TOTAL events' wire bytes through one kafka-python producer."""
    now = datetime.now(UTC)
    wires = [(f"article:a{i % 997}".encode(), Event(
        id=f"raw-{i}", type="like.added", actor=f"p{i % 500}", target=Target("article", f"a{i % 997}", "o1"),
        time=now, source="bench", received_at=now, submitted_by="key:bench").to_wire()) for i in range(TOTAL)]
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=2)
    producer.send(topic, b"warm").get(10)
    started = time.perf_counter()
    futures = [producer.send(topic, key=k, value=v) for k, v in wires]
    for f in futures:
        f.get(60)
    elapsed = time.perf_counter() - started
    producer.close()
    return TOTAL / elapsed


def served_cpu(base: str) -> float:
    """CPU seconds so far of the gunicorn processes (arbiter and workers, every thread) on ``base``'s port."""
    bind, tick, total = base.removeprefix("http://"), os.sysconf("SC_CLK_TCK"), 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if bind.encode() not in cmdline.read().split(b"\0"):
                    continue
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wrk_measured(base: str, key: str) -> dict[str, float]:
    """A wrk run, and the server's CPU ms per request: on a machine shared with other work, the
    requests/s follow the load, what the server spends on each request much less."""
    started = served_cpu(base)
    run = wrk_post(base, key, WRK_SECONDS)
    return {**run, "cpu_ms": round((served_cpu(base) - started) / (run["rps"] * WRK_SECONDS) * 1000, 3)}


def tillit(env: dict[str, str], key: str, producer: str) -> dict[str, float]:
    """Single events with wrk, then batches, through the API publishing with ``producer``."""
    with gunicorn("wsgi:app", {**env, "ENGAGEMENT_KAFKA_PRODUCER": producer}) as base:
        wrk_post(base, key, 3)
        single = wrk_measured(base, key)
        return {**single, "batch": batch_ingest(base, key)}


def wsgi_calls(app, bodies: list[bytes], key: str) -> int:
    """Each body POSTed to /v1/events through ``app``'s WSGI callable; answers how many got 202."""
    base = {"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/events", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json", "HTTP_AUTHORIZATION": f"Bearer {key}",
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}
    accepted, statuses = 0, []
    for body in bodies:
        environ = {**base, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        answer = app(environ, lambda status, _headers, _exc=None: statuses.append(status))
        b"".join(answer)
        getattr(answer, "close", lambda: None)()
        accepted += statuses.pop().startswith("202")
    return accepted


def cpu_one(target: str, key: str, count: int, profile: bool) -> dict[str, float]:
    """CPU ms per request of ``target`` (the API or the bare app) in this process, env already set."""
    if target == "bare":
        from bench.bare_app import app
    else:
        from engagement import create_app
        app = create_app()
    prefix = uuid.uuid4().hex[:8]
    bodies = [json.dumps(event(i, prefix)).encode() for i in range(count + 300)]
    wsgi_calls(app, bodies[:300], key)  # warm: the producer's connection, the key's cache, imports
    profiler = cProfile.Profile(time.thread_time) if profile else None  # CPU, not the waits for acks
    started_cpu, started, started_thread = time.process_time(), time.perf_counter(), time.thread_time()
    if profiler:
        profiler.enable()
    accepted = wsgi_calls(app, bodies[300:], key)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    request_thread = time.thread_time() - started_thread
    if profiler:
        profiler.dump_stats(PROFILE_FILE)
    return {"cpu_ms_per_request": round(cpu / count * 1000, 3), "wall_ms_per_request": round(wall / count * 1000, 3),
            "request_thread_cpu_ms": round(request_thread / count * 1000, 3), "accepted": accepted}


def cpu_main(count: int, profile: bool) -> None:
    """CPU per request of the bare endpoint and the API with each producer, each in its own process."""
    def child(target: str, producer: str, env: dict[str, str], key: str) -> dict:
        traced = profile and target == "api" and producer == "kafka-python"
        args = [sys.executable, __file__, "--cpu-one", target, key, str(count)] + (["--profile"] if traced else [])
        done = subprocess.run(args, env={**os.environ, **env, "ENGAGEMENT_KAFKA_PRODUCER": producer},
                              capture_output=True, text=True, check=False)
        sys.stderr.write(done.stderr[-20000:] if done.returncode else "")
        return json.loads(done.stdout.strip().splitlines()[-1])
    with services() as env:
        env["ENGAGEMENT_CONSUMERS"] = "external"
        key = run_cli(["keys", "create", "--name", "bench", "--scope", "events:write"], env)
        numbers: dict = {"requests": count, "bare_flask": child("bare", "kafka-python", env, key)}
        producers = ["kafka-python"] + (["confluent-kafka"] if importlib.util.find_spec("confluent_kafka") else [])
        for producer in producers:
            numbers[producer] = run = child("api", producer, env, key)
            run["cpu_vs_bare"] = round(numbers["bare_flask"]["cpu_ms_per_request"] / run["cpu_ms_per_request"], 3)
    numbers["load_average"] = os.getloadavg()
    report("ingest_cpu", numbers)


def main() -> None:
    if "--cpu-one" in sys.argv:
        at = sys.argv.index("--cpu-one")
        target, key, count = sys.argv[at + 1], sys.argv[at + 2], int(sys.argv[at + 3])
        print(json.dumps(cpu_one(target, key, count, "--profile" in sys.argv)))
        return
    if "--cpu" in sys.argv:
        at = sys.argv.index("--cpu")
        given = sys.argv[at + 1] if len(sys.argv) > at + 1 and sys.argv[at + 1].isdigit() else None
        return cpu_main(int(given or 5000), "--profile" in sys.argv)
    with services() as env:
        env["ENGAGEMENT_CONSUMERS"] = "in-process" if "--in-process" in sys.argv else "external"
        key = run_cli(["keys", "create", "--name", "bench", "--scope", "events:write"], env)
        with gunicorn("bench.bare_app:app", env) as base:
            wrk_post(base, key, 2)
            bare = wrk_measured(base, key)
        runs = {"kafka_python": tillit(env, key, "kafka-python")}
        if importlib.util.find_spec("confluent_kafka"):
            runs["confluent_kafka"] = tillit(env, key, "confluent-kafka")
        raw_rate = raw_producer(env["KAFKA_BOOTSTRAP_SERVERS"], env["ENGAGEMENT_KAFKA_TOPIC"] + ".raw")
    numbers: dict = {"consumers": env["ENGAGEMENT_CONSUMERS"], "bare_flask_rps": bare["rps"],
                     "bare_flask_p99": bare["p99"], "bare_flask_cpu_ms": bare["cpu_ms"],
                     "raw_producer_events_per_s": round(raw_rate),
                     "single_target": 0.5, "batch_target": 0.9}
    for name, run in runs.items():
        numbers[name] = {
            "single_event_rps": run["rps"], "single_event_p99": run["p99"], "single_event_errors": run["errors"],
            "single_vs_bare": round(run["rps"] / bare["rps"], 3), "single_event_cpu_ms": run["cpu_ms"],
            "single_cpu_vs_bare": round(bare["cpu_ms"] / run["cpu_ms"], 3),
            "batch_ingest_events_per_s": round(run["batch"]),
            "batch_vs_raw_producer": round(run["batch"] / raw_rate, 3)}
    report("ingest", numbers)


if __name__ == "__main__":
    main()
