"""Notifications and a digest on the production path: Kafka (Tansu), PostgreSQL, Redis, and aiosmtpd."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from engagement.auth import create_api_key, mint_user_token
from engagement.notifications import mailer
from engagement.state import state
from tests.conftest import bearer
from tests.integration.test_digests_smtp import PEOPLE, inbox, liked_budget  # noqa: F401 - fixture
from tests.integration.test_recognition_kafka import consume_until_caught_up

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_feed_and_digest_on_kafka_and_postgres(prod_app, inbox):  # noqa: F811
    box, port = inbox
    prod_app.config.update(ENGAGEMENT_SMTP_HOST="127.0.0.1", ENGAGEMENT_SMTP_PORT=port, ENGAGEMENT_SMTP_TLS="none")
    client = prod_app.test_client()
    with prod_app.app_context():
        session = state(prod_app).db.session
        key = create_api_key(session, "intranet", ["directory:write", "events:write"])
        session.commit()
    people = [{"id": p, "name": name, "team": "t", "locale": locale, "email": f"{p}@kommune.test"}
              for p, (name, locale) in PEOPLE.items()]
    client.post("/v1/directory/sync", json={"mode": "full", "people": people,
                                            "teams": [{"id": "t", "name": "Team", "parent": None}]},
                headers=bearer(key))
    assert client.post("/v1/events/batch", json={"events": liked_budget()}, headers=bearer(key)).status_code == 202
    consume_until_caught_up(prod_app, "notifications")
    kari = bearer(mint_user_token(state(prod_app).token_secret, "kari"))
    items = client.get("/v1/notifications?lang=en", headers=kari).json["items"]
    assert sorted(i["text"] for i in items) == ["Ola Hansen and 3 others liked “Budsjett <2027>”",
                                                "Ola Hansen gave you kudos for “Budsjett <2027>”"]
    at_nine = datetime(2026, 11, 11, 9, tzinfo=ZoneInfo("Europe/Oslo"))
    assert mailer.run_once(prod_app, at_nine)["sent"] == 1
    assert mailer.run_once(prod_app, at_nine)["claimed"] == 0
    assert box.messages[0]["Subject"] == "Tillit: 2 nye anerkjenningar"


def test_a_batch_naming_one_thing_twice_applies_in_one_transaction(prod_app):
    """Two titles for one article, or two contributions by one person to an idea, in one batch once
    inserted the same row twice: the batch failed and was applied a record at a time, which the
    soak showed as ever-growing lag."""
    from datetime import datetime

    from sqlalchemy.orm import Session

    from engagement.bus.base import Record
    from engagement.events import Event
    from engagement.schemas.events import EventSchema
    from tests.unit.test_notifications import ev
    st, idea, article = state(prod_app), "idea:kantine", "article:felles"
    raw = [ev("content.published", "ola", article, "ola", content_kind="article", title="Første utkast"),
           ev("content.published", "per", article, "per", content_kind="article", title="Felles artikkel"),
           ev("idea.submitted", "kari", idea, "kari", title="Salatbar"),
           ev("idea.contributed", "ola", idea, "kari", contribution_id="c1", text="Ja"),
           ev("idea.contributed", "ola", idea, "kari", contribution_id="c2", text="Og fredag")]
    now = datetime.now(UTC)
    batch = [(Event.from_loaded(EventSchema().load(r), now, "test"), Record("t", 0, i, b"")) for i, r in enumerate(raw)]
    with Session(st.engine) as session, session.begin():  # as the runner applies a batch
        st.read_model("notifications").apply(session, batch)
    client = prod_app.test_client()
    kari = bearer(mint_user_token(st.token_secret, "kari"))
    assert [i["text"] for i in client.get("/v1/notifications", headers=kari).json["items"]] == [
        "ola bygde videre på idéen din «Salatbar»"]  # no directory here: the id


def test_ids_survive_a_replay_and_an_id_held_from_before_marks_its_group_read(prod_app):
    """A client keeps a group's id to mark it read; rebuilding the read model from the ledger
    (``engagement replay notifications``) must not change it, nor un-read what was read."""
    from engagement.replay import replay
    from tests.unit.test_notifications import at, ev
    st, client = state(prod_app), prod_app.test_client()
    with prod_app.app_context():
        key = create_api_key(st.db.session, "intranet", ["events:write"])
        st.db.session.commit()
    events = [ev("like.added", p, f"article:a{i}", "kari", at(i)) for i, p in enumerate(("ola", "per", "siv"))]
    events += [ev("like.added", "bo", "article:a0", "kari", at(5, day=11)), ev("like.removed", "per", "article:a1",
                                                                              "kari", at(6))]
    assert client.post("/v1/events/batch", json={"events": events}, headers=bearer(key)).status_code == 202
    for name in ("ledger", "notifications"):  # replay starts from the ledger
        consume_until_caught_up(prod_app, name)
    kari = bearer(mint_user_token(st.token_secret, "kari"))

    def ids() -> dict[tuple[str, str], int]:
        return {(i["ref"], i["at"][:10]): i["id"] for i in client.get("/v1/notifications", headers=kari).json["items"]}

    before = ids()
    assert sorted(before) == [("article:a0", "2026-11-10"), ("article:a0", "2026-11-11"), ("article:a2", "2026-11-10")]
    held = before[("article:a2", "2026-11-10")]
    replay(st, ["notifications"])
    assert ids() == before
    assert client.post("/v1/notifications/read", json={"ids": [held]}, headers=kari).json == {"marked": 1, "unread": 2}
    replay(st, ["notifications"])
    feed = client.get("/v1/notifications", headers=kari).json
    assert {i["id"]: i["read"] for i in feed["items"]} == {**dict.fromkeys(before.values(), False), held: True}
    ola = bearer(mint_user_token(st.token_secret, "ola"))  # an id names one person's group, no one else's
    assert client.post("/v1/notifications/read", json={"ids": [held]}, headers=ola).status_code == 404
