"""The in-app notification feed: grouping, unlikes taken back, nothing for oneself, read marks, paging."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engagement.consumers.notifications import MESSAGE_MAX, kudos_message
from engagement.events import Event, Target
from engagement.replay import replay
from engagement.schemas.notifications import FeedSchema
from engagement.state import state
from tests.conftest import bearer, drain

PEOPLE = {"kari": ("Kari Nordmann", "nb"), "ola": ("Ola Hansen", "nb"), "per": ("Per Berg", "nb"),
          "siv": ("Siv Lie", "nb"), "bo": ("Bo Ek", "da"), "lena": ("Lena Berg", "nn")}
n = iter(range(100_000))


def ev(type_: str, actor: str, target: str, owner: str, time: str = "2026-11-10T10:00:00+01:00", **data) -> dict:
    kind, target_id = target.split(":")
    return {"id": f"n{next(n)}", "type": type_, "actor": actor, "time": time, "data": data,
            "target": {"kind": kind, "id": target_id, "owner": owner}}


def at(minute: int, day: int = 10) -> str:
    return f"2026-11-{day:02d}T10:{minute:02d}:00+01:00"


@pytest.fixture
def org(app, client, make_key):
    key = make_key("directory:write", "events:write")
    people = [{"id": p, "name": name, "team": "t", "locale": locale, "email": f"{p}@example.no",
               "role": "leader" if p == "lena" else "member"} for p, (name, locale) in PEOPLE.items()]
    assert client.post("/v1/directory/sync", json={"mode": "full", "people": people,
                                                   "teams": [{"id": "t", "name": "Team", "parent": None}]},
                       headers=bearer(key)).status_code == 200
    return key


def send(app, client, key, events):
    assert client.post("/v1/events/batch", json={"events": events}, headers=bearer(key)).status_code == 202
    drain(app, ("ledger", "notifications"))


def feed(client, token, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    response = client.get(f"/v1/notifications?{query}", headers=bearer(token))
    assert response.status_code == 200, response.json
    assert FeedSchema().validate(response.json) == {}  # as the OpenAPI document says
    return response.json


def test_likes_group_unlikes_take_back_and_self_actions_say_nothing(app, client, org, user_token):
    article = "article:budsjett"
    events = [ev("content.published", "kari", article, "kari", at(0), content_kind="article", title="Budsjett 2027")]
    events += [ev("like.added", p, article, "kari", at(i + 1))
               for i, p in enumerate(("ola", "per", "siv", "bo", "lena"))]
    events += [ev("like.added", "kari", article, "kari", at(9)),  # her own like: nothing
               ev("comment.posted", "ola", article, "kari", at(10), comment_id="c1", text="Godt jobba"),
               ev("kudos.given", "siv", "person:kari", "kari", at(11), message="Takk for hjelpen")]
    send(app, client, org, events)
    kari = user_token("kari")
    body = feed(client, kari)
    assert [(i["kind"], i["count"], i["text"]) for i in body["items"]] == [
        ("kudos", 1, "Siv Lie ga deg Bra!"),
        ("comment", 1, "Ola Hansen kommenterte «Budsjett 2027»"),
        ("like", 5, "Lena Berg og 4 andre likte «Budsjett 2027»")]
    assert body["unread"] == 3
    send(app, client, org, [ev("like.removed", "lena", article, "kari", at(20))])
    like = feed(client, kari, lang="en")["items"][2]
    assert (like["count"], like["text"]) == (4, "Bo Ek and 3 others liked “Budsjett 2027”")
    assert feed(client, user_token("ola"))["items"] == []  # nobody did anything to Ola's things


def test_adoption_reaches_the_author_and_everyone_who_built_on_the_idea(app, client, org, user_token):
    idea = "idea:kantine"
    send(app, client, org, [ev("idea.submitted", "kari", idea, "kari", at(0), title="Salatbar"),
                            ev("idea.contributed", "ola", idea, "kari", at(1), contribution_id="c1", text="Fredag"),
                            ev("idea.adopted", "lena", idea, "kari", at(2), note="Ja")])
    assert [i["text"] for i in feed(client, user_token("kari"))["items"]] == [
        "Idéen «Salatbar» er tatt i bruk – takk for bidraget!", "Ola Hansen bygde videre på idéen din «Salatbar»"]
    assert [i["kind"] for i in feed(client, user_token("ola"))["items"]] == ["adopted"]
    assert feed(client, user_token("lena"))["items"] == []


def test_read_marks_paging_and_a_replay_that_unreads_nothing(app, client, org, user_token):
    events = [ev("like.added", "ola", f"article:a{i}", "kari", at(i)) for i in range(25)]
    send(app, client, org, events)
    kari = user_token("kari")
    first = feed(client, kari, per_page=20)
    assert (len(first["items"]), first["next_page"], first["unread"]) == (20, 2, 25)
    assert len(feed(client, kari, per_page=20, page=2)["items"]) == 5
    newest = first["items"][0]["id"]
    marked = client.post("/v1/notifications/read", json={"ids": [newest]}, headers=bearer(kari)).json
    assert marked == {"marked": 1, "unread": 24}
    send(app, client, org, [ev("like.added", "per", "article:a24", "kari", at(40))])  # a new like: unread again
    assert client.get("/v1/notifications/unread-count", headers=bearer(kari)).json["unread"] == 25
    assert client.post("/v1/notifications/read", json={"all": True}, headers=bearer(kari)).json["unread"] == 0
    replay(state(app), ["notifications"])
    assert feed(client, kari)["unread"] == 0 and len(feed(client, kari, per_page=100)["items"]) == 25


def test_a_bad_feed_question_names_every_bad_parameter(client, org):
    unnamed = client.get("/v1/notifications?page=x&per_page=100000&lang=zz", headers=bearer(org))
    assert unnamed.status_code == 422 and unnamed.mimetype == "application/problem+json"
    assert {e["field"] for e in unnamed.json["errors"]} == {"person", "page", "per_page", "lang"}
    named = client.get("/v1/notifications?person=ola&page=x&lang=zz", headers=bearer(org))
    assert {e["field"] for e in named.json["errors"]} == {"page", "lang"}
    blank = client.get("/v1/notifications?person=%20%20", headers=bearer(org))
    assert blank.status_code == 422 and [e["field"] for e in blank.json["errors"]] == ["person"]


def test_people_see_and_change_only_their_own(client, org, user_token, make_key):
    kari = user_token("kari")
    assert client.get("/v1/notifications?person=ola", headers=bearer(kari)).status_code == 403
    assert client.get("/v1/notifications", headers=bearer(org)).json["errors"][0]["field"] == "person"
    assert client.get("/v1/notifications?person=kari", headers=bearer(org)).status_code == 200
    assert client.get("/v1/notifications?person=kari", headers=bearer(make_key("reports:read"))).status_code == 403
    assert client.post("/v1/notifications/read", json={"ids": [10_000]}, headers=bearer(kari)).status_code == 404
    bad = client.put("/v1/notifications/preferences", json={"digest": "hourly", "quiet_hours": {"start": "25:00",
                                                                                                "end": "7"}, "x": 1},
                     headers=bearer(kari))
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {e["field"] for e in bad.json["errors"]} == {"digest", "quiet_hours.start", "quiet_hours.end", "x"}
    good = client.put("/v1/notifications/preferences", json={"digest": "weekly", "quiet_hours": None},
                      headers=bearer(kari))
    assert good.json == {"person": "kari", "digest": "weekly", "quiet_hours": None}
    assert client.get("/v1/notifications/preferences", headers=bearer(kari)).json["digest"] == "weekly"


def test_a_like_and_its_unlike_in_one_batch_apply_together_and_replay(app, client, org, user_token):
    """The group the like made is gone with the unlike, in one transaction, live and in a replay."""
    from datetime import datetime

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from engagement.events import Event
    from engagement.ledger.model import DeadLetter
    from engagement.schemas.events import EventSchema
    article = "article:budsjett"
    send(app, client, org, [ev("like.added", "ola", article, "kari", at(1)),
                            ev("like.removed", "ola", article, "kari", at(2)),
                            ev("like.added", "per", article, "kari", at(3))])
    with app.app_context():
        session = state(app).db.session
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        live = [(i["kind"], i["count"]) for i in feed(client, user_token("kari"))["items"]]
        assert replay(state(app), ["notifications"]) == {"notifications": 3}
    assert live == [("like", 1)]
    assert [(i["kind"], i["count"]) for i in feed(client, user_token("kari"))["items"]] == live
    fresh = "article:nytt"  # no group for it yet: the like makes one, the unlike takes it back
    pair = [ev("like.added", "siv", fresh, "kari", at(4)), ev("like.removed", "siv", fresh, "kari", at(5))]
    events = [(Event.from_loaded(EventSchema().load(e), datetime.now(UTC), "test"), None) for e in pair]
    with Session(state(app).engine) as session, session.begin():  # the read model alone, no runner to bisect
        state(app).read_model("notifications").apply(session, events)


@pytest.mark.parametrize("one_batch", [False, True])
def test_a_contribution_that_arrives_after_the_adoption_still_hears_of_it(app, client, org, user_token, one_batch):
    """A back-fill in any order gives the feed of the order things happened in."""
    idea = "idea:kantine"
    adoption = [ev("idea.adopted", "lena", idea, "kari", at(5), note="Ja")]
    contributions = [ev("idea.contributed", "ola", idea, "kari", at(1), contribution_id="c1", text="Fredag"),
                     ev("idea.contributed", "per", idea, "kari", at(9), contribution_id="c2", text="Etterpå")]
    if one_batch:
        send(app, client, org, adoption + contributions)
    else:
        send(app, client, org, adoption)
        send(app, client, org, contributions)
    assert [i["kind"] for i in feed(client, user_token("ola"))["items"]] == ["adopted"]
    assert feed(client, user_token("per"))["items"] == []  # built on it after the adoption
    with app.app_context():
        replay(state(app), ["notifications"])
    assert [i["kind"] for i in feed(client, user_token("ola"))["items"]] == ["adopted"]


def test_an_undated_unsubscribe_link_from_before_is_expired_and_a_forged_one_invalid(app, client, org, user_token):
    from itsdangerous import URLSafeSerializer
    secret = state(app).token_secret
    undated = URLSafeSerializer(secret, salt="tillit-unsubscribe").dumps("kari")  # as digests were signed before
    page = client.post(f"/v1/notifications/unsubscribe?token={undated}")
    assert page.status_code == 410 and "utløpt" in page.get_data(as_text=True)  # Kari reads bokmål
    forged = URLSafeSerializer("not-the-secret", salt="tillit-unsubscribe").dumps("kari")
    assert client.post(f"/v1/notifications/unsubscribe?token={forged}").status_code == 400
    assert client.get("/v1/notifications/preferences", headers=bearer(user_token("kari"))).json["digest"] == "daily"


def _digest_text(app, person: str, now: datetime | None = None) -> str:
    """The digest ``person`` would get at ``now`` (12 November 2026 unless given), composed from the
    same sentences as the feed."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from engagement.notifications.digests import MailSettings, schedule
    from engagement.notifications.model import MailOutbox
    mail = MailSettings("localhost", 25, "none", None, None, "tillit@example.no", "https://tillit.example", None, 0,
                        ZoneInfo("Europe/Oslo"), "s" * 40)
    with app.app_context():
        session = state(app).db.session
        schedule(session, mail, now or datetime(2026, 11, 12, 12, 0, tzinfo=UTC))
        return session.scalars(select(MailOutbox.text).where(MailOutbox.person == person)).one()


