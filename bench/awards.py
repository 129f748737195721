"""Awards benchmark on PostgreSQL and Redis: a month of events over 50,000 people in 3,001 teams,
applied by the awards read model (live scores after every batch), then the month finalised.

Run: python bench/awards.py [EVENTS] [PEOPLE]   (default 2,000,000 and 50,000; needs PostgreSQL
and Redis). The rate is printed per 100,000 events; ``last_to_first_rate`` compares the last
100,000 with the first, so it shows whether a batch costs more as the month fills up (with
fewer people, say 2,000, each person's month fills faster).
"""
from __future__ import annotations

import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta

from directory import organisation
from harness import report  # noqa: I001

from engagement import create_app
from engagement import migrate as schema
from engagement.awards import service as awards
from engagement.bus.base import Record
from engagement.directory import service as directory
from engagement.events import Event, Target
from engagement.runner import ConsumerRunner
from engagement.state import state
from tests.services import postgres_database, redis_url

PEOPLE = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
CHUNK = 100_000
START = datetime(2026, 10, 1, tzinfo=UTC)


def events(count: int, seed: int = 3):
    rng = random.Random(seed)
    for i in range(count):
        actor, owner = f"p{rng.randrange(PEOPLE)}", f"p{rng.randrange(PEOPLE)}"
        moment = START + timedelta(seconds=rng.randrange(30 * 86400))
        roll = rng.random()
        if roll < 0.6:
            kind, target, data = ("like.removed" if rng.random() < 0.05 else "like.added"), \
                Target("article", f"a{owner}-{rng.randrange(5)}", owner), {}
        elif roll < 0.75:
            kind, target, data = "comment.posted", Target("article", f"a{owner}-0", owner), {"comment_id": f"c{i}"}
        elif roll < 0.85:
            kind, target, data = "kudos.given", Target("person", owner, owner), {}
        elif roll < 0.95:
            kind, target, data = "content.published", Target("article", f"n{i}", actor), {}
        else:
            kind, target, data = "idea.contributed", Target("idea", f"i{owner}", owner), {"contribution_id": f"k{i}"}
        yield Event(f"b{i}", kind, actor, target, moment, "bench", data=data, received_at=moment)


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
    with postgres_database() as url:
        app = create_app({"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_REDIS_URL": redis_url(),
                          "ENGAGEMENT_REDIS_PREFIX": f"bench{time.time_ns()}:",
                          "ENGAGEMENT_EVENT_LOG": "/tmp/bench-awards.sqlite3"})
        st = state(app)
        schema.upgrade(st.engine)
        with app.app_context():
            directory.sync(st.db.session, organisation(), datetime.now(UTC))
        runner = ConsumerRunner(st.read_model("awards"), st.bus, st.engine, 500)
        runner.expected = {}
        batch, started, applied, rates, chunk_started = [], time.perf_counter(), 0, [], time.perf_counter()
        for offset, event in enumerate(events(total)):
            batch.append(Record("bench", 0, offset, event.to_wire()))
            if len(batch) == 500:
                runner._apply_in_one_transaction(batch)
                applied += len(batch)
                batch = []
                if applied % CHUNK == 0:
                    rates.append(round(CHUNK / (time.perf_counter() - chunk_started)))
                    chunk_started = time.perf_counter()
                    print(f"{applied} events: {rates[-1]}/s in the last {CHUNK}", file=sys.stderr, flush=True)
        if batch:
            runner._apply_in_one_transaction(batch)
            applied += len(batch)
        live = time.perf_counter() - started
        with app.app_context():
            finalise_started = time.perf_counter()
            snapshot = awards.finalise(st.db.session, "2026-10", "bench", datetime.now(UTC),
                                       "Europe/Oslo", 0)
            finalising = time.perf_counter() - finalise_started
            winner = snapshot.result["categories"]["appreciated"][0]
        st.engine.dispose()
    report("awards", {"events": applied, "people": PEOPLE, "live_apply_s": round(live, 1),
                      "live_events_per_s": round(applied / live), "per_100k_events_per_s": rates,
                      "last_to_first_rate": round(rates[-1] / rates[0], 2) if rates else None,
                      "finalise_s": round(finalising, 2),
                      "appreciated_winner": [winner["person"], winner["score"]],
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})


if __name__ == "__main__":
    main()
