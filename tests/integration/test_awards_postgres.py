"""The awards' batch path (consumers/awards.py with engagement/awards/bulk.py: column arrays, scores
fanned out to the categories in one statement) gives on PostgreSQL exactly what it gives on SQLite
(SQLAlchemy's multi-row statements), and both give what the scoring rules give from the month's
active credits alone (engagement/awards/scoring.py ``score``), for a mixed stretch of three
months: likes and unlikes, comments, Bra!s repeated and displaced, articles, ideas submitted,
developed, adopted and answered, half of them from users who state no owner."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import fakeredis
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import create_app
from engagement import migrate as schema
from engagement.awards.model import AwardCredit, AwardIdea, AwardScore, AwardSummary, AwardTally
from engagement.awards.scoring import DEFAULT_POINTS, Credit, score
from engagement.bus.base import Record
from engagement.consumers.awards import MonthsOf
from engagement.directory import service as directory
from engagement.events import Event
from engagement.schemas.directory import DirectorySyncSchema
from engagement.state import state
from tests.conftest import sqlite_config
from tests.mixes import awards_mix

pytestmark = [pytest.mark.postgres]
PEOPLE = [f"p{i}" for i in range(80)]
TEAMS = [f"t{i}" for i in range(8)]


def mixed_month(count: int, rng: random.Random) -> list[Event]:
    """Every kind of event the awards handle, in shuffled time order around two month ends, among
    80 people (the bench's mix, bench/awards_rate.py, at a test's scale)."""
    return awards_mix(PEOPLE, count, rng, scale=(40, 15, 20, 40), start=datetime(2026, 9, 25, tzinfo=UTC),
                      source="test")


def applied(url: str, folder, events: list[Event]) -> dict:
    """The awards' tables and Redis top lists after ``events`` in batches of 50 (each with its claims)."""
    app = create_app(sqlite_config(folder, ENGAGEMENT_DATABASE_URL=url))
    st = state(app)
    schema.upgrade(st.engine)
    st._redis = fakeredis.FakeRedis()
    with app.app_context():
        teams = [{"id": t, "name": t, "parent": None} for t in TEAMS]
        org = DirectorySyncSchema().load({"mode": "full", "teams": teams,
                                          "people": [{"id": p, "name": p, "team": TEAMS[i % len(TEAMS)]}
                                                     for i, p in enumerate(PEOPLE)]})
        directory.sync(st.db.session, org, datetime(2025, 1, 1, tzinfo=UTC))
        # a move in October: a credit's team is the one at its event's time
        moved = DirectorySyncSchema().load({"mode": "full", "teams": org["teams"], "people": [
            {"id": p, "name": p, "team": TEAMS[(i + (i % 3 == 0)) % len(TEAMS)]} for i, p in enumerate(PEOPLE)]})
        directory.sync(st.db.session, moved, datetime(2026, 10, 15, tzinfo=UTC))
    model = st.read_model("awards")
    for start in range(0, len(events), 50):
        batch = [(e, Record("test", 0, start + i, b"")) for i, e in enumerate(events[start:start + 50])]
        with Session(st.engine) as session, session.begin():
            model.claim(session, [e.id for e, _ in batch])
            model.apply(session, batch)
    with Session(st.engine) as session:
        out = {table.__tablename__: sorted(tuple(row) for row in session.execute(select(*table.__table__.c)))
               for table in (AwardCredit, AwardTally, AwardSummary, AwardIdea)}
        out["scores"] = sorted((s.month, s.category, s.person, s.score, tuple(sorted(s.facts.items())))
                               for s in session.scalars(select(AwardScore)))
    redis = st.redis
    out["redis"] = {key.decode(): redis.zrange(key, 0, -1, withscores=True) for key in sorted(redis.scan_iter())}
    st.bus.close()
    st.engine.dispose()
    return out


def test_the_batch_path_gives_the_same_awards_on_postgres_and_sqlite(empty_postgres_url, tmp_path):
    events = mixed_month(1500, random.Random(7))
    on_postgres = applied(empty_postgres_url, tmp_path / "pg", events)
    on_sqlite = applied(f"sqlite:///{tmp_path / 'awards.sqlite3'}", tmp_path / "lite", events)
    assert on_postgres == on_sqlite
    assert len(on_postgres["scores"]) > 300 and any(s[3] > 0 for s in on_postgres["scores"])
    assert {r[0] for r in on_postgres["engagement_award_tallies"]} == {"2026-09", "2026-10", "2026-11"}


def test_scores_are_what_the_rules_give_from_the_active_credits(empty_postgres_url, tmp_path):
    rows = applied(empty_postgres_url, tmp_path, mixed_month(1500, random.Random(11)))
    adopted = {idea for idea, yes in rows["engagement_award_ideas"] if yes}
    credits: dict[tuple[str, str], list[Credit]] = {}
    for _id, month, person, kind, action, colleague, ref, person_team, colleague_team, active, *_ in \
            rows["engagement_award_credits"]:
        if active:
            credits.setdefault((month, person), []).append(
                Credit(kind, action, colleague, ref, person_team, colleague_team))
    expected = sorted((month, category, person, result["score"], tuple(sorted(result["facts"].items())))
                      for (month, person), theirs in credits.items()
                      for category, result in score(theirs, adopted, DEFAULT_POINTS).items())
    stored = [s for s in rows["scores"] if (s[0], s[2]) in credits]
    assert stored == expected
    assert all(s[3] == 0 for s in rows["scores"] if (s[0], s[2]) not in credits)  # all taken back


@pytest.mark.parametrize("zone", ["Europe/Oslo", "America/Santiago", "America/Havana", "Asia/Kolkata",
                                  "Australia/Lord_Howe", "UTC"])
def test_months_from_cached_bounds_are_those_of_the_zone(zone):
    """MonthsOf against ``astimezone`` at random moments and around every local midnight of a month's
    first day, in zones whose clocks change at midnight or by half an hour."""
    months, rng, tz = MonthsOf(ZoneInfo(zone)), random.Random(5), ZoneInfo(zone)
    moments = [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(3 * 365 * 86400))
               for _ in range(3000)]
    for year in (2024, 2025, 2026):
        for month in range(1, 13):
            edge = datetime(year, month, 1, tzinfo=tz).astimezone(UTC)
            moments += [edge + timedelta(minutes=m) for m in range(-150, 151, 15)]
    for moment in moments:
        for shown in (moment, moment.astimezone(tz)):
            assert months.of(shown) == moment.astimezone(tz).strftime("%Y-%m"), shown