def test_a_title_only_its_author_chose_does_not_reach_everyones_bell_through_kudos_about(app, client, org,
                                                                                         user_token):
    """Titles come only from the target's owner, but a Bra! may be "about" any target: Siv files an
    idea whose title is a phishing line, then sends colleagues a Bra! about it from her own widget
    token. Their feed and digest say just that she gave them a Bra!; a Bra! about Kari's own
    article still names it."""
    siv = user_token("siv")
    lure = "IT: passordet ditt utløper i dag, forny det på https://intranett-login.example"
    recipients = ("kari", "ola", "bo")  # one idea each: a Bra! about one thing counts once per giver
    send(app, client, siv, [ev("idea.submitted", "siv", f"idea:lure-{p}", "siv", at(0), title=lure)
                            for p in recipients])
    send(app, client, siv, [ev("kudos.given", "siv", f"person:{p}", p, at(1), about=f"idea:lure-{p}")
                            for p in recipients])
    send(app, client, org, [ev("content.published", "kari", "article:plan", "kari", at(2), content_kind="article",
                               title="Planen"),
                            ev("kudos.given", "per", "person:kari", "kari", at(3), about="article:plan")])
    assert [i["text"] for i in feed(client, user_token("kari"))["items"]] == [
        "Per Berg ga deg Bra! for «Planen»", "Siv Lie ga deg Bra!"]
    assert [i["text"] for i in feed(client, user_token("ola"), lang="en")["items"]] == ["Siv Lie gave you kudos"]
    assert [i["text"] for i in feed(client, user_token("bo"))["items"]] == ["Siv Lie gav dig ros"]
    assert [i["text"] for i in feed(client, user_token("lena"), lang="nn")["items"]] == []
    digest = _digest_text(app, "kari")
    assert "https://intranett-login" not in digest and "- Siv Lie ga deg Bra!\n" in digest, digest


