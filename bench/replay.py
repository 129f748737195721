"""Replay of every read model from a synthetic year, on PostgreSQL.

Run: python bench/replay.py [N] [--jobs J] [--only a,b] [--keep NAME]
(N events, default 5,000,000; needs PostgreSQL). ``--keep NAME`` builds the ledger in database NAME
and leaves it there, so a second run replays it again without building it (``--only`` replays
just those read models).

Builds a ledger of N events in a scratch database with COPY: a year for 20,000 people in 1,000
teams (likes and some unlikes, comments, articles, ideas with contributions and answers, Bra!,
profile updates), then times ``engagement replay --jobs J`` (the operator's command, in its own
process) over every read model, passing its progress lines through while it runs. The baseline,
in the same run, is the ledger itself: reading it by seq in chunks and decoding each row into an
event, what every rebuild does before it applies anything. Prints per read model the ledger
events/s (the whole ledger over its rebuild time, though a model reads only the rows it keeps) and
its ratio to that baseline, the total time, and the peak RSS of the replay process. A rebuild
that slows as it goes shows in its rate per STEP rows read (from the progress lines): those
should stay flat from the first STEP to the last.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from harness import BIN, postgres_database, report  # noqa: I001

PEOPLE, TEAMS, UNITS = 20_000, 1_000, 20
PARTITIONS = 6
YEAR_START = datetime(2025, 12, 1, tzinfo=UTC)
# Shares of a year's events, by kind (per 100).
MIX = (("like.added", 40), ("like.removed", 4), ("comment.posted", 14), ("content.published", 4),
       ("kudos.given", 10), ("idea.submitted", 3), ("idea.contributed", 6), ("idea.answered", 2),
       ("profile.updated", 17))
STATUSES = ("under_review", "planned", "declined")
STEP = 200_000  # rows read per step of the rate a rebuild keeps up as it goes


def organisation() -> dict:
    from engagement.schemas.directory import DirectorySyncSchema
    teams = [{"id": "org", "name": "Organisation", "parent": None}]
    teams += [{"id": f"u{u}", "name": f"Unit {u}", "parent": "org"} for u in range(UNITS)]
    teams += [{"id": f"t{t}", "name": f"Team {t}", "parent": f"u{t % UNITS}"} for t in range(TEAMS)]
    people = [{"id": f"p{i}", "name": f"Person {i}", "email": f"p{i}@example.no", "team": f"t{i % TEAMS}",
               "role": "leader" if i < TEAMS else "member", "locale": "nb", "leaderboard_opt_out": i % 50 == 0}
              for i in range(PEOPLE)]
    return DirectorySyncSchema().load({"mode": "full", "teams": teams, "people": people})


class Year:
    """Makes the ledger's rows in order: each event builds on earlier ones (a like on a published
    article, an unlike of an earlier like, a contribution to a submitted idea)."""

    def __init__(self, total: int, seed: int = 5):
        self.rng, self.total = random.Random(seed), total
        self.kinds = [kind for kind, share in MIX for _ in range(share)]
        self.articles: list[tuple[str, str]] = [(f"seed-{i}", f"p{i}") for i in range(200)]
        self.ideas: list[tuple[str, str]] = []
        self.liked: list[tuple[str, str, str]] = []
        self.offsets = [0] * PARTITIONS
        self.step = timedelta(days=365) / max(total, 1)

    def recent(self, items: list, window: int):
        """One of the last ``window`` items (without copying them: this runs per event)."""
        return items[self.rng.randrange(max(len(items) - window, 0), len(items))]

    def rows(self):
        for i in range(self.total):
            yield self.row(i)

    def row(self, i: int) -> tuple:
        rng = self.rng
        actor = f"p{rng.randrange(PEOPLE)}"
        kind = rng.choice(self.kinds)
        if kind == "like.removed" and not self.liked:
            kind = "like.added"
        if kind in ("idea.contributed", "idea.answered") and not self.ideas:
            kind = "idea.submitted"
        data: dict = {}
        if kind == "like.added":
            target_kind, (target, owner) = "article", self.recent(self.articles, 5000)
            self.liked.append((actor, target, owner))
            if len(self.liked) > 20_000:
                del self.liked[:10_000]
        elif kind == "like.removed":
            actor, target, owner = self.liked.pop(rng.randrange(len(self.liked)))
            target_kind = "article"
        elif kind == "comment.posted":
            target_kind, (target, owner) = "article", self.recent(self.articles, 5000)
            data = {"comment_id": f"c{i}", "text": "Godt skrevet!"}
        elif kind == "content.published":
            target_kind, target, owner = "article", f"a{i}", actor
            self.articles.append((target, owner))
            data = {"content_kind": "article", "title": f"Nyhet {i}", "url": f"/news/{i}"}
        elif kind == "kudos.given":
            target_kind = "person"
            target = owner = f"p{rng.randrange(PEOPLE)}"
            data = {"message": "Bra jobba!"}
        elif kind == "idea.submitted":
            target_kind, target, owner = "idea", f"i{i}", actor
            self.ideas.append((target, owner))
            data = {"title": f"Idé {i}"}
        elif kind == "idea.contributed":
            target_kind, (target, owner) = "idea", self.recent(self.ideas, 2000)
            data = {"contribution_id": f"k{i}", "text": "Og på fredager"}
        elif kind == "idea.answered":
            target_kind, (target, owner) = "idea", self.recent(self.ideas, 2000)
            actor = f"p{rng.randrange(TEAMS)}"  # a leader
            data = {"status": rng.choice(STATUSES)}
        else:
            target_kind = "person"
            target = owner = actor
            data = {"fields": {rng.choice(("photo", "title", "about", "skills", "location")): f"v{i}"}}
        key = f"{target_kind}:{target}"
        partition = zlib.crc32(key.encode()) % PARTITIONS
        self.offsets[partition] += 1
        at = YEAR_START + self.step * i
        return (f"y{i}", kind, 1, actor, target_kind, target, owner, at, at, at, "bench", "key:bench",
                json.dumps(data), "engagement.events", partition, self.offsets[partition])


COLUMNS = ("event_id, type, schema_version, actor, target_kind, target_id, target_owner, occurred_at, "
           "received_at, recorded_at, source, submitted_by, data, topic, partition, \"offset\"")


def build_ledger(url: str, total: int) -> float:
    """COPY ``total`` rows into the ledger; answers the seconds it took (and sets the ledger's own
    tracking record, as its consumer would have)."""
    import psycopg
    started = time.perf_counter()
    year = Year(total)
    with psycopg.connect(url) as conn:
        with conn.cursor() as cursor, cursor.copy(f"COPY engagement_ledger ({COLUMNS}) FROM STDIN") as copy:
            for n, row in enumerate(year.rows(), 1):
                copy.write_row(row)
                if n % 500_000 == 0:
                    print(f"ledger: {n:,} of {total:,} rows, {n / (time.perf_counter() - started):,.0f} rows/s",
                          file=sys.stderr, flush=True)
        with conn.cursor() as cursor:
            for partition, last in enumerate(year.offsets):
                cursor.execute("INSERT INTO engagement_consumer_positions (consumer, topic, partition, position, "
                               "updated_at) VALUES ('ledger', 'engagement.events', %s, %s, now())", (partition, last))
        conn.execute("ANALYZE engagement_ledger")
    return time.perf_counter() - started


def scan_rate(st) -> float:
    """Baseline: events/s of reading the whole ledger by seq in chunks and decoding each row."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from engagement.ledger.model import LedgerEvent
    from engagement.replay import CHUNK, _event
    from engagement.replay import COLUMNS as READ
    started, after, read = time.perf_counter(), 0, 0
    with Session(st.engine) as session:
        while rows := session.execute(select(*READ).where(LedgerEvent.seq > after)
                                      .order_by(LedgerEvent.seq).limit(CHUNK)).all():
            read, after = read + len([_event(row) for row in rows]), rows[-1].seq
    return read / (time.perf_counter() - started)


