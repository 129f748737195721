"""Retention deletes rolled-up raw events; erasure removes a person who left from everything."""
from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, func, inspect, select, text

from engagement.demo import trust_history as trust_demo
from engagement.directory.model import Person
from engagement.ledger.event_ids import PSEUDONYM_ROOM
from engagement.ledger.model import DeadLetter, LedgerEvent
from engagement.privacy import retention
from engagement.privacy.export import person_data
from engagement.privacy.inventory import by_name
from engagement.profiles.model import ProfileCompletion
from engagement.replay import ReplayRefused, replay
from engagement.state import state
from engagement.tables import Base
from tests.conftest import bearer, drain, like
from tests.unit.test_trust import send_all
from tests.worlds import seeded

EVERY_MODEL = ("ledger", "recognition", "ideas", "profiles", "awards", "trust", "notifications", "webhooks",
               "pulses")


@pytest.fixture
def org(app, client, make_key, worlds):
    def seed():
        admin = make_key("directory:write", "events:write")
        assert client.post("/v1/directory/sync", json=trust_demo.directory(),
                           headers=bearer(admin)).status_code == 200
        send_all(client, admin, trust_demo.events())
        return admin, make_key("trust:read")
    return seeded(app, worlds, "org", seed)


def reports(client, key) -> str:
    return json.dumps([client.get(f"/v1/trust/report?period={p}", headers=bearer(key)).json
                       for p in ("2026-08", "2026-10")])


def ledger_size(app) -> int:
    with app.app_context():
        return state(app).db.session.scalar(select(func.count()).select_from(LedgerEvent))


def test_retention_keeps_the_report_and_replay_starts_from_the_rollups(app, client, org):
    _, reader = org
    st = state(app)
    app.config["ENGAGEMENT_RETENTION_DAYS"] = 30
    first_of_october = datetime(2026, 10, 1, 12, tzinfo=UTC)
    drain(app, ("ledger", "trust"))
    assert retention.prune(st, first_of_october)["deleted"] == 0  # other read models have not applied them yet
    replay(st, ["recognition"])  # nothing was deleted, so nothing is refused
    drain(app, EVERY_MODEL)
    before, total = reports(client, reader), ledger_size(app)
    result = retention.prune(st, first_of_october)
    assert result["cutoff"] == "2026-08-31T22:00:00Z"  # 1 September in Oslo
    assert result["deleted"] == total - ledger_size(app) > 0
    with app.app_context():
        oldest = st.db.session.scalar(select(func.min(LedgerEvent.occurred_at)))
    assert oldest >= datetime(2026, 8, 31, 22)
    log = sqlite3.connect(app.config["ENGAGEMENT_EVENT_LOG"])
    assert log.execute("SELECT COUNT(*) FROM log").fetchone()[0] == ledger_size(app)
    assert reports(client, reader) == before
    replay(st, ["trust", "awards"])
    assert reports(client, reader) == before  # July and August come from the rollups kept
    with pytest.raises(ReplayRefused, match="--after-retention"):
        replay(st, ["recognition"])
    assert replay(st, ["recognition"], after_retention=True)["recognition"] == ledger_size(app)


def test_retention_is_off_by_default(app, org):
    drain(app, EVERY_MODEL)
    assert retention.prune(state(app), datetime.now(UTC)) == {"retention": "off", "deleted": 0}


def assert_no_trace(app, person: str) -> None:
    """No cell of any table names the person: alone, as ``user:<id>``, ``person:<id>``, inside JSON
    or inside an event id (``~<id>~...``); nor does any raw event in the embedded bus's log."""
    named = re.compile(rf"(?<![\w-]){re.escape(person)}(?![\w-])")
    with app.app_context():
        session = state(app).db.session
        assert session.get(Person, person) is None
        for table in Base.metadata.sorted_tables:
            for row in session.execute(text(f"SELECT * FROM {table.name}")):
                cells = [json.dumps(v) if isinstance(v, (dict, list)) else str(v) for v in row]
                assert not [c for c in cells if named.search(c)], (table.name, [c for c in cells if named.search(c)])
    with sqlite3.connect(app.config["ENGAGEMENT_EVENT_LOG"]) as log:
        raw = [bytes(value).decode() + key for key, value in log.execute("SELECT key, value FROM log")]
    assert not [r for r in raw if named.search(r)], [r for r in raw if named.search(r)][:1]


