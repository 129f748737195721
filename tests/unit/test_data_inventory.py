"""The data inventory lists every table and column that can hold a person id or personal data.

Tables are found twice: in the models (``Base.metadata``) and in a fresh database upgraded by the
migrations (so a table only a migration creates is seen too). Each table must be inventoried or
declared free of personal data, and each column that can hold text (a string, a text or JSON) of an
inventoried table must be inventoried or declared not personal for that table: a new person column
without an entry fails here.
"""
from __future__ import annotations

import csv
import io

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    Interval,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    create_engine,
    inspect,
)

from engagement.migrate import upgrade
from engagement.privacy import retention
from engagement.privacy.erasure import JSON_REWRITERS
from engagement.privacy.export import as_csv, person_data
from engagement.privacy.inventory import INVENTORY, NO_PERSONAL_DATA, NOT_PERSONAL, Form, person_tables
from engagement.state import state
from engagement.tables import Base
from tests.conftest import bearer, drain, like

NOT_TEXT = (Integer, Numeric, Float, Boolean, Date, DateTime, Time, Interval)  # cannot hold an id or a name


def text_columns(columns) -> set[str]:
    """Columns that could hold a person id or personal data: anything not a number, flag or time."""
    return {c.name for c in columns if not isinstance(c.type, NOT_TEXT)}


def unaccounted(tables: dict[str, set[str]]) -> list[str]:
    """What the inventory misses: a table that is neither inventoried nor declared free of personal
    data, or a text column of an inventoried table that is neither inventoried nor declared not personal."""
    listed = {t.table: {c.name for c in t.columns} for t in INVENTORY}
    missing = []
    for name, columns in sorted(tables.items()):
        if name in NO_PERSONAL_DATA:
            continue
        if name not in listed:
            missing.append(name)
            continue
        missing += [f"{name}.{c}" for c in sorted(columns - listed[name] - NOT_PERSONAL.get(name, set()))]
    return missing


def model_tables(metadata: MetaData) -> dict[str, set[str]]:
    return {name: text_columns(table.columns) for name, table in metadata.tables.items()}


