"""Trust report benchmark on PostgreSQL: 50,000 people in 3,001 teams, a year of rollups.

The rollups are written directly (COPY), as a year of the trust consumer's output would
look: each month half the people are active on one to four days. Then the whole
organisation's report is timed for a month, 30 and 90 days, against a baseline measured
in the same run: one plain GROUP BY over the same period's rollup rows. Prints the
storage the rollups take.

The HTTP reports also give the CPU seconds each took, this process's and PostgreSQL's (its
backends' on this machine, parallel workers not included).

Run: python bench/trust.py  (needs PostgreSQL). ``--profile`` also prints where the time of the
trust consumer's 100,000 events and of the HTTP report goes (cProfile, cumulative).
"""
from __future__ import annotations

import cProfile
import os
import pstats
import random
import resource
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from directory import organisation  # noqa: I001
from harness import report
from read_models import consumer_rates
from sqlalchemy import func, select, text

from engagement import create_app
from engagement import migrate as schema
from engagement.directory import service as directory
from engagement.state import state
from engagement.trust import service as trust
from engagement.trust.model import TrustActivity
from tests.services import postgres_database

TODAY = date(2026, 11, 15)
FIRST_DAY = date(2025, 11, 1)
ZONE = ZoneInfo("Europe/Oslo")
RUNS = 5


def directory_with_leaders() -> dict:
    payload = organisation()
    seen: set[str] = set()
    for person in payload["people"]:
        if person["team"] not in seen:
            seen.add(person["team"])
            person["role"] = "leader"
    return payload


