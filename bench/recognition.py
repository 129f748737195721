"""Recognition benchmark on Kafka, PostgreSQL and Redis, API under gunicorn, consumers separate.

Prints, measured in this run:
* the time from a like's 202 to its count being visible through the read API, p50 and p99,
  while 1,000 events/s of other likes are flowing (target: p99 under 100 ms);
* the read API's requests/s for a page of 50 targets, beside a bare Flask endpoint.

Run: python bench/recognition.py  (needs wrk, PostgreSQL and Redis; starts Tansu itself)
"""
from __future__ import annotations

import re
import statistics
import subprocess
import threading
import time
import uuid

import requests
from harness import ROOT, Service, gunicorn, report, run_cli, services  # noqa: I001

LOAD_PER_SECOND = 1000
SAMPLES = 200


def background_load(base: str, key: str, stop: threading.Event, sent: list[int]) -> None:
    """1,000 likes/s on 500 targets, in batches of 50 every 50 ms."""
    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}"}
    tick = time.monotonic()
    while not stop.is_set():
        batch = [{"id": f"bg-{uuid.uuid4().hex}", "type": "like.added", "actor": f"p{i}",
                  "target": {"kind": "article", "id": f"bg{i % 500}", "owner": "o1"},
                  "time": "2026-11-23T09:00:00+01:00"} for i in range(50)]
        if session.post(f"{base}/v1/events/batch", json={"events": batch}, headers=headers).status_code == 202:
            sent[0] += 50
        tick += 50 / LOAD_PER_SECOND
        time.sleep(max(tick - time.monotonic(), 0))


def like_to_visible(base: str, key: str) -> list[float]:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {key}"}
    latencies = []
    for n in range(SAMPLES):
        target = f"probe-{uuid.uuid4().hex[:10]}"
        event = {"id": f"probe-{n}-{target}", "type": "like.added", "actor": "prober",
                 "target": {"kind": "article", "id": target, "owner": "o2"}, "time": "2026-11-23T09:00:00+01:00"}
        assert session.post(f"{base}/v1/events", json=event, headers=headers).status_code == 202
        acked = time.perf_counter()
        while True:
            body = session.get(f"{base}/v1/targets?t=article:{target}", headers=headers).json()
            if body["targets"][0]["likes"] == 1:
                latencies.append((time.perf_counter() - acked) * 1000)
                break
            if time.perf_counter() - acked > 30:
                raise RuntimeError("a like did not become visible in 30 s")
            time.sleep(0.002)
        time.sleep(0.05)
    return latencies


def wrk_get(base: str, path: str, key: str, seconds: int = 8) -> float:
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-H", f"Authorization: Bearer {key}",
                          base + path], capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    with services() as env:
        key = run_cli(["keys", "create", "--name", "bench", "--scope", "events:write"], env)
        consumer = Service(["consume"], env, ROOT / "bench" / "consume.log").start()
        try:
            with gunicorn("wsgi:app", env) as base:
                stop, sent = threading.Event(), [0]
                load = threading.Thread(target=background_load, args=(base, key, stop, sent))
                started = time.perf_counter()
                load.start()
                time.sleep(3)
                latencies = like_to_visible(base, key)
                stop.set()
                load.join()
                rate = sent[0] / (time.perf_counter() - started)
                page = "/v1/targets?" + "&".join(f"t=article:bg{i}" for i in range(50))
                page_rps = wrk_get(base, page, key)
            with gunicorn("bench.bare_app:app", env) as bare:
                bare_rps = wrk_get(bare, "/v1/events", key, 5)
        finally:
            consumer.terminate()
    ordered = sorted(latencies)
    report("recognition", {
        "background_events_per_s": round(rate), "samples": len(ordered),
        "like_to_visible_p50_ms": round(statistics.median(ordered), 1),
        "like_to_visible_p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 1), "p99_target_ms": 100,
        "read_page_of_50_rps": page_rps, "bare_flask_get_rps": bare_rps,
        "read_vs_bare": round(page_rps / bare_rps, 3)})


if __name__ == "__main__":
    main()