def leave_traces_as_a_leader(client, user_token, person: str) -> None:
    """The person reads the trust report (audited) and finalises a month (signed by them)."""
    token = user_token(person, roles=("leader", "communications"))
    assert client.get("/v1/trust/report?period=2026-08", headers=bearer(token)).status_code == 200
    assert client.post("/v1/awards/2026-08/finalise", headers=bearer(token)).status_code == 201


def send_from_the_widget(client, user_token, person: str) -> None:
    """Events from the person's own token: their ids live in the person's id space (``~<id>~...``),
    and one client-chosen id names them as well."""
    token = bearer(user_token(person))
    events = [like(f"w-like-{person}", actor=person, target="news-1", owner="ola"),
              {"id": f"w-bra-{person}", "type": "kudos.given", "time": datetime.now(UTC).isoformat(),
               "target": {"kind": "person", "id": "ola", "owner": "ola"}, "data": {"message": "Takk!"}},
              {"id": f"profile-{person}", "type": "profile.updated", "time": datetime.now(UTC).isoformat(),
               "target": {"kind": "person", "id": person, "owner": person},
               "data": {"fields": {"photo": f"https://intranet.example/{person}.jpg", "title": None}}}]
    assert client.post("/v1/events/batch", json={"events": events}, headers=token).status_code == 202


def test_erasing_a_person_who_left_keeps_every_sum_and_leaves_no_trace(app, client, org, user_token):
    admin, reader = org
    send_from_the_widget(client, user_token, "healthy-3")
    drain(app, EVERY_MODEL)
    leave_traces_as_a_leader(client, user_token, "healthy-3")
    progress = client.get("/v1/people/healthy-3/profile-completion", headers=bearer(admin)).json["percent"]
    assert progress == 20
    before = reports(client, reader)
    answer = client.post("/v1/directory/people/healthy-3/erase", headers=bearer(admin))
    assert answer.status_code == 200 and answer.json["rows"] > 0
    assert reports(client, reader) == before
    assert_no_trace(app, "healthy-3")  # erased in place, not by a rebuild
    assert erased_profile_percents(app) == [progress]
    replay(state(app))
    assert reports(client, reader) == before  # the ledger carries the pseudonym too
    assert erased_profile_percents(app) == [progress]  # a placeholder for each filled value
    assert_no_trace(app, "healthy-3")
    assert client.post("/v1/directory/people/nobody/erase", headers=bearer(admin)).status_code == 404
    assert client.post("/v1/directory/people/healthy-4/erase", headers=bearer(reader)).status_code == 403


def erased_profile_percents(app) -> list[int]:
    with app.app_context():
        return list(state(app).db.session.scalars(select(ProfileCompletion.percent).where(
            ProfileCompletion.person.startswith("erased-"))))


def _erased_world(app, client, make_key, user_token):
    """Kari likes Ola's article and gives him a Bra! from her widget, and Per gives Ola a Bra! about
    her; then she leaves."""
    key = make_key("events:write", "directory:write", name="intranet")
    sync = {"mode": "full", "as_of": "2026-01-01T00:00:00+01:00", "teams": [{"id": "T", "name": "T", "parent": None}],
            "people": [{"id": p, "name": p.title(), "team": "T"} for p in ("kari", "ola", "per")]}
    assert client.post("/v1/directory/sync", json=sync, headers=bearer(key)).status_code == 200
    kudos = {"id": "k2", "type": "kudos.given", "actor": "per", "time": "2026-11-02T10:00:00+01:00",
             "target": {"kind": "person", "id": "ola", "owner": "ola"}, "data": {"about": "person:kari"}}
    assert client.post("/v1/events/batch", json={"events": [like("l1", actor="kari", target="news-1", owner="ola"),
                                                            kudos]}, headers=bearer(key)).status_code == 202
    bra = {"id": "w1", "type": "kudos.given", "time": "2026-11-02T11:00:00+01:00",
           "target": {"kind": "person", "id": "ola", "owner": "ola"}, "data": {"message": "Takk!"}}
    assert client.post("/v1/events", json=bra, headers=bearer(user_token("kari"))).status_code == 202
    drain(app, EVERY_MODEL)
    assert client.post("/v1/directory/people/kari/erase", headers=bearer(key)).status_code == 200
    return key


