"""Catch-up with refused records: the ideas read model works through N events of which K are
records it refuses (answers without a status), against the same N events all good; both in
this run, as a ratio. Before bisection a few hundred bad records made the catch-up crawl one
record per transaction. With --early the K answers are valid but come before their ideas (a
back-fill in any order): they are parked and applied when the idea arrives.

Run: python bench/poison_catchup.py [--events 2700] [--bad 300] [--early] [--postgres]
(SQLite on the embedded bus by default; --postgres uses a scratch database on the local server.)
"""
from __future__ import annotations

import argparse
import contextlib
import math
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import postgres_database, report  # noqa: I001

from engagement import create_app
from engagement import migrate as schema
from engagement.events import Event, Target
from engagement.runner import ConsumerRunner
from engagement.state import state

START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def stream(total: int, bad: int) -> list[Event]:
    """Ideas, contributions to them, likes and answers; ``bad`` of the answers lack their status."""
    events, every, broken = [], max(total // bad, 1) if bad else 0, 0
    for i in range(total):
        idea, kind, at = f"i{i // 4}", i % 4, START + timedelta(seconds=i)
        if every and i % every == every - 1 and broken < bad:
            broken += 1
            events.append(_event(f"e{i}", "idea.answered", "lena", idea, at, {}))
        elif kind == 0:
            events.append(_event(f"e{i}", "idea.submitted", f"p{i % 40}", idea, at, {"title": f"Idé {i}"}))
        elif kind == 1:
            events.append(_event(f"e{i}", "idea.contributed", f"p{(i + 7) % 40}", idea, at,
                                 {"contribution_id": f"c{i}", "text": "Og på fredager"}))
        elif kind == 2:
            events.append(_event(f"e{i}", "like.added", f"p{(i + 3) % 40}", idea, at, {}))
        else:
            events.append(_event(f"e{i}", "idea.answered", "lena", idea, at, {"status": "under_review"}))
    return events


def answers_first(events: list[Event], count: int) -> list[Event]:
    """The same events with ``count`` valid answers moved to the front, before their ideas."""
    answers = [e for e in events if e.type == "idea.answered"][:count]
    moved = {e.id for e in answers}
    return answers + [e for e in events if e.id not in moved]


def _event(event_id: str, type_: str, actor: str, idea: str, at: datetime, data: dict) -> Event:
    return Event(id=event_id, type=type_, actor=actor, target=Target("idea", idea, "p0"), time=at,
                 source="bench", data=data, received_at=at, submitted_by="key:bench")


def catch_up(events: list[Event], database: str | None) -> tuple[float, int]:
    """Seconds the ideas consumer takes from its first poll until the log is drained, and how many
    applications (savepoints) it took."""
    with tempfile.TemporaryDirectory() as tmp:
        config = {"ENGAGEMENT_EVENT_LOG": str(Path(tmp) / "events.sqlite3"), "ENGAGEMENT_LOG_LEVEL": "ERROR",
                  "ENGAGEMENT_DATABASE_URL": database or f"sqlite:///{Path(tmp) / 'db.sqlite3'}"}
        app = create_app(config)
        st = state(app)
        schema.upgrade(st.engine)
        for start in range(0, len(events), 500):
            st.bus.publish(events[start:start + 500])
        runner = Counting(st.read_model("ideas"), st.bus, st.engine, 500)
        source = st.bus.source(runner.group, runner.tracked_positions)
        started = time.perf_counter()
        while records := source.poll(500, 0.05):
            runner.process(source, records)
        elapsed = time.perf_counter() - started
        st.bus.close()
        st.engine.dispose()
        return elapsed, runner.applications


class Counting(ConsumerRunner):
    """Counts applications: each transaction or savepoint that applies a run of records."""

    applications = 0

    def _claim_and_apply(self, session, records):
        self.applications += 1
        return super()._claim_and_apply(session, records)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2700)
    parser.add_argument("--bad", type=int, default=300)
    parser.add_argument("--early", action="store_true", help="valid answers before their ideas instead")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    import logging
    logging.disable(logging.ERROR)  # one line per dead letter would measure the terminal
    times, applications = {}, {}
    good = stream(args.events, 0)
    bad = answers_first(good, args.bad) if args.early else stream(args.events, args.bad)
    for label, events in (("all_good", good), ("with_bad", bad)):
        with (postgres_database() if args.postgres else contextlib.nullcontext(None)) as database:
            times[label], applications[label] = catch_up(events, database)
    report("poison_catchup", {"events": args.events, "bad": args.bad,
                              "bad_are": "answers before their ideas" if args.early else "refused answers",
                              "database": "postgresql" if args.postgres else "sqlite",
                              "all_good_s": round(times["all_good"], 2), "with_bad_s": round(times["with_bad"], 2),
                              "with_bad_vs_all_good": round(times["with_bad"] / times["all_good"], 2),
                              "applications_all_good": applications["all_good"],
                              "applications_with_bad": applications["with_bad"],
                              # about k·log2(n) for k refused among batches of n = 500
                              "bisect_bound": round(args.bad * math.log2(500)) + applications["all_good"]})


if __name__ == "__main__":
    main()
