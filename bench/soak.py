"""Soak: sustained mixed traffic against gunicorn, Kafka (Tansu), Redis and PostgreSQL.

For TILLIT_SOAK_SECONDS (600) clients send likes, unlikes, comments, Bra!s, articles and ideas
as single events and small batches at TILLIT_SOAK_RATE events/s (300) from 2,000 people in
100 teams, and read counts, notifications and the trust report beside. Every 10 s it samples
throughput, p50/p99 latency of the writes, consumer lag per read model and the memory of the
API workers and the consumer process. At the end it waits for the consumers to catch up and
checks that every acknowledged event is in the ledger exactly once. Prints JSON and writes
bench/results/soak.png and soak.json.

Run: python bench/soak.py  (needs PostgreSQL and Redis; starts Tansu itself)
"""
from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import threading
import time
import uuid

import psycopg
import requests
from harness import ROOT, Service, gunicorn, report, run_cli, services  # noqa: I001

SECONDS = int(os.environ.get("TILLIT_SOAK_SECONDS", "600"))
RATE = int(os.environ.get("TILLIT_SOAK_RATE", "300"))
CLIENTS, PEOPLE, TEAMS, SAMPLE_EVERY = 8, 2000, 100, 10
RESULTS = ROOT / "bench" / "results"


class Recorder:
    """Latencies and outcomes of writes, in windows between samples."""

    def __init__(self):
        self.lock, self.window, self.acked, self.refused = threading.Lock(), [], set(), 0

    def record(self, seconds: float, ids: list[str], ok: bool) -> None:
        with self.lock:
            self.window.append(seconds)
            if ok:
                self.acked.update(ids)
            else:
                self.refused += len(ids)

    def take(self) -> list[float]:
        with self.lock:
            window, self.window = self.window, []
        return window