def test_erasure_leaves_no_raw_event_naming_the_person_in_the_embedded_log(app, client, make_key, user_token):
    """The single-machine bus (ENGAGEMENT_EVENT_LOG) keeps every raw event as sent, with no retention
    by default: erasure rewrites them in place, so every consumer's position still holds."""
    _erased_world(app, client, make_key, user_token)
    with sqlite3.connect(app.config["ENGAGEMENT_EVENT_LOG"]) as log:
        left = [row for table, in log.execute("select name from sqlite_master where type='table'")
                for row in log.execute(f"select * from '{table}'") if b"kari" in repr(row).encode().lower()]
        assert log.execute("SELECT COUNT(*) FROM log").fetchone()[0] == 3
    assert left == [], f"{len(left)} raw events still name kari: {left[0]!r}"[:400]
    assert client.post("/v1/events", json=like("l3", actor="per", target="news-1", owner="ola"),
                       headers=bearer(make_key("events:write"))).status_code == 202
    drain(app, EVERY_MODEL)  # the consumers carry on after the rewritten records, applying only the new one
    with app.app_context():
        assert ledger_size(app) == 4 and not state(app).db.session.scalars(select(DeadLetter)).all()


def test_erasure_rewrites_a_kudos_about_the_person_in_the_ledger(app, client, make_key, user_token):
    """A Bra! given to someone else *about* person:kari must not keep her id in the ledger's data,
    nor may her widget's ids (``~kari~w1``) keep it; the claims are renamed with them, so a replay
    applies each event once."""
    key = _erased_world(app, client, make_key, user_token)
    with app.app_context():
        rows = state(app).db.session.scalars(select(LedgerEvent)).all()
    assert not any("kari" in repr((row.event_id, row.data)) for row in rows), [(r.event_id, r.data) for r in rows]
    widget = [row.event_id for row in rows if row.event_id.startswith("~erased-")]
    assert len(widget) == 1 and len(widget[0].split("~")[1]) == PSEUDONYM_ROOM  # the room ids keep for it
    before = client.get("/v1/people/ola/recognition", headers=bearer(key)).json
    replay(state(app), ["recognition"])
    drain(app, EVERY_MODEL)
    assert client.get("/v1/people/ola/recognition", headers=bearer(key)).json == before
    assert before["received"]["like"] == 1 and before["received"]["kudos"] == 2


def test_erasure_does_not_keep_the_persons_profile_in_the_ledger(app, client, make_key):
    """profile.updated events hold what a person typed into their profile (photo address, about,
    location): the profile is the person, not content others built on, so the values go; each
    filled field keeps a placeholder, and profile completion replays to the same percentage."""
    key = make_key("events:write", "directory:write", name="intranet")
    sync = {"mode": "full", "as_of": "2026-01-01T00:00:00+01:00", "teams": [{"id": "T", "name": "T", "parent": None}],
            "people": [{"id": "kari", "name": "Kari Nordmann", "team": "T"}]}
    assert client.post("/v1/directory/sync", json=sync, headers=bearer(key)).status_code == 200
    profile = {"id": "profile-1", "type": "profile.updated", "actor": "kari", "time": "2026-11-02T09:00:00+01:00",
               "target": {"kind": "person", "id": "kari", "owner": "kari"},
               "data": {"fields": {"photo": "https://intranet.example/photos/kari.nordmann.jpg",
                                   "about": "Kari Nordmann, lønn og personal, Bergen", "location": "Bergen",
                                   "title": ""}}}
    assert client.post("/v1/events", json=profile, headers=bearer(key)).status_code == 202
    drain(app, ("ledger", "profiles"))
    assert client.post("/v1/directory/people/kari/erase", headers=bearer(key)).status_code == 200
    with app.app_context():
        data = [row.data for row in state(app).db.session.scalars(select(LedgerEvent))]
    assert not any("Nordmann" in repr(d) or "Bergen" in repr(d) for d in data), data
    assert sorted(data[0]["fields"]) == ["about", "location", "photo", "title"] and data[0]["fields"]["title"] == ""
    assert erased_profile_percents(app) == [45]  # photo 20, about 15, location 10
    replay(state(app), ["profiles"])
    assert erased_profile_percents(app) == [45]


