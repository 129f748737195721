"""The notifications' batch path on PostgreSQL (the changed groups read after the handlers, by key,
and every table written in one statement) gives what applying one event at a time on SQLite gives
(a statement per table, every group read and written per event): the same groups with the same
entries in the same order, times, ids, titles, idea people and like states, on a seeded mix of every
kind the bell hears of, out of order, with owners learned late, unlikes, repeated and displaced
Bra!s and back-filled contributions."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from engagement import migrate as schema
from engagement.bus.base import Record
from engagement.consumers.notifications import Notifications
from engagement.events import Event, Target
from engagement.notifications.model import Notification, NotifyIdeaPerson, NotifyLike, NotifyTitle, group_id

pytestmark = [pytest.mark.postgres]

PEOPLE = ("kari", "ola", "per", "siv", "bo", "lena", "åse", "x\"y")
ARTICLES = {f"a{i}": PEOPLE[i % len(PEOPLE)] for i in range(6)}
IDEAS = {"i1": "kari", "i2": "ola"}


def mixed_events(seed: int, count: int) -> list[Event]:
    """A seeded mix, in an order that is not the order of the events' times. Users' likes and
    comments name no owner (ingest gives them none): they wait until the back end publishes."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 9, 20, tzinfo=UTC)  # around midnight in Oslo: days differ from UTC's
    events, adopted = [], set()
    for i in range(count):
        when = start + timedelta(minutes=rng.randrange(3 * 24 * 60), microseconds=rng.choice((0, 0, 250_000)))
        actor = rng.choice(PEOPLE)
        roll = rng.random()
        if roll < 0.35:
            kind, liked = rng.choice(("article", "article", "contribution")), rng.random() < 0.7
            target_id = rng.choice(list(ARTICLES)) if kind == "article" else rng.choice(("c1", "c2", "c3"))
            events.append(Event(f"e{i}", "like.added" if liked else "like.removed", actor, Target(kind, target_id, ""),
                                when, "test", submitted_by="user:" + actor))
        elif roll < 0.5:
            target_id = rng.choice(list(ARTICLES))
            events.append(Event(f"e{i}", "comment.posted", actor, Target("article", target_id, ""), when, "test",
                                data={"comment_id": f"k{i}", "text": "ja"}, submitted_by="user:" + actor))
        elif roll < 0.58:
            target_id = rng.choice(list(ARTICLES))
            owner = ARTICLES[target_id]
            events.append(Event(f"e{i}", "content.published", owner, Target("article", target_id, owner), when,
                                "test", data={"content_kind": "article", "title": f"Tittel {i}"},
                                submitted_by="intranet"))
        elif roll < 0.78:
            to = rng.choice(PEOPLE)
            about = rng.choice((None, "article:a1", "article:a2"))
            message = rng.choice((None, "Takk!", "Bra jobba\u202e med\n dette"))
            data = {**({"about": about} if about else {}), **({"message": message} if message else {})}
            events.append(Event(f"e{i}", "kudos.given", actor, Target("person", to, to), when, "test", data=data,
                                submitted_by="intranet"))
        else:
            idea = rng.choice(list(IDEAS))
            owner = IDEAS[idea]
            kind = rng.choice(("idea.submitted", "idea.contributed", "idea.contributed", "idea.answered",
                               "idea.adopted"))
            data: dict = {}
            if kind == "idea.submitted":
                actor, data = owner, {"title": f"Idé {i}"}
            elif kind == "idea.contributed":
                data = {"contribution_id": rng.choice(("c1", "c2", "c3")), "text": "Og fredag"}
            elif kind == "idea.answered" or idea in adopted:
                kind, data = "idea.answered", {"status": "declined", "note": "Svar"}
            else:  # once per idea: after a second adoption, what a late contribution hears of depends on
                # where batches begin (it did before the batch path too)
                adopted.add(idea)
                data = {"note": "Ja", "credited": rng.sample(PEOPLE, 2)}
            events.append(Event(f"e{i}", kind, actor, Target("idea", idea, owner), when, "test", data=data,
                                submitted_by="intranet"))
    return events


def apply(engine, events: list[Event], size: int) -> None:
    """As the runner applies them: batches of ``size``, each in one transaction with its claims."""
    model = Notifications("Europe/Oslo")
    for start in range(0, len(events), size):
        batch = [(e, Record("test", 0, start + i, b"")) for i, e in enumerate(events[start:start + size])]
        with Session(engine) as session, session.begin():
            fresh = model.claim(session, [e.id for e, _ in batch])
            model.apply(session, [(e, r) for e, r in batch if e.id in fresh])


def contents(engine) -> dict:
    with Session(engine) as session:
        groups = {(g.person, g.kind, g.ref, g.day): (g.id, g.actors, g.last_at)
                  for g in session.scalars(select(Notification))}
        return {"groups": groups,
                "titles": {t.ref: t.title for t in session.scalars(select(NotifyTitle))},
                "idea_people": sorted((p.idea_ref, p.person) for p in session.scalars(select(NotifyIdeaPerson))),
                "likes": {(s.ref, s.liker): (s.liked, s.changed_at, s.event_id)
                          for s in session.scalars(select(NotifyLike))}}


@pytest.mark.parametrize("seed", [1, 2])
def test_batches_on_postgresql_give_what_one_event_at_a_time_gives(empty_postgres_url, tmp_path, seed):
    events = mixed_events(seed, 600)
    sqlite = create_engine(f"sqlite:///{tmp_path / 'one_at_a_time.sqlite3'}")
    postgres = create_engine(empty_postgres_url)
    for engine in (sqlite, postgres):
        schema.upgrade(engine)
    apply(sqlite, events, 1)
    apply(postgres, events[:300], 97)  # batches that split what belongs together, and
    apply(postgres, events[300:] + events[250:300], 500)  # one large one, with redelivered events
    want, got = contents(sqlite), contents(postgres)
    assert len(want["groups"]) > 50 and any(len(actors) > 2 for _, actors, _ in want["groups"].values())
    assert {kind for _, kind, _, _ in want["groups"]} == {"like", "comment", "kudos", "contribution", "answer",
                                                          "adopted"}
    assert any("m" in a for _, actors, _ in want["groups"].values() for a in actors)
    assert got == want
    assert all(group_id(*key) == id_ for key, (id_, _, _) in got["groups"].items())
    postgres.dispose()
    sqlite.dispose()
