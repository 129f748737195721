"""The ideas and profiles read models apply a batch in memory and write each table once
(consumers/ideas.py, consumers/profiles.py). A mixed sequence (repeats, answers before their
idea and older than the last one, edits, reports and decisions parked until their item comes,
a back-filled contribution, profile fields cleared and refilled) leaves the same rows however it
is cut into batches, on PostgreSQL and on SQLite, and the same rows as the statement-per-row
version that came before (EXPECTED was recorded with it)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from engagement import migrate as schema
from engagement.bus.base import Record
from engagement.consumers.ideas import Ideas
from engagement.consumers.profiles import Profiles
from engagement.events import Event, EventType, Target
from engagement.ideas.model import AbuseReport, Contribution, Idea, IdeaCredit
from engagement.ledger.model import ParkedEvent
from engagement.profiles import checklist
from engagement.profiles.model import ProfileCompletion, ProfileField, ProfileMilestone

pytestmark = [pytest.mark.postgres]

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
E = EventType


def event(event_id: str, type_: EventType, actor: str, target: tuple[str, str, str], minutes: int, **data) -> Event:
    return Event(event_id, type_, actor, Target(*target), T0 + timedelta(minutes=minutes), "tests", data=data,
                 submitted_by="intranet")


def idea(idea_id: str, author: str) -> tuple[str, str, str]:
    return ("idea", idea_id, author)


def contribution(contribution_id: str, author: str) -> tuple[str, str, str]:
    return ("contribution", contribution_id, author)


def profile(event_id: str, person: str, minutes: int, **fields) -> Event:
    return event(event_id, E.PROFILE_UPDATED, person, ("person", person, person), minutes, fields=fields)


EVERYTHING_BUT_PHOTO = {"title": "Rådgiver", "about": "Hei", "skills": ["python"], "languages": ["nb"],
                        "location": "Oslo", "ask_me_about": "Budsjett"}

SEQUENCE = [
    event("ans-early", E.IDEA_ANSWERED, "lena", idea("i-2", "ola"), 20, status="under_review"),  # parked
    event("sub-1", E.IDEA_SUBMITTED, "kari", idea("i-1", "kari"), 0, title="Salatbar"),
    event("con-1", E.IDEA_CONTRIBUTED, "ola", idea("i-1", "kari"), 1, contribution_id="c1", text="Fredag"),
    event("edit-c3", E.CONTRIBUTION_EDITED, "per", contribution("c3", "per"), 3, text="Suppe"),  # parked
    profile("p1", "kari", 1, **EVERYTHING_BUT_PHOTO),
    event("adopt-1", E.IDEA_ADOPTED, "lena", idea("i-1", "kari"), 5, note="Ja"),
    event("con-3", E.IDEA_CONTRIBUTED, "per", idea("i-1", "kari"), 2, contribution_id="c3", text="Salat"),  # late
    event("con-4", E.IDEA_CONTRIBUTED, "siv", idea("i-1", "kari"), 8, contribution_id="c4", text="Etterpå"),
    profile("p2", "kari", 2, photo="k.jpg"),  # 100 %
    event("sub-1", E.IDEA_SUBMITTED, "kari", idea("i-1", "kari"), 0, title="Salatbar"),  # the same event again
    event("sub-1b", E.IDEA_SUBMITTED, "kari", idea("i-1", "kari"), 4, title="Annet"),  # the idea again
    profile("p3", "kari", 3, photo=""),  # 80 %
    event("sub-2", E.IDEA_SUBMITTED, "ola", idea("i-2", "ola"), 10, title="Sykkel"),  # releases ans-early
    event("ans-old", E.IDEA_ANSWERED, "lena", idea("i-2", "ola"), 15, status="declined"),  # older: ignored
    event("rep-1", E.CONTENT_REPORTED, "kari", contribution("c1", "ola"), 6, reason="spam"),
    event("rep-2", E.CONTENT_REPORTED, "kari", contribution("c1", "ola"), 7),  # the same person again
    profile("p4", "kari", 4, photo="y.jpg"),  # 100 % again: no second milestone
    event("rep-3", E.CONTENT_REPORTED, "lena", contribution("c1", "ola"), 7),  # two people: hidden
    event("mod-c1", E.CONTENT_MODERATED, "admin", contribution("c1", "ola"), 9, decision="restored"),
    event("rep-4", E.CONTENT_REPORTED, "siv", contribution("c1", "ola"), 10),  # restored stays up
    profile("p0", "kari", 0, photo="old.jpg"),  # older than every photo: changes nothing
    event("mod-i3", E.CONTENT_MODERATED, "admin", idea("i-3", "per"), 30, decision="removed"),  # waits for good
    event("rep-i2", E.CONTENT_REPORTED, "kari", idea("i-2", "ola"), 11),
    event("edit-i2", E.IDEA_EDITED, "ola", idea("i-2", "ola"), 12, title="Sykkelparkering"),
    event("edit-foreign", E.IDEA_EDITED, "kari", idea("i-2", "ola"), 13, title="Kapret"),  # not the author
    profile("q1", "ola", 5, title="Leder"),
    profile("q0", "ola", 3, title=""),  # older: ignored
    profile("p4", "kari", 4, photo="y.jpg"),  # the same event again
    event("sub-5", E.IDEA_SUBMITTED, "kari", idea("i-5", "kari"), 0, title="Kantine"),
    event("adopt-5", E.IDEA_ADOPTED, "lena", idea("i-5", "kari"), 5),
    event("ans-5", E.IDEA_ANSWERED, "lena", idea("i-5", "kari"), 6, status="declined", note="Likevel ikke"),
    event("con-5", E.IDEA_CONTRIBUTED, "ola", idea("i-5", "kari"), 1, contribution_id="c5", text="Ja!"),
    event("mod-c4", E.CONTENT_MODERATED, "admin", contribution("c4", "siv"), 9, decision="removed"),
    event("rep-c4", E.CONTENT_REPORTED, "kari", contribution("c4", "siv"), 12),
    profile("q2", "ola", 6, skills=["a"], photo="o.jpg"),
]


def at(minutes: int) -> datetime:
    return (T0 + timedelta(minutes=minutes)).replace(tzinfo=None)


# What the statement-per-row read models (before the batch-first rework) left after SEQUENCE.
EXPECTED = {
    "ideas": [
        ("i-1", None, "kari", "Salatbar", "", at(0), at(0), "adopted", "Ja", "lena", at(5), "visible", None),
        ("i-2", None, "ola", "Sykkelparkering", "", at(10), at(10), "under_review", None, "lena", at(20),
         "visible", at(12)),
        ("i-5", None, "kari", "Kantine", "", at(0), at(0), "declined", "Likevel ikke", "lena", at(6), "visible",
         None)],
    "contributions": [
        ("c1", "i-1", "ola", "Fredag", at(1), at(1), "restored", None),
        ("c3", "i-1", "per", "Suppe", at(2), at(2), "visible", at(3)),
        ("c4", "i-1", "siv", "Etterpå", at(8), at(8), "removed", None),
        ("c5", "i-5", "ola", "Ja!", at(1), at(1), "visible", None)],
    "credits": [("i-1", "kari", "author", at(5)), ("i-1", "ola", "contributor", at(5)),
                ("i-1", "per", "contributor", at(5)), ("i-5", "kari", "author", at(5))],
    "reports": [("rep-1", "contribution", "c1", "kari", "spam", at(6), "restored"),
                ("rep-2", "contribution", "c1", "kari", "", at(7), "restored"),
                ("rep-3", "contribution", "c1", "lena", "", at(7), "restored"),
                ("rep-4", "contribution", "c1", "siv", "", at(10), None),
                ("rep-c4", "contribution", "c4", "kari", "", at(12), None),
                ("rep-i2", "idea", "i-2", "kari", "", at(11), None)],
    "fields": [("kari", "about", True, at(1)), ("kari", "ask_me_about", True, at(1)),
               ("kari", "languages", True, at(1)), ("kari", "location", True, at(1)),
               ("kari", "photo", True, at(4)), ("kari", "skills", True, at(1)), ("kari", "title", True, at(1)),
               ("ola", "photo", True, at(6)), ("ola", "skills", True, at(6)), ("ola", "title", True, at(5))],
    "completion": [("kari", 100), ("ola", 55)],
    "milestones": [("kari", at(2))],
    "parked": [("ideas", "mod-i3", "idea:i-3")],
}


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request, tmp_path):
    if request.param == "postgresql":
        return request.getfixturevalue("empty_postgres_url")
    return f"sqlite:///{tmp_path / 'batches.sqlite3'}"


def run(url: str, size: int) -> dict:
    """SEQUENCE in batches of ``size`` (0: all in one), each claimed then applied in one transaction
    as the runner does (an id seen before, in an earlier batch or this one, is left out)."""
    engine = create_engine(url)
    schema.upgrade(engine)
    models = (Ideas(reports_to_hide=2), Profiles(checklist.parse(checklist.DEFAULT)))
    size = size or len(SEQUENCE)
    for start in range(0, len(SEQUENCE), size):
        chunk = list({e.id: e for e in reversed(SEQUENCE[start:start + size])}.values())[::-1]  # first of each id
        for model in models:
            with Session(engine) as session, session.begin():
                claimed = model.claim(session, [e.id for e in chunk])
                model.apply(session, [(e, Record("engagement.events", 0, start + i, b""))
                                      for i, e in enumerate(chunk) if e.id in claimed])
    state = snapshot(engine)
    with Session(engine) as session, session.begin():
        for model in models:
            model.reset(session)
    engine.dispose()
    return state


def snapshot(engine) -> dict:
    def rows(model, *order) -> list[tuple]:
        with Session(engine) as session:
            return [tuple(row) for row in session.execute(select(*model.__table__.columns).order_by(*order))]
    return {"ideas": rows(Idea, Idea.id), "contributions": rows(Contribution, Contribution.id),
            "credits": rows(IdeaCredit, IdeaCredit.idea_id, IdeaCredit.person),
            "reports": [(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows(AbuseReport, AbuseReport.event_id)],
            "fields": rows(ProfileField, ProfileField.person, ProfileField.field),
            "completion": rows(ProfileCompletion, ProfileCompletion.person),
            "milestones": rows(ProfileMilestone, ProfileMilestone.person),
            "parked": parked(engine)}


def parked(engine) -> list[tuple]:
    with Session(engine) as session:
        return [tuple(row) for row in session.execute(
            select(ParkedEvent.consumer, ParkedEvent.event_id, ParkedEvent.waits_for)
            .where(ParkedEvent.consumer.in_(("ideas", "profiles"))).order_by(ParkedEvent.event_id))]


@pytest.mark.parametrize("size", [1, 3, 7, 0])
def test_a_mixed_sequence_leaves_the_same_rows_however_it_is_batched(url, size):
    assert run(url, size) == EXPECTED
