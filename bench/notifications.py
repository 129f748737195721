"""The notifications read model against the ledger on the same synthetic events, on PostgreSQL.

Run: python bench/notifications.py [--events N] [--profile FILE]  (needs PostgreSQL). The events
and the loop are bench/read_models.py's (``consumer_rates``: 100,000 likes, comments and articles
among 50,000 people, batches of 500); only the two models run, so a change to notifications is
measured in a minute, with the ledger as the baseline in the same run. It also prints a digest of
what the read model holds, so a faster version shows it gives the same answer.
"""
from __future__ import annotations

import argparse
import cProfile
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from harness import report  # noqa: I001
from read_models import consumer_rates


def profiled(model: Any, profile: cProfile.Profile) -> None:
    """Profile only the model's own work (its claims and batches), not the ledger's or the loop's."""
    def wrap(method: Callable) -> Callable:
        def run(*args: Any) -> Any:
            profile.enable()
            try:
                return method(*args)
            finally:
                profile.disable()
        return run
    model.claim, model.apply = wrap(model.claim), wrap(model.apply)


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
        profile = cProfile.Profile() if args.profile else None
        if profile is not None:
            profiled(st.read_model("notifications"), profile)
        numbers = consumer_rates(st, payload["people"], ("ledger", "notifications"), args.events)
        digest = contents(st.engine)
        st.engine.dispose()
    if profile is not None:
        profile.dump_stats(args.profile)
    report("notifications", {"events": args.events, **numbers, "contents_sha256": digest})


if __name__ == "__main__":
    main()