def test_a_bra_is_heard_of_once_per_giver_and_subject(app, client, org, user_token):
    """Siv's plain Bra!s to Ola on three days make one entry, on the first day; her Bra!s about
    Kari's article to Per and to Kari reach each once, and only Kari, who owns it, sees its
    title; a replay gives the same."""
    send(app, client, org, [ev("content.published", "kari", "article:plan", "kari", at(0), content_kind="article",
                               title="Planen")]
         + [ev("kudos.given", "siv", "person:ola", "ola", at(5, day)) for day in (12, 10, 11)]
         + [ev("kudos.given", "siv", "person:per", "per", at(5, 11), about="article:plan")])
    assert [i["text"] for i in feed(client, user_token("per"))["items"]] == ["Siv Lie ga deg Bra!"]
    send(app, client, org, [ev("kudos.given", "siv", "person:kari", "kari", at(1, 10), about="article:plan")])

    def texts() -> dict:
        return {p: [(i["at"], i["text"]) for i in feed(client, user_token(p))["items"]] for p in ("ola", "per", "kari")}
    want = {"ola": [("2026-11-10T09:05:00Z", "Siv Lie ga deg Bra!")],
            "per": [("2026-11-11T09:05:00Z", "Siv Lie ga deg Bra!")],
            "kari": [("2026-11-10T09:01:00Z", "Siv Lie ga deg Bra! for «Planen»")]}
    assert texts() == want
    replay(state(app), ["notifications"])
    assert texts() == want


