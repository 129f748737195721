"""On PostgreSQL the trust consumer writes a batch's three tables in one statement (JSON rows,
data-modifying CTEs: consumers/trust.py, ``write_at_once``). It must leave exactly the rows the
per-table upserts leave (``write_each``, the SQLite path and the former PostgreSQL one): the demo's
planted year applied in batches, in order and with each batch reversed (likes read before the
comments they like, answers before their ideas), to two databases, one per path.
"""
from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import create_app
from engagement import migrate as schema
from engagement.bus.base import Record
from engagement.demo import trust_history as trust_demo
from engagement.directory import service as directory
from engagement.events import Event
from engagement.schemas.directory import DirectorySyncSchema
from engagement.schemas.events import EventSchema
from engagement.state import state
from engagement.trust.model import TrustActivity, TrustContribution, TrustIdea
from tests.services import postgres_database

pytestmark = pytest.mark.postgres


def demo_events() -> list[Event]:
    now = datetime(2026, 11, 15, tzinfo=UTC)
    return [Event.from_loaded(EventSchema().load(e), now, "test") for e in trust_demo.events()]


def applied(tmp_path, monkeypatch, events: list[Event], size: int, reverse: bool, at_once: bool) -> dict:
    """Every row of the three tables after the model applied ``events`` in batches of ``size``,
    written at once or table by table."""
    with postgres_database() as url:
        app = create_app({"ENGAGEMENT_DATABASE_URL": url, "ENGAGEMENT_EVENT_LOG": str(tmp_path / "e.sqlite")})
        st = state(app)
        schema.upgrade(st.engine)
        with app.app_context():
            directory.sync(st.db.session, DirectorySyncSchema().load(trust_demo.directory()), datetime(2026, 1, 1,
                                                                                                       tzinfo=UTC))
            st.db.session.commit()
        model = st.read_model("trust")
        module = sys.modules[type(model).__module__]  # the app's own import of consumers/trust.py
        with monkeypatch.context() as patch:
            calls: list[str] = []
            one, each = module.write_at_once, module.write_each
            patch.setattr(module, "write_each", _counted(each, calls, "write_each"))
            patch.setattr(module, "write_at_once", _counted(one, calls, "write_at_once") if at_once
                          else _counted(each, calls, "write_each"))
            apply_in_batches(st, model, events, size, reverse)
        assert set(calls) == {"write_at_once" if at_once else "write_each"}
        with Session(st.engine) as session:
            rows = {table.__tablename__: sorted(tuple(r) for r in session.execute(select(*table.__table__.c)))
                    for table in (TrustActivity, TrustContribution, TrustIdea)}
        st.bus.close()
        st.engine.dispose()
    return rows


def _counted(write, calls: list[str], name: str):
    def counted(*args):
        calls.append(name)
        return write(*args)
    return counted


def apply_in_batches(st, model, events: list[Event], size: int, reverse: bool) -> None:
    for start in range(0, len(events), size):
        chunk = events[start:start + size][::-1] if reverse else events[start:start + size]
        with Session(st.engine) as session, session.begin():
            model.claim(session, [e.id for e in chunk])
            model.apply(session, [(e, Record("t", 0, start + i, b"")) for i, e in enumerate(chunk)])


@pytest.mark.parametrize(("size", "reverse"), [(97, False), (250, True)])
def test_one_statement_leaves_the_rows_the_per_table_upserts_leave(tmp_path, monkeypatch, size, reverse):
    events = demo_events()
    at_once = applied(tmp_path, monkeypatch, events, size, reverse, at_once=True)
    each = applied(tmp_path, monkeypatch, events, size, reverse, at_once=False)
    assert at_once == each
    assert all(at_once.values()), "every table has rows"
