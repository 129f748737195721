"""The notifications read model against the ledger on the same synthetic events, on PostgreSQL.

Run: python bench/notifications.py [--events N] [--profile FILE]  (needs PostgreSQL). The events
and the loop are bench/read_models.py's (100,000 likes, comments and articles among 50,000
people, batches of 500); only the two models run, so a change to notifications is measured in a
minute, with the ledger as the baseline in the same run.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
import random
import time
from datetime import UTC, datetime

from harness import report  # noqa: I001
from read_models import synthetic_events


def rate(st, name: str, events: list, profile: cProfile.Profile | None = None) -> int:
    """Events per second for one read model, batches of 500 with their claims in one transaction."""
    from sqlalchemy.orm import Session

    from engagement.bus.base import Record
    model = st.read_model(name)
    started = time.perf_counter()
    if profile is not None:
        profile.enable()
    for start in range(0, len(events), 500):
        batch = [(e, Record("bench", 0, start + i, b"")) for i, e in enumerate(events[start:start + 500])]
        with Session(st.engine) as session, session.begin():
            model.claim(session, [e.id for e, _ in batch])
            model.apply(session, batch)
    if profile is not None:
        profile.disable()
    return round(len(events) / (time.perf_counter() - started))


def contents(engine) -> str:
    """A digest of what the read model holds (ids aside), so a faster version shows the same answer."""
    from sqlalchemy import text
    queries = ("SELECT person, kind, ref, day, actors::jsonb::text, last_at FROM engagement_notifications",
               "SELECT ref, liker, liked, changed_at, event_id FROM engagement_notify_likes",
               "SELECT ref, title FROM engagement_notify_titles",
               "SELECT idea_ref, person FROM engagement_notify_idea_people")
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for query in queries:
            for row in sorted(tuple(map(str, r)) for r in connection.execute(text(query))):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--profile", help="write a cProfile of the notifications run here")
    args = parser.parse_args()
    from directory import organisation

    from engagement import create_app
    from engagement import migrate as schema
    from engagement.directory import service as directory
    from engagement.state import state
    from tests.services import postgres_database
    with postgres_database() as url:
        app = create_app({"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_EVENT_LOG": "/tmp/bench-notifications.sqlite3"})
        st = state(app)
        schema.upgrade(st.engine)
        with app.app_context():
            payload = organisation()
            directory.sync(st.db.session, payload, datetime(2025, 1, 1, tzinfo=UTC))
        events = synthetic_events(payload["people"], args.events, random.Random(3))
        profile = cProfile.Profile() if args.profile else None
        ledger = rate(st, "ledger", events)
        notifications = rate(st, "notifications", events, profile)
        digest = contents(st.engine)
        st.engine.dispose()
    if profile is not None:
        profile.dump_stats(args.profile)
    report("notifications", {"events": len(events), "ledger_events_per_s": ledger,
                             "notifications_events_per_s": notifications,
                             "notifications_ratio_to_ledger": round(notifications / ledger, 2),
                             "contents_sha256": digest})


if __name__ == "__main__":
    main()
