"""A database dump holds no link between a person and a pulse answer, on SQLite and PostgreSQL.

While a pulse is open (every answer waiting in the outbox, its team and values sealed, none in
the event log) and again
after its close and release, the whole database is dumped as an operator would (``pg_dump``;
SQLite's ``iterdump``) and the event log read: no row that holds an answer (outbox, tallies,
respondents, the ledger's ``pulse.answered`` rows, the ids the read models claimed, the raw log)
names anyone who answered, by id or e-mail; participation rows carry no time; every
``pulse.answered`` event has the same time and no receive time; the ledger's order is not the
order people answered in; and every team id on a ``team``-wording answer carries at least the
minimum group size of answers, so a small team's answers are not under its own id. The pulse
has free text on: no comment is readable in a dump while it is open (sealed, every row of one
length whether or not it has a comment), and after the close the comments are under the same
groups as the answers, lonn's nowhere.
"""
from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engagement import create_app
from engagement import migrate as schema
from engagement.auth import create_api_key, mint_user_token
from engagement.pulses import outbox
from engagement.pulses import service as pulses
from engagement.pulses.model import Pulse
from engagement.state import state
from tests.conftest import TEST_SECRET, bearer, drain, migrated_app
from tests.services import PG_ADMIN_URL

GROUP = 10  # ENGAGEMENT_MIN_GROUP_SIZE here: ten answers go out together, shuffled
STATEMENTS = ["leader.safe_to_try", "climate.curiosity"]
DRIFT = [f"ansatt{i}" for i in range(1, GROUP + 1)]
LONN = ["lonnmedarbeider1", "lonnmedarbeider2"]
CREATOR = "kommunikasjon"  # defines the pulse: the events' target owner, by design; answers nothing
PEOPLE = [*DRIFT, *LONN, "lena", "lars", "mona"]
WAITING = GROUP + len(LONN) + 2  # every answer waits in the outbox until the close
ANSWER_TABLES = ("engagement_pulse_outbox", "engagement_pulse_tallies", "engagement_pulse_respondents",
                 "engagement_pulse_comments")
COMMENTED = range(0, GROUP, 2)  # every other drift member writes a comment


def comment(i: int) -> str:
    return f"Kommentar nummer {i}: vi trenger mer tid til å snakke sammen"


LONN_COMMENT = "Vi i lønnsteamet blir aldri hørt"


def values(i: int) -> tuple[int, int]:
    """Each drift member's answer differs, so the ledger's order can be compared with theirs."""
    return (i % 5 + 1, i // 5 + 1)


def scenario(app) -> tuple[str, list[tuple[int, int]]]:
    """Define a pulse, answer it over HTTP; answers the pulse and the drift members' values in
    answering order."""
    with app.app_context():
        session = state(app).db.session
        key = create_api_key(session, "hr", ["directory:write"])
        session.commit()
    client, secret = app.test_client(), state(app).token_secret
    people = ([{"id": p, "name": p.title(), "email": f"{p}@example.no", "team": "drift", "manager": "lena"}
               for p in DRIFT]
              + [{"id": p, "name": p.title(), "email": f"{p}@example.no", "team": "lonn", "manager": "lars"}
                 for p in LONN]
              + [{"id": "lena", "name": "Lena", "email": "lena@example.no", "team": "drift", "role": "leader",
                  "manager": "mona"},
                 {"id": "lars", "name": "Lars", "email": "lars@example.no", "team": "lonn", "role": "leader",
                  "manager": "mona"},
                 {"id": "mona", "name": "Mona", "email": "mona@example.no", "team": "org", "role": "leader"},
                 {"id": CREATOR, "name": "Kommunikasjon", "team": "stab"}])
    teams = [{"id": "org", "name": "Etaten", "parent": None}, {"id": "drift", "name": "Drift", "parent": "org"},
             {"id": "lonn", "name": "Lønn", "parent": "org"}, {"id": "stab", "name": "Stab", "parent": None}]
    assert client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": teams},
                       headers=bearer(key)).status_code == 200
    comms = mint_user_token(secret, CREATOR, roles=("communications",))
    defined = client.post("/v1/pulses", headers=bearer(comms), json={
        "title": "Trygghet", "statements": STATEMENTS, "units": ["org"], "free_text": True,
        "closes_at": (datetime.now(UTC) + timedelta(days=7)).isoformat()})
    assert defined.status_code == 201, defined.json
    pulse = defined.json["id"]

    def answer(person: str, team: str, wording: str, given: tuple[int, int], written: str | None = None) -> None:
        body = {"team": team, "wording": wording, "answers": dict(zip(STATEMENTS, given, strict=True))}
        if written is not None:
            body["comment"] = written
        response = client.post(f"/v1/pulses/{pulse}/answers", headers=bearer(mint_user_token(secret, person)),
                               json=body)
        assert response.status_code == 202, response.json

    order = []
    for i, person in enumerate(DRIFT):
        answer(person, "drift", "team", values(i), comment(i) if i in COMMENTED else None)
        order.append(values(i))
    for person in LONN:  # too few for a group even with their parent: deleted at the close, never published
        answer(person, "lonn", "team", (3, 3), LONN_COMMENT)
    answer("lena", "drift", "self", (4, 4))
    answer("mona", "drift", "manager", (2, 2))
    drain(app, ("ledger", "pulses"))
    assert answered_events(app) == [] and count(app, "engagement_pulse_tallies") == 0  # nothing before the close
    assert count(app, "engagement_pulse_outbox") == WAITING
    return pulse, order