# A person in every role an event gives: author, liker, commenter, idea author and answerer,
# contributor, credited, reporter, Bra! giver, receiver and subject, profile owner, campaign owner,
# reader of the trust report, finaliser of a month, notified, mailed, and waiting in a parked event.
EVERY_KIND_PEOPLE = ("kari", "karin", "ola", "per")
OCTOBER = "2026-10-{:02d}T10:{:02d}:00+02:00"


def _ev(n: int, type_: str, actor: str, target: str, owner: str, **data) -> dict:
    kind, target_id = target.split(":")
    return {"id": f"every-{n}", "type": type_, "actor": actor, "time": OCTOBER.format(5 + n // 60, n % 60),
            "target": {"kind": kind, "id": target_id, "owner": owner}, "data": data}


def every_kind_of_event(person: str) -> list[dict]:
    """Events naming ``person`` (``karin`` does the same, so a near name must not be swept along)."""
    events = [_ev(0, "content.published", "ola", "article:a-ola", "ola", content_kind="article", title="Nytt")]
    for base, who in ((10, person), (40, "karin")):
        events += [
            _ev(base, "content.published", who, f"article:a-{who}", who, content_kind="article", title="Mitt"),
            _ev(base + 1, "like.added", who, "article:a-ola", "ola"),
            _ev(base + 2, "like.added", "ola", f"article:a-{who}", who),
            _ev(base + 3, "like.added", "per", f"article:a-{who}", who),
            _ev(base + 4, "like.removed", "per", f"article:a-{who}", who),
            _ev(base + 5, "comment.posted", who, "article:a-ola", "ola", comment_id=f"cm-{who}", text="Bra skrevet"),
            _ev(base + 6, "comment.posted", "ola", f"article:a-{who}", who, comment_id=f"cm-o-{who}", text="Takk"),
            _ev(base + 7, "idea.submitted", who, f"idea:i-{who}", who, campaign_id="canteen", title="Salatbar"),
            _ev(base + 8, "idea.submitted", "ola", f"idea:i-o-{who}", "ola", campaign_id="canteen", title="Suppe"),
            _ev(base + 9, "idea.contributed", who, f"idea:i-o-{who}", "ola", contribution_id=f"c-{who}",
                text="Og brød"),
            _ev(base + 10, "idea.contributed", "ola", f"idea:i-{who}", who, contribution_id=f"c-o-{who}",
                text="Og dressing"),
            _ev(base + 11, "idea.answered", who, f"idea:i-o-{who}", "ola", status="under_review", note="Ser på"),
            _ev(base + 12, "idea.adopted", "per", f"idea:i-o-{who}", "ola", credited=[who], note="Ja"),
            _ev(base + 13, "idea.edited", who, f"idea:i-{who}", who, title="Salatbar hver dag"),
            _ev(base + 14, "contribution.edited", who, f"contribution:c-{who}", who, text="Og grovt brød"),
            _ev(base + 15, "content.reported", who, f"contribution:c-o-{who}", "ola", reason="Frekt"),
            _ev(base + 16, "kudos.given", who, "person:ola", "ola", message="Takk!"),
            _ev(base + 17, "kudos.given", "per", f"person:{who}", who, message="Godt jobbet"),
            _ev(base + 18, "kudos.given", "per", "person:ola", "ola", about=f"person:{who}"),
            _ev(base + 19, "idea.answered", who, f"idea:i-never-{who}", "ola", status="under_review"),  # parked
        ]
    return events


def rows_naming(app, person: str) -> dict[str, list[str]]:
    """A scan of the whole database, by reflection (not by the inventory): every row of every table
    with a cell naming the person, alone or inside a longer text (``user:<id>``, JSON, event ids)."""
    named = re.compile(rf"(?<![\w-]){re.escape(person)}(?![\w-])")
    engine = state(app).engine
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for name in inspect(engine).get_table_names():
            table = Table(name, MetaData(), autoload_with=connection)
            for row in connection.execute(select(table)).mappings():
                cells = [json.dumps(v) if isinstance(v, (dict, list)) else str(v) for v in row.values()]
                if any(named.search(c) for c in cells):
                    found.setdefault(name, []).append(_comparable(dict(row)))
    return found


def _comparable(row: dict) -> str:
    """A row as the export writes it: times in ISO 8601 UTC, JSON as read."""
    def safe(value):
        if isinstance(value, datetime):
            return value.isoformat() + "Z"
        return value.isoformat() if hasattr(value, "isoformat") else value
    return json.dumps({k: safe(v) for k, v in row.items()}, sort_keys=True, ensure_ascii=False)


@pytest.fixture
def everything(app, client, make_key, user_token, worlds):
    """Kari in every role, once through the API: the module's other tests start from a copy."""
    def seed():
        key = make_key("events:write", "directory:write", name="intranet")
        people = [{"id": p, "name": f"{p.title()} Nordmann", "team": "T", "email": f"{p}@example.no"}
                  for p in EVERY_KIND_PEOPLE]
        sync = {"mode": "full", "teams": [{"id": "T", "name": "T", "parent": None}], "people": people}
        assert client.post("/v1/directory/sync", json=sync, headers=bearer(key)).status_code == 200
        for who in ("kari", "karin"):
            leader = bearer(user_token(who, roles=("leader",)))
            assert client.post("/v1/campaigns", json={"id": f"canteen-{who}", "question": "Kantina?"},
                               headers=leader).status_code == 201
        assert client.post("/v1/campaigns", json={"id": "canteen", "question": "Kantina?"},
                           headers=bearer(user_token("per", roles=("leader",)))).status_code == 201
        events = every_kind_of_event("kari")
        assert client.post("/v1/events/batch", json={"events": events}, headers=bearer(key)).status_code == 202
        for who in ("kari", "karin"):
            send_from_the_widget(client, user_token, who)
        drain(app, EVERY_MODEL)
        moderated = {"id": "mod-1", "type": "content.moderated", "actor": "admin", "time": OCTOBER.format(9, 0),
                     "target": {"kind": "contribution", "id": "c-o-kari", "owner": "ola"},
                     "data": {"decision": "restored"}}
        assert client.post("/v1/events", json=moderated,
                           headers=bearer(make_key("moderation:manage"))).status_code == 202
        drain(app, EVERY_MODEL)
        for who in ("kari", "karin"):
            token = bearer(user_token(who, roles=("leader", "communications")))
            assert client.put("/v1/notifications/preferences", json={"digest": "immediate", "quiet_hours": None},
                              headers=token).status_code == 200
            assert client.get("/v1/trust/report?period=2026-10", headers=token).status_code == 200
        assert client.post("/v1/awards/2026-10/finalise", headers=bearer(
            user_token("kari", roles=("leader", "communications")))).status_code == 201
        mail_digests(app)
        with app.app_context():  # an event no read model could apply, kept for an operator
            session = state(app).db.session
            for who in ("kari", "karin"):
                wire = session.scalars(select(LedgerEvent).where(LedgerEvent.actor == who)).first()
                session.add(DeadLetter(consumer="awards", topic=wire.topic, partition=wire.partition,
                                       offset=wire.offset, event_id=wire.event_id, reason="a test's dead letter",
                                       payload=json.dumps(_wire_form(wire))))
            session.commit()
        return key
    return seeded(app, worlds, "everything", seed)


def _wire_form(row: LedgerEvent) -> dict:
    return {"id": row.event_id, "type": row.type, "actor": row.actor, "time": row.occurred_at.isoformat() + "Z",
            "target": {"kind": row.target_kind, "id": row.target_id, "owner": row.target_owner},
            "submitted_by": row.submitted_by, "data": row.data}


def mail_digests(app) -> None:
    from zoneinfo import ZoneInfo

    from engagement.notifications.digests import MailSettings, schedule
    mail = MailSettings("localhost", 25, "none", None, None, "tillit@example.no", "https://tillit.example", None, 0,
                        ZoneInfo("Europe/Oslo"), "s" * 40)
    with app.app_context():
        session = state(app).db.session
        schedule(session, mail, datetime(2026, 11, 12, 12, 0, tzinfo=UTC))
        session.commit()


def test_the_world_names_the_person_in_every_read_model(app, everything):
    found = rows_naming(app, "kari")
    assert {"engagement_people", "engagement_ledger", "engagement_mail_outbox", "engagement_trust_audit",
            "engagement_award_snapshots", "engagement_parked_events", "engagement_dead_letters",
            "engagement_campaigns", "engagement_abuse_reports", "engagement_notify_preferences",
            "engagement_kudos_firsts", "engagement_award_tallies", "engagement_processed_events"} <= set(found)
    assert len(found) >= 30, sorted(set(inspect(state(app).engine).get_table_names()) - set(found))


def test_an_export_holds_every_row_a_scan_of_the_whole_database_finds(app, everything):
    found = rows_naming(app, "kari")
    with app.app_context():
        exported = {t["table"]: [_comparable(r) for r in t["rows"]]
                    for t in person_data(state(app).db.session, "kari")["tables"]}
    assert set(found) <= set(exported), set(found) - set(exported)  # no person in a "no personal data" table
    shown = {table: _as_shown(table, rows, "kari") for table, rows in found.items()}
    missing = {table: [r for r in rows if r not in exported[table]] for table, rows in shown.items()}
    assert {t: rows for t, rows in missing.items() if rows} == {}
    # exactly the rows naming her, as she is shown a row that is someone else's too (the inventory's
    # rule): none is missing, and none is karin's alone
    assert {t: sorted(rows) for t, rows in exported.items() if rows} == {t: sorted(rows) for t, rows in shown.items()
                                                                         if rows}


def _as_shown(table: str, rows: list[str], person: str) -> list[str]:
    """The scanned rows of ``table`` as the inventory's rule shows them to ``person`` (all, where none)."""
    rule = by_name()[table].shown if table in by_name() else None
    if rule is None:
        return rows
    kept = (rule(json.loads(row), person) for row in rows)
    return [json.dumps(row, sort_keys=True, ensure_ascii=False) for row in kept if row is not None]


def test_after_erasure_a_scan_of_the_whole_database_finds_no_trace(app, client, everything):
    karin_before = rows_naming(app, "karin")
    answer = client.post("/v1/directory/people/kari/erase", headers=bearer(everything))
    assert answer.status_code == 200 and answer.json["rows"] > 0
    assert rows_naming(app, "kari") == {}
    assert_no_trace(app, "kari")  # and the embedded log
    database = Path(state(app).engine.url.database)  # and the files: no old page keeps her id
    for file in (database, database.with_name(database.name + "-wal")):
        content = file.read_bytes() if file.exists() else b""
        assert re.search(rb"(?<![\w-])kari(?![\w-])", content) is None, file
    assert {t: len(rows) for t, rows in rows_naming(app, "karin").items()} == \
        {t: len(rows) for t, rows in karin_before.items()}  # a near name is untouched