def test_an_earlier_bra_about_something_else_arriving_later_replaces_the_entry(app, client, org, user_token):
    """Siv's Bra! to Per about one article, then one she sent earlier that day about another
    arriving later: Per hears of one Bra!, the earlier; a replay gives the same."""
    send(app, client, org, [ev("kudos.given", "siv", "person:per", "per", at(5), about="article:first")])
    send(app, client, org, [ev("kudos.given", "siv", "person:per", "per", at(1), about="article:second")])

    def per() -> list:
        return [(i["at"], i["text"]) for i in feed(client, user_token("per"))["items"]]
    assert per() == [("2026-11-10T09:01:00Z", "Siv Lie ga deg Bra!")]
    replay(state(app), ["notifications"])
    assert per() == [("2026-11-10T09:01:00Z", "Siv Lie ga deg Bra!")]


def test_each_givers_bra_message_reaches_the_recipient_and_a_replay_keeps_it(app, client, org, user_token):
    """Siv's and Ola's Bra!s to Kari on one day make one group; each message is shown with its
    giver, newest first, as plain text (the bell escapes it); Per's Bra! without words adds no
    line; a repeat from Siv (which does not count) does not replace her words; a replay gives the same."""
    send(app, client, org, [
        ev("kudos.given", "siv", "person:kari", "kari", at(1), message="  Takk for hjelpen med budsjettet  "),
        ev("kudos.given", "ola", "person:kari", "kari", at(2), message='<img src=x onerror="alert(1)">'),
        ev("kudos.given", "per", "person:kari", "kari", at(3)),
        ev("kudos.given", "siv", "person:kari", "kari", at(4), message="En gang til")])

    def item(lang: str = "nb") -> dict:
        (only,) = feed(client, user_token("kari"), lang=lang)["items"]
        return {k: only[k] for k in ("count", "text", "messages")}
    want = {"count": 3, "text": "Per Berg og 2 andre ga deg Bra!", "messages": [
        {"actor": "Ola Hansen", "message": '<img src=x onerror="alert(1)">',
         "text": 'Ola Hansen ga deg Bra!: «<img src=x onerror="alert(1)">»'},
        {"actor": "Siv Lie", "message": "Takk for hjelpen med budsjettet",
         "text": "Siv Lie ga deg Bra!: «Takk for hjelpen med budsjettet»"}]}
    assert item() == want
    assert item("en")["messages"][1]["text"] == "Siv Lie gave you kudos: “Takk for hjelpen med budsjettet”"
    assert [i["messages"] for i in feed(client, user_token("per"))["items"]] == []
    replay(state(app), ["notifications"])
    assert item() == want


