"""Each read model's rules, with no HTTP and no bus: events go straight into the read model
through the base's loop (claimed, then applied, one transaction per batch, as the runner does),
and the rows it keeps are read back from a migrated SQLite database."""
from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from engagement import migrate as schema
from engagement.awards.model import AwardCredit, AwardTally
from engagement.bus.base import Record
from engagement.consumers.awards import Awards
from engagement.consumers.base import ReadModel
from engagement.consumers.ideas import Ideas
from engagement.consumers.notifications import Notifications
from engagement.consumers.profiles import Profiles
from engagement.consumers.recognition import Recognition
from engagement.consumers.trust import Trust
from engagement.directory.model import Membership
from engagement.events import Event, EventType, Target
from engagement.ideas.model import Contribution, Idea, IdeaCredit
from engagement.notifications.model import Notification
from engagement.profiles import checklist
from engagement.profiles.model import ProfileCompletion, ProfileMilestone
from engagement.recognition.model import PersonRecognition, TargetStats
from engagement.trust.model import TrustActivity

ZONE = "Europe/Oslo"
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
ARTICLE = ("article", "a-1", "ola")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One migrated database per module; each test gets a copy (a file copy, not a migration)."""
    path = tmp_path_factory.mktemp("rules") / "template.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def engine(template, tmp_path):
    path = tmp_path / "db.sqlite3"
    shutil.copy(template, path)
    engine = create_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def event(event_id: str, type_: EventType, actor: str = "kari", target: tuple = ARTICLE, minutes: int = 0,
          **data) -> Event:
    """An event from the intranet's back end (an API key: it states its target's owner)."""
    return Event(event_id, type_, actor, Target(*target), T0 + timedelta(minutes=minutes), "tests", data=data,
                 submitted_by="intranet")


def feed(engine, model: ReadModel, *events: Event) -> None:
    """One batch, as the runner gives it: ids claimed (a seen id is left out), then applied."""
    with Session(engine) as session, session.begin():
        claimed = model.claim(session, [e.id for e in events])
        model.apply(session, [(e, Record("engagement.events", 0, i, b"")) for i, e in enumerate(events)
                              if e.id in claimed])


def scalar(engine, query):
    with Session(engine) as session:
        return session.scalar(query)


def likes_on_article(engine) -> int:
    return scalar(engine, select(TargetStats.likes).where(TargetStats.target_id == "a-1")) or 0


def likes_received(engine, person: str = "ola") -> int:
    return scalar(engine, select(PersonRecognition.received).where(
        PersonRecognition.person == person, PersonRecognition.kind == "like")) or 0


def kudos_received(engine, person: str = "ola") -> int:
    return scalar(engine, select(PersonRecognition.received).where(
        PersonRecognition.person == person, PersonRecognition.kind == "kudos")) or 0


def award_count(engine, person: str = "ola") -> int:
    return scalar(engine, select(func.coalesce(func.sum(AwardTally.count), 0)).where(AwardTally.person == person))


def like_notices(engine, person: str = "ola") -> list[str]:
    with Session(engine) as session:
        groups = session.scalars(select(Notification).where(Notification.person == person,
                                                            Notification.kind == "like")).all()
        return sorted(a["p"] for g in groups for a in g.actors)


# -- the like rule, the same in recognition, awards and notifications ------------------------

LIKE_MODELS = {
    "recognition": (Recognition, likes_received),
    "awards": (lambda: Awards(ZONE), award_count),
    "notifications": (lambda: Notifications(ZONE), lambda engine: len(like_notices(engine))),
}


@pytest.mark.parametrize("name", LIKE_MODELS)
def test_like_then_unlike_leaves_nothing(engine, name):
    make, liked = LIKE_MODELS[name]
    model = make()
    feed(engine, model, event("like-1", EventType.LIKE_ADDED, minutes=1))
    assert liked(engine) > 0
    feed(engine, model, event("unlike-1", EventType.LIKE_REMOVED, minutes=2))
    assert liked(engine) == 0


@pytest.mark.parametrize("name", LIKE_MODELS)
def test_an_older_like_arriving_late_changes_nothing(engine, name):
    make, liked = LIKE_MODELS[name]
    model = make()
    feed(engine, model, event("unlike-1", EventType.LIKE_REMOVED, minutes=5))
    feed(engine, model, event("like-1", EventType.LIKE_ADDED, minutes=1))  # retried, older than the unlike
    assert liked(engine) == 0


@pytest.mark.parametrize("name", LIKE_MODELS)
def test_a_later_like_wins_over_an_earlier_unlike_in_one_batch(engine, name):
    make, liked = LIKE_MODELS[name]
    model = make()
    feed(engine, model, event("like-2", EventType.LIKE_ADDED, minutes=3),
         event("unlike-1", EventType.LIKE_REMOVED, minutes=2))
    assert liked(engine) > 0


def test_recognition_counts_a_duplicate_event_once(engine):
    model = Recognition()
    like = event("like-1", EventType.LIKE_ADDED)
    feed(engine, model, like)
    feed(engine, model, like)  # a client's retry
    assert (likes_on_article(engine), likes_received(engine)) == (1, 1)


def test_recognition_never_counts_a_self_like_as_recognition(engine):
    feed(engine, Recognition(), event("like-1", EventType.LIKE_ADDED, actor="ola"))
    assert (likes_on_article(engine), likes_received(engine)) == (1, 0)


def test_a_bra_counts_once_per_giver_colleague_and_month(engine):
    model, ola = Recognition(), ("person", "ola", "ola")
    feed(engine, model, event("bra-1", EventType.KUDOS_GIVEN, target=ola, about="article:a-1"),
         event("bra-2", EventType.KUDOS_GIVEN, target=ola, minutes=60, about="article:made-up"))
    feed(engine, model, event("bra-3", EventType.KUDOS_GIVEN, target=ola, minutes=600))
    assert kudos_received(engine) == 1
    feed(engine, model, event("bra-4", EventType.KUDOS_GIVEN, target=ola, minutes=60 * 24 * 30))  # December
    feed(engine, model, event("bra-5", EventType.KUDOS_GIVEN, actor="per", target=ola))
    assert kudos_received(engine) == 3


def test_a_comment_waits_for_its_targets_owner_then_credits_them(engine):
    model, unowned = Recognition(), ("article", "a-2", "ola")
    comment = Event("c-1", EventType.COMMENT_POSTED, "kari", Target(*unowned), T0, "tests",
                    data={"comment_id": "c-1", "text": "Bra"}, submitted_by="user:kari")  # a claim, no authority
    feed(engine, model, comment)
    assert scalar(engine, select(PersonRecognition.received).where(PersonRecognition.person == "ola")) is None
    feed(engine, model, event("pub-1", EventType.CONTENT_PUBLISHED, actor="ola", target=unowned, minutes=5,
                              content_kind="article", title="Budsjett"))
    assert scalar(engine, select(PersonRecognition.received).where(
        PersonRecognition.person == "ola", PersonRecognition.kind == "comment")) == 1


# -- ideas ---------------------------------------------------------------------------------

IDEA = ("idea", "i-1", "kari")


def test_an_adopted_idea_credits_its_author_and_those_who_built_on_it(engine):
    model = Ideas()
    feed(engine, model, event("sub", EventType.IDEA_SUBMITTED, target=IDEA, title="Salatbar"),
         event("con-1", EventType.IDEA_CONTRIBUTED, actor="ola", target=IDEA, minutes=1, contribution_id="c1",
               text="Fredag"))
    feed(engine, model, event("adopt", EventType.IDEA_ADOPTED, actor="lena", target=IDEA, minutes=5, note="Ja"),
         event("con-2", EventType.IDEA_CONTRIBUTED, actor="per", target=IDEA, minutes=9, contribution_id="c2",
               text="Etterpå"))
    with Session(engine) as session:
        assert session.get(Idea, "i-1").status == "adopted"
        assert session.scalar(select(func.count()).select_from(Contribution)) == 2
        credits = sorted(session.execute(select(IdeaCredit.person, IdeaCredit.role)).all())
    assert credits == [("kari", "author"), ("ola", "contributor")]  # per built on it after the adoption


def test_an_answer_before_its_idea_waits_for_it(engine):
    model = Ideas()
    feed(engine, model, event("ans", EventType.IDEA_ANSWERED, actor="lena", target=IDEA, minutes=5,
                              status="under_review"))
    with Session(engine) as session:
        assert session.get(Idea, "i-1") is None
    feed(engine, model, event("sub", EventType.IDEA_SUBMITTED, target=IDEA, title="Salatbar"))
    with Session(engine) as session:
        assert session.get(Idea, "i-1").status == "under_review"


def test_enough_reporters_hide_an_idea(engine):
    model = Ideas(reports_to_hide=2)
    feed(engine, model, event("sub", EventType.IDEA_SUBMITTED, target=IDEA, title="Salatbar"),
         event("r-1", EventType.CONTENT_REPORTED, actor="ola", target=IDEA, reason="spam"))
    feed(engine, model, event("r-2", EventType.CONTENT_REPORTED, actor="ola", target=IDEA))
    with Session(engine) as session:
        assert session.get(Idea, "i-1").visibility == "visible"  # one person twice
    feed(engine, model, event("r-3", EventType.CONTENT_REPORTED, actor="per", target=IDEA))
    with Session(engine) as session:
        assert session.get(Idea, "i-1").visibility == "hidden"


# -- profiles ------------------------------------------------------------------------------

def profile(event_id: str, minutes: int, **fields) -> Event:
    return event(event_id, EventType.PROFILE_UPDATED, target=("person", "kari", "kari"), minutes=minutes,
                 fields=fields)


def completion(engine) -> int:
    return scalar(engine, select(ProfileCompletion.percent).where(ProfileCompletion.person == "kari"))


def test_profile_completion_follows_the_latest_state_of_each_field(engine):
    model = Profiles(checklist.parse(checklist.DEFAULT))
    feed(engine, model, profile("p1", 1, photo="k.jpg", title="Rådgiver"))
    assert completion(engine) == 35
    feed(engine, model, profile("p3", 3, photo=""), profile("p2", 2, skills=["python"]))
    assert completion(engine) == 35  # photo cleared, skills added
    feed(engine, model, profile("p0", 0, photo="old.jpg"))  # older than the clearing: changes nothing
    assert completion(engine) == 35


def test_a_full_profile_is_a_milestone_once(engine):
    model, everything = Profiles(checklist.parse(checklist.DEFAULT)), {s["field"]: "x" for s in checklist.DEFAULT}
    feed(engine, model, profile("p1", 1, **everything), profile("p2", 2, photo=None), profile("p3", 3, photo="y"))
    feed(engine, model, profile("p4", 4, photo="z"))
    assert completion(engine) == 100
    assert scalar(engine, select(func.count()).select_from(ProfileMilestone)) == 1


# -- awards --------------------------------------------------------------------------------

def test_award_tallies_count_a_like_once_and_take_it_back_with_the_unlike(engine):
    model = Awards(ZONE)
    like = event("like-1", EventType.LIKE_ADDED)
    feed(engine, model, like, event("pub", EventType.CONTENT_PUBLISHED, actor="ola", minutes=-5,
                                    content_kind="article", title="Budsjett"))
    feed(engine, model, like)
    with Session(engine) as session:
        credits = {c.event_id: (c.person, c.kind, c.month, c.active) for c in session.scalars(select(AwardCredit))}
    assert credits == {"like-1:r": ("ola", "recognition", "2026-11", True),
                       "pub": ("ola", "contribution", "2026-11", True)}
    recognised = award_count(engine)
    feed(engine, model, event("unlike-1", EventType.LIKE_REMOVED, minutes=1))
    assert award_count(engine) < recognised
    with Session(engine) as session:
        assert session.get(AwardCredit, "like-1:r").active is False


# -- trust ---------------------------------------------------------------------------------

def test_trust_rows_count_a_cross_team_like_and_recognise_the_article(engine):
    with Session(engine) as session, session.begin():
        session.add_all([Membership(person_id="kari", team_id="t-a"), Membership(person_id="ola", team_id="t-b")])
    model = Trust(ZONE)
    feed(engine, model, event("like-1", EventType.LIKE_ADDED, minutes=1))
    feed(engine, model, event("pub", EventType.CONTENT_PUBLISHED, actor="ola", content_kind="article", title="B"))
    with Session(engine) as session:
        rows = {(r.team_id, r.person): (r.contributions, r.likes_given, r.interactions, r.cross_team, r.recognised)
                for r in session.scalars(select(TrustActivity))}
    assert rows == {("t-a", "kari"): (0, 1, 1, 1, 0), ("t-b", "ola"): (1, 0, 0, 0, 1)}


# -- notifications -------------------------------------------------------------------------

def test_a_like_reaches_the_owner_and_a_self_like_nobody(engine):
    model = Notifications(ZONE)
    feed(engine, model, event("like-1", EventType.LIKE_ADDED), event("like-2", EventType.LIKE_ADDED, actor="per"),
         event("like-3", EventType.LIKE_ADDED, actor="ola"))
    assert like_notices(engine) == ["kari", "per"]
    assert scalar(engine, select(func.count()).select_from(Notification).where(Notification.person == "ola")) == 1
