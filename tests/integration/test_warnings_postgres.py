"""On PostgreSQL: two mailers racing for one week's early warnings post it once; a pulse invitation
and a complete profile written by the bulk statements of the production path."""
from __future__ import annotations

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.auth import create_api_key
from engagement.notifications import mailer
from engagement.notifications.model import Notification
from engagement.state import state
from engagement.trust.model import EarlyWarningNote
from tests.conftest import bearer, drain
from tests.receivers import Receiver
from tests.unit.test_notifications import feed
from tests.unit.test_notifications_pulses_profiles import EVERYTHING, PEOPLE, TEAMS, opened, profile

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def org(postgres_app):
    client = postgres_app.test_client()
    with postgres_app.app_context():
        session = state(postgres_app).db.session
        key = create_api_key(session, "intranet", ["directory:write", "events:write"])
        session.commit()
    people = [{"id": p, "name": name, "team": team, "role": role, "manager": manager, "locale": locale,
               "email": f"{p}@kommune.test"} for p, (name, team, role, manager, locale) in PEOPLE.items()]
    assert client.post("/v1/directory/sync", json={"mode": "full", "people": people, "teams": TEAMS,
                                                   "as_of": "2026-11-01T00:00:00Z"},
                       headers=bearer(key)).status_code == 200
    return postgres_app, client


def test_two_mailers_racing_for_a_week_post_one_note(org):
    app, _ = org
    drain(app, ("ledger", "trust"))
    with Receiver() as channel:
        app.config.update(ENGAGEMENT_CHAT_CHANNELS={"teams": {"kind": "teams", "url": channel.url}},
                          ENGAGEMENT_WARNING_CHANNEL="teams")
        start, answers = threading.Barrier(2), []

        def mail_once() -> None:
            start.wait()
            answers.append(mailer.warn_now(app, datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Europe/Oslo"))))

        threads = [threading.Thread(target=mail_once) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(a["warnings"] for a in answers) == ["sent", "sent before"]
    assert len(channel.received) == 1
    with Session(state(app).engine) as session:
        assert session.scalar(select(func.count()).select_from(EarlyWarningNote)) == 1


def test_invitation_and_profile_complete_on_postgres(org, user_token):
    app, client = org
    kari = user_token("kari")
    sent = client.post("/v1/events", json=profile("p1", "kari", 1, **EVERYTHING), headers=bearer(kari))
    assert sent.status_code == 202
    state(app).bus.publish([opened("p1", ["helse"], datetime(2026, 11, 30, 7, tzinfo=UTC), "2026-12-09T00:00:00Z")])
    drain(app, ("ledger", "profiles", "notifications"))
    sent = client.post("/v1/events", json=profile("p2", "kari", 2, title="Leder"), headers=bearer(kari))
    assert sent.status_code == 202
    drain(app, ("ledger", "notifications", "profiles"))
    assert [(i["kind"], i["ref"]) for i in feed(client, kari)["items"]] == [("pulse", "pulse:p1"),
                                                                           ("profile", "person:kari")]
    with Session(state(app).engine) as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 6  # five invited, one profile