def close_and_release(app, pulse: str) -> None:
    """Close the pulse and run the sweep, as the workers or ``engagement pulses release`` do."""
    with app.app_context():
        session = state(app).db.session
        pulses.close(session, session.get(Pulse, pulse), datetime.now(UTC))
        assert outbox.sweep(session, state(app).bus, datetime.now(UTC), GROUP, state(app).token_secret) == GROUP + 2
    drain(app, ("ledger", "pulses"))
    assert count(app, "engagement_pulse_outbox") == 0


def count(app, table: str) -> int:
    with state(app).engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def answered_events(app) -> list[tuple]:
    with state(app).engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT event_id, actor, occurred_at, received_at, submitted_by, data FROM engagement_ledger "
            "WHERE type = 'pulse.answered' ORDER BY seq").all()


def inserts(dump: str, table: str) -> list[str]:
    """The INSERT lines of ``table`` in a dump (pg_dump --inserts, or SQLite's iterdump)."""
    pattern = re.compile(rf'^INSERT INTO (public\.)?"?{table}"? ', re.M)
    return [line for line in dump.splitlines() if pattern.match(line)]


def check(app, dump: str, order: list[tuple[int, int]], closed: bool) -> None:
    """The dump and the event log, while the pulse is open (every answer waiting, none in the
    log) or after its close (none waiting; every team id on a ``team``-wording answer carries at
    least GROUP answers, so lonn's two are nowhere)."""
    events = answered_events(app)
    event_ids = {row[0] for row in events}
    answer_rows = [line for table in (*ANSWER_TABLES,) for line in inserts(dump, table)]
    answer_rows += [line for line in inserts(dump, "engagement_ledger") if "pulse.answered" in line]
    answer_rows += [line for line in inserts(dump, "engagement_processed_events") if any(i in line for i in event_ids)]
    waiting = 0 if closed else WAITING
    assert len(inserts(dump, "engagement_pulse_outbox")) == waiting
    assert len(answer_rows) >= waiting + len(events) * 2, "the dump holds the outbox, ledger and claimed rows"
    answer_rows += [wire for wire in raw_log(app) if "pulse.answered" in wire]
    identifying = [p for p in PEOPLE] + [f"{p}@example.no" for p in PEOPLE]
    for row in answer_rows:
        assert not [name for name in identifying if name in row], row

    participation = inserts(dump, "engagement_pulse_participation")
    assert len(participation) == GROUP + len(LONN) + 2
    created = re.search(r"CREATE TABLE (public\.)?\"?engagement_pulse_participation\"? \((.*?)\);", dump, re.S)
    assert created is not None
    columns = created.group(2).lower()
    assert "timestamp" not in columns and "datetime" not in columns and "date" not in columns

    if not closed:  # the waiting rows hold no team, value or comment: all sealed under the token secret
        assert events == []
        waiting = inserts(dump, "engagement_pulse_outbox")
        assert not [row for row in waiting if any(word in row for word in ("drift", "lonn", *STATEMENTS))], waiting
        assert "Kommentar nummer" not in dump and "lønnsteamet" not in dump and "Kommentar" not in str(raw_log(app))
        assert count(app, "engagement_pulse_comments") == 0
        sealed = [re.findall(r"'([A-Za-z0-9+/=]{100,})'", row) for row in waiting]
        assert all(len(found) == 1 for found in sealed), "one sealed value per waiting row"
        assert len({len(found[0]) for found in sealed}) == 1, "a row with a comment is as long as one without"
        return
    assert LONN_COMMENT not in dump and LONN_COMMENT not in str(raw_log(app))  # deleted unpublished
    with state(app).engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT team_id, wording, text FROM engagement_pulse_comments").all()
    assert sorted(stored) == sorted(("drift", "team", comment(i)) for i in COMMENTED)
    commented = [_data(row[5]) for row in events if "comment" in _data(row[5])]
    assert sorted((d["team"], d["comment"]) for d in commented) == sorted(("drift", comment(i)) for i in COMMENTED)
    assert len(events) == GROUP + 2  # drift's ten, lena's own view and mona's; lonn's two deleted
    assert {row[1] for row in events} == {"anonymous"} and {row[3] for row in events} == {None}
    assert len({row[2] for row in events}) == 1 and {row[4] for row in events} == {""}
    team_events = [_data(row[5]) for row in events if _data(row[5])["wording"] == "team"]
    per_team = {t: sum(d["team"] == t for d in team_events) for t in {d["team"] for d in team_events}}
    assert per_team == {"drift": GROUP} and min(per_team.values()) >= GROUP
    assert "lonn" not in {_data(row[5])["team"] for row in events}
    logged = [tuple(d["answers"][s] for s in STATEMENTS) for d in team_events]
    assert sorted(logged) == sorted(order) and logged != order


