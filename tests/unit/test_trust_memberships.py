"""The report reads the directory's history once (rollups.Memberships) and folds each month from it.

Its members and smallest team sizes must be those the per-stretch queries give, for every
stretch of the window: people who stay all along, join, leave, move, rejoin, left before the
window or start after it, and rows that open and close at one moment.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from itertools import combinations

import pytest

from engagement import create_app
from engagement import migrate as schema
from engagement.directory.model import Membership, Person
from engagement.state import state
from engagement.trust import rollups
from tests.services import postgres_database

SINCE, UNTIL = datetime(2026, 8, 1), datetime(2026, 11, 1)
SEPTEMBER, OCTOBER = datetime(2026, 9, 1), datetime(2026, 10, 1)
MID = datetime(2026, 9, 15, 12)


def memberships() -> list[tuple[str, str, datetime | None, datetime | None]]:
    return [
        ("stays", "a", None, None), ("stays-too", "a", datetime(2025, 1, 1), None),
        ("leader", "a", None, None), ("leader", "b", None, datetime(2025, 1, 1)),  # left b long ago
        ("mover", "a", None, MID), ("mover", "b", MID, None),
        ("back", "b", None, SEPTEMBER), ("back", "b", OCTOBER, None),  # left and came back
        ("late", "c", datetime(2026, 10, 20), None), ("gone", "c", None, datetime(2026, 8, 20)),
        ("future", "c", datetime(2027, 1, 1), None), ("past", "c", None, datetime(2026, 1, 1)),
        ("edge", "c", SINCE, UNTIL), ("blink", "a", MID, MID),  # opens and closes at one moment
        ("flip", "b", OCTOBER, SEPTEMBER),  # closes before it opens: counted as the queries count it
    ]


@pytest.fixture
def postgres_app(tmp_path):
    with postgres_database() as url:
        app = create_app({"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_EVENT_LOG": str(tmp_path / "events.sqlite")})
        schema.upgrade(state(app).engine)
        yield app
        state(app).bus.close()
        state(app).engine.dispose()


@pytest.mark.postgres
def test_every_stretch_counts_as_its_own_queries_on_postgres(postgres_app):
    test_every_stretch_counts_as_its_own_queries(postgres_app)


def test_every_stretch_counts_as_its_own_queries(app):
    with app.app_context():
        session = state(app).db.session
        session.add_all(Person(id=p, name=p, role="leader" if p == "leader" else "member")
                        for p in {p for p, *_ in memberships()})
        session.add_all(Membership(person_id=p, team_id=t, valid_from=f, valid_to=to)
                        for p, t, f, to in memberships())
        session.flush()
        once = rollups.Memberships(session, SINCE, UNTIL)
        moments = [SINCE, datetime(2026, 8, 20), SEPTEMBER, MID, MID + timedelta(days=1), OCTOBER, UNTIL]
        stretches = list(combinations(moments, 2)) + [(OCTOBER, SEPTEMBER), (UNTIL, UNTIL)]
        for start, end in stretches:
            assert once.members(start, end) == rollups.members(session, start, end), (start, end)
            assert once.smallest(start, end) == rollups.smallest(session, start, end), (start, end)
        assert once.rows, "people who moved inside the window are counted row by row"