def activity_rows(people: list[dict], rng: random.Random):
    """A year of per-day rollups: each month half the people share, like and interact on 1-4 days."""
    month = FIRST_DAY
    while month <= TODAY:
        days = (date(month.year + month.month // 12, month.month % 12 + 1, 1) - month).days
        for person in people:
            if rng.random() < 0.5:
                continue
            for day in rng.sample(range(days), rng.randint(1, 4)):
                when = month + timedelta(days=day)
                if when > TODAY:
                    continue
                contributions = rng.choice((0, 0, 1, 1, 2, 3))
                interactions = rng.randint(0, 5)
                yield (when, person["team"], person["id"], contributions, rng.randint(0, interactions), interactions,
                       rng.randint(0, interactions), rng.randint(0, contributions), 0)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def copy_rollups(engine, rows) -> int:
    count = 0
    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        with cursor.copy("COPY engagement_trust_activity (day, team_id, person, contributions, likes_given, "
                         "interactions, cross_team, recognised, answers) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        ideas = [(f"idea{i}", f"u{i % 30}t{i % 99}", FIRST_DAY + timedelta(days=i % 370), i % 3 == 0)
                 for i in range(20_000)]
        with cursor.copy("COPY engagement_trust_ideas (idea_id, team_id, submitted_on, answered) FROM STDIN") as copy:
            for row in ideas:
                copy.write_row(row)
        conn.execute(text("ANALYZE"))
    return count


def timings(fn) -> dict:
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return {"best_s": round(min(seconds), 3), "median_s": round(statistics.median(seconds), 3)}


def baseline_scan(session, period: trust.Period) -> None:
    session.execute(select(TrustActivity.team_id, func.sum(TrustActivity.contributions)).where(
        TrustActivity.day >= period.start, TrustActivity.day <= period.end).group_by(TrustActivity.team_id)).all()


def main() -> None:
    with postgres_database() as url:
        # Read models run elsewhere (external): in-process they would rebuild from the consumer
        # benchmark's 100,000 ledger events in this process during the HTTP timings, whose CPU
        # seconds (process_time counts every thread) and wall clock would be theirs as much as the report's.
        app = create_app({"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_EVENT_LOG": "/tmp/bench-trust.sqlite3",
                          "ENGAGEMENT_CONSUMERS": "external"})
        st = state(app)
        schema.upgrade(st.engine)
        with app.app_context():
            session = st.db.session
            payload = directory_with_leaders()
            directory.sync(session, payload, datetime(2025, 1, 1, tzinfo=UTC))
            started = time.perf_counter()
            rows = copy_rollups(st.engine, activity_rows(payload["people"], random.Random(7)))
            load_s = round(time.perf_counter() - started, 1)
            numbers: dict = {"people": len(payload["people"]), "teams": len(payload["teams"]),
                             "rollup_rows": rows, "rollup_load_s": load_s}
            for label in ("2026-10", "30d", "90d"):
                period = trust.parse_period(label, TODAY)
                def run(period=period):
                    return trust.report(session, period, TODAY, ZONE, 5, st.trust_thresholds, "nb")
                body = run()
                tillit, base = timings(run), timings(lambda period=period: baseline_scan(session, period))
                flagged = sum(1 for row in body["teams"] if row.get("flags"))
                numbers[f"report_{label}"] = {**tillit, "baseline_group_by": base,
                                              "ratio_to_baseline": round(tillit["best_s"] / base["best_s"], 1),
                                              "teams_shown": sum(not r["suppressed"] for r in body["teams"]),
                                              "teams_flagged": flagged}
            numbers["consumer_100k_events"] = consumer_rates(st, payload["people"], ("ledger", "trust"))
            client, key = app.test_client(), _key(st)
            auth = {"Authorization": f"Bearer {key}"}
            database = url.rsplit("/", 1)[1]
            for label in ("2026-10", "30d", "90d"):
                def get(label=label):
                    response = client.get(f"/v1/trust/report?period={label}", headers=auth)
                    assert response.status_code == 200, response.status_code
                base = numbers[f"report_{label}"]["baseline_group_by"]["best_s"]
                numbers[f"http_report_{label}_json"] = {**timings(get), **cpu_seconds(get, database),
                                                        "baseline_group_by_best_s": base}
            if PROFILE:
                profile_consumer(st, payload["people"])
                profile("HTTP report, 90 days", lambda: client.get(
                    "/v1/trust/report?period=90d", headers={"Authorization": f"Bearer {key}"}))
            numbers["storage"] = storage(session)
        st.engine.dispose()
    numbers["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report("trust", numbers)


PROFILE = "--profile" in sys.argv


def profile(title: str, fn) -> None:
    """Where ``fn``'s time goes, the 25 costliest calls by cumulative time, on stderr."""
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    print(f"--- {title}", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)


def profile_consumer(st, people: list[dict]) -> None:
    """The trust consumer on fresh rollups, 100,000 events in batches of 500, as consumer_rates runs it."""
    from read_models import synthetic_events
    from sqlalchemy.orm import Session

    from engagement.bus.base import Record
    model, events = st.read_model("trust"), synthetic_events(people, 100_000, random.Random(4))
    def run() -> None:
        for start in range(0, len(events), 500):
            batch = [(e, Record("bench", 0, start + i, b"")) for i, e in enumerate(events[start:start + 500])]
            with Session(st.engine) as session, session.begin():
                model.claim(session, [e.id for e, _ in batch])
                model.apply(session, batch)
    profile("trust consumer, 100,000 events", run)


def cpu_seconds(fn, database: str) -> dict:
    """CPU seconds per call, of this process and of the database's backends (read from /proc, so
    only with PostgreSQL on this machine): on a 2-core machine shared by several sessions the
    wall-clock times above say as much about the neighbours as about the report."""
    def backends() -> float | None:
        try:
            total = 0
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if database in open(f"/proc/{pid}/cmdline").read():
                        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                        total += int(fields[11]) + int(fields[12])
                except OSError:
                    continue
            return total / os.sysconf("SC_CLK_TCK")
        except OSError:
            return None
    client, server = time.process_time(), backends()
    for _ in range(RUNS):
        fn()
    client, after = (time.process_time() - client) / RUNS, backends()
    if server is None or after is None:
        return {"client_cpu_s": round(client, 3)}
    server = (after - server) / RUNS
    return {"client_cpu_s": round(client, 3), "server_cpu_s": round(server, 3), "cpu_s": round(client + server, 3)}


def _key(st) -> str:
    from engagement.auth import create_api_key
    key = create_api_key(st.db.session, "bench", ["trust:read"])
    st.db.session.commit()
    return key


def storage(session) -> dict:
    sizes = {}
    for table in ("engagement_trust_activity", "engagement_trust_contributions", "engagement_trust_ideas"):
        sizes[table] = session.scalar(text(f"SELECT pg_total_relation_size('{table}')"))
    total = sum(sizes.values())
    return {"bytes": sizes, "total_mb": round(total / 2**20, 1),
            "bytes_per_rollup_row": round(sizes["engagement_trust_activity"] / max(1, session.scalar(
                select(func.count()).select_from(TrustActivity))))}


if __name__ == "__main__":
    main()