@contextlib.contextmanager
def scratch_or_kept(name: str) -> Iterator[str]:
    """A scratch database dropped afterwards, or the database ``name``, made if missing and kept."""
    if not name:
        with postgres_database() as url:
            yield url
        return
    import psycopg

    from tests.services import PG_ADMIN_URL
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def ledger_rows(url: str) -> int:
    """Rows in the ledger of a kept database (0 for a new one)."""
    import psycopg
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM engagement_ledger").fetchone()[0]


DONE = re.compile(r"replay (\w+): ([\d,]+) events in ([\d,.]+) s")
GOING = re.compile(r"replay (\w+): ([\d,]+) of [\d,]+ events \(\d+%\), ([\d,]+) events/s")


def number(text: str) -> float:
    return float(text.replace(",", ""))


def seen(line: str) -> tuple[str, float, float] | None:
    """A progress line as (read model, rows read, seconds since its rebuild started)."""
    if going := GOING.search(line):
        read, rate = number(going.group(2)), number(going.group(3))
        return going.group(1), read, read / rate if rate else 0.0
    if done := DONE.search(line):
        return done.group(1), number(done.group(2)), number(done.group(3))
    return None


def steps(points: list[tuple[float, float]]) -> list[int]:
    """Rows read per second in each STEP of rows read, the times between progress lines
    interpolated; a step with no progress line after it is left out."""
    points = [(0.0, 0.0), *points]

    def at(read: float) -> float | None:
        for (r0, t0), (r1, t1) in zip(points, points[1:], strict=False):
            if r0 <= read <= r1 and r1 > r0:
                return t0 + (t1 - t0) * (read - r0) / (r1 - r0)
        return None

    rates, start = [], 0
    while (begun := at(start)) is not None and (ended := at(start + STEP)) is not None and ended > begun:
        rates.append(round(STEP / (ended - begun)))
        start += STEP
    return rates


