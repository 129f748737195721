"""A batch's rows in one statement (engagement/bulk.py) give what a statement per row gave, on
PostgreSQL (keys and rows as one JSON parameter) and on SQLite (tuple IN and executemany)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, delete, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from engagement import bulk
from engagement import migrate as schema
from engagement.consumers.owned import BulkDeltas
from engagement.recognition.model import PersonRecognition, TargetStats

pytestmark = [pytest.mark.postgres]


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    url = (request.getfixturevalue("empty_postgres_url") if request.param == "postgresql"
           else f"sqlite:///{tmp_path / 'bulk.sqlite3'}")
    engine = create_engine(url)
    schema.upgrade(engine)
    yield engine
    with Session(engine) as session, session.begin():
        session.execute(delete(TargetStats))
        session.execute(delete(PersonRecognition))
    engine.dispose()


def stats(engine) -> dict:
    with Session(engine) as session:
        return {(r.target_kind, r.target_id): (r.owner, r.likes, r.comments, r.kudos)
                for r in session.scalars(select(TargetStats))}


def test_counters_add_to_what_is_stored_and_a_known_owner_is_never_unknown_again(engine):
    def batch(*changes: tuple[str, str, int]) -> None:
        with Session(engine) as session, session.begin():
            targets = BulkDeltas(TargetStats, ("target_kind", "target_id"), ("likes", "comments", "kudos"),
                                 known=("owner",))
            writes = bulk.Writes(session)
            for target_id, owner, likes in changes:
                targets.at(("article", target_id), owner=owner)["likes"] += likes
            targets.add_to(writes)
            writes.send()

    batch(("a1", "", 2), ("a2", "ola", 1), ("it's \"quoted\"", "kari", 1))
    batch(("a1", "per", -1), ("a2", "", 3))
    assert stats(engine) == {("article", "a1"): ("per", 1, 0, 0), ("article", "a2"): ("ola", 4, 0, 0),
                             ("article", "it's \"quoted\""): ("kari", 1, 0, 0)}


def test_where_keys_finds_exactly_the_rows_named(engine):
    with Session(engine) as session, session.begin():
        people = BulkDeltas(PersonRecognition, ("person", "kind"), ("received", "given"))
        for person in ("kari", "ola", "per"):
            for kind in ("like", "comment"):
                people.at((person, kind))["received"] += 1
        people.write(session)
    with Session(engine) as session:
        columns = (PersonRecognition.person, PersonRecognition.kind)
        pairs = session.execute(bulk.where_keys(session, select(*columns), columns,
                                                {("kari", "like"), ("per", "comment"), ("nobody", "like")}))
        assert sorted(pairs) == [("kari", "like"), ("per", "comment")]
        one = session.scalars(bulk.where_keys(session, select(PersonRecognition.kind), (PersonRecognition.person,),
                                              {("ola",)}))
        assert sorted(one) == ["comment", "like"]


def test_a_value_too_long_for_its_column_is_refused_not_cut_to_fit(empty_postgres_url):
    """PostgreSQL cuts a value an explicit CAST calls VARCHAR(128) to fit, where an INSERT refuses
    it: the bulk path must refuse it too, or a poison record is counted instead of dead-lettered."""
    engine = create_engine(empty_postgres_url)
    schema.upgrade(engine)
    long_id = "x" * 300
    try:
        with Session(engine) as session, session.begin(), pytest.raises(DataError, match="too long"):
            bulk.write(session, TargetStats, [{"target_kind": "article", "target_id": long_id, "owner": "ola",
                                               "likes": 1, "comments": 0, "kudos": 0}])
        with Session(engine) as session, session.begin(), pytest.raises(DataError, match="too long"):
            writes = bulk.Writes(session)
            people = BulkDeltas(PersonRecognition, ("person", "kind"), ("received", "given"))
            people.at((long_id, "like"))["given"] += 1
            people.add_to(writes)
            writes.send()
        with Session(engine) as session, session.begin():
            bulk.write(session, TargetStats, [{"target_kind": "article", "target_id": "x" * 128, "owner": "ola",
                                               "likes": 1, "comments": 0, "kudos": 0}])
        with Session(engine) as session:  # nor is a long key read as the row its first 128 characters name
            columns = (TargetStats.target_kind, TargetStats.target_id)
            assert not list(session.execute(bulk.where_keys(session, select(*columns), columns,
                                                            {("article", long_id)})))
            one = (TargetStats.target_id,)
            assert not list(session.execute(bulk.where_keys(session, select(*one), one, {(long_id,)})))
    finally:
        engine.dispose()


def test_writes_of_one_shape_share_one_compiled_statement_and_a_lambda_gets_none(empty_postgres_url):
    """Writes.send compiles a statement once per shape (tables, columns, conflict, update); an
    update made per call (a lambda) may differ each time, so it is never cached (nor piles up)."""
    engine = create_engine(empty_postgres_url)
    schema.upgrade(engine)

    def send(update) -> None:
        with Session(engine) as session, session.begin():
            writes = bulk.Writes(session)
            writes.add(PersonRecognition, [{"person": "kari", "kind": "like", "received": 1, "given": 0}],
                       ("person", "kind"), update)
            writes.send()
    try:
        before = len(bulk._WRITES)
        for _ in range(3):
            send(_add_received)
        assert len(bulk._WRITES) == before + 1
        for step in (1, 10):
            send(lambda table, excluded, step=step: {"received": table.received + step})
        assert len(bulk._WRITES) == before + 1
        with Session(engine) as session:
            assert session.scalars(select(PersonRecognition.received)).one() == 1 + 2 + 1 + 10
    finally:
        engine.dispose()


def _add_received(table, excluded):
    return {"received": table.received + excluded.received}