def test_a_bra_message_from_the_bus_is_bounded_as_the_event_schema_bounds_it():
    """An event read straight off the bus was never checked by the API: its words still fit."""
    event = Event("k1", "kudos.given", "siv", Target("person", "kari", "kari"), datetime.now(UTC), "",
                  data={"message": "x" * 5000})
    assert kudos_message(event) == "x" * MESSAGE_MAX == "x" * 500
    assert kudos_message(Event("k2", "kudos.given", "siv", Target("person", "kari", "kari"), datetime.now(UTC), "",
                               data={"message": ["no"]})) is None


def test_a_bra_message_stays_on_one_line_without_invisible_controls(app, client, org, user_token):
    """A giver cannot start a line that reads like another person's Bra!, nor turn text backwards."""
    send(app, client, org, [ev("kudos.given", "siv", "person:kari", "kari", at(1),
                               message="Takk!\n\nLena Berg ga deg Bra!: «Du er oppsagt»\u202eabc\u2066\x07")])
    (only,) = feed(client, user_token("kari"))["items"]
    assert only["messages"][0]["message"] == "Takk! Lena Berg ga deg Bra!: «Du er oppsagt»abc"


def test_a_bra_group_is_as_old_as_the_bra_it_shows(app, client, org, user_token):
    """Siv's Bra! from 10:05 arrives first; her Bra! from 10:01 arrives later and is the one that
    counts: the bell shows its words and its time, not the displaced one's."""
    send(app, client, org, [ev("kudos.given", "siv", "person:kari", "kari", at(5), message="Seinere")])
    send(app, client, org, [ev("kudos.given", "siv", "person:kari", "kari", at(1), message="Tidligere")])
    (only,) = feed(client, user_token("kari"))["items"]
    assert [m["message"] for m in only["messages"]] == ["Tidligere"]
    assert only["at"] == "2026-11-10T09:01:00Z"


def test_an_erased_persons_groups_take_ids_from_the_pseudonym_not_from_their_id(app, client, org):
    """A group's id is a hash of its key; once erasure renames the person, an id still hashed from
    their id would let anyone who can guess ids tell whose group it was."""
    from sqlalchemy import select

    from engagement.notifications.model import Notification, group_id
    send(app, client, org, [ev("like.added", "ola", "article:a1", "kari", at(1)),
                            ev("kudos.given", "ola", "person:kari", "kari", at(2))])
    assert client.post("/v1/directory/people/kari/erase", headers=bearer(org)).status_code == 200
    with app.app_context():
        groups = state(app).db.session.scalars(select(Notification)).all()
    assert len(groups) == 2 and all(g.person.startswith("erased-") for g in groups)
    assert all(g.id == group_id(g.person, g.kind, g.ref, g.day) for g in groups)