def timed_replay(env: dict[str, str], jobs: int, only: list[str],
                 total: int) -> tuple[float, dict[str, float], dict[str, list[int]], int]:
    """Run ``engagement replay --jobs``; answers (seconds, ledger events/s per read model, its
    rows read per second per STEP, peak RSS in KB)."""
    started = time.perf_counter()
    process = subprocess.Popen([str(BIN / "engagement"), "replay", "--jobs", str(jobs), *only],
                               env={**os.environ, **env},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rates = {}
    points: dict[str, list[tuple[float, float]]] = {}
    assert process.stderr is not None
    for line in process.stderr:
        print(line, end="", file=sys.stderr, flush=True)
        if point := seen(line):
            points.setdefault(point[0], []).append(point[1:])
        if done := DONE.search(line):  # ledger events per second: a model reads only the rows it keeps
            seconds = float(done.group(3).replace(",", ""))
            rates[done.group(1)] = total / seconds if seconds else 0.0
    out = process.communicate()[0]
    if process.returncode:
        raise SystemExit(f"engagement replay failed ({process.returncode}): {out}")
    elapsed = time.perf_counter() - started
    return (elapsed, rates, {name: steps(read) for name, read in points.items()},
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("events", nargs="?", type=int, default=5_000_000)
    parser.add_argument("--jobs", type=int, default=1, help="engagement replay --jobs")
    parser.add_argument("--only", default="", help="comma-separated read models to replay (default: all)")
    parser.add_argument("--keep", default="", help="build the ledger in this database and keep it for the next run")
    parser.add_argument("--build-only", action="store_true", help="with --keep: build the ledger, replay nothing")
    args = parser.parse_args()
    from engagement import create_app
    from engagement import migrate as schema
    from engagement.directory import service as directory
    from engagement.state import state
    with scratch_or_kept(args.keep) as url, tempfile.TemporaryDirectory() as instance:
        env = {"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_INSTANCE_PATH": instance,
               "ENGAGEMENT_EVENT_LOG": f"{instance}/events.sqlite3", "ENGAGEMENT_LOG_LEVEL": "WARNING"}
        app = create_app(env)
        st = state(app)
        schema.upgrade(st.engine)
        build_seconds = 0.0
        if ledger_rows(url) != args.events:
            with app.app_context():
                directory.sync(st.db.session, organisation(), datetime(2025, 1, 1, tzinfo=UTC))
                st.db.session.commit()
            build_seconds = build_ledger(url, args.events)
        if args.build_only:
            print(f"ledger of {args.events:,} events built in {build_seconds:,.0f} s", file=sys.stderr)
            return
        baseline = scan_rate(st)
        st.engine.dispose()
        only = [n for n in args.only.split(",") if n]
        seconds, rates, stepped, peak_kb = timed_replay(env, args.jobs, only, args.events)
    report("replay", {"events": args.events, "jobs": args.jobs, "ledger_build_s": round(build_seconds, 1),
                      "ledger_build_rows_per_s": round(args.events / build_seconds) if build_seconds else None,
                      "baseline_ledger_scan_events_per_s": round(baseline),
                      "replay_total_s": round(seconds, 1),
                      "replay_all_models_events_per_s": round(args.events * len(rates) / seconds),
                      **{f"{name}_events_per_s": round(rate) for name, rate in rates.items()},
                      **{f"{name}_ratio_to_scan": round(rate / baseline, 3) for name, rate in rates.items()},
                      **{f"{name}_rows_per_s_per_{STEP}": rows for name, rows in stepped.items()},
                      **{f"{name}_last_step_to_first": round(rows[-1] / rows[0], 2)
                         for name, rows in stepped.items() if len(rows) > 1},
                      "peak_rss_mb": round(peak_kb / 1024)})


if __name__ == "__main__":
    main()
