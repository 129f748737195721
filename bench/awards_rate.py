"""The awards read model against the ledger on bench/read_models.py's synthetic events, on PostgreSQL.

Run: python bench/awards_rate.py [--events N] [--redis] [--profile FILE] [--dump FILE]
(needs PostgreSQL; Redis with --redis). bench/read_models.py's loop itself (``consumer_rates``: batches
of 500, each in one transaction with its claims), for the ledger and the awards only, so the ratio
comes from one run. ``--profile`` writes the awards' cProfile; ``--dump`` writes the awards' tables as JSON, sorted,
so two versions of the read model can be compared row for row on the same events.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import random
import time
from datetime import UTC, datetime

from harness import report  # noqa: I001
from read_models import synthetic_events


def mixed_events(people: list[dict], count: int, rng: random.Random) -> list:
    """Every kind of event the awards handle, among 2,000 people over three months (tests/mixes.py).
    For comparing two versions' rows, not for timing."""
    from tests.mixes import awards_mix
    return awards_mix([p["id"] for p in people[:2000]], count, rng)


def rates(st, people: list[dict], count: int, make, profile: str | None = None) -> dict:
    """The ledger and the awards through bench/read_models.py's own loop (``consumer_rates``), on
    the events ``make`` builds (its synthetic ones, or :func:`mixed_events`); ``profile`` writes a
    cProfile of that loop (the ledger's share is small beside the awards')."""
    import read_models
    synthetic = read_models.synthetic_events
    read_models.synthetic_events = make  # consumer_rates builds its events with this name
    profiler = cProfile.Profile() if profile else None
    try:
        if profiler:
            profiler.enable()
        return read_models.consumer_rates(st, people, ("ledger", "awards"), count)
    finally:
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        read_models.synthetic_events = synthetic


def dump(st, path: str) -> None:
    """Every awards table, rows sorted, as JSON (and the Redis top lists when there is a Redis)."""
    from sqlalchemy import text
    out = {}
    with st.engine.connect() as connection:
        for table in st.read_model("awards").tables:
            rows = connection.execute(text(f"SELECT * FROM {table.__tablename__}")).mappings().all()
            out[table.__tablename__] = sorted(json.dumps(dict(r), sort_keys=True, default=str) for r in rows)
    redis = st.redis
    if redis is not None:
        prefix = st.award_board.prefix
        out["redis"] = {key.decode(): redis.zrange(key, 0, -1, withscores=True)
                        for key in sorted(redis.scan_iter(match=f"{prefix}lb:*"))}
        out["redis"] = {k.removeprefix(prefix): [[p.decode(), s] for p, s in v] for k, v in out["redis"].items()}
    with open(path, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--redis", action="store_true", help="live top lists in Redis too")
    parser.add_argument("--profile", help="write the awards' cProfile stats here")
    parser.add_argument("--dump", help="write the awards' tables here as JSON")
    parser.add_argument("--mixed", action="store_true", help="every kind of event the awards handle (mixed_events)")
    args = parser.parse_args()

    from directory import organisation

    from engagement import create_app
    from engagement import migrate as schema
    from engagement.directory import service as directory
    from engagement.state import state
    from tests.services import postgres_database, redis_url
    with postgres_database() as url:
        config = {"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_EVENT_LOG": "/tmp/bench-awards-rate.sqlite3"}
        if args.redis:
            config |= {"ENGAGEMENT_REDIS_URL": redis_url(), "ENGAGEMENT_REDIS_PREFIX": f"bench{time.time_ns()}:"}
        app = create_app(config)
        st = state(app)
        schema.upgrade(st.engine)
        with app.app_context():
            payload = organisation()
            directory.sync(st.db.session, payload, datetime(2025, 1, 1, tzinfo=UTC))
        numbers = rates(st, payload["people"], args.events, mixed_events if args.mixed else synthetic_events,
                        args.profile)
        if args.dump:
            dump(st, args.dump)
        if args.redis:
            st.award_board.clear()
        st.engine.dispose()
    report("awards_rate", {"events": args.events, **numbers})


if __name__ == "__main__":
    main()
