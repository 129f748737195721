"""Bytes of PostgreSQL per event, with claims kept for ever (before) and for ENGAGEMENT_DEDUP_DAYS.

Run: python bench/storage.py [events] [days]  (needs PostgreSQL; default 100,000 events over 28
days). The events of bench/read_models.py (likes, comments and articles among 50,000 people),
with ids as senders make them (a widget's ``~person~w-<uuid>``, a back end's own), go through
every read model in batches of 500, claimed and applied in one transaction each as the runner
does, spread over the simulated days; at each day's end the claims older than the window are
pruned, as the consumers do hourly, and the table vacuumed, as autovacuum would.

The baseline is measured in the same run: every claim also goes into a table laid out as
engagement_processed_events was before migration 0023 and never pruned. Reported per event:
every table's pg_total_relation_size (after a VACUUM) over the number of events, with the claims
held as before (the baseline), at the end of the run (the window's claims), and once the window
has passed with no new events.
"""
from __future__ import annotations

import random
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from harness import report  # noqa: I001

BASELINE = "bench_claims_kept_for_ever"
CLAIMS = "engagement_processed_events"


def sent_ids(events: list, rng: random.Random) -> list:
    """Ids as senders make them: likes from the widget (kept in the person's id space), comments
    and articles from the intranet's back end."""
    def made(i: int, event):
        random_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        if event.type == "like.added":
            return f"~{event.actor}~w-{random_id}"
        if event.type == "comment.posted":
            return f"comment-{random_id}"
        return f"pub-{event.target.id}-{i}"
    return [replace(event, id=made(i, event)) for i, event in enumerate(events)]


def sizes(engine) -> dict[str, int]:
    """Every table's bytes (heap, indexes, TOAST) after a VACUUM, as autovacuum leaves them."""
    from sqlalchemy import text
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM"))
        rows = conn.execute(text("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                                 "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                 "WHERE n.nspname = 'public' AND c.relkind = 'r'")).all()
    return {name: size for name, size in rows if size}


def grown(tables: dict[str, int], empty: dict[str, int]) -> dict[str, int]:
    """What each table gained from the events (the directory and empty tables were there before)."""
    return {name: size - empty.get(name, 0) for name, size in tables.items()}


def per_event(tables: dict[str, int], claims: str, events: int) -> dict:
    """Bytes per event of every table, with ``claims`` as the claims table, and the claims' share."""
    kept = {name: size for name, size in tables.items() if name not in (BASELINE, CLAIMS) or name == claims}
    total = sum(kept.values())
    return {"bytes_per_event": round(total / events), "claims_bytes_per_event": round(kept.get(claims, 0) / events),
            "claims_share": round(kept.get(claims, 0) / total, 3)}


def run(st, events: list, days: int, window: int) -> dict:
    """Apply ``events`` over ``days`` simulated days, pruning at each day's end."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    import engagement.consumers.base as read_model_base
    from engagement.bus.base import Record
    from engagement.ledger import pruning
    start = datetime(2026, 10, 1)
    clock = {"now": start}
    read_model_base.utcnow = lambda: clock["now"]  # claims are made at the simulated time
    with st.engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {BASELINE} (consumer varchar(100), event_id varchar(128), "
                          "PRIMARY KEY (consumer, event_id))"))
    empty = sizes(st.engine)
    baseline = text(f"INSERT INTO {BASELINE} VALUES (:consumer, :event_id) ON CONFLICT DO NOTHING")
    models, prunes, began = st.read_models, [], time.perf_counter()
    per_day = -(-len(events) // days)
    for day in range(days):
        today = events[day * per_day:(day + 1) * per_day]
        for offset in range(0, len(today), 500):
            clock["now"] = start + timedelta(days=day, seconds=offset * 86400 // len(today))
            at = day * per_day + offset
            batch = [(e, Record("bench", 0, at + i, b"")) for i, e in enumerate(today[offset:offset + 500])]
            for model in models:
                with Session(st.engine) as session, session.begin():
                    model.claim(session, [e.id for e, _ in batch])
                    if model.name != "ledger":
                        session.execute(baseline, [{"consumer": model.name, "event_id": e.id} for e, _ in batch])
                    model.apply(session, batch)
        started = time.perf_counter()
        pruning.prune(st.engine, [m.name for m in models], window, now=start + timedelta(days=day + 1))
        prunes.append(time.perf_counter() - started)
        with st.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(f"VACUUM {CLAIMS}"))
        print(f"day {day + 1}/{days}: {min(len(events), (day + 1) * per_day)} events, "
              f"{time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    at_end = grown(sizes(st.engine), empty)
    rows = _rows(st.engine)
    pruning.prune(st.engine, [m.name for m in models], window, now=start + timedelta(days=days + window, seconds=1))
    after_window = grown(sizes(st.engine), empty)
    n, claiming = len(events), len(models) - 1  # the ledger's unique event id is its own claim
    before, after, passed = (per_event(at_end, BASELINE, n), per_event(at_end, CLAIMS, n),
                             per_event(after_window, CLAIMS, n))
    return {
        "events": n, "simulated_days": days, "dedup_days": window,
        "bytes_per_event": {"before": before["bytes_per_event"], "at_the_end": after["bytes_per_event"],
                            "after_the_window": passed["bytes_per_event"]},
        "claims_bytes_per_event": {"before": before["claims_bytes_per_event"],
                                   "at_the_end": after["claims_bytes_per_event"],
                                   "after_the_window": passed["claims_bytes_per_event"]},
        "claims_share": {"before": before["claims_share"], "at_the_end": after["claims_share"],
                         "after_the_window": passed["claims_share"]},
        "ratio_at_the_end_to_before": round(after["bytes_per_event"] / before["bytes_per_event"], 2),
        "events_claimed_at_the_end": rows[CLAIMS] // claiming,
        "claims_bytes_per_event_in_the_window": round(at_end[CLAIMS] / (rows[CLAIMS] / claiming)),
        "largest_tables_bytes_per_event": {name: round(size / n) for name, size in sorted(
            at_end.items(), key=lambda item: -item[1])[:9] if name != CLAIMS},
        "prune_seconds_per_day_max": round(max(prunes), 2),
    }


def _rows(engine) -> dict[str, int]:
    from sqlalchemy import text
    with engine.connect() as conn:
        return {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() for name in (BASELINE, CLAIMS)}


def main() -> None:
    from directory import organisation
    from read_models import synthetic_events

    from engagement import create_app
    from engagement import migrate as schema
    from engagement.directory import service as directory
    from engagement.state import state
    from tests.services import postgres_database
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    days = int(sys.argv[2]) if len(sys.argv) > 2 else 28
    with postgres_database() as url:
        app = create_app({"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_EVENT_LOG": "/tmp/bench-storage.sqlite3"})
        st = state(app)
        schema.upgrade(st.engine)
        with app.app_context():
            payload = organisation()
            directory.sync(st.db.session, payload, datetime(2025, 1, 1, tzinfo=UTC))
        rng = random.Random(3)
        events = sent_ids(synthetic_events(payload["people"], count, rng), rng)
        numbers = run(st, events, days, st.config["ENGAGEMENT_DEDUP_DAYS"])
        st.engine.dispose()
    report("storage", numbers)


if __name__ == "__main__":
    main()