def event(rng: random.Random) -> dict:
    actor, owner = f"p{rng.randrange(PEOPLE)}", f"p{rng.randrange(PEOPLE)}"
    target = {"kind": "article", "id": f"a{rng.randrange(5000)}", "owner": owner}
    kind = rng.choices(["like.added", "like.removed", "comment.posted", "kudos.given", "content.published",
                        "idea.submitted"], [50, 10, 15, 10, 10, 5])[0]
    out = {"id": f"s-{uuid.uuid4().hex}", "type": kind, "actor": actor, "target": target,
           "time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}
    if kind == "comment.posted":
        out["data"] = {"comment_id": out["id"], "text": "Godt poeng!"}
    elif kind == "kudos.given":
        out["target"] = {"kind": "person", "id": owner, "owner": owner}
    elif kind == "content.published":
        out["target"] = {**target, "owner": actor}
        out["data"] = {"content_kind": "article", "title": "Nytt fra teamet"}
    elif kind == "idea.submitted":
        out["target"] = {"kind": "idea", "id": out["id"], "owner": actor}
        out["data"] = {"title": "En idé"}
    return out


def client(base: str, key: str, stop: threading.Event, recorder: Recorder, seed: int) -> None:
    """One intranet back end: its share of the rate, mostly single events, every tenth a batch of 10."""
    rng, session = random.Random(seed), requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    per_second, tick = RATE / CLIENTS, time.monotonic()
    while not stop.is_set():
        batch = [event(rng) for _ in range(10 if rng.random() < 0.1 else 1)]
        started = time.perf_counter()
        try:
            path, body = ("/v1/events", batch[0]) if len(batch) == 1 else ("/v1/events/batch", {"events": batch})
            ok = session.post(base + path, json=body, timeout=30).status_code == 202
        except requests.RequestException:
            ok = False
        recorder.record(time.perf_counter() - started, [e["id"] for e in batch], ok)
        if rng.random() < 0.2:  # people reading
            session.get(f"{base}/v1/targets?t=article:a{rng.randrange(5000)}", timeout=30)
        tick += len(batch) / per_second
        time.sleep(max(tick - time.monotonic(), 0))


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes and their children."""
    out = subprocess.run(["ps", "-o", "rss=", "-p", ",".join(map(str, pids)), "--ppid", ",".join(map(str, pids))],
                         capture_output=True, text=True).stdout.split()
    return round(sum(int(x) for x in out) / 1024, 1)


def percentile(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1] * 1000, 1) if len(values) > 2 else 0.0


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    with services() as env:
        # Kafka's own default wait. At 50 ms, seven consumer groups that keep up at 300 events/s cost
        # Tansu (memory storage, ~9 ms a fetch) 1.3 cores of this machine's two; at 500 ms, 0.54.
        env["ENGAGEMENT_KAFKA_FETCH_MAX_WAIT_MS"] = os.environ.get("ENGAGEMENT_KAFKA_FETCH_MAX_WAIT_MS", "500")
        key = run_cli(["keys", "create", "--name", "soak", "--scope", "events:write", "--scope", "directory:write"],
                      env)
        consumer = Service(["consume"], env, RESULTS / "soak-consume.log").start()
        with gunicorn("wsgi:app", env) as base:
            api_pid = int(subprocess.run(["pgrep", "-f", f"gunicorn.*{base.rsplit(':', 1)[1]}", "-o"],
                                         capture_output=True, text=True).stdout.split()[0])
            people = [{"id": f"p{i}", "name": f"Person {i}", "team": f"t{i % TEAMS}"} for i in range(PEOPLE)]
            teams = [{"id": f"t{t}", "name": f"Team {t}", "parent": None} for t in range(TEAMS)]
            requests.post(f"{base}/v1/directory/sync", json={"mode": "full", "people": people, "teams": teams},
                          headers={"Authorization": f"Bearer {key}"}, timeout=120).raise_for_status()
            recorder, stop, samples = Recorder(), threading.Event(), []
            threads = [threading.Thread(target=client, args=(base, key, stop, recorder, i), daemon=True)
                       for i in range(CLIENTS)]
            for thread in threads:
                thread.start()
            started = last = time.monotonic()
            acked_before = 0
            while time.monotonic() - started < SECONDS:
                time.sleep(SAMPLE_EVERY)
                now, window = time.monotonic(), recorder.take()
                lag = requests.get(f"{base}/readyz", timeout=30).json()["consumer_lag"]
                acked = len(recorder.acked)
                samples.append({"t": round(now - started), "events_per_s": round((acked - acked_before) / (now - last)),
                                "p50_ms": percentile(window, 50), "p99_ms": percentile(window, 99),
                                "lag": lag, "api_mb": rss_mb([api_pid]), "consumer_mb": rss_mb([consumer.process.pid])})
                print(json.dumps(samples[-1]), flush=True)
                acked_before, last = acked, now
            stop.set()
            for thread in threads:
                thread.join(60)
            caught_up = time.monotonic()
            while any(requests.get(f"{base}/readyz", timeout=30).json()["consumer_lag"].values()):
                time.sleep(1)
            drain_s = round(time.monotonic() - caught_up, 1)
            ledger = wait_for_ledger(env["DATABASE_URL"], recorder.acked)
        consumer.terminate(60)
        with psycopg.connect(env["DATABASE_URL"]) as conn:
            storage = table_sizes(conn, len(ledger))
            missing = sorted(recorder.acked - ledger)
            if missing:
                print("missing from the ledger:", missing[:20], "dead letters:", conn.execute(
                    "SELECT consumer, event_id, reason FROM engagement_dead_letters LIMIT 20").fetchall(), flush=True)
        storage["redis_mb"] = redis_mb(env)
    summary = {**summarise(samples, recorder, ledger, drain_s), "storage": storage}
    (RESULTS / "soak.json").write_text(json.dumps({"summary": summary, "samples": samples}, indent=2))
    plot(samples)
    report("soak", summary)


def wait_for_ledger(url: str, acked: set[str], patience: float = 60) -> set[str]:
    """Every acknowledged event should reach the ledger; give the last ones a minute."""
    deadline = time.monotonic() + patience
    while True:
        with psycopg.connect(url) as conn:
            ledger = {row[0] for row in conn.execute("SELECT event_id FROM engagement_ledger")}
        if acked <= ledger or time.monotonic() > deadline:
            return ledger
        time.sleep(2)


def table_sizes(conn, events: int) -> dict:
    """PostgreSQL bytes per event of the biggest tables, for sizing (docs/operations/production.md,
    "Running Tillit across several machines")."""
    rows = conn.execute("SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables "
                        "WHERE relname LIKE 'engagement_%' ORDER BY 2 DESC LIMIT 6").fetchall()
    total = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {"events": events, "database_mb": round(total / 2**20, 1),
            "bytes_per_event": {name: round(size / max(1, events)) for name, size in rows}}


def redis_mb(env: dict) -> float:
    """Memory of this run's keys in Redis."""
    import redis
    client = redis.Redis.from_url(env["REDIS_URL"])
    keys = list(client.scan_iter(match=env["ENGAGEMENT_REDIS_PREFIX"] + "*", count=1000))
    return round(sum(client.memory_usage(k) or 0 for k in keys) / 2**20, 2)


def summarise(samples: list[dict], recorder: Recorder, ledger: set[str], drain_s: float) -> dict:
    steady = samples[1:] or samples
    return {"seconds": SECONDS, "target_events_per_s": RATE,
            "events_per_s_median": statistics.median(s["events_per_s"] for s in steady),
            "p50_ms_median": statistics.median(s["p50_ms"] for s in steady),
            "p99_ms_worst": max(s["p99_ms"] for s in steady),
            "lag_worst": max(max(s["lag"].values()) for s in steady),
            "api_mb_first_last": [steady[0]["api_mb"], steady[-1]["api_mb"]],
            "consumer_mb_first_last": [steady[0]["consumer_mb"], steady[-1]["consumer_mb"]],
            "acknowledged": len(recorder.acked), "refused": recorder.refused,
            "lost": len(recorder.acked - ledger), "drain_after_s": drain_s}


def plot(samples: list[dict]) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = [s["t"] for s in samples]
    fig, axes = plt.subplots(4, 1, figsize=(9, 11), sharex=True)
    axes[0].plot(t, [s["events_per_s"] for s in samples])
    axes[0].set_ylabel("events/s acknowledged")
    axes[1].plot(t, [s["p50_ms"] for s in samples], label="p50")
    axes[1].plot(t, [s["p99_ms"] for s in samples], label="p99")
    axes[1].set_ylabel("write latency (ms)")
    axes[1].legend()
    for name in samples[0]["lag"]:
        axes[2].plot(t, [s["lag"][name] for s in samples], label=name)
    axes[2].set_ylabel("consumer lag (events)")
    axes[2].legend(fontsize="small", ncol=4)
    axes[3].plot(t, [s["api_mb"] for s in samples], label="API (gunicorn)")
    axes[3].plot(t, [s["consumer_mb"] for s in samples], label="engagement consume")
    axes[3].set_ylabel("RSS (MB)")
    axes[3].set_xlabel("seconds")
    axes[3].legend()
    fig.suptitle(f"Tillit soak: {RATE} events/s for {SECONDS} s on one 2-core machine")
    fig.tight_layout()
    fig.savefig(RESULTS / "soak.png", dpi=90)


if __name__ == "__main__":
    main()
