"""Events may arrive in any order: what builds on an idea not seen yet waits for it, never dead-letters."""
from __future__ import annotations

from sqlalchemy import func, select

from engagement import parking
from engagement.ideas.model import Contribution, Idea, IdeaCredit
from engagement.ledger.model import DeadLetter
from engagement.replay import replay
from engagement.state import state
from tests.conftest import bearer, drain
from tests.unit.test_campaigns import NOW, as_user, contribution, idea

LATER = "2026-11-23T10:00:00+01:00"


def adopt(idea_id: str = "i-1", event_id: str = "adopt-1") -> dict:
    return {"id": event_id, "type": "idea.answered", "target": {"kind": "idea", "id": idea_id, "owner": "kari"},
            "time": LATER, "data": {"status": "adopted", "note": "Vi starter i januar."}}


def snapshot(app) -> dict:
    """What the campaign, the credits and the moderation show, as plain values."""
    with app.app_context():
        session = state(app).db.session
        ideas = [(i.id, i.status, i.answer, i.title, i.visibility)
                 for i in session.scalars(select(Idea).order_by(Idea.id))]
        contributions = [(c.id, c.text, c.visibility)
                         for c in session.scalars(select(Contribution).order_by(Contribution.id))]
        credits = sorted(session.execute(select(IdeaCredit.person, IdeaCredit.role)).all())
        dead = session.scalar(select(func.count()).select_from(DeadLetter).where(DeadLetter.consumer == "ideas"))
        waiting = parking.waiting(session, "ideas").get("ideas", 0)
    return {"ideas": ideas, "contributions": contributions, "credits": credits, "dead": dead, "waiting": waiting}


def test_answers_edits_and_decisions_that_arrive_first_wait_for_their_idea(app, client, campaign, leader,
                                                                             user_token, make_key):
    kari, ola, per = user_token("kari"), user_token("ola"), user_token("per")
    moderator = make_key("moderation:manage")
    assert as_user(client, leader, adopt()).status_code == 202
    assert as_user(client, leader, adopt()).status_code == 202  # the same answer again, before its idea
    edit = {"id": "edit-c1", "type": "contribution.edited",
            "target": {"kind": "contribution", "id": "c1", "owner": "ola"}, "time": NOW,
            "data": {"text": "Og suppe på fredager"}}
    assert as_user(client, ola, edit).status_code == 202
    removal = {"id": "mod-c2", "type": "content.moderated", "actor": "admin", "time": NOW,
               "target": {"kind": "contribution", "id": "c2", "owner": "per"}, "data": {"decision": "removed"}}
    assert client.post("/v1/events", json=removal, headers=bearer(moderator)).status_code == 202
    drain(app, ("ledger", "ideas"))
    assert snapshot(app)["dead"] == 0 and snapshot(app)["waiting"] == 3
    as_user(client, kari, idea("i-1", "kari"))
    as_user(client, ola, contribution("c1", "i-1", "kari"))
    as_user(client, per, contribution("c2", "i-1", "kari", text="Pizza"))
    drain(app, ("ledger", "ideas"))
    after = snapshot(app)
    assert after["ideas"] == [("i-1", "adopted", "Vi starter i januar.", "Salatbar", "visible")]
    assert after["contributions"] == [("c1", "Og suppe på fredager", "visible"), ("c2", "Pizza", "removed")]
    assert after["credits"] == [("kari", "author"), ("ola", "contributor"), ("per", "contributor")]
    assert (after["dead"], after["waiting"]) == (0, 0)
    with app.app_context():
        replay(state(app), ["ideas"])
    assert snapshot(app) == after


def test_one_batch_in_reverse_order_gives_the_answer_of_the_right_order(app, client, campaign, leader, user_token):
    after_adoption = {**contribution("c9", "i-1", "kari"), "time": "2026-11-23T11:00:00+01:00"}
    forward = [(user_token("kari"), idea("i-1", "kari")), (user_token("ola"), contribution("c1", "i-1", "kari")),
               (leader, adopt()), (user_token("siri"), after_adoption)]
    for token, event in reversed(forward):
        assert as_user(client, token, event).status_code == 202
    drain(app, ("ledger", "ideas"))  # one batch: the answer first, the idea last
    after = snapshot(app)
    assert after["ideas"][0][1] == "adopted" and (after["dead"], after["waiting"]) == (0, 0)
    assert after["credits"] == [("kari", "author"), ("ola", "contributor")]  # siri built on it afterwards


def test_reports_for_an_idea_not_seen_yet_count_when_it_arrives(app, client, campaign, user_token):
    for reporter in ("ola", "per", "siri"):
        report = {"id": f"rep-{reporter}", "type": "content.reported", "time": NOW,
                  "target": {"kind": "idea", "id": "i-1", "owner": "kari"}, "data": {"reason": "Personangrep"}}
        assert as_user(client, user_token(reporter), report).status_code == 202
    drain(app, ("ledger", "ideas"))
    as_user(client, user_token("kari"), idea("i-1", "kari"))
    drain(app, ("ledger", "ideas"))
    assert snapshot(app)["ideas"][0][4] == "hidden"


def test_erasing_a_person_rewrites_the_events_parked_for_them(app, client, campaign, leader):
    from engagement.ledger.model import ParkedEvent
    from engagement.privacy.erasure import erase
    assert as_user(client, leader, adopt()).status_code == 202  # kari's idea, not seen yet
    drain(app, ("ledger", "ideas"))
    with app.app_context():
        assert erase(state(app), "kari")["erased"]
        payloads = state(app).db.session.scalars(select(ParkedEvent.payload)).all()
    assert len(payloads) == 1 and '"kari"' not in payloads[0]


def test_an_old_event_still_waiting_after_a_replay_keeps_its_claim(app, client, leader):
    """A replay leaves claims only for recent events, but one still parked keeps its claim whatever
    its age, as the live pruning keeps it: its late duplicate is not parked a second time."""
    from datetime import datetime, timedelta

    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from engagement.ledger.model import LedgerEvent, ProcessedEvent
    assert as_user(client, leader, adopt()).status_code == 202
    drain(app, ("ledger", "ideas"))
    st = state(app)
    with Session(st.engine) as session, session.begin():
        session.execute(update(LedgerEvent).where(LedgerEvent.event_id.endswith("~adopt-1"))  # a user's ids are theirs
                        .values(received_at=datetime.now() - timedelta(days=60)))  # noqa: DTZ005 - naive, as stored
    assert replay(st, ["ideas"], progress=lambda step: None) == {"ideas": 1}
    with Session(st.engine) as session:
        claims = session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.consumer == "ideas")).all()
    assert [claim.rsplit("~", 1)[1] for claim in claims] == ["adopt-1"] and snapshot(app)["waiting"] == 1
    assert as_user(client, leader, adopt()).status_code == 202
    drain(app, ("ledger", "ideas"))
    assert (snapshot(app)["waiting"], snapshot(app)["dead"]) == (1, 0)