def migrated_tables(tmp_path) -> dict[str, set[str]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    upgrade(engine)
    found = inspect(engine)
    tables = {name: text_columns(_reflected(found.get_columns(name))) for name in found.get_table_names()}
    engine.dispose()
    return tables


def _reflected(columns: list[dict]) -> list[Column]:
    return [Column(c["name"], c["type"]) for c in columns]


def test_every_table_and_text_column_of_the_models_is_inventoried():
    assert unaccounted(model_tables(Base.metadata)) == []


def test_every_table_and_text_column_the_migrations_create_is_inventoried(tmp_path):
    tables = migrated_tables(tmp_path)
    assert set(Base.metadata.tables) <= set(tables)  # the reflection saw the schema
    assert unaccounted(tables) == []


def test_a_new_person_column_without_an_entry_is_reported_missing():
    throwaway = MetaData()
    Table("engagement_gifts", throwaway, Column("id", Integer, primary_key=True), Column("person", String(128)),
          Column("given_at", DateTime))
    Table("engagement_like_states", throwaway, Column("person", String(128)), Column("mood", String(20)),
          Column("liked", Boolean))
    assert unaccounted(model_tables(throwaway)) == ["engagement_gifts", "engagement_like_states.mood"]


def test_the_inventory_names_only_columns_that_exist_and_says_what_erasure_does():
    for table in person_tables():
        columns = set(Base.metadata.tables[table.table].columns.keys())
        assert {c.name for c in table.columns} <= columns, table.table
        assert NOT_PERSONAL.get(table.table, set()) <= columns, table.table
        assert not {c.name for c in table.columns} & NOT_PERSONAL.get(table.table, set()), table.table
        assert table.purpose and table.legal_basis and table.retention and table.on_erasure, table.table
        if table.of(Form.TEXT) and "delete" not in table.on_erasure:
            assert "free texts people wrote are content and are kept" in table.on_erasure, table.table
    assert not NO_PERSONAL_DATA & {t.table for t in INVENTORY}
    audit = {t.table: t for t in INVENTORY}
    assert Form.LABEL in {c.form for c in audit["engagement_trust_audit"].columns}  # who read a report
    assert Form.LABEL in {c.form for c in audit["engagement_award_snapshots"].columns}  # who finalised


def test_erasure_knows_how_to_rewrite_every_inventoried_json_and_retention_prunes_only_the_ledger():
    assert {t.table for t in INVENTORY if t.of(Form.JSON)} == set(JSON_REWRITERS)
    assert [t.name for t in retention.pruned()] == ["engagement_ledger"]  # raw events, as before


def _bra(event_id: str, giver: str, to: str) -> dict:
    return {"id": event_id, "type": "kudos.given", "actor": giver, "time": "2026-11-02T10:00:00+01:00",
            "target": {"kind": "person", "id": to, "owner": to}, "data": {"message": "Takk!"}}


def _world(app, client, make_key, people: tuple[str, ...], events: list[dict], emails: bool = True) -> str:
    """``people`` in one team (with e-mail addresses unless told not), ``events`` sent and applied; the key."""
    key = make_key("events:write", "directory:write", name="intranet")
    sync = {"mode": "full", "teams": [{"id": "T", "name": "T", "parent": None}],
            "people": [{"id": p, "name": p.title(), "team": "T", **({"email": f"{p}@example.no"} if emails else {})}
                       for p in people]}
    assert client.post("/v1/directory/sync", json=sync, headers=bearer(key)).status_code == 200
    assert client.post("/v1/events/batch", json={"events": events}, headers=bearer(key)).status_code == 202
    drain(app, ("ledger", "recognition", "notifications", "awards"))
    return key


def test_an_export_holds_the_persons_rows_in_every_form_and_nobody_elses(app, client, make_key, user_token):
    kudos = _bra("k2", "per", "kari")
    _world(app, client, make_key, ("kari", "karin", "ola", "per"),
           [like("l1", actor="kari", target="news-1", owner="ola"),
            like("l2", actor="karin", target="news-1", owner="ola"), kudos])
    with app.app_context():
        data = person_data(state(app).db.session, "kari")
    tables = {t["table"]: t["rows"] for t in data["tables"]}
    assert data["format"] == 1 and data["person"] == "kari" and data["generated_at"].endswith("Z")
    assert list(tables) == [t.table for t in INVENTORY]  # every table, with rows [] when none
    assert [r["name"] for r in tables["engagement_people"]] == ["Kari"]
    assert {r["person"] for r in tables["engagement_like_states"]} == {"kari"}  # not karin
    assert {r["actor"] for r in tables["engagement_ledger"]} == {"kari", "per"}  # per's Bra! to her (target)
    assert tables["engagement_ledger"][0]["occurred_at"].endswith("Z")
    assert any(r["person"] == "kari" for r in tables["engagement_person_recognition"])
    ola_hears = tables["engagement_notifications"]  # found inside the JSON of actors, which names karin too
    heard = [(n["person"], sorted(a["p"] for a in n["actors"])) for n in ola_hears]
    assert heard == [("kari", ["per"]), ("ola", ["kari"])]  # by primary key (person, id); Ola's group: her entry
    assert [t for t, rows in tables.items() for r in rows if "karin" in str(r)] == []
    rows = list(csv.DictReader(io.StringIO(as_csv(data))))
    assert {"table": "engagement_people", "row": "1", "column": "email", "value": "kari@example.no"} in rows
    assert len({(r["table"], r["row"]) for r in rows}) == sum(len(v) for v in tables.values())


def test_near_ids_inside_event_ids_and_bra_subjects_are_other_people(app, client, make_key):
    """kari.n's event "ev-kari.n-20" and kari@ex's Bra! subject "person:kari@ex@2026-11" are theirs:
    neither shows in kari's export, and erasing kari leaves them as they were."""
    key = _world(app, client, make_key, ("kari", "kari.n", "kari@ex", "ola"),
                 [like("ev-kari.n-20", actor="kari.n", target="news-1", owner="ola"),
                  like("ev-kari-1", actor="kari", target="news-2", owner="ola"), _bra("k-ex", "ola", "kari@ex")],
                 emails=False)
    with app.app_context():
        before = person_data(state(app).db.session, "kari")
    others = [(t["table"], r) for t in before["tables"] for r in t["rows"]
              if "kari.n" in str(r) or "kari@ex" in str(r)]
    assert {t for t, _ in others} <= {"engagement_notifications"}  # ola's group names both likers
    assert client.post("/v1/directory/people/kari/erase", headers=bearer(key)).status_code == 200
    with app.app_context():
        after = {near: {t["table"]: t["rows"] for t in person_data(state(app).db.session, near)["tables"]}
                 for near in ("kari.n", "kari@ex")}
    assert all(tables["engagement_ledger"] for tables in after.values())
    ids = {r["event_id"] for r in after["kari.n"]["engagement_ledger"]}
    subjects = {r["subject"] for r in after["kari@ex"]["engagement_kudos_firsts"]}
    assert ids == {"ev-kari.n-20"}
    assert subjects and all(s.startswith("person:kari@ex@") for s in subjects)


def test_a_csv_cell_that_would_start_a_formula_is_text():
    data = {"tables": [{"table": "engagement_ideas", "rows": [
        {"title": '=HYPERLINK("x")', "text": "+cmd", "answer": "-1", "who": "@ola", "votes": -3,
         "plain": "Salatbar"}]}]}
    values = {r["column"]: r["value"] for r in csv.DictReader(io.StringIO(as_csv(data)))}
    assert values == {"title": '\'=HYPERLINK("x")', "text": "'+cmd", "answer": "'-1", "who": "'@ola",
                      "votes": "-3", "plain": "Salatbar"}