def _data(value) -> dict:
    return value if isinstance(value, dict) else json.loads(value)


def raw_log(app) -> list[str]:
    """The embedded bus's records as text (its values are stored as blobs)."""
    with sqlite3.connect(state(app).config["ENGAGEMENT_EVENT_LOG"]) as conn:
        return [bytes(value).decode() for (value,) in conn.execute("SELECT value FROM log")]


def sqlite_dump(app) -> str:
    path = state(app).engine.url.database
    state(app).engine.dispose()
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def pg_dump(url: str) -> str:
    return subprocess.run(["pg_dump", "--inserts", "--no-owner", url], check=True,
                          capture_output=True, text=True, timeout=120).stdout


def test_a_sqlite_dump_links_no_person_to_an_answer(sqlite_template, tmp_path):
    app = migrated_app(sqlite_template, tmp_path, ENGAGEMENT_MIN_GROUP_SIZE=GROUP)
    try:
        pulse, order = scenario(app)
        check(app, sqlite_dump(app), order, closed=False)
        close_and_release(app, pulse)
        check(app, sqlite_dump(app), order, closed=True)
    finally:
        state(app).bus.close()


@pytest.fixture
def scratch_postgres():
    """A database of this test's own, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    name = f"tillit_pulse_fold_dump_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL is not available: {exc}")
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_pg_dump_links_no_person_to_an_answer(scratch_postgres, tmp_path: Path):
    app = create_app({"TESTING": True, "ENGAGEMENT_EVENT_LOG": str(tmp_path / "log.sqlite3"),
                      "ENGAGEMENT_DATABASE_URL": scratch_postgres, "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                      "ENGAGEMENT_CONSUMERS": "external", "ENGAGEMENT_MIN_GROUP_SIZE": GROUP})
    schema.upgrade(state(app).engine)
    try:
        pulse, order = scenario(app)
        check(app, pg_dump(scratch_postgres), order, closed=False)
        close_and_release(app, pulse)
        check(app, pg_dump(scratch_postgres), order, closed=True)
    finally:
        state(app).bus.close()
        state(app).engine.dispose()


def test_two_sweeps_at_once_on_postgres_publish_each_answer_once(scratch_postgres, tmp_path: Path):
    """The release's claim is a row lock there: the second sweep waits, then finds nothing waiting."""
    import threading
    import time

    from sqlalchemy.orm import Session
    app = create_app({"TESTING": True, "ENGAGEMENT_EVENT_LOG": str(tmp_path / "log.sqlite3"),
                      "ENGAGEMENT_DATABASE_URL": scratch_postgres, "ENGAGEMENT_TOKEN_SECRET": TEST_SECRET,
                      "ENGAGEMENT_CONSUMERS": "external", "ENGAGEMENT_MIN_GROUP_SIZE": GROUP})
    schema.upgrade(state(app).engine)
    try:
        pulse, _ = scenario(app)
        with app.app_context():
            session = state(app).db.session
            pulses.close(session, session.get(Pulse, pulse), datetime.now(UTC))
        st, counts, start = state(app), [], threading.Barrier(2)

        class SlowBus:  # holds the first release between reading and deleting, where the second would read
            def publish(self, events):
                time.sleep(0.5)
                return st.bus.publish(events)

        def sweep() -> None:
            with Session(st.engine) as session:
                start.wait()
                counts.append(outbox.sweep(session, SlowBus(), datetime.now(UTC), GROUP, st.token_secret))

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(counts) == [0, GROUP + 2]
        drain(app, ("ledger", "pulses"))
        assert len(answered_events(app)) == GROUP + 2 and count(app, "engagement_pulse_outbox") == 0
    finally:
        state(app).bus.close()
        state(app).engine.dispose()
