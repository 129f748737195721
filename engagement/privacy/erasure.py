"""Erasing a person who has left: from the directory, every read model, and the ledger.

The person's id is replaced everywhere by one fresh random pseudonym, in one transaction,
so team sums, counts and the trust report stay as they were (a colleague who left still
shared last spring) while nothing links them to the person any more; replay from the
ledger gives the same answer, since the ledger carries the pseudonym too. Inside events
(ids, data, the embedded bus's raw log) see :mod:`engagement.privacy.erasure_events`. The
directory entry (name, e-mail) is deleted. Free texts people wrote are content and are kept.
Raw events on Kafka cannot be rewritten: they leave with the topic's own retention.
"""
from __future__ import annotations

import json
import logging
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engagement.awards.model import AwardCredit, AwardLike, AwardScore, AwardSnapshot, AwardSummary, AwardTally
from engagement.awards.scoring import PERSON_FACETS
from engagement.db import changed_rows
from engagement.directory.model import Membership, Person
from engagement.ideas.model import AbuseReport, Campaign, Contribution, Idea, IdeaCredit
from engagement.ledger.model import LedgerEvent
from engagement.notifications.model import (
    MailOutbox,
    Notification,
    NotificationMark,
    NotifyIdeaPerson,
    NotifyLike,
    NotifyPreference,
)
from engagement.ownership.model import OwnerWaiting, TargetOwner
from engagement.privacy import erasure_events
from engagement.privacy.erasure_events import Renaming
from engagement.profiles.model import ProfileCompletion, ProfileField, ProfileMilestone
from engagement.recognition.model import KudosFirst, LikeState, PersonRecognition, RecognitionPair, TargetStats
from engagement.trust.model import TrustActivity, TrustAudit, TrustContribution

if TYPE_CHECKING:
    from engagement.state import EngagementState

logger = logging.getLogger(__name__)
PERSON_COLUMNS = (
    LedgerEvent.actor, LedgerEvent.target_owner, LikeState.person, TargetStats.owner, PersonRecognition.person,
    RecognitionPair.person, RecognitionPair.colleague, Membership.person_id, Campaign.owner, Idea.author,
    Idea.answered_by, Contribution.author, AbuseReport.reporter, IdeaCredit.person, ProfileField.person,
    ProfileCompletion.person, ProfileMilestone.person, AwardCredit.person, AwardCredit.colleague, AwardLike.liker,
    AwardScore.person, AwardSummary.person, AwardTally.person, TrustActivity.person, TrustContribution.person,
    Notification.person, NotifyLike.liker,
    NotifyIdeaPerson.person, NotificationMark.person, NotifyPreference.person, TargetOwner.owner, OwnerWaiting.actor,
    KudosFirst.giver, KudosFirst.recipient)
# Where a person is the target of kudos: "person:<id>" references and person targets.
PERSON_REFS = (AwardCredit.ref, AwardLike.ref, TrustContribution.ref, Notification.ref, NotifyLike.ref,
               NotificationMark.ref, KudosFirst.subject, KudosFirst.about)
# Where a person is named as the one who did something: "user:<id>", as Principal.label writes it.
PERSON_LABELS = (LedgerEvent.submitted_by, TrustAudit.who, AwardSnapshot.finalised_by)
PERSON_TARGETS = ((LedgerEvent.target_kind, LedgerEvent.target_id), (LikeState.target_kind, LikeState.target_id),
                  (TargetStats.target_kind, TargetStats.target_id))


def erase(st: EngagementState, person: str) -> dict:
    """Replace ``person`` everywhere by a pseudonym; answer how many rows changed."""
    pseudonym = f"erased-{secrets.token_hex(8)}"  # a person's scoped event ids keep room for its length
    renaming = Renaming(person, pseudonym)
    changed = 0
    with Session(st.engine) as session, session.begin():
        found = session.get(Person, person)
        for column in PERSON_COLUMNS:
            changed += _replace(session, column, person, pseudonym)
        for column in PERSON_REFS:
            changed += _replace(session, column, f"person:{person}", f"person:{pseudonym}")
        for kind, target in PERSON_TARGETS:
            changed += changed_rows(session, update(kind.class_).where(kind == "person", target == person)
                                    .values({target.key: pseudonym}))
        for column in PERSON_LABELS:
            changed += _replace(session, column, f"user:{person}", f"user:{pseudonym}")
        changed += changed_rows(session, update(AwardTally)
                                .where(AwardTally.facet.in_(PERSON_FACETS), AwardTally.key == person)
                                .values(key=pseudonym))
        changed += _rewrite_json(session, person, pseudonym, found.name if found else None)
        changed += _rename_inside_events(session, renaming)
        session.execute(delete(MailOutbox).where(MailOutbox.person == person))  # sent mail: names and address
        if found is not None:
            session.delete(found)
        session.flush()
        changed += _rewrite_raw_log(st, renaming)  # last: a failure rolls the database back too
    _forget_in_redis(st, person)
    return {"person": person, "erased": found is not None or changed > 0, "rows": changed}


def _rename_inside_events(session: Session, renaming: Renaming) -> int:
    """Ledger data and stored wire forms first, then the ids they are keyed by."""
    changed = erasure_events.rewrite_ledger_data(session, renaming)
    changed += erasure_events.rewrite_payloads(session, renaming)
    return changed + erasure_events.rename_event_ids(session, renaming)


def _rewrite_raw_log(st: EngagementState, renaming: Renaming) -> int:
    """The embedded bus is the durable copy of every raw event; Kafka's topic cannot be rewritten."""
    rewrite = getattr(st.bus, "rewrite", None)
    return rewrite(renaming.person, renaming.wire) if rewrite is not None else 0


def _replace(session: Session, column, old: str, new: str) -> int:
    return changed_rows(session, update(column.class_).where(column == old).values({column.key: new}))


def _rewrite_json(session: Session, person: str, pseudonym: str, name: str | None) -> int:
    """Notification groups and frozen award results name people inside JSON."""
    changed = 0
    needle = json.dumps(person)
    for group in session.scalars(select(Notification)):
        if any(a["p"] == person for a in group.actors):
            group.actors = [{**a, "p": pseudonym} if a["p"] == person else a for a in group.actors]
            changed += 1
    for snapshot in session.scalars(select(AwardSnapshot)):
        text = json.dumps(snapshot.result)
        if needle in text:
            if name:
                text = text.replace(json.dumps(name), json.dumps(pseudonym))
            snapshot.result = json.loads(text.replace(needle, json.dumps(pseudonym)))
            changed += 1
    return changed


def _forget_in_redis(st: EngagementState, person: str) -> None:
    """Cached counts are rebuilt from SQL on the next read; top lists lose the person."""
    try:
        st.recognition_cache.clear()
        st.award_board.forget(person)
    except Exception as exc:  # noqa: BLE001 - SQL has been erased; a cache that is down is cleared by replay
        logger.warning("erasure: Redis not cleared (%r); run `engagement replay recognition awards`", exc)
