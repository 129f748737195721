"""Read models against the ledger on the same synthetic events, on PostgreSQL.

Run: python bench/read_models.py  (needs PostgreSQL). 50,000 people in 3,001 teams; 100,000
likes, comments and articles among them; each read model applies them in batches of 500.
``--only recognition`` measures only those read models (the ledger always runs, as the baseline);
``--events N`` uses fewer events for a quick look. ``--mix year`` feeds instead bench/replay.py's
synthetic year (likes, comments, articles, Bra!, ideas with contributions and answers, profile
updates) among its organisation of 20,000 people, so every read model is measured on events it
handles.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from harness import report  # noqa: I001


def synthetic_events(people: list[dict], count: int, rng: random.Random) -> list:
    """Likes, comments and articles among the organisation, in October 2026."""
    from engagement.events import Event, Target
    out = []
    for i in range(count):
        actor, owner = rng.choice(people)["id"], rng.choice(people)["id"]
        when = datetime(2026, 10, 1 + i % 28, 9, tzinfo=UTC)
        kind = ("like.added", "like.added", "comment.posted", "content.published")[i % 4]
        target = Target("article", f"a{rng.randrange(count // 4)}", actor if kind == "content.published" else owner)
        data = {"comment_id": f"c{i}", "text": "x"} if kind == "comment.posted" else {}
        out.append(Event(f"bench-{i}", kind, actor, target, when, "bench", data=data))
    return out


def year_events(count: int) -> list:
    """The first ``count`` events of bench/replay.py's synthetic year, as the ledger's rows become
    events on replay (target owners as in the row)."""
    import json

    from replay import Year

    from engagement.events import Event, Target
    return [Event(row[0], row[1], row[3], Target(row[4], row[5], row[6]), row[7], row[10],
                  schema_version=row[2], data=json.loads(row[12]), received_at=row[8], submitted_by=row[11])
            for row in Year(count).rows()]


def consumer_rates(st, people: list[dict], names: tuple[str, ...], count: int = 100_000,
                   events: list | None = None) -> dict:
    """Read models against the ledger on the same events (``count`` synthetic likes, comments and
    articles unless ``events`` are given), batches of 500 in one transaction each with their
    claims, as the runner applies them (no broker: the database side only)."""
    from sqlalchemy.orm import Session

    from engagement.bus.base import Record
    if events is None:
        events = synthetic_events(people, count, random.Random(3))
    rates = {}
    for name in names:
        model = st.read_model(name)
        started = time.perf_counter()
        for start in range(0, len(events), 500):
            batch = [(e, Record("bench", 0, start + i, b"")) for i, e in enumerate(events[start:start + 500])]
            with Session(st.engine) as session, session.begin():
                model.claim(session, [e.id for e, _ in batch])
                model.apply(session, batch)
        rates[name] = round(len(events) / (time.perf_counter() - started))
    return {"ledger_events_per_s": rates["ledger"],
            **{f"{n}_events_per_s": rates[n] for n in names if n != "ledger"},
            **{f"{n}_ratio_to_ledger": round(rates[n] / rates["ledger"], 2) for n in names if n != "ledger"}}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated read models to measure (the ledger always runs)")
    parser.add_argument("--events", type=int, default=100_000, help="how many synthetic events")
    parser.add_argument("--mix", choices=("social", "year"), default="social",
                        help="social: likes, comments and articles (default); year: bench/replay.py's year")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if args.mix == "year":
        from replay import organisation
    else:
        from directory import organisation

    from engagement import create_app
    from engagement import migrate as schema
    from engagement.directory import service as directory
    from engagement.state import state
    from tests.services import postgres_database
    with postgres_database() as url:
        app = create_app({"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_EVENT_LOG": "/tmp/bench-read-models.sqlite3"})
        st = state(app)
        schema.upgrade(st.engine)
        with app.app_context():
            payload = organisation()
            directory.sync(st.db.session, payload, datetime(2025, 1, 1, tzinfo=UTC))
        only = {n for n in args.only.split(",") if n}
        names = tuple(m.name for m in st.read_models if not only or m.name in only | {"ledger"})
        events = year_events(args.events) if args.mix == "year" else None
        numbers = consumer_rates(st, payload["people"], names, args.events, events)
        st.engine.dispose()
    report("read_models", {"mix": args.mix, **numbers})


if __name__ == "__main__":
    main()
