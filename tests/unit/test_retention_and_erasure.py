"""Retention deletes rolled-up raw events; erasure removes a person who left from everything."""
from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text

from engagement.extension import state
from engagement.models import Base, LedgerEvent, Person
from engagement.services import retention, trust_demo
from engagement.services.replay import ReplayRefused, replay
from tests.conftest import bearer, drain
from tests.unit.test_trust import send_all

EVERY_MODEL = ("ledger", "recognition", "ideas", "profiles", "awards", "trust", "notifications")


@pytest.fixture
def org(app, client, make_key):
    admin = make_key("directory:write", "events:write")
    assert client.post("/v1/directory/sync", json=trust_demo.directory(), headers=bearer(admin)).status_code == 200
    send_all(client, admin, trust_demo.events())
    return admin, make_key("trust:read")


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
    first_of_october = datetime(2026, 10, 1, 12, tzinfo=timezone.utc)
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
    assert retention.prune(state(app), datetime.now(timezone.utc)) == {"retention": "off", "deleted": 0}


def assert_no_trace(app, person: str) -> None:
    """No cell of any table names the person: alone, as ``user:<id>``, ``person:<id>``, or inside JSON."""
    named = re.compile(rf"(?<![\w-]){re.escape(person)}(?![\w-])")
    with app.app_context():
        session = state(app).db.session
        assert session.get(Person, person) is None
        for table in Base.metadata.sorted_tables:
            for row in session.execute(text(f"SELECT * FROM {table.name}")):
                cells = [json.dumps(v) if isinstance(v, (dict, list)) else str(v) for v in row]
                assert not [c for c in cells if named.search(c)], (table.name, [c for c in cells if named.search(c)])


def leave_traces_as_a_leader(client, user_token, person: str) -> None:
    """The person reads the trust report (audited) and finalises a month (signed by them)."""
    token = user_token(person, roles=("leader", "communications"))
    assert client.get("/v1/trust/report?period=2026-08", headers=bearer(token)).status_code == 200
    assert client.post("/v1/awards/2026-08/finalise", headers=bearer(token)).status_code == 201


def test_erasing_a_person_who_left_keeps_every_sum_and_leaves_no_trace(app, client, org, user_token):
    admin, reader = org
    drain(app, EVERY_MODEL)
    leave_traces_as_a_leader(client, user_token, "healthy-3")
    before = reports(client, reader)
    answer = client.post("/v1/directory/people/healthy-3/erase", headers=bearer(admin))
    assert answer.status_code == 200 and answer.json["rows"] > 0
    assert reports(client, reader) == before
    assert_no_trace(app, "healthy-3")  # erased in place, not by a rebuild
    replay(state(app))
    assert reports(client, reader) == before  # the ledger carries the pseudonym too
    assert_no_trace(app, "healthy-3")
    assert client.post("/v1/directory/people/nobody/erase", headers=bearer(admin)).status_code == 404
    assert client.post("/v1/directory/people/healthy-4/erase", headers=bearer(reader)).status_code == 403
